BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Server = '127.0.0.1'
    $script:SmtpPort = [int](Get-PeerSetting SMTP_PORT)
    $script:Smtps = [int](Get-PeerSetting SMTPS_PORT)
    $script:Submission = [int](Get-PeerSetting SUBMISSION_PORT)
    $script:Credential = [pscredential]::new((Get-PeerSetting TEST_USER),
        (ConvertTo-SecureString (Get-PeerSetting TEST_PASSWORD) -AsPlainText -Force))
}

AfterAll {
    Get-SmtpSession | Disconnect-SmtpServer
}

Describe 'Connect-SmtpServer' {
    Context 'against the real Postfix peer' {
        It 'opens a plain session: greeting and EHLO done, capabilities known, still open' {
            $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None -ClientName client.smtptools.test

            $s | Should -BeOfType SmtpTools.SmtpConnection
            $s.IsOpen | Should -BeTrue
            $s.IsEncrypted | Should -BeFalse
            $s.Address.ToString() | Should -Be '127.0.0.1'
            $s.Greeting.Code | Should -Be 220
            $s.Capabilities.StartTls | Should -BeTrue
            $s.Transcript.Entries.Text | Should -Contain 'EHLO client.smtptools.test'
            $s | Disconnect-SmtpServer
        }

        It 'upgrades with STARTTLS when asked and records the certificate' {
            $s = Connect-SmtpServer $Server $SmtpPort -Tls StartTls -SkipCertificateCheck

            $s.IsEncrypted | Should -BeTrue
            $s.Tls.SubjectAlternativeNames | Should -Contain 'DNS:localhost'
            $s.CapabilitiesBeforeTls.StartTls | Should -BeTrue
            $s.Capabilities.StartTls | Should -BeFalse
            $s | Disconnect-SmtpServer
        }

        It 'speaks implicit TLS on the SMTPS port' {
            $s = Connect-SmtpServer $Server $Smtps -Tls Implicit -SkipCertificateCheck

            $s.IsEncrypted | Should -BeTrue
            $s.Greeting.Code | Should -Be 220
            $s | Disconnect-SmtpServer
        }

        It 'authenticates on the submission port and redacts the password in the transcript' {
            $s = Connect-SmtpServer $Server $Submission -Tls StartTls -SkipCertificateCheck -Credential $Credential

            $s.AuthenticatedAs | Should -Be $Credential.UserName
            $s.AuthenticationMechanism | Should -Not -BeNullOrEmpty
            ($s.Transcript.Entries.Text -join "`n") | Should -Not -Match ([regex]::Escape((Get-PeerSetting TEST_PASSWORD)))
            $s | Disconnect-SmtpServer
        }

        It 'refuses a self-signed certificate without -SkipCertificateCheck, as an error with no session left open' {
            $before = @(Get-SmtpSession).Count
            $s = Connect-SmtpServer $Server $SmtpPort -Tls StartTls -ErrorVariable err -ErrorAction SilentlyContinue

            $s | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpTlsFailed*'
            @(Get-SmtpSession).Count | Should -Be $before
        }

        It 'reports a wrong password as an AUTH error' {
            $wrong = [pscredential]::new($Credential.UserName, (ConvertTo-SecureString 'Wrong-1' -AsPlainText -Force))
            $s = Connect-SmtpServer $Server $Submission -Tls StartTls -SkipCertificateCheck -Credential $wrong `
                -ErrorVariable err -ErrorAction SilentlyContinue

            $s | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpAuthRejected*'
        }
    }

    Context 'faults' {
        It 'reports a closed port as a connection error' {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()

            Connect-SmtpServer $Server $port -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpConnectFailed*'
        }
    }

    Context 'tab completion' {
        It 'completes -SmtpServer with the servers used earlier by Send-SmtpMessage, Test-SmtpAuth and Connect-SmtpServer' {
            # Send-SmtpMessage -WhatIf names the server without connecting; the others connect for real.
            Send-SmtpMessage -SmtpServer 'relay.whatif.test' -Port 2525 -From a@smtptools.test -To b@smtptools.test `
                -Subject completion -Body x -WhatIf 6> $null
            Test-SmtpAuth localhost -Port $Submission -Credential $Credential -SkipCertificateCheck -Quiet | Should -BeTrue
            $s = Connect-SmtpServer -SmtpServer localhost -Port $SmtpPort -Tls None
            $s | Disconnect-SmtpServer

            $offered = Get-Completion 'Connect-SmtpServer -SmtpServer '
            $offered.CompletionText | Should -Contain 'relay.whatif.test'
            $offered[0].CompletionText | Should -Be 'localhost' -Because 'the most recent comes first'
            $offered[0].ToolTip | Should -BeLike "*$SmtpPort, $Submission*"
            (Get-Completion 'Send-SmtpMessage -SmtpServer rel').CompletionText | Should -Be 'relay.whatif.test'
            (Get-Completion 'Test-SmtpAuth loc').CompletionText | Should -Be 'localhost'
        }
    }
}
