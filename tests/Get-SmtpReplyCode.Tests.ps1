BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:DataDir = Join-Path $PSScriptRoot '../src/SmtpTools.Core/Codes/Data'
    function Read-Tsv([string] $Name) {
        Import-Csv -Path (Join-Path $DataDir $Name) -Delimiter "`t" -Encoding utf8
    }
    $script:BasicRows = @(Read-Tsv 'smtp-reply-codes.tsv')
    $script:EnhancedRows = @(Read-Tsv 'enhanced-status-codes.tsv')
    $script:Seed = @(Read-Tsv 'seed-reply-codes-zh.tsv')
    $script:CommandName = 'SmtpTools.Commands.GetSmtpReplyCodeCommand'

    # The reply and transcript types have internal constructors: the tests build real instances the way the
    # SMTP engine does, so the pipeline binds exactly what Send-SmtpMessage -PassThru and Test-SmtpAuth write.
    $nonPublic = [Reflection.BindingFlags]'NonPublic,Instance'
    function New-SmtpReply([int] $Code, [string[]] $Lines) {
        $ctor = [SmtpTools.SmtpReply].GetConstructors($nonPublic) | Where-Object { $_.GetParameters().Count -eq 4 }
        $ctor.Invoke(@($Code, [Collections.Generic.List[string]]::new($Lines), $null, $null))
    }
    function New-TranscriptEntry([SmtpTools.SmtpTranscriptDirection] $Direction, [string] $Text, $Reply) {
        $ctor = [SmtpTools.SmtpTranscriptEntry].GetConstructors($nonPublic)[0]
        $ctor.Invoke(@([DateTimeOffset]::UtcNow, [TimeSpan]::Zero, $Direction, $false, $Text, $Reply))
    }
}

Describe 'Get-SmtpReplyCode' {
    Context 'input forms' {
        It 'explains -Code with the RFC 5321 meaning' {
            $r = Get-SmtpReplyCode -Code 550 -Language en
            $r | Should -HaveCount 1
            $r | Should -BeOfType SmtpTools.SmtpReplyCode
            $r.Code | Should -Be 550
            $r.Class | Should -Be ([SmtpTools.SmtpReplyClass]::PermanentNegative)
            $r.Category | Should -Be ([SmtpTools.SmtpReplyCategory]::MailSystem)
            $r.Retryable | Should -BeFalse
            $r.DefinedBy | Should -Be 'RFC 5321'
            $expected = ($BasicRows | Where-Object { $_.code -eq '550' -and $_.defined_by -eq 'RFC 5321' }).meaning
            $r.Meaning | Should -BeExactly $expected
        }

        It 'explains -EnhancedCode with class, subject and detail meanings' {
            $r = Get-SmtpReplyCode -EnhancedCode 4.2.2 -Language en
            $r.Code | Should -BeNullOrEmpty
            $r.EnhancedCode | Should -Be '4.2.2'
            $r.Class | Should -Be ([SmtpTools.SmtpReplyClass]::TransientNegative)
            $r.Retryable | Should -BeTrue
            $r.EnhancedClassMeaning | Should -BeExactly ($EnhancedRows | Where-Object code -eq '4.XXX.XXX').sample_text
            $r.EnhancedSubjectMeaning | Should -BeExactly ($EnhancedRows | Where-Object code -eq 'X.2.XXX').sample_text
            $r.EnhancedDetailMeaning | Should -BeExactly ($EnhancedRows | Where-Object code -eq 'X.2.2').sample_text
        }

        It 'explains -Code with -EnhancedCode together' {
            $r = Get-SmtpReplyCode -Code 550 -EnhancedCode 5.1.1 -Language en
            $r.Code | Should -Be 550
            $r.EnhancedCode | Should -Be '5.1.1'
            $r.Meaning | Should -BeExactly ($EnhancedRows | Where-Object code -eq 'X.1.1').sample_text
        }

        It 'explains a -Reply line and finds the vendor' {
            $line = '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant'
            $r = Get-SmtpReplyCode -Reply $line -Language en
            $r.Code | Should -Be 535
            $r.EnhancedCode | Should -Be '5.7.139'
            $r.Reply | Should -BeExactly $line
            $r.Vendor.Vendor | Should -Be 'Microsoft 365'
            $r.Vendor.WhatToDo | Should -Match 'Set-CASMailbox'
        }

        It 'explains a multi-line -Reply given as an array as one reply' {
            $r = @(Get-SmtpReplyCode -Reply '250-mx.example.com Hello', '250-PIPELINING', '250 SMTPUTF8')
            $r | Should -HaveCount 1
            $r[0].Code | Should -Be 250
            $r[0].Reply | Should -BeExactly "250-mx.example.com Hello`n250-PIPELINING`n250 SMTPUTF8"
        }

        It 'explains a multi-line -Reply given as one string with CRLF line breaks' {
            $r = @(Get-SmtpReplyCode -Reply "451-4.7.1 Greylisted,`r`n451 4.7.1 try again later")
            $r | Should -HaveCount 1
            $r[0].EnhancedCode | Should -Be '4.7.1'
            $r[0].Retryable | Should -BeTrue
        }

        It 'classifies positional text: <Scenario>' -TestCases @(
            @{ Scenario = 'a code'; Text = '421'; Code = 421; Enhanced = $null }
            @{ Scenario = 'an enhanced code'; Text = '5.7.1'; Code = $null; Enhanced = '5.7.1' }
            @{ Scenario = 'a reply line'; Text = '554 5.7.1 Relay access denied'; Code = 554; Enhanced = '5.7.1' }
            @{ Scenario = 'a reply without enhanced code'; Text = '221 Bye'; Code = 221; Enhanced = $null }
            @{ Scenario = 'odd spacing'; Text = "  550`t 5.1.1   User unknown "; Code = 550; Enhanced = '5.1.1' }
        ) {
            $r = Get-SmtpReplyCode $Text
            $r.Code | Should -Be $Code
            $r.EnhancedCode | Should -Be $Enhanced
        }

        It 'lists the whole catalogue without arguments' {
            $all = @(Get-SmtpReplyCode -Language en)
            $codes = @($all | Where-Object Code | ForEach-Object Code)
            $expectedCodes = @($BasicRows | ForEach-Object { [int]$_.code } | Sort-Object -Unique)
            $codes | Should -Be $expectedCodes
            $details = @($all | Where-Object { -not $_.Code } | ForEach-Object EnhancedCode)
            $details | Should -Be @($EnhancedRows | Where-Object kind -eq 'detail' | ForEach-Object code)
        }

        It 'explains an unknown code by its digits' {
            $r = Get-SmtpReplyCode -Code 479 -Language en
            $r.IsKnown | Should -BeFalse
            $r.Class | Should -Be ([SmtpTools.SmtpReplyClass]::TransientNegative)
            $r.Retryable | Should -BeTrue
            $r.Meaning | Should -Match 'transient negative'
        }
    }

    Context 'pipeline' {
        It 'binds integers and strings by value, in order' {
            $r = @(421, '5.7.1', '550 5.1.1 <bob@example.com>: Recipient address rejected' | Get-SmtpReplyCode)
            $r | Should -HaveCount 3
            $r[0].Code | Should -Be 421
            $r[1].EnhancedCode | Should -Be '5.7.1'
            $r[1].Code | Should -BeNullOrEmpty
            $r[2].Code | Should -Be 550
            $r[2].EnhancedCode | Should -Be '5.1.1'
        }

        It 'collects the lines of a multi-line reply piped one by one' {
            $r = @('250-mx.example.com', '250-PIPELINING', '250 SMTPUTF8', '221 2.0.0 Bye' | Get-SmtpReplyCode)
            $r | Should -HaveCount 2
            $r[0].Reply | Should -BeExactly "250-mx.example.com`n250-PIPELINING`n250 SMTPUTF8"
            $r[1].Code | Should -Be 221
        }

        It 'binds Code and EnhancedStatus by property name' {
            $r = [pscustomobject]@{ Code = 550; EnhancedStatus = '5.1.1' } | Get-SmtpReplyCode
            $r.Code | Should -Be 550
            $r.EnhancedCode | Should -Be '5.1.1'
        }

        It 'binds EnhancedStatus alone by property name' {
            $r = [pscustomobject]@{ EnhancedStatus = '5.7.8' } | Get-SmtpReplyCode
            $r.Code | Should -BeNullOrEmpty
            $r.EnhancedCode | Should -Be '5.7.8'
        }

        It 'binds an SmtpReply object with its text, so the vendor is found' {
            $reply = New-SmtpReply 550 @('5.7.30 Basic authentication is not supported for Client Submission.')
            $reply.EnhancedStatus | Should -Be '5.7.30'
            $r = $reply | Get-SmtpReplyCode -Language en
            $r | Should -HaveCount 1
            $r.Code | Should -Be 550
            $r.EnhancedCode | Should -Be '5.7.30'
            $r.Reply | Should -BeExactly $reply.ToString()
            $r.Vendor.Vendor | Should -Be 'Microsoft 365'
        }

        It 'binds an SmtpReply without enhanced code (EnhancedStatus is null)' {
            $reply = New-SmtpReply 220 @('mx.example.com ESMTP Postfix')
            $reply.EnhancedStatus | Should -BeNullOrEmpty
            $r = @($reply | Get-SmtpReplyCode -Language en -ErrorVariable err)
            $err | Should -BeNullOrEmpty
            $r | Should -HaveCount 1
            $r[0].Code | Should -Be 220
            $r[0].EnhancedCode | Should -BeNullOrEmpty
        }

        It 'explains its own output again, so a result can be translated: <Scenario>' -TestCases @(
            @{ Scenario = 'a code'; Make = { Get-SmtpReplyCode -Code 550 -Language en } }
            @{ Scenario = 'an enhanced code'; Make = { Get-SmtpReplyCode -EnhancedCode 5.1.1 -Language en } }
            @{ Scenario = 'a reply'; Make = { Get-SmtpReplyCode '550 5.1.1 User unknown' -Language en } }
            @{ Scenario = 'the catalogue'; Make = { Get-SmtpReplyCode -Language en } }
        ) {
            $english = @(& $Make)
            $chinese = @($english | Get-SmtpReplyCode -Language zh-CN -ErrorVariable err)
            $err | Should -BeNullOrEmpty
            $chinese | Should -HaveCount $english.Count
            for ($i = 0; $i -lt $english.Count; $i++) {
                $chinese[$i].Code | Should -Be $english[$i].Code
                $chinese[$i].EnhancedCode | Should -Be $english[$i].EnhancedCode
                $chinese[$i].Language | Should -Be 'zh-CN'
            }
        }

        It 'binds transcript entries by their Reply property and skips entries without a reply' {
            $greeting = New-SmtpReply 220 @('mx.example.com ESMTP')
            $rejected = New-SmtpReply 550 @('5.1.1 <bob@example.com>: Recipient address rejected: User unknown')
            $transcript = @(
                New-TranscriptEntry Info 'Connected to 127.0.0.1:25' $null
                New-TranscriptEntry Server '220 mx.example.com ESMTP' $greeting
                New-TranscriptEntry Client 'RCPT TO:<bob@example.com>' $null
                New-TranscriptEntry Server $rejected.ToString() $rejected
            )
            $r = @($transcript | Get-SmtpReplyCode -ErrorVariable err)
            $err | Should -BeNullOrEmpty
            $r | Should -HaveCount 2
            $r[0].Code | Should -Be 220
            $r[1].Code | Should -Be 550
            $r[1].EnhancedCode | Should -Be '5.1.1'
        }

        It 'binds a whole SmtpTranscript by its Entries and explains each server reply' {
            $ctor = [SmtpTools.SmtpTranscript].GetConstructors($nonPublic)[0]
            $transcript = $ctor.Invoke(@($null))
            $auth = New-SmtpReply 535 @('5.7.8 Error: authentication failed: authentication failure')
            $transcript.Write((New-TranscriptEntry Server '220 mx.example.com ESMTP' (New-SmtpReply 220 @('mx.example.com ESMTP'))))
            $transcript.Write((New-TranscriptEntry Client 'AUTH PLAIN ****' $null))
            $transcript.Write((New-TranscriptEntry Server $auth.ToString() $auth))

            $r = @($transcript | Get-SmtpReplyCode -Language en -ErrorVariable err)
            $err | Should -BeNullOrEmpty
            $r.Code | Should -Be @(220, 535)
            $r[1].Vendor.Vendor | Should -Be 'Postfix'

            $fromEntries = @($transcript.Entries | Get-SmtpReplyCode -Language en)
            $fromEntries.Code | Should -Be @(220, 535)
        }

        It 'binds objects with a Reply property holding text, and skips a null Reply silently' {
            $entries = @(
                [pscustomobject]@{ Direction = 'Client'; Text = 'MAIL FROM:<a@example.com>'; Reply = $null }
                [pscustomobject]@{ Direction = 'Server'; Text = '250 2.1.0 Ok'; Reply = '250 2.1.0 Ok' }
            )
            $r = @($entries | Get-SmtpReplyCode -ErrorVariable err)
            $err | Should -BeNullOrEmpty
            $r | Should -HaveCount 1
            $r[0].Code | Should -Be 250
        }
    }

    Context 'languages' {
        It 'writes the seed Chinese text for <Code> with -Language zh-CN' -TestCases @(
            Import-Csv -Path (Join-Path $PSScriptRoot '../src/SmtpTools.Core/Codes/Data/seed-reply-codes-zh.tsv') `
                -Delimiter "`t" -Encoding utf8 | ForEach-Object { @{ Code = [int]$_.code; Text = $_.'zh-CN text' } }
        ) {
            $r = Get-SmtpReplyCode -Code $Code -Language zh-CN
            $r.Meaning | Should -BeExactly $Text
            $r.Language | Should -Be 'zh-CN'
        }

        It 'writes Chinese for every catalogue entry with -Language zh-CN' {
            $all = @(Get-SmtpReplyCode -Language zh-CN)
            $all.Count | Should -BeGreaterThan 0
            $all | Where-Object { $_.Meaning -notmatch '\p{IsCJKUnifiedIdeographs}' } | Should -BeNullOrEmpty
        }

        It 'defaults to Chinese when the UI culture is Chinese, else English' {
            $saved = [cultureinfo]::CurrentUICulture
            try {
                [cultureinfo]::CurrentUICulture = 'zh-CN'
                $zh = Get-SmtpReplyCode -Code 550
                [cultureinfo]::CurrentUICulture = 'en-US'
                $en = Get-SmtpReplyCode -Code 550
            }
            finally { [cultureinfo]::CurrentUICulture = $saved }
            $zh.Language | Should -Be 'zh-CN'
            $zh.Meaning | Should -BeExactly ($Seed | Where-Object code -eq '550').'zh-CN text'
            $en.Language | Should -Be 'en'
        }

        It 'rejects a language it does not have' {
            { Get-SmtpReplyCode -Code 550 -Language fr -ErrorAction Stop } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,SmtpTools.Commands.GetSmtpReplyCodeCommand'
        }
    }

    Context 'errors' {
        It 'writes <Id> for <Scenario> and says what a valid value looks like' -TestCases @(
            @{ Scenario = '-Code 99'; Run = { Get-SmtpReplyCode -Code 99 }; Id = 'InvalidReplyCode'; Hint = '200 to 599' }
            @{ Scenario = 'piped 600'; Run = { 600 | Get-SmtpReplyCode }; Id = 'InvalidReplyCode'; Hint = '200 to 599' }
            @{ Scenario = '-EnhancedCode 7.1.1'; Run = { Get-SmtpReplyCode -EnhancedCode 7.1.1 }; Id = 'InvalidEnhancedCode'; Hint = 'for example 5.1.1' }
            @{ Scenario = 'text 7.1.1'; Run = { Get-SmtpReplyCode '7.1.1' }; Id = 'InvalidEnhancedCode'; Hint = 'for example 5.1.1' }
            @{ Scenario = '-Reply not a reply'; Run = { Get-SmtpReplyCode -Reply 'Recipient address rejected' }; Id = 'InvalidReplyLine'; Hint = 'three-digit code' }
            @{ Scenario = 'mismatched continuation'; Run = { Get-SmtpReplyCode -Reply '250-a', '550 b' }; Id = 'InvalidReplyLine'; Hint = 'same code' }
        ) {
            $ErrorActionPreference = 'Continue'
            $all = @(& $Run 2>&1)
            $err = @($all | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
            $r = @($all | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] })
            $r | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly "$Id,$CommandName"
            $err[0].CategoryInfo.Category | Should -Be ([Management.Automation.ErrorCategory]::InvalidArgument)
            $err[0].ToString() | Should -Match ([regex]::Escape($Hint))
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'goes on with the next input after an invalid one' {
            $r = @('99', '550', 'hello', '5.1.1' | Get-SmtpReplyCode -ErrorVariable err -ErrorAction SilentlyContinue)
            $r | Should -HaveCount 2
            $err | Should -HaveCount 2
            $err[0].FullyQualifiedErrorId | Should -BeExactly "InvalidReplyCode,$CommandName"
            $err[1].FullyQualifiedErrorId | Should -BeExactly "InvalidReplyLine,$CommandName"
        }
    }

    Context 'views' {
        It 'shows a compact table by default' {
            $text = Get-SmtpReplyCode -Code 550 -Language en | Out-String -Width 200
            $text | Should -Match 'Code\s+EnhancedCode\s+Class\s+Retryable\s+Meaning'
            $text | Should -Not -Match 'Description'
        }

        It 'shows everything, the vendor advice included, in the list view' {
            $text = Get-SmtpReplyCode '550 5.7.30 Basic authentication is not supported for Client Submission' -Language en |
                Format-List | Out-String -Width 200
            $text | Should -Match 'Description\s*:'
            $text | Should -Match 'WhatToDo\s*:'
            $text | Should -Match 'Microsoft 365'
        }

        It 'heads the list with the vendor''s meaning and keeps the registry''s below it' {
            $text = Get-SmtpReplyCode '550 5.7.30 Basic authentication is not supported for Client Submission' -Language en |
                Format-List | Out-String -Width 300

            $text | Should -Match '(?m)^Meaning\s*: Exchange Online no longer accepts a username and password'
            $text | Should -Match '(?m)^EnhancedMeaning\s*: REQUIRETLS support required'
            $text | Should -Match '(?m)^Vendor\s*: Microsoft 365'
            $text | Should -Not -Match '(?m)^VendorMeaning'
        }
    }

    Context 'what the reader expects' {
        It 'gives the vendor''s meaning for <Scenario>, the registry''s in EnhancedMeaning' -TestCases @(
            @{ Scenario = 'Microsoft 5.7.30'; Line = '550 5.7.30 Basic authentication is not supported for Client Submission'
                Vendor = 'Microsoft 365'; Meaning = '*Basic auth*|*username and password*'; Enhanced = 'REQUIRETLS support required' }
            @{ Scenario = 'Gmail 5.7.30'; Line = '550 5.7.30 The sender does not pass DKIM, and Gmail requires all bulk senders to authenticate with DKIM. - gsmtp'
                Vendor = 'Google'; Meaning = '*DKIM*'; Enhanced = 'REQUIRETLS support required' }
        ) {
            $r = Get-SmtpReplyCode $Line -Language en

            $r.VendorName | Should -Be $Vendor
            ($Meaning -split '\|' | Where-Object { $r.Meaning -like $_ }) | Should -Not -BeNullOrEmpty
            $r.EnhancedMeaning | Should -BeExactly $Enhanced
        }

        It 'keeps RFC 5321''s meaning for <Line>' -TestCases @(
            @{ Line = '550 Mail rejected because the sender is blacklisted'; Meaning = 'Requested action not taken: mailbox unavailable*' }
            @{ Line = '503 5.5.1 MAIL first. - gsmtp'; Meaning = 'Bad sequence of commands' }
        ) {
            (Get-SmtpReplyCode $Line -Language en).Meaning | Should -BeLike $Meaning
        }

        It 'finds the reply inside a pasted <Scenario> line' -TestCases @(
            @{ Scenario = 'Exchange NDR'; Line = "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'"; Vendor = 'Microsoft 365' }
            @{ Scenario = 'Outlook'; Line = '#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##'; Vendor = 'Microsoft 365' }
            @{ Scenario = 'Postfix bounce'; Line = 'host mx.example.com[192.0.2.1] said: 550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)'; Vendor = 'Postfix' }
            @{ Scenario = 'Exim bounce'; Line = 'SMTP error from remote mail server after RCPT TO:<x@example.com>: 550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in local recipient table'; Vendor = 'Postfix' }
        ) {
            $r = Get-SmtpReplyCode $Line -Language en -ErrorVariable err

            $err | Should -BeNullOrEmpty
            $r.Code | Should -Be 550
            $r.EnhancedCode | Should -Be '5.1.1'
            $r.VendorName | Should -Be $Vendor
            $r.Reply | Should -BeExactly $Line
        }

        It 'gives the vendor''s meaning, cause and advice in Chinese with -Language zh-CN' {
            $r = Get-SmtpReplyCode '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant' -Language zh-CN

            foreach ($text in $r.Meaning, $r.Vendor.Meaning, $r.Vendor.LikelyCause, $r.Vendor.WhatToDo) {
                $text | Should -Match '\p{IsCJKUnifiedIdeographs}'
            }
        }
    }
}
