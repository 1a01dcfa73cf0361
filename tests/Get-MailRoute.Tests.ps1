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
            # The real hop came from client.smtptools.test, not from galangal.org: the line below it is not its.
            ($hops[1].Flags | Where-Object Kind -eq 'BrokenChain').Reason | Should -Match 'galangal\.org'
            $hops.AddedBySender | Should -Be @($true, $true, $false)
            $hops[2].Flags | Should -BeNullOrEmpty
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

    Context 'a real three-hop path: relay1 (127.0.0.2), relay2 (127.0.0.3), then the catch-all' {
        BeforeAll {
            $relayPort = [int](Get-PeerSetting RELAY1_PORT)
            # The same message twice: as sent, and with two Received lines the sender wrote itself at the bottom.
            function Send-ThroughRelays([string] $Marker, [string[]] $HandAdded) {
                $eml = Join-Path $TestDrive "$Marker.eml"
                $lines = @($HandAdded | Where-Object { $_ }) + @(
                    'From: alice@smtptools.test', 'To: bob@smtptools.test', "Subject: $Marker",
                    "Date: $((Get-Date).ToString('r'))", '', 'through two relays')
                Set-Content -Path $eml -Value ($lines -join "`r`n") -NoNewline
                $sent = Send-SmtpMessage -Path $eml -SmtpServer 127.0.0.2 -Port $relayPort -Tls StartTls `
                    -SkipCertificateCheck -ClientName client.smtptools.test -From alice@smtptools.test `
                    -To bob@smtptools.test -PassThru -ErrorAction Stop
                [pscustomobject]@{ Sent = $sent; File = Wait-DeliveredMessage $Marker }
            }
            $script:Clean = Send-ThroughRelays "relay-clean-$([guid]::NewGuid().ToString('n'))"
            $script:Forged = Send-ThroughRelays "relay-forged-$([guid]::NewGuid().ToString('n'))" @(
                "Received: from lemongrass.org by galangal.org (8.7.3) id BB2; $((Get-Date).AddMinutes(-3).ToString('r'))",
                "Received: from graprao.com by lemongrass.org (8.6.4) id CC3; $((Get-Date).AddMinutes(-4).ToString('r'))")
        }

        It 'reads the three Received lines the three Postfix instances wrote, with their addresses, TLS and queue ids' {
            $hops = @(Get-MailRoute -Path $Clean.File)

            $hops.Count | Should -Be 3
            $hops.FromName | Should -Be @('client.smtptools.test', 'relay1.smtptools.test', 'relay2.smtptools.test')
            $hops.FromAddress | Should -Be @('127.0.0.1', '127.0.0.2', '127.0.0.3')
            $hops.ByName | Should -Be @('relay1.smtptools.test', 'relay2.smtptools.test', $PeerHost)
            $hops.With | Should -Be @('ESMTPS', 'ESMTPS', 'ESMTPS')
            $hops[1].Received | Should -Match 'using TLSv1\.[23] with cipher'
            @($hops.Id | Select-Object -Unique).Count | Should -Be 3
            $hops[0].Id | Should -Be ([regex]::Match($Clean.Sent.DataReply.Text, 'queued as (\w+)').Groups[1].Value)
        }

        It 'finds nothing wrong with the real path: no flag, and a consistent verdict' {
            $hops = Get-MailRoute -Path $Clean.File
            $summary = Get-MailRoute -Path $Clean.File -Summary

            $hops | Where-Object IsSuspicious | Should -BeNullOrEmpty
            $summary | Should -BeOfType SmtpTools.MailRouteSummary
            $summary.Verdict | Should -Be 'Consistent'
            $summary.HopCount | Should -Be 3
            $summary.AddedBySenderHops | Should -BeNullOrEmpty
        }

        It 'flags exactly the two hand-added lines as written by the sender, below the real client' {
            $hops = @(Get-MailRoute -Path $Forged.File)
            $summary = Get-MailRoute -Path $Forged.File -Summary

            $hops.Count | Should -Be 5
            ($hops | Where-Object IsSuspicious).Hop | Should -Be @(1, 2)
            ($hops | Where-Object AddedBySender).Hop | Should -Be @(1, 2)
            $hops[0].FromName | Should -Be 'graprao.com'
            ($hops[1].Flags | Where-Object Kind -eq 'AddedBySender').Reason | Should -BeExactly (
                "It is below hop 3, where the real client was [127.0.0.1] (no reverse name recorded; it said it " +
                "was 'client.smtptools.test'); these lines were written by the sender and prove nothing.")
            $summary.Verdict | Should -Be 'Forged'
            $summary.ForgedBelowHop | Should -Be 3
            $summary.Text | Should -BeLike 'Forged below hop 3: *hops 1-2 were written by the sender*'
        }

        It 'shows the verdict above the hop table' {
            $text = Get-MailRoute -Path $Forged.File | Out-String -Width 200

            $text | Should -Match '(?s)Route: .*Forged below hop 3.*Hop\s+From'
        }

        It 'flags the hops through relay2 when relay1 and the catch-all are expected to talk directly' {
            $hops = Get-MailRoute -Path $Clean.File -ExpectedPath relay1.smtptools.test, $PeerHost
            $summary = Get-MailRoute -Path $Clean.File -ExpectedPath relay1.smtptools.test, $PeerHost -Summary

            ($hops | Where-Object { $_.Flags.Kind -contains 'UnexpectedHost' }).Hop | Should -Be @(2, 3)
            $hops[0].Flags | Should -BeNullOrEmpty
            $summary.Verdict | Should -Be 'Forged'
            $summary.Text | Should -Match "passed through 'relay2\.smtptools\.test'"
        }

        It 'confirms each link by the addresses -ExpectedPath gives, and breaks it at a wrong one' {
            $right = Get-MailRoute -Path $Clean.File -Summary -ExpectedPath @{
                'relay1.smtptools.test' = '127.0.0.2'; 'relay2.smtptools.test' = '127.0.0.3' }
            $wrong = Get-MailRoute -Path $Clean.File -Summary -ExpectedPath @{
                'relay1.smtptools.test' = '127.0.0.9'; 'relay2.smtptools.test' = '127.0.0.3' }

            $right.Verdict | Should -Be 'Consistent'
            $right.Hops.Flags | Should -BeNullOrEmpty
            $wrong.Verdict | Should -Be 'Forged'
            ($wrong.Hops[0].Flags | Where-Object Kind -eq 'BrokenChain').Reason | Should -Match '127\.0\.0\.9'
        }

        It 'refuses an -ExpectedPath address that is not an IP address, saying what to give' {
            { Get-MailRoute -Path $Clean.File -ExpectedPath @{ 'relay1.smtptools.test' = 'not-an-ip' } -ErrorAction Stop } |
                Should -Throw -ErrorId 'MailRouteInvalidExpectedAddress,SmtpTools.Commands.GetMailRouteCommand'
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
