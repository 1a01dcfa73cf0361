BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Server = '127.0.0.1'
    $script:SmtpPort = [int](Get-PeerSetting SMTP_PORT)
    $script:PeerHost = 'mail.smtptools.test'

    # One real message through the Postfix peer; its Maildir copy carries the Received line Postfix wrote.
    $script:Marker = "route-$([guid]::NewGuid().ToString('n'))"
    $script:Sent = Send-SmtpMessage -SmtpServer $Server -Port $SmtpPort -Tls None -ClientName client.smtptools.test `
        -From alice@smtptools.test -To bob@smtptools.test -Subject $Marker -Body 'route test' -PassThru
    $script:File = Wait-DeliveredMessage $Marker
    $script:Lines = Get-Content $File

    # The real header with lines a sender could have added below Postfix's own line (as in the seed's example).
    function Get-ForgedHeader([string[]] $Forged) {
        $received = [array]::IndexOf($Lines, ($Lines | Where-Object { $_ -like 'Received:*' } | Select-Object -First 1))
        $end = $received + 1
        while ($Lines[$end] -match '^\s') { $end++ }
        ($Lines[0..($end - 1)] + $Forged + $Lines[$end..($Lines.Count - 1)]) -join "`n"
    }
}

Describe 'Get-MailRoute' {
    Context 'a message delivered by the real Postfix peer' {
        It 'reads the Received line Postfix wrote as one hop' {
            $hops = @(Get-MailRoute -Path $File)

            $hops.Count | Should -Be 1
            $hop = $hops[0]
            $hop | Should -BeOfType SmtpTools.MailRouteHop
            $hop.Hop | Should -Be 1
            $hop.FromName | Should -Be 'client.smtptools.test'
            $hop.FromAddress | Should -Be '127.0.0.1'
            $hop.ByName | Should -Be $PeerHost
            $hop.With | Should -BeLike 'ESMTP*'
            $hop.For | Should -Be 'bob@smtptools.test'
            $hop.Source | Should -Be $File
            $hop.Delay | Should -BeNullOrEmpty
        }

        It 'records the queue id Postfix announced in its 250 reply' {
            $hop = Get-MailRoute -Path $File
            $queued = [regex]::Match($Sent.DataReply.Text, 'queued as (\w+)').Groups[1].Value

            $queued | Should -Not -BeNullOrEmpty
            $hop.Id | Should -Be $queued
        }

        It 'dates the hop with the delivery time, in the past' {
            $hop = Get-MailRoute -Path $File

            $hop.Timestamp | Should -BeLessOrEqual ([DateTimeOffset]::Now.AddMinutes(5))
            $hop.Timestamp | Should -BeGreaterThan ([DateTimeOffset]::Now.AddDays(-1))
            $hop.Flags | Where-Object Kind -in 'TimeReversed', 'FutureTimestamp', 'Malformed' | Should -BeNullOrEmpty
        }

        It 'trusts the peer when named in -TrustedHost, and flags nothing' {
            $hop = Get-MailRoute -Path $File -TrustedHost $PeerHost

            $hop.IsTrusted | Should -BeTrue
            $hop.Flags | Should -BeNullOrEmpty
        }

        It 'flags every line when no line was written by a trusted host' {
            $hop = Get-MailRoute -Path $File -TrustedHost 'mx.elsewhere.example'

            $hop.Flags.Kind | Should -Contain 'Untrusted'
        }

        It 'reads the same hop from piped Get-Content lines, one header string, a FileInfo, and a MimeMessage' {
            $expected = (Get-MailRoute -Path $File).Received

            ($Lines | Get-MailRoute).Received | Should -Be $expected
            (Get-Content -Raw $File | Get-MailRoute).Received | Should -Be $expected
            (Get-Item $File | Get-MailRoute).Received | Should -Be $expected

            $mimeKit = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MimeKit' } |
                Select-Object -First 1
            $message = $mimeKit.GetType('MimeKit.MimeMessage')::Load($File)
            (Get-MailRoute -MimeMessage $message).Received | Should -Be $expected
        }
    }

    Context 'forged lines below the real one (the seed''s example)' {
        It 'flags the lines below the trusted hop as forgeable, with the trusted host named' {
            $header = Get-ForgedHeader @(
                "Received: from lemongrass.org by galangal.org (8.7.3) id BB2; $((Get-Date).AddMinutes(-3).ToString('r'))",
                "Received: from graprao.com by lemongrass.org (8.6.4) id CC3; $((Get-Date).AddMinutes(-4).ToString('r'))")

            $hops = $header | Get-MailRoute -TrustedHost $PeerHost

            $hops.Count | Should -Be 3
            $hops.FromName | Should -Be @('graprao.com', 'lemongrass.org', 'client.smtptools.test')
            $hops[2].IsTrusted | Should -BeTrue
            foreach ($hop in $hops[0..1]) {
                $flag = $hop.Flags | Where-Object Kind -eq 'Untrusted'
                $flag.Reason | Should -Match ([regex]::Escape($PeerHost))
            }
            # The real hop came from client.smtptools.test, not from galangal.org: the chain does not hold.
            ($hops[2].Flags | Where-Object Kind -eq 'BrokenChain').Reason | Should -Match 'galangal\.org'
        }

        It 'flags a forged claimed name, a date in the future and a public address before the loopback peer' {
            $future = (Get-Date).AddDays(2).ToString('r')
            $header = Get-ForgedHeader @(
                "Received: from galangal.org (turmeric.com [104.128.23.115]) by client.smtptools.test id X; $future")

            $hops = $header | Get-MailRoute

            $hops[0].Flags.Kind | Should -Contain 'NameMismatch'
            $hops[0].Flags.Kind | Should -Contain 'FutureTimestamp'
            ($hops[0].Flags | Where-Object Kind -eq 'NameMismatch').Reason | Should -Match 'turmeric\.com'
            $hops[1].Flags.Kind | Should -Contain 'PrivateAfterPublic'
            $hops[1].Flags.Kind | Should -Contain 'TimeReversed'
        }

        It 'shows the flags in the hop table' {
            $header = Get-ForgedHeader @("Received: from a.example by b.example id 1; $((Get-Date).AddMinutes(-1).ToString('r'))")

            $text = $header | Get-MailRoute | Out-String -Width 250

            $text | Should -Match 'BrokenChain'
        }
    }

    Context 'input problems' {
        It 'reports a missing file as an error and goes on' {
            $hops = Get-MailRoute -LiteralPath (Join-Path $TestDrive 'none.eml'), $File -ErrorVariable err `
                -ErrorAction SilentlyContinue

            @($hops).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'MailRouteFile*'
        }

        It 'warns when the header has no Received line' {
            "Subject: local`nFrom: a@b`n`nbody" | Get-MailRoute -WarningVariable warn -WarningAction SilentlyContinue |
                Should -BeNullOrEmpty
            $warn | Should -Not -BeNullOrEmpty
        }
    }
}
