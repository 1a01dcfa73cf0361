# The reliability and security suite at the cmdlet level (issue 8; the table is tests/RELIABILITY.md):
# secrets never leak, hostile input is refused before connecting, smuggling look-alikes stay one message, and a long
# pipeline delivers each message exactly once with flat memory and no leaked sockets.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Server = '127.0.0.1'
    $script:SmtpPort = [int](Get-PeerSetting SMTP_PORT)
    $script:SmtpsPort = [int](Get-PeerSetting SMTPS_PORT)
    $script:Submission = [int](Get-PeerSetting SUBMISSION_PORT)
    $script:User = Get-PeerSetting TEST_USER
    $script:Password = Get-PeerSetting TEST_PASSWORD
    $script:Maildir = Join-Path (Get-PeerSetting MAILDIR) 'new'
    $script:Long = $env:SMTPTOOLS_LONG_TESTS -eq '1'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('stp-rel-' + [Guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null

    . (Join-Path $PSScriptRoot 'TestServer.ps1')

    function ConvertTo-Secure([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }

    # Every form of a secret that must never appear: itself, its base64 and hex, and the SASL payloads built from it.
    function Get-SecretForms([string] $UserName, [string] $Secret, [int] $Port = 0) {
        $utf8 = [Text.Encoding]::UTF8
        $b64 = { param($s) [Convert]::ToBase64String($utf8.GetBytes($s)) }
        $hex = [Convert]::ToHexString($utf8.GetBytes($Secret))
        @(
            $Secret, (& $b64 $Secret), $hex, $hex.ToLowerInvariant(),
            (& $b64 "`0$UserName`0$Secret"),
            (& $b64 "user=$UserName`u{1}auth=Bearer $Secret`u{1}`u{1}"),
            (& $b64 "n,a=$UserName,`u{1}host=127.0.0.1`u{1}port=$Port`u{1}auth=Bearer $Secret`u{1}`u{1}")
        )
    }

    # Everything a caller can reach from what a command wrote: every stream's records as displayed and serialized,
    # exceptions' ToString() with inner exceptions, transcripts, and $Error.
    function Get-ReachableText([object[]] $Records) {
        $parts = foreach ($record in @($Records) + @($global:Error)) {
            if ($null -eq $record) { continue }
            $record | Out-String -Width 400
            [Management.Automation.PSSerializer]::Serialize($record, 4)
            $item = if ($record -is [Management.Automation.ErrorRecord]) { $record.Exception } else { $record }
            if ($record -is [Management.Automation.ErrorRecord]) {
                $record.Exception.ToString()
                "$($record.ErrorDetails)"
                "$($record.ErrorDetails.RecommendedAction)"
                [Management.Automation.PSSerializer]::Serialize($record.TargetObject, 3)
            }
            if ($item.PSObject.Properties['Transcript'] -and $item.Transcript) {
                ($item.Transcript | ForEach-Object { if ($_ -is [SmtpTools.SmtpTranscript]) { $_.Entries } else { $_ } } |
                    ForEach-Object { $_.ToString() }) -join "`n"
            }
        }
        return $parts -join "`n"
    }

    function Assert-NoSecret([string] $Text, [string[]] $Forms) {
        $Text.Length | Should -BeGreaterThan 0
        foreach ($form in $Forms) {
            $Text.IndexOf($form, [StringComparison]::OrdinalIgnoreCase) | Should -Be -1 -Because "'$form' is a form of a secret"
        }
    }

    # Runs $Script in a runspace of its own with the module imported, waits until $Ready says the work is blocked on
    # the server, stops the pipeline as Ctrl+C does, and checks that it stopped within seconds.
    function Assert-StopsAtOnce([string] $Script, [scriptblock] $Ready, [string] $ReadyBecause) {
        $ps = [PowerShell]::Create()
        try {
            [void]$ps.AddScript("Import-Module '$((Get-Module SmtpTools).ModuleBase)'; $Script")
            $running = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (-not (& $Ready) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            & $Ready | Should -BeTrue -Because $ReadyBecause

            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()

            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because 'Ctrl+C must not wait for the 120 s timeout'
            $running.IsCompleted | Should -BeTrue
        }
        finally { $ps.Dispose() }
    }

    function Get-FolderText([string] $Path) {
        (Get-ChildItem -Path $Path -Recurse -File | ForEach-Object { [IO.File]::ReadAllText($_.FullName) }) -join "`n"
    }
}

AfterAll {
    Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue
}

Describe 'Secrets never leak' {
    BeforeEach { $global:Error.Clear() }

    Context 'passwords against the real peers' {
        BeforeAll {
            $script:Wrong = 'Canary-Pw-' + [Guid]::NewGuid().ToString('N')
            $script:Forms = (Get-SecretForms $User $Password) + (Get-SecretForms $User $Wrong)
            $script:Good = [pscredential]::new($User, (ConvertTo-Secure $Password))
            $script:Bad = [pscredential]::new($User, (ConvertTo-Secure $Wrong))
        }

        It 'Test-SmtpAuth: success, wrong password, no AUTH offered, no TLS' {
            $records = & {
                Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Good -Mechanism All -SkipCertificateCheck -Verbose -Debug -ErrorAction Continue
                Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Bad -Mechanism All -SkipCertificateCheck -Verbose -Debug -ErrorAction Continue
                Test-SmtpAuth -SmtpServer $Server -Port $SmtpsPort -Credential $Bad -Tls Implicit -SkipCertificateCheck -Verbose -Debug -ErrorAction Continue
                Test-SmtpAuth -SmtpServer $Server -Port $Submission -Credential $Bad -Tls None -Verbose -Debug -ErrorAction Continue
            } *>&1

            $results = @($records | Where-Object { $_ -is [SmtpTools.SmtpAuthResult] })
            ($results | Where-Object Succeeded).Count | Should -BeGreaterThan 0
            ($results | Where-Object { -not $_.Succeeded }).Count | Should -BeGreaterThan 0
            @($records | Where-Object { $_ -is [Management.Automation.ErrorRecord] }).Count | Should -BeGreaterOrEqual 2
            $text = Get-ReachableText $records
            $text | Should -BeLike '*<redacted>*'
            Assert-NoSecret $text $Forms
        }

        It 'Send-SmtpMessage: delivered with a login, refused login, -Tls None refused, pickup .eml' {
            $marker = 'sec' + [Guid]::NewGuid().ToString('N')
            $pickup = Join-Path $Work 'pickup-secrets'
            New-Item -ItemType Directory -Path $pickup | Out-Null
            $common = @{ From = 'ops@smtptools.test'; To = 'alice@smtptools.test'; Verbose = $true; Debug = $true }
            $records = & {
                Send-SmtpMessage @common -Subject $marker -Body 'with a login' -SmtpServer $Server -Port $Submission `
                    -Credential $Good -UseSsl -SkipCertificateCheck -PassThru -ErrorAction Continue
                # A refused login stops the command: no later message could log in either.
                try {
                    Send-SmtpMessage @common -Subject 'refused' -SmtpServer $Server -Port $Submission -Credential $Bad `
                        -UseSsl -SkipCertificateCheck -PassThru -ErrorAction Continue
                }
                catch { $_ }
                try {
                    Send-SmtpMessage @common -Subject 'no tls' -SmtpServer $Server -Port $SmtpPort -Credential $Bad `
                        -Tls None -ErrorAction Stop
                }
                catch { $_ }
                Send-SmtpMessage @common -Subject 'pickup' -Body 'to a folder' -PickupDirectory $pickup -Credential $Bad -PassThru -ErrorAction Continue
            } *>&1

            $sent = @($records | Where-Object { $_ -is [SmtpTools.SmtpSendResult] })
            ($sent | Where-Object Delivered).Count | Should -Be 1
            $errors = @($records | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
            $errors.FullyQualifiedErrorId | Should -Contain 'CredentialWithoutTls,SmtpTools.Commands.SendSmtpMessageCommand'
            ($errors.FullyQualifiedErrorId -like 'SmtpAuth*').Count | Should -BeGreaterThan 0
            $delivered = [IO.File]::ReadAllText((Wait-DeliveredMessage -Marker $marker))
            (Get-ChildItem $pickup -Filter *.eml).Count | Should -Be 1
            Assert-NoSecret ((Get-ReachableText $records) + $delivered + (Get-FolderText $pickup)) $Forms
        }
    }

    Context 'access tokens against the scripted server' {
        BeforeAll {
            $script:Token = 'ya29.Canary-' + [Guid]::NewGuid().ToString('N')
            $script:Hello = "S: 220 oauth.example.test ESMTP`nC: EHLO *`nS: 250-oauth.example.test`nS: 250 AUTH XOAUTH2 OAUTHBEARER`n"
            $script:Rejected = "S: 535 5.7.8 Username and Password not accepted`nC: QUIT`nS: 221 2.0.0 Bye`n"
            $script:Transaction = "C: MAIL FROM:*`nS: 250 2.1.0 Ok`nC: RCPT TO:*`nS: 250 2.1.5 Ok`nC: DATA`nS: 354 Go`nC-DATA`n" +
                "S: 250 2.0.0 Ok: queued`nC: QUIT`nS: 221 2.0.0 Bye`n"
            # XOAUTH2's error challenge (Gmail's JSON) answered by an empty line, then the refusal.
            $script:XoauthError = "C: AUTH XOAUTH2 *`nS: 334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=`nC: `n"
        }

        It 'Test-SmtpAuth with <Mechanism>: accepted and refused' -TestCases @(
            @{ Mechanism = 'XOAUTH2' }, @{ Mechanism = 'OAUTHBEARER' }
        ) {
            $ok = Start-ScriptedServer ($Hello + "C: AUTH $Mechanism *`nS: 235 2.7.0 Accepted`nC: QUIT`nS: 221 2.0.0 Bye`n")
            $no = Start-ScriptedServer ($Hello + "C: AUTH $Mechanism *`n" + $Rejected)
            try {
                $records = & {
                    foreach ($server in $ok, $no) {
                        Test-SmtpAuth -SmtpServer $server.Host -Port $server.Port -UserName $User -AccessToken $Token `
                            -Mechanism $Mechanism -Tls None -AllowUnencryptedAuthentication -Verbose -Debug -ErrorAction Continue
                    }
                } *>&1
                $forms = (Get-SecretForms $User $Token $ok.Port) + (Get-SecretForms $User $Token $no.Port)
            }
            finally { $ok.Dispose(); $no.Dispose() }

            $results = @($records | Where-Object { $_ -is [SmtpTools.SmtpAuthResult] })
            $results.Succeeded | Should -Be @($true, $false)
            $text = Get-ReachableText $records
            $text | Should -BeLike "*AUTH $Mechanism <redacted>*"
            Assert-NoSecret $text $forms
        }

        It 'Send-SmtpMessage -AccessToken: delivered, refused, and refused after an error challenge' {
            $servers = @(
                (Start-ScriptedServer ($Hello + "C: AUTH XOAUTH2 *`nS: 235 2.7.0 Accepted`n" + $Transaction)),
                (Start-ScriptedServer ($Hello + "C: AUTH XOAUTH2 *`n" + $Rejected)),
                (Start-ScriptedServer ($Hello + $XoauthError + $Rejected))
            )
            try {
                $records = & {
                    foreach ($server in $servers) {
                        try {
                            Send-SmtpMessage -From $User -To 'bob@example.test' -Subject 'token' -Body 'x' -SmtpServer $server.Host `
                                -Port $server.Port -AccessToken (ConvertTo-Secure $Token) -Tls None -AllowUnencryptedAuthentication `
                                -AuthMechanism XOAUTH2 -PassThru -Verbose -Debug -ErrorAction Continue
                        }
                        catch { $_ }
                    }
                } *>&1
                $forms = foreach ($server in $servers) { Get-SecretForms $User $Token $server.Port }
            }
            finally { $servers | ForEach-Object Dispose }

            $results = @($records | Where-Object { $_ -is [SmtpTools.SmtpSendResult] })
            $results.Status | Should -Be @('Sent', 'NotAttempted', 'NotAttempted')
            @($records | Where-Object { $_ -is [Management.Automation.ErrorRecord] }).Count | Should -Be 2
            $text = Get-ReachableText $records
            $text | Should -BeLike '*AUTH XOAUTH2 <redacted>*'
            Assert-NoSecret $text $forms
        }
    }
}

Describe 'Faults at the cmdlet' {
    It 'reports a message whose answer never came as Unknown with SmtpDeliveryUnknown, and sends it only once' {
        $server = Start-ScriptedServer ("S: 220 f.example.test ESMTP`nC: EHLO *`nS: 250 f.example.test`nC: MAIL FROM:*`nS: 250 Ok`n" +
            "C: RCPT TO:*`nS: 250 Ok`nC: DATA`nS: 354 Go`nC-DATA`nSTALL`n")
        try {
            $result = Send-SmtpMessage -From 'a@example.test' -To 'b@example.test' -Subject 'unknown' -Body 'x' `
                -SmtpServer $server.Host -Port $server.Port -Tls None -Timeout 1 -RetryCount 2 -RetryDelay 0 -PassThru `
                -ErrorAction SilentlyContinue -ErrorVariable err
        }
        finally { $server.Dispose() }

        $result.Status | Should -Be 'Unknown'
        $result.Delivered | Should -BeFalse
        $result.Attempts | Should -Be 1
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpDeliveryUnknown,*'
        $err[0].ErrorDetails.RecommendedAction | Should -BeLike '*duplicate*'
        $server.Messages.Count | Should -Be 1
    }

    It 'stops at once when the pipeline is stopped (Ctrl+C) while piped messages wait on a stalled server' {
        $server = Start-ScriptedServer "S: 220 stall.example.test ESMTP`nC: EHLO *`nSTALL`n"
        try {
            Assert-StopsAtOnce -Script ("1..3 | ForEach-Object { [pscustomobject]@{ To = 'b@example.test'; Subject = `"m`$_`" } } |
                Send-SmtpMessage -SmtpServer $($server.Host) -Port $($server.Port) -Tls None -From a@example.test -Body x -Timeout 120") `
                -Ready { $server.Received.Count -gt 0 } -ReadyBecause 'the first message should be waiting for its EHLO reply'
        }
        finally { $server.Dispose() }
    }

    It 'stopped (Ctrl+C) in the middle of 1,000 messages: a result for each message Postfix took, and a re-run with them sends the rest once' {
        $run = 'stop' + [Guid]::NewGuid().ToString('N').Substring(0, 12)
        $rows = "1..1000 | ForEach-Object { [pscustomobject]@{ To = 'u{0}-$run@smtptools.test' -f `$_; Subject = '$run' } }"
        $send = "Send-SmtpMessage -SmtpServer $Server -Port $SmtpPort -From ops@smtptools.test -Body x -PassThru -WarningAction Ignore"
        $ps = [PowerShell]::Create()
        $output = [Management.Automation.PSDataCollection[psobject]]::new()
        try {
            [void]$ps.AddScript("Import-Module '$((Get-Module SmtpTools).ModuleBase)'; $rows | $send")
            $running = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]$null, $output)
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($output.Count -lt 200 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $output.Count | Should -BeGreaterOrEqual 200 -Because 'the batch should be well under way'
            $ps.Stop()
            $running.IsCompleted | Should -BeTrue
        }
        finally { $ps.Dispose() }
        $results = @($output)
        $results.Count | Should -BeLessThan 1000 -Because 'the stop came in the middle'

        # Postfix writes to the Maildir after its 250: wait until the run's files stop coming.
        function Get-RunRecipients {
            @(Get-ChildItem $Maildir -File | Where-Object { Select-String -Path $_.FullName -SimpleMatch $run -Quiet } |
                ForEach-Object { ([regex]::Match([IO.File]::ReadAllText($_.FullName), "(?m)^To: (u\d+-$run@smtptools.test)")).Groups[1].Value })
        }
        $delivered = @(); $stable = 0
        while ($stable -lt 5) { Start-Sleep -Milliseconds 200; $now = Get-RunRecipients; if ($now.Count -eq $delivered.Count) { $stable++ } else { $stable = 0 }; $delivered = $now }

        $reported = @($results | Where-Object Status -EQ 'Sent' | ForEach-Object Recipients)
        $reported.Count | Should -Be $results.Count -Because 'every result written is a Sent message'
        $reported | Where-Object { $_ -notin $delivered } | Should -BeNullOrEmpty -Because 'every Sent result is in the Maildir'
        # PowerShell writes nothing once a pipeline is stopping, so the one message whose 250 raced the stop may be
        # delivered without a result: never more than the one in flight (-ThrottleLimit 1).
        ($delivered.Count - $reported.Count) | Should -BeIn 0, 1

        # The recipe of about_SmtpTools: re-run with the rows that have no result.
        $again = & ([scriptblock]::Create("$rows | Where-Object To -notin `$args[0] | $send")) $reported
        @($again | Where-Object Status -NE 'Sent') | Should -BeNullOrEmpty
        ($reported.Count + @($again).Count) | Should -Be 1000
        $stable = 0
        while ($stable -lt 5) { Start-Sleep -Milliseconds 200; $now = Get-RunRecipients; if ($now.Count -eq $delivered.Count) { $stable++ } else { $stable = 0 }; $delivered = $now }
        @($delivered | Sort-Object -Unique).Count | Should -Be 1000 -Because 'every row arrived'
        ($delivered.Count - 1000) | Should -BeIn 0, 1 -Because 'only a message whose result raced the stop can arrive twice'
    }

    It 'stops at once when the pipeline is stopped (Ctrl+C) while domains wait on a DNS server that does not answer' {
        # dropEvery 1: no MX query of stall.test is ever answered.
        $dns = [SmtpTools.TestServer.DroppingDnsServer]::Start('stall.test', 1)
        try {
            Assert-StopsAtOnce -Script ("1..50 | ForEach-Object { 'd{0}.stall.test' -f `$_ } |
                Resolve-MailExchanger -Server $($dns.EndPoint) -Timeout 120 -Retry 0") `
                -Ready { $dns.Queries -gt 0 } -ReadyBecause 'the first domains should be waiting for their MX answers'
        }
        finally { $dns.Dispose() }
    }

    It 'writes one error for a domain whose exchangers are all down, naming each host tried and why' {
        $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()

        Send-SmtpMessage -From 'a@example.test' -To 'someone@pref.mx.test' -Subject 'down' -Body 'x' -DirectDelivery `
            -DnsServer (Get-PeerSetting DNS_SERVER) -Port $port -Timeout 2 -ErrorAction SilentlyContinue -ErrorVariable err

        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpConnectFailed,*'
        foreach ($host_ in 'a.pref.mx.test (127.0.0.11', 'b1.pref.mx.test (127.0.0.12', 'b2.pref.mx.test (127.0.0.13',
            'c.pref.mx.test (127.0.0.14') {
            $err[0].Exception.Message | Should -BeLike "*$host_*connection refused*"
        }
    }
}

Describe 'Hostile input' {
    Context 'header injection is refused before connecting' {
        BeforeAll {
            # A listener that must never see a connection: refusal has to come before any network activity.
            $script:Trap = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $Trap.Start()
            $script:TrapPort = $Trap.LocalEndpoint.Port
        }
        AfterAll { $Trap.Stop() }

        It 'refuses a line break in <Name>' -TestCases @(
            @{ Name = 'Subject (CRLF)'; Parameters = @{ Subject = "hi`r`nBcc: victim@evil.test" } }
            @{ Name = 'Subject (bare LF)'; Parameters = @{ Subject = "hi`nX-Evil: 1" } }
            @{ Name = 'Subject (bare CR)'; Parameters = @{ Subject = "hi`rX-Evil: 1" } }
            @{ Name = 'Subject (NUL)'; Parameters = @{ Subject = "hi`0X-Evil: 1" } }
            @{ Name = 'the From display name'; Parameters = @{ From = "Evil`r`nBcc: v@evil.test <ops@smtptools.test>" } }
            @{ Name = 'a quoted From display name'; Parameters = @{ From = "`"Evil`r`nBcc: v@evil.test`" <ops@smtptools.test>" } }
            @{ Name = 'a To address'; Parameters = @{ To = "alice@smtptools.test`r`nBcc: v@evil.test" } }
            @{ Name = 'a To display name'; Parameters = @{ To = "Alice`n <alice@smtptools.test>" } }
            @{ Name = 'a Cc display name'; Parameters = @{ Cc = "Cc Name`r`n <c@smtptools.test>" } }
            @{ Name = 'a Bcc address'; Parameters = @{ Bcc = "b@smtptools.test`r`nX-Evil: 1" } }
            @{ Name = 'Reply-To'; Parameters = @{ ReplyTo = "r@smtptools.test`r`nBcc: v@evil.test" } }
            @{ Name = 'Sender'; Parameters = @{ Sender = "s@smtptools.test`r`nBcc: v@evil.test" } }
            @{ Name = 'the envelope sender'; Parameters = @{ EnvelopeFrom = "bounce@smtptools.test`r`nRCPT TO:<v@evil.test>" } }
            @{ Name = 'a custom header value'; Parameters = @{ Header = @{ 'X-Test' = "a`r`nBcc: v@evil.test" } } }
            @{ Name = 'a custom header name'; Parameters = @{ Header = @{ "X-Te`r`nBcc" = 'v@evil.test' } } }
        ) {
            $send = @{ From = 'ops@smtptools.test'; To = 'alice@smtptools.test'; Subject = 's'; Body = 'b'
                SmtpServer = '127.0.0.1'; Port = $TrapPort; Timeout = 5 }
            foreach ($key in $Parameters.Keys) { $send[$key] = $Parameters[$key] }

            $caught = $null
            try { Send-SmtpMessage @send -ErrorAction Stop } catch { $caught = $_ }

            $caught | Should -Not -BeNullOrEmpty
            $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $caught.FullyQualifiedErrorId | Should -Not -BeLike 'Smtp*' -Because 'it must fail on the input, not on the network'
            $Trap.Pending() | Should -BeFalse -Because 'nothing may connect for a refused message'
        }
    }

    Context 'SMTP smuggling through the real Postfix' {
        BeforeAll {
            $script:Run = 'smug' + [Guid]::NewGuid().ToString('N').Substring(0, 12)
            # End-of-data look-alikes, each followed by a second "message" that must stay part of the body.
            $script:LookAlikes = [ordered]@{
                'LF.LF' = "`n.`n"; 'CR.CR' = "`r.`r"; 'LF.CRLF' = "`n.`r`n"; 'CRLF.LF' = "`r`n.`n"
                'CRLF.CR' = "`r`n.`r"; 'CR.CRLF' = "`r.`r`n"; 'CR.LF' = "`r.`n"; 'LF.CR' = "`n.`r"
            }
            function Get-Smuggled([string] $Name) {
                "MAIL FROM:<evil@evil.test>`r`nRCPT TO:<victim@smtptools.test>`r`nDATA`r`n" +
                "Subject: SMUGGLED [$Run/$Name]`r`n`r`nevil`r`n.`r`n"
            }
            function Get-Body([string] $Name) { "before [$Run/$Name]" + $LookAlikes[$Name] + (Get-Smuggled $Name) + 'after' }
            # What Postfix stores: every bare CR or LF became a line break (CRLF on the wire, LF in the Maildir).
            function ConvertTo-Stored([string] $Text) { ($Text -replace "`r`n", "`n" -replace "`r", "`n").TrimEnd("`n") }

            $script:Results = @(
                foreach ($name in $LookAlikes.Keys) {
                    $eml = Join-Path $Work "smuggle-$name.eml"
                    [IO.File]::WriteAllText($eml, "From: ops@smtptools.test`r`nTo: alice@smtptools.test`r`n" +
                        "Subject: raw [$Run/$name]`r`nMessage-ID: <raw-$Run-$([array]::IndexOf(@($LookAlikes.Keys), $name))@smtptools.test>`r`n`r`n" + (Get-Body $name))
                    Send-SmtpMessage -Path $eml -SmtpServer $Server -Port $SmtpPort -PassThru -ErrorAction Continue -WarningAction Ignore
                    Send-SmtpMessage -From 'ops@smtptools.test' -To 'alice@smtptools.test' -Subject "composed [$Run/$name]" `
                        -Body (Get-Body $name) -SmtpServer $Server -Port $SmtpPort -PassThru -ErrorAction Continue -WarningAction Ignore
                }
            )
            # A sentinel sent after all of them: once it is in, anything smuggled would be in too.
            Send-SmtpMessage -From 'ops@smtptools.test' -To 'alice@smtptools.test' -Subject "sentinel $Run" -Body 'x' `
                -SmtpServer $Server -Port $SmtpPort -WarningAction Ignore
            Wait-DeliveredMessage -Marker "sentinel $Run" | Out-Null
        }

        It 'sends every look-alike as one message' {
            $Results.Count | Should -Be (2 * $LookAlikes.Count)
            $Results.Status | Sort-Object -Unique | Should -Be 'Sent'
        }

        It 'delivers exactly one message for <_>, with the body intact' -TestCases @(
            'LF.LF', 'CR.CR', 'LF.CRLF', 'CRLF.LF', 'CRLF.CR', 'CR.CRLF', 'CR.LF', 'LF.CR'
        ) {
            $name = $_
            $files = @(Get-ChildItem $Maildir -File | Where-Object { Select-String -Path $_.FullName -SimpleMatch "[$Run/$name]" -Quiet })
            $files.Count | Should -Be 2 -Because 'the raw and the composed message, and nothing smuggled'
            foreach ($file in $files) {
                $text = [IO.File]::ReadAllText($file.FullName)
                ($text -split "`n`n", 2)[0] | Should -Not -Match 'SMUGGLED' -Because 'the smuggled lines stay in the body'
            }
            $raw = [IO.File]::ReadAllText(($files | Where-Object { Select-String -Path $_.FullName -SimpleMatch "raw [$Run/$name]" -Quiet }).FullName)
            ConvertTo-Stored ($raw -split "`n`n", 2)[1] | Should -BeExactly (ConvertTo-Stored (Get-Body $name))
        }
    }
}

Describe 'Load' {
    Context 'one long pipeline to the real Postfix (1,000 messages; 10,000 with -Long)' {
        BeforeAll {
            $script:Count = if ($Long) { 10000 } else { 1000 }
            $script:LoadRun = 'load' + [Guid]::NewGuid().ToString('N').Substring(0, 12)
            $send = @{ From = 'load@smtptools.test'; To = 'alice@smtptools.test'; SmtpServer = $Server; Port = $SmtpPort
                WarningAction = 'Ignore' }

            function Get-SocketCount {
                @([IO.Directory]::GetFileSystemEntries('/proc/self/fd') |
                    ForEach-Object { try { ([IO.FileInfo]::new($_)).LinkTarget } catch { $null } } |
                    Where-Object { $_ -like 'socket:*' }).Count
            }
            function Get-ManagedMemory {
                [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
                [GC]::GetTotalMemory($true)
            }

            # One message first, so that loading, JIT and TLS set-up are paid before anything is measured.
            Send-SmtpMessage @send -Subject "$LoadRun warm-up" -Body 'warm-up'
            $seen = [Collections.Generic.HashSet[string]]::new([IO.Directory]::GetFiles($Maildir))
            $script:SocketsBefore = Get-SocketCount
            # Only what the checks need, so that the test itself does not grow with the run.
            $script:Ids = [Collections.Generic.List[string]]::new()
            $script:Statuses = @{}
            $script:Sessions = [Collections.Generic.HashSet[int]]::new()
            $script:MemoryEarly = 0
            $script:MemoryLate = 0

            1..$Count | ForEach-Object { [pscustomobject]@{ Subject = "$LoadRun #$_"; Body = "message $_ of $LoadRun" } } |
                Send-SmtpMessage @send -PassThru -ErrorAction Continue | ForEach-Object {
                    $Ids.Add($_.MessageId.Trim('<', '>'))
                    $Statuses["$($_.Status)"] = 1 + [int]$Statuses["$($_.Status)"]
                    [void]$Sessions.Add($_.SessionId)
                    # Measured while the pipeline (and its connection) is alive: after 100 messages, and at the end.
                    if ($Ids.Count -eq 100) { $script:MemoryEarly = Get-ManagedMemory }
                    if ($Ids.Count -eq $Count) { $script:MemoryLate = Get-ManagedMemory }
                }
            $script:SocketsAfter = Get-SocketCount

            # Every new Maildir file is read once; a run marker in it means one of ours, and its Message-ID counts.
            $script:Delivered = [Collections.Generic.List[string]]::new()
            $deadline = [DateTime]::UtcNow.AddSeconds($(if ($Long) { 1200 } else { 240 }))
            $sweepsAfterAll = 0
            while ($sweepsAfterAll -lt 2 -and [DateTime]::UtcNow -lt $deadline) {
                foreach ($file in [IO.Directory]::GetFiles($Maildir)) {
                    if (-not $seen.Add($file)) { continue }
                    $text = [IO.File]::ReadAllText($file)
                    if ($text.Contains("$LoadRun #") -and $text -match '(?mi)^Message-ID:\s*<([^>]+)>') { $Delivered.Add($Matches[1]) }
                }
                if ($Delivered.Count -ge $Count) { $sweepsAfterAll++ }
                Start-Sleep -Milliseconds 500
            }
        }

        It 'reports every message Sent, over one connection' {
            $Ids.Count | Should -Be $Count
            $Statuses.Keys | Should -Be @('Sent')
            $Sessions.Count | Should -Be 1
        }

        It 'delivers each message exactly once (Message-IDs in the Maildir)' {
            $Delivered.Count | Should -Be $Count
            @($Delivered | Sort-Object -Unique).Count | Should -Be $Count
            $missing = [Linq.Enumerable]::ToArray([Linq.Enumerable]::Except([string[]]$Ids, [string[]]$Delivered))
            $missing.Count | Should -Be 0
        }

        It 'keeps managed memory flat and leaks no socket' {
            $MemoryEarly | Should -BeGreaterThan 0
            ($MemoryLate - $MemoryEarly) / 1MB | Should -BeLessThan 16 -Because "memory went from $MemoryEarly to $MemoryLate bytes"
            $SocketsAfter | Should -BeLessOrEqual $SocketsBefore
        }
    }

    Context '1,000 domains through Resolve-MailExchanger with every tenth MX query unanswered' {
        BeforeAll {
            $dns = [SmtpTools.TestServer.DroppingDnsServer]::Start('load.test', 10)
            try {
                $domains = 1..1000 | ForEach-Object { "d$_.load.test" }
                $script:Exchangers = @(Resolve-MailExchanger -Domain $domains -Server $dns.EndPoint -Timeout 1 -Retry 0 `
                        -ThrottleLimit 64 -NoShuffle -ErrorAction SilentlyContinue -ErrorVariable dnsErrors)
                $script:DnsErrors = @($dnsErrors)
                $script:DroppedQueries = $dns.Dropped
            }
            finally { $dns.Dispose() }
            $script:Expected = @(1..1000 | Where-Object { $_ % 10 -ne 0 })
            $script:TimedOut = @(1..1000 | Where-Object { $_ % 10 -eq 0 } | ForEach-Object { "d$_.load.test" })
        }

        It 'resolves every answered domain correctly' {
            $Exchangers.Count | Should -Be $Expected.Count
            $byDomain = @{}
            foreach ($mx in $Exchangers) { $byDomain[$mx.Domain.TrimEnd('.')] = $mx }
            foreach ($n in $Expected) {
                $mx = $byDomain["d$n.load.test"]
                $mx | Should -Not -BeNullOrEmpty -Because "d$n.load.test was answered"
                $mx.Host.TrimEnd('.') | Should -Be "mx.d$n.load.test"
                $mx.Preference | Should -Be 10
                "$($mx.Addresses)" | Should -Be ([SmtpTools.TestServer.DroppingDnsServer]::AddressOf($n))
            }
        }

        It 'reports each unanswered domain as its own DnsTimeout error' {
            $DroppedQueries | Should -BeGreaterOrEqual 100
            $DnsErrors.Count | Should -Be 100
            $DnsErrors.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'DnsTimeout,*' }
            @($DnsErrors.TargetObject | ForEach-Object { "$_".TrimEnd('.') } | Sort-Object) | Should -Be @($TimedOut | Sort-Object)
        }
    }
}
