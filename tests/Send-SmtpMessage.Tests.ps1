BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:SmtpPort = [int](Get-PeerSetting SMTP_PORT)
    $script:SmtpsPort = [int](Get-PeerSetting SMTPS_PORT)
    $script:SubmissionPort = [int](Get-PeerSetting SUBMISSION_PORT)
    $script:DnsServer = Get-PeerSetting DNS_SERVER
    $script:Password = Get-PeerSetting TEST_PASSWORD
    $script:Credential = [pscredential]::new((Get-PeerSetting TEST_USER), (ConvertTo-SecureString $Password -AsPlainText -Force))
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('stp-send-' + [Guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null

    function New-Marker { 'm' + [Guid]::NewGuid().ToString('N') }

    # The delivered file: Postfix adds Return-Path, X-Original-To, Delivered-To and Received on top.
    function Get-Delivered([string] $Marker, [int] $Count = 1) {
        $paths = @(Wait-DeliveredMessage -Marker $Marker -Count $Count)
        return @($paths | ForEach-Object { [IO.File]::ReadAllText($_) })
    }

    function Get-DeliveredText([string] $Marker) { @(Get-Delivered $Marker)[0] }

    # The header block of a delivered message, with folded lines joined.
    function Get-HeaderBlock([string] $Text) {
        (($Text -split "`n`n", 2)[0]) -replace "`n[ `t]+", ' '
    }

    # Decodes the base64 body of the MIME part whose headers contain $PartMarker (a filename or Content-Id).
    function Get-PartBytes([string] $Text, [string] $PartMarker) {
        $start = $Text.IndexOf($PartMarker)
        $start | Should -BeGreaterThan -1 -Because "the message should have a part with $PartMarker"
        $bodyStart = $Text.IndexOf("`n`n", $start) + 2
        $bodyEnd = $Text.IndexOf("`n--", $bodyStart)
        return [Convert]::FromBase64String(($Text.Substring($bodyStart, $bodyEnd - $bodyStart) -replace '\s', ''))
    }

    $script:Common = @{ SmtpServer = '127.0.0.1'; Port = $SmtpPort; From = 'ops@smtptools.test' }
}

AfterAll {
    Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue
}

Describe 'Send-SmtpMessage' {
    Context 'as a drop-in for Send-MailMessage' {
        It 'runs a Send-MailMessage splat unchanged and delivers the message' {
            $marker = New-Marker
            $splat = @{
                From                       = 'Ops Team <ops@smtptools.test>'
                To                         = 'bob@smtptools.test'
                Subject                    = "Nightly report $marker"
                Body                       = "All jobs finished.`n"
                SmtpServer                 = '127.0.0.1'
                Port                       = $SmtpPort
                Priority                   = 'High'
                DeliveryNotificationOption = 'OnFailure'
                Encoding                   = [Text.Encoding]::UTF8
            }
            $output = Send-SmtpMessage @splat
            $output | Should -BeNullOrEmpty -Because 'nothing is written on success without -PassThru'
            $headers = Get-HeaderBlock (Get-DeliveredText $marker)
            $headers | Should -Match "(?m)^Subject: Nightly report $marker$"
            $headers | Should -Match '(?m)^From: Ops Team <ops@smtptools.test>$'
            $headers | Should -Match '(?m)^X-Priority: 1'
            $headers | Should -Match '(?m)^Importance: high'
        }

        It 'uses $PSEmailServer when -SmtpServer is not given' {
            $marker = New-Marker
            $PSEmailServer = '127.0.0.1'
            Send-SmtpMessage -Port $SmtpPort -From 'ops@smtptools.test' -To 'bob@smtptools.test' -Subject $marker -Body 'x'
            Get-Delivered $marker | Should -HaveCount 1
        }
    }

    Context 'message content' {
        It 'delivers Bcc recipients without showing them in the headers, and shows the envelope sender as Return-Path' {
            $marker = New-Marker
            $result = Send-SmtpMessage @Common -To 'to@smtptools.test' -Cc 'cc@smtptools.test' -Bcc 'hidden@smtptools.test' `
                -EnvelopeFrom 'bounces@smtptools.test' -Subject $marker -Body 'x' -PassThru
            $result.AcceptedRecipients | Sort-Object | Should -Be @('cc@smtptools.test', 'hidden@smtptools.test', 'to@smtptools.test')
            $copies = Get-Delivered $marker -Count 3
            $hidden = $copies | Where-Object { $_ -match '(?m)^Delivered-To: hidden@smtptools.test$' }
            $hidden | Should -HaveCount 1
            foreach ($copy in $copies) {
                # Only the delivery headers Postfix adds for that copy may name the Bcc recipient.
                (Get-HeaderBlock $copy) -split "`n" | Where-Object { $_ -notmatch '^(Delivered-To|X-Original-To|Received):' } |
                    Where-Object { $_ -match 'hidden@' } | Should -BeNullOrEmpty
                $copy | Should -Match '(?m)^Return-Path: <bounces@smtptools.test>$'
                $copy | Should -Match '(?m)^From: ops@smtptools.test$'
            }
        }

        It 'round-trips a Chinese subject and HTML body in <Encoding>' -TestCases @(
            @{ Encoding = 'utf-8'; Charset = 'utf-8' }
            @{ Encoding = 'gb2312'; Charset = 'gb2312' }
        ) {
            $marker = New-Marker
            $subject = "测试邮件 $marker"
            $html = '<html><body><h1>你好，世界</h1><p>这是一封用 JavaMail 发送的 HTML 邮件。</p></body></html>'
            $result = Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject $subject -Body $html -BodyAsHtml `
                -Encoding $Encoding -PassThru
            $result.Delivered | Should -BeTrue
            $text = (Get-DeliveredText $marker)
            $headers = Get-HeaderBlock $text
            $headers | Should -Match "charset=`"?$Charset`"?"
            # Decode the encoded-word subject and the body back with the named charset.
            $encodedSubject = [regex]::Match($headers, '(?m)^Subject: (.+)$').Groups[1].Value
            # RFC 2047 §6.2: white space between two encoded words is dropped; next to plain text it stays.
            $encodedSubject = $encodedSubject -replace '(?<=\?=)\s+(?==\?)', ''
            $decodedSubject = [regex]::Replace($encodedSubject, '=\?([^?]+)\?([BbQq])\?([^?]*)\?=', {
                    param($m)
                    $charset = [Text.Encoding]::GetEncoding($m.Groups[1].Value)
                    if ($m.Groups[2].Value -in 'B', 'b') { $charset.GetString([Convert]::FromBase64String($m.Groups[3].Value)) }
                    else {
                        $bytes = [Collections.Generic.List[byte]]::new()
                        $q = $m.Groups[3].Value -replace '_', ' '
                        for ($i = 0; $i -lt $q.Length; $i++) {
                            if ($q[$i] -eq '=') { $bytes.Add([Convert]::ToByte($q.Substring($i + 1, 2), 16)); $i += 2 }
                            else { $bytes.Add([byte][char]$q[$i]) }
                        }
                        $charset.GetString($bytes.ToArray())
                    }
                })
            $decodedSubject.Trim() | Should -Be $subject
            $result.MessageId | Should -Not -BeNullOrEmpty
            $body = $text.Substring($text.IndexOf("`n`n") + 2)
            $charsetEncoding = [Text.Encoding]::GetEncoding($Charset)
            $decodedBody = if ($headers -match 'Content-Transfer-Encoding: base64') {
                $charsetEncoding.GetString([Convert]::FromBase64String(($body -replace '\s', '')))
            }
            elseif ($headers -match 'Content-Transfer-Encoding: quoted-printable') {
                $raw = $body -replace "=`n", ''
                $bytes = [Collections.Generic.List[byte]]::new()
                for ($i = 0; $i -lt $raw.Length; $i++) {
                    if ($raw[$i] -eq '=') { $bytes.Add([Convert]::ToByte($raw.Substring($i + 1, 2), 16)); $i += 2 }
                    else { $bytes.AddRange($charsetEncoding.GetBytes([string]$raw[$i])) }
                }
                $charsetEncoding.GetString($bytes.ToArray())
            }
            else { $body }
            $decodedBody | Should -Match ([regex]::Escape('<h1>你好，世界</h1>'))
        }

        It 'sends an attachment byte for byte and an inline image referenced by cid' {
            $marker = New-Marker
            $attachment = Join-Path $Work 'report.bin'
            $bytes = [byte[]]::new(70000)
            [Random]::new(42).NextBytes($bytes)
            [IO.File]::WriteAllBytes($attachment, $bytes)
            $image = Join-Path $Work 'logo.png'
            [IO.File]::WriteAllBytes($image, [Convert]::FromBase64String('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='))
            Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject $marker -Attachments $attachment `
                -HtmlBody '<p>Logo: <img src="cid:logo"></p>' -TextBody 'Logo attached.' -InlineAttachment @{ logo = $image }
            $text = (Get-DeliveredText $marker)
            $received = Get-PartBytes $text 'report.bin'
            (Get-FileHash -InputStream ([IO.MemoryStream]::new($received))).Hash | Should -Be (Get-FileHash $attachment).Hash
            $text | Should -Match 'multipart/related'
            $text | Should -Match 'multipart/alternative'
            $text | Should -Match '(?m)^Content-Id: <logo>'
            (Get-PartBytes $text 'Content-Id: <logo>').Length | Should -Be (Get-Item $image).Length
        }
    }

    Context 'TLS and authentication' {
        It 'uses STARTTLS when asked and reports the TLS session' {
            $marker = New-Marker
            $result = Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject $marker -Body 'x' -Tls StartTls `
                -SkipCertificateCheck -PassThru
            $result.Tls.Protocol | Should -Match 'Tls'
            $result.Tls.Subject | Should -Match 'CN=localhost'
            (Get-DeliveredText $marker) | Should -Match 'with ESMTPS id'
        }

        It 'maps -UseSsl to STARTTLS, as Send-MailMessage does' {
            $result = Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject (New-Marker) -Body 'x' -UseSsl -SkipCertificateCheck -PassThru
            $result.Tls | Should -Not -BeNullOrEmpty
            @($result.Transcript | Where-Object Text -EQ 'STARTTLS').Count | Should -Be 1
        }

        It 'speaks implicit TLS on the wrapper-mode port' {
            $marker = New-Marker
            $result = Send-SmtpMessage @Common -Port $SmtpsPort -Tls Implicit -SkipCertificateCheck -To 'bob@smtptools.test' `
                -Subject $marker -Body 'x' -PassThru
            $result.Tls | Should -Not -BeNullOrEmpty
            @($result.Transcript | Where-Object Text -EQ 'STARTTLS').Count | Should -Be 0
            (Get-DeliveredText $marker) | Should -Match 'with ESMTPS id'
        }

        It 'authenticates on the submission port with -Credential' {
            $marker = New-Marker
            $result = Send-SmtpMessage @Common -Port $SubmissionPort -Tls StartTls -SkipCertificateCheck -Credential $Credential `
                -To 'bob@smtptools.test' -Subject $marker -Body 'x' -PassThru
            $result.Delivered | Should -BeTrue
            (Get-DeliveredText $marker) | Should -Match 'with ESMTPSA id'
        }

        It 'writes SmtpAuthRejected with the server reply for a wrong password, and never shows the password' {
            $wrong = 'Wrong-' + [Guid]::NewGuid().ToString('N')
            $bad = [pscredential]::new((Get-PeerSetting TEST_USER), (ConvertTo-SecureString $wrong -AsPlainText -Force))
            $verbose = [Collections.Generic.List[object]]::new()
            # A refused login stops the command (no later message could do better): a terminating error.
            try {
                Send-SmtpMessage @Common -Port $SubmissionPort -Tls StartTls -SkipCertificateCheck -Credential $bad `
                    -To 'bob@smtptools.test' -Subject (New-Marker) -Body 'x' -PassThru -Verbose 4>&1 | ForEach-Object { $verbose.Add($_) }
                throw 'Send-SmtpMessage should have stopped with SmtpAuthRejected.'
            }
            catch { $err = @($_) }
            $result = @($verbose | Where-Object { $_ -is [SmtpTools.SmtpSendResult] })
            $result | Should -HaveCount 1 -Because 'the result is written before the command stops'
            $result[0].Status | Should -Be 'NotAttempted'
            $result[0].FailureKind | Should -Be 'SmtpAuthRejected'
            ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | Select-Object -Last 1).Message |
                Should -BeLike '*did not accept the login*'
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthRejected,SmtpTools.Commands.SendSmtpMessageCommand'
            $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $err[0].TargetObject.Code | Should -Be 535
            $everything = ($verbose | Out-String) + ($err | Out-String) + ($err[0].Exception.ToString())
            $base64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("`0$((Get-PeerSetting TEST_USER))`0$wrong"))
            $everything | Should -Not -Match $wrong
            $everything | Should -Not -Match ([regex]::Escape($base64))
        }
    }

    Context 'per-recipient results' {
        It 'sends to the accepted recipients and writes SmtpRecipientRejected for the refused one' {
            $marker = New-Marker
            $result = Send-SmtpMessage @Common -To 'bob@smtptools.test', 'rejected@smtptools.test' -Subject $marker -Body 'x' `
                -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpRecipientRejected,SmtpTools.Commands.SendSmtpMessageCommand'
            $err[0].TargetObject | Should -Be 'rejected@smtptools.test'
            $err[0].Exception.Message | Should -Match '550'
            $result.Delivered | Should -BeTrue
            $result.AcceptedRecipients | Should -Be @('bob@smtptools.test')
            $result.RejectedRecipients.Address | Should -Be @('rejected@smtptools.test')
            $result.RejectedRecipients.Reply.Code | Should -Be 550
            Get-Delivered $marker | Should -HaveCount 1
        }

        It 'writes SmtpNoRecipientAccepted and sends no data when every recipient is refused' {
            $result = Send-SmtpMessage @Common -To 'rejected@smtptools.test' -Subject (New-Marker) -Body 'x' -PassThru `
                -ErrorVariable err -ErrorAction SilentlyContinue
            $err.FullyQualifiedErrorId | Should -Contain 'SmtpNoRecipientAccepted,SmtpTools.Commands.SendSmtpMessageCommand'
            $result.Delivered | Should -BeFalse
            @($result.Transcript | Where-Object { $_.Direction -eq 'Client' -and $_.Text -in 'DATA' -or $_.Text -like 'BDAT*' }).Count | Should -Be 0
        }

        It 'writes SmtpDataRejected when the server refuses the data' {
            $result = Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject "please REJECT-DATA $(New-Marker)" -Body 'x' `
                -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpDataRejected,SmtpTools.Commands.SendSmtpMessageCommand'
            $err[0].TargetObject.Code | Should -Be 550
            $result.Delivered | Should -BeFalse
        }

        It 'reports a deferred recipient as SmtpTransientFailure after its retries' {
            $result = Send-SmtpMessage @Common -To 'deferred@smtptools.test' -Subject (New-Marker) -Body 'x' -RetryCount 1 `
                -RetryDelay 0 -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
            $err.FullyQualifiedErrorId | Should -Contain 'SmtpTransientFailure,SmtpTools.Commands.SendSmtpMessageCommand'
            $result.Attempts | Should -Be 2
            $result.Delivered | Should -BeFalse
        }
    }

    Context 'bulk from the pipeline' {
        It 'sends one message per CSV row over a single connection' {
            $marker = New-Marker
            $csv = Join-Path $Work 'people.csv'
            1..100 | ForEach-Object { [pscustomobject]@{ To = "user$_@smtptools.test"; Subject = "$marker row $_"; Body = "Hello user $_" } } |
                Export-Csv -Path $csv -NoTypeInformation
            $results = Import-Csv $csv | Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $SmtpPort -From 'ops@smtptools.test' -PassThru
            $results | Should -HaveCount 100
            @($results | Where-Object Delivered).Count | Should -Be 100
            @($results.SessionId | Sort-Object -Unique).Count | Should -Be 1
            @($results.MessageId | Sort-Object -Unique).Count | Should -Be 100
            Get-Delivered $marker -Count 100 | Should -HaveCount 100
        }

        It 'warns about an unverifiable certificate once per connection, not once per message' {
            $marker = New-Marker
            $warnings = 1..20 | ForEach-Object { [pscustomobject]@{ To = "user$_@smtptools.test"; Subject = "$marker $_" } } |
                Send-SmtpMessage @Common -Body 'x' 3>&1
            @($warnings | Where-Object { $_ -is [Management.Automation.WarningRecord] }) | Should -HaveCount 1
            $warnings[0].Message | Should -Match 'could not be verified'
            Get-Delivered $marker -Count 20 | Should -HaveCount 20
        }

        It 'sends over up to -ThrottleLimit connections at once, every message once with its own result' {
            $marker = New-Marker
            $results = 1..30 | ForEach-Object { [pscustomobject]@{ To = "user$_@smtptools.test"; Subject = "$marker row $_"; Body = "Row $_" } } |
                Send-SmtpMessage @Common -ThrottleLimit 3 -PassThru
            $results | Should -HaveCount 30
            @($results | Where-Object Delivered).Count | Should -Be 30
            @($results.MessageId | Sort-Object -Unique).Count | Should -Be 30
            @($results.SessionId | Sort-Object -Unique).Count | Should -BeLessOrEqual 3
            Get-Delivered $marker -Count 30 | Should -HaveCount 30
        }

        It 'stops before the next message when a refused one stops the pipeline' {
            $marker = New-Marker
            $rows = @(
                [pscustomobject]@{ To = 'bob@smtptools.test'; Subject = "$marker first"; Body = 'x' }
                [pscustomobject]@{ To = 'bob@smtptools.test'; Subject = "$marker REJECT-DATA second"; Body = 'x' }
                [pscustomobject]@{ To = 'bob@smtptools.test'; Subject = "$marker third"; Body = 'x' }
            )
            $results = [Collections.Generic.List[object]]::new()
            { $rows | Send-SmtpMessage @Common -PassThru -ErrorAction Stop | ForEach-Object { $results.Add($_) } } |
                Should -Throw -ErrorId 'SmtpDataRejected,SmtpTools.Commands.SendSmtpMessageCommand'
            $results | Should -HaveCount 1
            $results[0].Delivered | Should -BeTrue
            Get-Delivered "$marker first" | Should -HaveCount 1
            # Postfix delivered the first message already; the third must never have been handed to it.
            Start-Sleep -Seconds 1
            $maildir = Join-Path (Get-PeerSetting MAILDIR) 'new'
            @(Get-ChildItem $maildir -File | Where-Object { Select-String -Path $_.FullName -SimpleMatch "$marker third" -Quiet }) |
                Should -HaveCount 0
        }
    }

    Context 'records of a batch: a bad row is its own error, the batch goes on' {
        # Several connections: each row is still checked as it comes, and a bad one is its own error.
        It 'sends the 7 good rows of 10, and writes one error per bad row with the row as its target (-ThrottleLimit <Throttle>)' -TestCases @(
            @{ Throttle = 1 }, @{ Throttle = 4 }
        ) {
            param($Throttle)
            $marker = New-Marker
            $rows = 1..10 | ForEach-Object {
                [pscustomobject]@{ To = "user$_@smtptools.test"; Cc = ''; Subject = "$marker row $_"; Body = "row $_"; Attachments = '' }
            }
            $rows[2].To = 'not an address'
            $rows[5].Attachments = Join-Path $Work 'no-such-report.pdf'
            $rows[7].Subject = "$marker bad`r`nBcc: victim@example.com"
            $results = $rows | Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $SmtpPort -From 'ops@smtptools.test' -PassThru `
                -ThrottleLimit $Throttle -ErrorVariable err -ErrorAction SilentlyContinue
            $results | Should -HaveCount 7
            @($results | Where-Object Status -EQ 'Sent').Count | Should -Be 7
            $err | Should -HaveCount 3
            $err.FullyQualifiedErrorId | Should -Be @('InvalidAddress,SmtpTools.Commands.SendSmtpMessageCommand',
                'AttachmentNotFound,SmtpTools.Commands.SendSmtpMessageCommand',
                'HeaderInjection,SmtpTools.Commands.SendSmtpMessageCommand')
            $err.CategoryInfo.Category | Should -Be @('InvalidArgument', 'ObjectNotFound', 'InvalidArgument')
            $err[0].TargetObject.Subject | Should -Be "$marker row 3"
            $err[1].TargetObject.Subject | Should -Be "$marker row 6"
            $err[2].TargetObject.Body | Should -Be 'row 8'
            $err[1].ErrorDetails.RecommendedAction | Should -Match 'current location'
            Get-Delivered $marker -Count 7 | Should -HaveCount 7
            Start-Sleep -Milliseconds 500
            @(Get-ChildItem (Join-Path (Get-PeerSetting MAILDIR) 'new') -File |
                Where-Object { Select-String -Path $_.FullName -SimpleMatch $marker -Quiet }).Count | Should -Be 7
        }

        It 'with -ErrorAction Stop, stops at the first bad row after writing the results of the rows before it' {
            $marker = New-Marker
            $rows = 1..5 | ForEach-Object { [pscustomobject]@{ To = "user$_@smtptools.test"; Subject = "$marker row $_" } }
            $rows[2].To = 'not an address'
            $results = [Collections.Generic.List[object]]::new()
            { $rows | Send-SmtpMessage @Common -PassThru -ErrorAction Stop | ForEach-Object { $results.Add($_) } } |
                Should -Throw -ErrorId 'InvalidAddress,SmtpTools.Commands.SendSmtpMessageCommand'
            $results.Status | Should -Be @('Sent', 'Sent')
            Get-Delivered $marker -Count 2 | Should -HaveCount 2
            Start-Sleep -Milliseconds 500
            @(Get-ChildItem (Join-Path (Get-PeerSetting MAILDIR) 'new') -File |
                Where-Object { Select-String -Path $_.FullName -SimpleMatch "$marker row 4" -Quiet }) | Should -HaveCount 0
        }

        It 'reads an empty cell as "not given"' {
            $marker = New-Marker
            $row = [pscustomobject]@{ To = 'bob@smtptools.test'; Cc = ''; Bcc = ''; ReplyTo = ''; Subject = $marker; Body = 'x'
                Priority = ''; BodyAsHtml = 'False'; EnvelopeFrom = '' }
            $result = $row | Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $SmtpPort -From 'ops@smtptools.test' -PassThru
            $result.Status | Should -Be 'Sent'
            $result.Recipients | Should -Be @('bob@smtptools.test')
            (Get-HeaderBlock (Get-DeliveredText $marker)) | Should -Match 'Content-Type: text/plain'
        }

        It 'a command-line value no record can fix stops the batch before any connection' {
            $rows = 1..3 | ForEach-Object { [pscustomobject]@{ To = "user$_@smtptools.test"; Subject = 'x' } }
            { $rows | Send-SmtpMessage -SmtpServer 127.0.0.1 -Port 9 -From 'ops@smtptools.test' `
                    -Attachments (Join-Path $Work 'nothing-here.pdf') -ErrorAction Continue } |
                Should -Throw -ErrorId 'AttachmentNotFound,SmtpTools.Commands.SendSmtpMessageCommand'
        }
    }

    Context 'paths, servers and limits' {
        It 'attaches files by relative path and wildcard, and files piped in, as Send-MailMessage does' {
            $folder = Join-Path $Work 'att'
            New-Item -ItemType Directory -Path $folder -Force | Out-Null
            Set-Content -Path (Join-Path $folder 'a.csv') -Value 'a,1'
            Set-Content -Path (Join-Path $folder 'b.csv') -Value 'b,2'
            Push-Location $Work
            try {
                $marker = New-Marker
                Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject $marker -Body 'x' -Attachments ./att/*.csv
                $text = Get-DeliveredText $marker
                $text | Should -Match 'filename="?a\.csv'
                $text | Should -Match 'filename="?b\.csv'

                $piped = New-Marker
                './att/a.csv' | Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject $piped -Body 'x'
                Get-DeliveredText $piped | Should -Match 'filename="?a\.csv'

                $file = New-Marker
                Get-ChildItem ./att/b.csv | Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject $file -Body 'x'
                Get-DeliveredText $file | Should -Match 'filename="?b\.csv'
            }
            finally { Pop-Location }
        }

        It 'writes to a -PickupDirectory relative to the current location, and names a missing one' {
            New-Item -ItemType Directory -Path (Join-Path $Work 'pk') -Force | Out-Null
            Push-Location $Work
            try {
                $result = Send-SmtpMessage -PickupDirectory ./pk -From 'ops@smtptools.test' -To 'bob@smtptools.test' -Subject 'x' -PassThru
                $result.Status | Should -Be 'Written'
                Split-Path $result.Path | Should -Be (Join-Path $Work 'pk')
                { Send-SmtpMessage -PickupDirectory ./no-such-folder -From 'ops@smtptools.test' -To 'bob@smtptools.test' -Subject 'x' } |
                    Should -Throw -ErrorId 'PickupDirectoryNotFound,SmtpTools.Commands.SendSmtpMessageCommand'
            }
            finally { Pop-Location }
        }

        It 'takes host:port in -SmtpServer, and refuses a second, different -Port' {
            $marker = New-Marker
            $result = Send-SmtpMessage -SmtpServer "127.0.0.1:$SmtpPort" -From 'ops@smtptools.test' -To 'bob@smtptools.test' `
                -Subject $marker -Body 'x' -PassThru
            $result.Port | Should -Be $SmtpPort
            Get-Delivered $marker | Should -HaveCount 1
            { Send-SmtpMessage -SmtpServer "127.0.0.1:$SmtpPort" -Port 2525 -From 'ops@smtptools.test' -To 'bob@smtptools.test' -Subject 'x' } |
                Should -Throw -ErrorId 'ConflictingPort,SmtpTools.Commands.SendSmtpMessageCommand'
        }

        It 'refuses a message larger than the SIZE the server announced before MAIL FROM, naming the limit' {
            $big = Join-Path $Work 'big.bin'
            $bytes = [byte[]]::new(11MB)
            [IO.File]::WriteAllBytes($big, $bytes)
            $result = Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject (New-Marker) -Body 'x' -Attachments $big `
                -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Rejected'
            $result.FailureKind | Should -Be 'SmtpMessageTooLarge'
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpMessageTooLarge,SmtpTools.Commands.SendSmtpMessageCommand'
            $err[0].Exception.Message | Should -Match 'at most 9\.8 MiB \(10,240,000 bytes\)'
            @($result.Transcript | Where-Object Text -Like 'MAIL FROM*') | Should -HaveCount 0
        }

        It 'speaks implicit TLS for -UseSsl on port 465, as Send-MailMessage users expect' {
            $host465 = $env:SMTPTOOLS_PORT465_HOST
            if (-not $host465) { Set-ItResult -Skipped -Because 'binding port 465 needs root' }
            $marker = New-Marker
            $result = Send-SmtpMessage -SmtpServer $host465 -Port 465 -UseSsl -SkipCertificateCheck -From 'ops@smtptools.test' `
                -To 'bob@smtptools.test' -Subject $marker -Body 'x' -PassThru
            $result.Tls | Should -Not -BeNullOrEmpty
            @($result.Transcript | Where-Object Text -EQ 'STARTTLS') | Should -HaveCount 0
            (Get-DeliveredText $marker) | Should -Match 'with ESMTPS id'
        }

        It 'says that port 465 speaks implicit TLS when asked for plain text there, without waiting out -Timeout' {
            $host465 = $env:SMTPTOOLS_PORT465_HOST
            if (-not $host465) { Set-ItResult -Skipped -Because 'binding port 465 needs root' }
            { Send-SmtpMessage -SmtpServer $host465 -Port 465 -Tls StartTls -Timeout 600 -From 'ops@smtptools.test' `
                    -To 'bob@smtptools.test' -Subject 'x' -Body 'x' } |
                Should -Throw -ErrorId 'SmtpTlsModeMismatch,SmtpTools.Commands.SendSmtpMessageCommand'
        }

        It 'refuses a -DnsServer that is <Scenario> with <ErrorId>, as Resolve-MailExchanger -Server does' -TestCases @(
            @{ Scenario = 'neither an address nor a name'; Server = 'not an ip!'; ErrorId = 'InvalidDnsServer'; Category = 'InvalidArgument' }
            # A name that does not resolve (DnsServerNotFound) would ask the system resolver, which may leave this
            # machine: xUnit covers it with an injected resolver (MxRouterOptionsTests).
        ) {
            $err = $null
            try { Send-SmtpMessage -DirectDelivery -DnsServer $Server -From 'ops@smtptools.test' -To 'bob@smtptools.test' -Subject 'x' }
            catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeExactly "$ErrorId,SmtpTools.Commands.SendSmtpMessageCommand"
            $err.CategoryInfo.Category | Should -Be $Category
            $err.ErrorDetails.RecommendedAction | Should -Match '-DnsServer'
            $same = $null
            try { Resolve-MailExchanger example.test -Server $Server -ErrorAction Stop } catch { $same = $_ }
            $same.FullyQualifiedErrorId | Should -BeExactly "$ErrorId,SmtpTools.Commands.ResolveMailExchangerCommand"
        }
    }

    Context 'progress' {
        It 'shows one activity for a run of 500 messages, at most about ten updates a second, and completes it' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $Port)
                        Import-Module $Manifest
                        1..500 | ForEach-Object { [pscustomobject]@{ To = "user$_@smtptools.test"; Subject = "progress $_" } } |
                            Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $Port -From 'ops@smtptools.test' -Body 'x'
                    }).AddArgument($ManifestPath).AddArgument($SmtpPort)
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $null = $ps.Invoke()
                $seconds = $clock.Elapsed.TotalSeconds
                $records = @($ps.Streams.Progress)
                $ps.Streams.Error | Should -BeNullOrEmpty
            }
            finally { $ps.Dispose() }
            $records.Count | Should -BeGreaterThan 0
            $records.Count | Should -BeLessOrEqual ([math]::Ceiling($seconds * 10) + 3) -Because "$($records.Count) records in $seconds s"
            @($records.ActivityId | Sort-Object -Unique) | Should -Be @(1)
            $records[-1].RecordType | Should -Be 'Completed'
            $records[-1].StatusDescription | Should -Match '^500 sent, 0 failed'
        }
    }

    Context 'direct delivery to the mail exchangers' {
        It 'tries the exchangers in preference order and delivers through the one that answers' {
            $marker = New-Marker
            $results = Send-SmtpMessage -DirectDelivery -DnsServer $DnsServer -Port $SmtpPort -From 'ops@smtptools.test' `
                -To 'someone@relay.mx.test' -Subject $marker -Body 'x' -Timeout 5 -PassThru
            $results | Should -HaveCount 1
            $results[0].Delivered | Should -BeTrue
            $results[0].Domain | Should -Be 'relay.mx.test'
            $results[0].Server | Should -Be 'mx2.relay.mx.test'
            $results[0].Transcript.Text | Should -Contain "Could not connect to mx1.relay.mx.test (127.0.0.2:$SmtpPort)." -Because 'the dead first exchanger is named'
            Get-Delivered $marker | Should -HaveCount 1
        }

        It 'takes the DNS server by name, as Resolve-MailExchanger -Server does' {
            $marker = New-Marker
            $byName = 'localhost:' + ($DnsServer -split ':')[-1]
            $results = Send-SmtpMessage -DirectDelivery -DnsServer $byName -Port $SmtpPort -From 'ops@smtptools.test' `
                -To 'someone@relay.mx.test' -Subject $marker -Body 'x' -Timeout 5 -PassThru -WarningAction Ignore
            $results.Status | Should -Be 'Sent'
            Get-Delivered $marker | Should -HaveCount 1
        }

        It 'writes MailExchangerNullMx for a domain that accepts no mail' {
            Send-SmtpMessage -DirectDelivery -DnsServer $DnsServer -Port $SmtpPort -From 'ops@smtptools.test' `
                -To 'someone@nullmx.mx.test' -Subject (New-Marker) -Body 'x' -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'MailExchangerNullMx,SmtpTools.Commands.SendSmtpMessageCommand'
            $err[0].TargetObject | Should -Be 'nullmx.mx.test'
        }
    }

    Context 'pickup directory and other sources' {
        It 'writes a complete .eml into the pickup folder that can be sent again with -Path' {
            $pickup = Join-Path $Work 'pickup'
            New-Item -ItemType Directory -Path $pickup | Out-Null
            $marker = New-Marker
            $result = Send-SmtpMessage -PickupDirectory $pickup -From 'ops@smtptools.test' -To 'bob@smtptools.test' -Subject $marker -Body 'x' -PassThru
            $files = @(Get-ChildItem $pickup)
            $files | Should -HaveCount 1
            $files[0].Extension | Should -Be '.eml'
            $result.Path | Should -Be $files[0].FullName
            Send-SmtpMessage @Common -Path $files[0].FullName
            (Get-DeliveredText $marker) | Should -Match "(?m)^Subject: $marker$"
        }
    }

    Context 'mistakes are caught before any connection' {
        BeforeAll {
            # Nothing listens here: a configuration error must win over a connection error.
            $script:Closed = @{ SmtpServer = '127.0.0.1'; Port = 9; From = 'ops@smtptools.test'; To = 'bob@smtptools.test' }
        }

        It 'refuses <Scenario> with <ErrorId>' -TestCases @(
            @{ Scenario = 'a missing attachment'; ErrorId = 'AttachmentNotFound'; Extra = @{ Subject = 's'; Attachments = '/nonexistent/report.pdf' } }
            @{ Scenario = 'CR/LF in the subject'; ErrorId = 'HeaderInjection'; Extra = @{ Subject = "a`r`nBcc: victim@example.com" } }
            @{ Scenario = 'an invalid address'; ErrorId = 'InvalidAddress'; Extra = @{ Subject = 's'; Cc = 'not an address' } }
            @{ Scenario = 'an unknown charset'; ErrorId = 'UnknownEncoding'; Extra = @{ Subject = 's'; Encoding = 'no-such-charset' } }
        ) {
            $parameters = $Closed + $Extra
            { Send-SmtpMessage @parameters -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,SmtpTools.Commands.SendSmtpMessageCommand"
        }

        It 'says what to do when there is no server at all' {
            $PSEmailServer = $null
            { Send-SmtpMessage -From 'ops@smtptools.test' -To 'bob@smtptools.test' -Subject 's' -ErrorAction Stop } |
                Should -Throw -ErrorId 'NoSmtpServer,SmtpTools.Commands.SendSmtpMessageCommand'
        }

        It 'sends nothing with -WhatIf' {
            $marker = New-Marker
            Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject $marker -Body 'x' -WhatIf
            Start-Sleep -Milliseconds 500
            Get-ChildItem (Join-Path (Get-PeerSetting MAILDIR) 'new') | Where-Object { Select-String -Path $_.FullName -SimpleMatch $marker -Quiet } |
                Should -BeNullOrEmpty
        }
    }

    Context 'transcript' {
        It 'streams the redacted transcript to -Verbose with swaks-style glyphs' {
            $verbose = Send-SmtpMessage @Common -Port $SubmissionPort -Tls StartTls -SkipCertificateCheck -Credential $Credential `
                -To 'bob@smtptools.test' -Subject (New-Marker) -Body 'x' -Verbose 4>&1 | ForEach-Object Message
            $verbose | Should -Contain '-> STARTTLS'
            ($verbose -like '<~ 235*').Count | Should -Be 1
            ($verbose -join "`n") | Should -Not -Match ([regex]::Escape($Password))
        }

        It 'passes its transcript to Get-SmtpReplyCode' {
            $result = Send-SmtpMessage @Common -To 'bob@smtptools.test' -Subject (New-Marker) -Body 'x' -PassThru
            $explained = @($result.Transcript | Get-SmtpReplyCode)
            $explained.Count | Should -BeGreaterThan 3
            $explained.Code | Should -Contain 220
            $explained.Code | Should -Contain 250
            $explained.Count | Should -Be @($result.Transcript | Where-Object Reply).Count
        }
    }
}

Describe 'Send-SmtpMessage with a server that answers in GBK' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestServer.ps1')
    }

    It 'shows NetEase''s Chinese refusal of the data and its explanation in the error' {
        $server = Start-ScriptedServer @"
S: 220 163.com Anti-spam GT for Coremail System (163com[20141201])
C: EHLO *
S: 250-mail
S: 250 8BITMIME
C: MAIL FROM:<alice@163.com>*
S: 250 Mail OK
C: RCPT TO:<bob@163.com>*
S: 250 Mail OK
C: DATA
S: 354 End data with <CR><LF>.<CR><LF>
C-DATA
S-ENC gbk: 554 DT:SPM 163 smtp10,DsCowABHXsZNq5ZhXc7zAA--.1234S2 1637267399 发送的邮件内容包含了未被许可的信息,或被系统识别为垃圾邮件
C: *
S: 221 Bye
"@
        try {
            Send-SmtpMessage -SmtpServer $server.Host -Port $server.Port -Tls None -From alice@163.com -To bob@163.com `
                -Subject 'GBK test' -Body 'hello' -ErrorVariable err -ErrorAction SilentlyContinue

            $err | Should -Not -BeNullOrEmpty
            $text = ($err.Exception.Message + $err.ErrorDetails.Message) -join "`n"
            $text | Should -Match '发送的邮件内容包含了未被许可的信息'
            $text | Should -Not -Match '\uFFFD'
            ($err.ErrorDetails.Message -join "`n") | Should -Match 'NetEase 163/126/yeah.net: '
        }
        finally { $server.Dispose() }
    }
}
