BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Server = '127.0.0.1'
    $script:Submission = [int](Get-PeerSetting SUBMISSION_PORT)
    $script:Smtps = [int](Get-PeerSetting SMTPS_PORT)
    $script:User = Get-PeerSetting TEST_USER
    $script:Password = Get-PeerSetting TEST_PASSWORD
    $script:Credential = [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
    $script:PeerThumbprint = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem(
        (Get-Content -Raw (Get-PeerSetting CERT_FILE))).Thumbprint

    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    function Start-Replay([string] $Name) {
        [SmtpTools.TestServer.ScriptedSmtpServer]::StartFile(
            (Join-Path $PSScriptRoot "SmtpTools.Core.Tests/Replays/$Name.txt"), $null, $null)
    }

    # Every secret form that must never appear: the password, its base64, and the PLAIN and LOGIN payloads.
    function Get-SecretForms([string] $Secret) {
        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)) }
        @($Secret, (& $b64 $Secret), (& $b64 "`0$User`0$Secret"))
    }
}

Describe 'Test-SmtpAuth' {
    Context 'against the real submission port (Postfix + Dovecot, STARTTLS)' {
        It 'authenticates with the right password using <Mechanism>' -TestCases @(
            @{ Mechanism = 'PLAIN' }, @{ Mechanism = 'LOGIN' }, @{ Mechanism = 'CRAM-MD5' }, @{ Mechanism = 'SCRAM-SHA-1' }
            @{ Mechanism = 'SCRAM-SHA-256' }
        ) {
            $result = Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Credential -Mechanism $Mechanism `
                -SkipCertificateCheck

            $result | Should -BeOfType SmtpTools.SmtpAuthResult
            $result.Mechanism | Should -BeExactly $Mechanism
            $result.Succeeded | Should -BeTrue
            $result.ReplyCode | Should -Be 235
            $result.Address | Should -Be '127.0.0.1'
            $result.MechanismsAfterTls | Should -Contain $Mechanism
            $result.Transcript.Text | Should -Not -Match '^(MAIL|RCPT|DATA)'
        }

        It 'reports a wrong password as a result with 535 5.7.8, not an error' {
            $result = Test-SmtpAuth -SmtpServer $Server -Port $Submission -SkipCertificateCheck -ErrorVariable err `
                -Credential ([pscredential]::new($User, (ConvertTo-SecureString 'Wrong-Pass-1' -AsPlainText -Force)))

            $err | Should -BeNullOrEmpty
            $result.Succeeded | Should -BeFalse
            $result.ReplyCode | Should -Be 535
            $result.EnhancedStatus | Should -BeExactly '5.7.8'
            $result.Explanation.Code | Should -Be 535
        }

        It 'gives one result per advertised mechanism with -Mechanism All' {
            $results = @(Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Credential -Mechanism All `
                -SkipCertificateCheck)

            $advertised = $results[0].MechanismsAfterTls
            $results.Count | Should -Be $advertised.Count
            ($results.Mechanism | Sort-Object) | Should -Be ($advertised | Sort-Object)
            $results.Succeeded | Should -Not -Contain $false
            $results[0].MechanismsBeforeTls | Should -BeNullOrEmpty
        }

        It 'records the TLS session and the peer certificate' {
            $result = Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Credential -SkipCertificateCheck

            $result.Tls.Protocol | Should -BeLike 'Tls*'
            $result.Tls.Subject | Should -BeLike '*CN=localhost*'
            $result.Tls.SubjectAlternativeNames | Should -Contain 'DNS:localhost'
            $result.Tls.SubjectAlternativeNames | Should -Contain 'IP:127.0.0.1'
            $result.Tls.Thumbprint | Should -BeExactly $PeerThumbprint
            $result.Tls.NotAfter | Should -BeGreaterThan ([DateTime]::UtcNow)
            $result.Tls.ValidationErrors -join ' ' | Should -BeLike '*not trusted*'
        }

        It 'refuses the self-signed certificate without -SkipCertificateCheck, in words' {
            $result = Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Credential `
                -ErrorVariable err -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpTlsFailed,SmtpTools.Commands.TestSmtpAuthCommand'
            $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
            $err[0].Exception.Message | Should -BeLike "*127.0.0.1:$Submission*not trusted*"
        }

        It 'never shows the password or its base64 forms in output, verbose, errors or $Error' {
            $Error.Clear()
            $wrong = 'Wrong-' + [Guid]::NewGuid().ToString('N')
            $secrets = (Get-SecretForms $Password) + (Get-SecretForms $wrong)
            $badCredential = [pscredential]::new($User, (ConvertTo-SecureString $wrong -AsPlainText -Force))

            $all = & {
                Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Credential -Mechanism All -SkipCertificateCheck -Verbose
                Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $badCredential -Mechanism All -SkipCertificateCheck -Verbose
                Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $badCredential -Verbose -ErrorAction Continue
            } 4>&1 2>&1
            $text = ($all | ForEach-Object {
                    if ($_ -is [SmtpTools.SmtpAuthResult]) { $_ | Format-List * | Out-String; $_.Transcript.Text }
                    else { $_ | Out-String }
                }) -join "`n"
            $text += ($Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.Transcript }) -join "`n"

            $text | Should -BeLike '*<redacted>*'
            foreach ($secret in $secrets) { $text.Contains($secret) | Should -BeFalse -Because "'$secret' is a secret" }
        }

        It 'returns a single boolean with -Quiet' {
            $good = Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Credential -SkipCertificateCheck -Quiet
            $bad = Test-SmtpAuth -SmtpServer $Server -Port $Submission -SkipCertificateCheck -Quiet `
                -Credential ([pscredential]::new($User, (ConvertTo-SecureString 'nope' -AsPlainText -Force)))

            $good | Should -BeOfType [bool]
            $good | Should -BeTrue
            @($bad).Count | Should -Be 1
            $bad | Should -BeFalse
        }
    }

    Context 'failures before AUTH are non-terminating errors' {
        It 'writes SmtpAuthNotOffered on the implicit-TLS port, which offers no AUTH' {
            $result = Test-SmtpAuth -SmtpServer $Server -Port $Smtps -Tls Implicit -Credential $Credential `
                -SkipCertificateCheck -ErrorVariable err -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthNotOffered,SmtpTools.Commands.TestSmtpAuthCommand'
            $err[0].CategoryInfo.Category | Should -Be 'NotEnabled'
            $err[0].Exception.Transcript.ToString() | Should -BeLike '*EHLO*'
        }

        It 'binds servers from the pipeline by property name and goes on after one fails' {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $listener.Start(); $closed = $listener.LocalEndpoint.Port; $listener.Stop()
            $servers = [pscustomobject]@{ Host = $Server; Port = $closed },
                [pscustomobject]@{ ComputerName = $Server; Port = $Submission }

            $results = @($servers | Test-SmtpAuth -Credential $Credential -SkipCertificateCheck `
                -ErrorVariable err -ErrorAction SilentlyContinue)

            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpConnectFailed,SmtpTools.Commands.TestSmtpAuthCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $err[0].TargetObject | Should -Be "127.0.0.1:$closed"
            $results.Count | Should -Be 1
            $results[0].Port | Should -Be $Submission
            $results[0].Succeeded | Should -BeTrue
        }

        It 'refuses to send a password without TLS and names -AllowUnencryptedAuthentication' {
            $replay = Start-Replay 'auth-without-tls'
            try {
                Test-SmtpAuth -SmtpServer $replay.Host -Port $replay.Port -Credential $Credential -Tls None `
                    -ErrorVariable err -ErrorAction SilentlyContinue
                $replay.Completion.Wait(10000) | Should -BeTrue

                $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthWithoutTls,SmtpTools.Commands.TestSmtpAuthCommand'
                $err[0].Exception.Message | Should -BeLike '*-AllowUnencryptedAuthentication*'
                $replay.Received | Should -Not -Contain 'AUTH*'
            }
            finally { $replay.Dispose() }
        }
    }

    Context 'OAuth (scripted server)' {
        It 'decodes the XOAUTH2 error JSON and answers the continuation' {
            $replay = Start-Replay 'xoauth2-error'
            try {
                $result = Test-SmtpAuth -SmtpServer $replay.Host -Port $replay.Port -UserName 'someone@example.test' `
                    -AccessToken 'ya29.pester-token' -Mechanism XOAUTH2 -Tls None -AllowUnencryptedAuthentication
                $replay.Completion.Wait(10000) | Should -BeTrue

                $result.Succeeded | Should -BeFalse
                $result.ReplyCode | Should -Be 535
                $result.ErrorDetails | Should -BeLike '*"status":"401"*'
                ($result.Transcript.Text -join "`n") | Should -Not -BeLike '*ya29.pester-token*'
            }
            finally { $replay.Dispose() }
        }
    }
}

Describe 'Test-SmtpAuth with a server that answers in GBK' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestServer.ps1')
    }

    It 'shows QQ Mail''s Chinese refusal and its explanation in the result' {
        $server = Start-ScriptedServer @"
S: 220 smtp.qq.com Esmtp QQ Mail Server
C: EHLO *
S: 250-smtp.qq.com
S: 250-AUTH LOGIN PLAIN
S: 250 8BITMIME
C: AUTH PLAIN *
S-ENC gbk: $QqAuthCodeRefusal
C: QUIT
S: 221 Bye
"@
        try {
            $credential = [pscredential]::new('alice@qq.com', (ConvertTo-SecureString 'qq-password' -AsPlainText -Force))
            $result = Test-SmtpAuth -SmtpServer $server.Host -Port $server.Port -Tls None -AllowUnencryptedAuthentication `
                -Mechanism PLAIN -Credential $credential

            $result.Succeeded | Should -BeFalse
            $result.ReplyCode | Should -Be 535
            $result.Reply.Text | Should -BeExactly $QqAuthCodeRefusal.Substring(4)
            $result.Explanation.VendorName | Should -Be 'Tencent QQ Mail'
            $result.Explanation.Vendor.WhatToDo | Should -Match 'authorization code'
            ($result.Transcript | Where-Object Direction -eq Server).Text | Should -Contain $QqAuthCodeRefusal
        }
        finally { $server.Dispose() }
    }

    It 'shows a Chinese refusal of the connection in the error, with its explanation' {
        $server = Start-ScriptedServer @"
S-ENC gbk: 554 HL:IHU 163 mx14,EcCowAB3aNzHq5ZhDBmHBw--.1234S2 1637267399 发信IP因发送垃圾邮件或存在异常的连接行为,被暂时挂起
CLOSE
"@
        try {
            $credential = [pscredential]::new('alice@163.com', (ConvertTo-SecureString 'x' -AsPlainText -Force))
            Test-SmtpAuth -SmtpServer $server.Host -Port $server.Port -Tls None -AllowUnencryptedAuthentication `
                -Credential $credential -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null

            $err | Should -Not -BeNullOrEmpty
            $text = ($err[0].Exception.Message, $err[0].ErrorDetails.Message, $err[0].ErrorDetails.RecommendedAction) -join "`n"
            $text | Should -Match '发信IP因发送垃圾邮件'
            $text | Should -Not -Match '\uFFFD'
            $err[0].ErrorDetails.Message | Should -Match 'NetEase 163/126/yeah.net: '
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }
        finally { $server.Dispose() }
    }
}
