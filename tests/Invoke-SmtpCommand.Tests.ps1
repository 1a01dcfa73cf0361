BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Server = '127.0.0.1'
    $script:SmtpPort = [int](Get-PeerSetting SMTP_PORT)
    $script:Submission = [int](Get-PeerSetting SUBMISSION_PORT)
    $script:Credential = [pscredential]::new((Get-PeerSetting TEST_USER),
        (ConvertTo-SecureString (Get-PeerSetting TEST_PASSWORD) -AsPlainText -Force))
}

AfterAll {
    Get-SmtpSession | Disconnect-SmtpServer
}

Describe 'Invoke-SmtpCommand' {
    BeforeEach {
        $script:s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None
    }
    AfterEach {
        $s | Disconnect-SmtpServer
    }

    It 'returns an out-of-sequence RCPT as a 503 reply with its explanation, not an error' {
        $r = Invoke-SmtpCommand -Session $s 'RCPT TO:<bob@smtptools.test>' -ErrorVariable err

        $err | Should -BeNullOrEmpty
        $r | Should -BeOfType SmtpTools.SmtpCommandResult
        $r.Code | Should -Be 503
        $r.Reply.EnhancedStatus | Should -Be '5.5.1'
        $r.Explanation.Code | Should -Be 503
        $r.Meaning | Should -Not -BeNullOrEmpty
        $r.SessionOpen | Should -BeTrue
        $s.IsOpen | Should -BeTrue
    }

    It 'takes the session from the pipeline and runs several commands in order' {
        $results = $s | Invoke-SmtpCommand 'NOOP', 'VRFY postmaster', 'HELP'

        $results.Command | Should -Be @('NOOP', 'VRFY postmaster', 'HELP')
        $results[0].Code | Should -Be 250
        $results[1].Code | Should -BeIn 250, 251, 252
    }

    It 'sends a message with DATA and -Data, dot-stuffed, and Postfix delivers it' {
        $marker = "route-data-$([guid]::NewGuid().ToString('n'))"
        $s | Invoke-SmtpCommand 'MAIL FROM:<alice@smtptools.test>', 'RCPT TO:<bob@smtptools.test>' | Out-Null
        $body = "Subject: $marker`nFrom: alice@smtptools.test`n`n.leading dot`n..two dots`nlast line"

        $r = $s | Invoke-SmtpCommand DATA -Data $body

        $r.IntermediateReply.Code | Should -Be 354
        $r.Code | Should -Be 250
        $r.Text | Should -Match 'queued as'
        $file = Wait-DeliveredMessage $marker
        $delivered = Get-Content -Raw $file
        $delivered | Should -Match "(?m)^\.leading dot$"
        $delivered | Should -Match "(?m)^\.\.two dots$"
    }

    It 'returns the refusal of a rejected recipient as a 550 reply' {
        $s | Invoke-SmtpCommand 'MAIL FROM:<alice@smtptools.test>' | Out-Null
        $r = $s | Invoke-SmtpCommand 'RCPT TO:<rejected@smtptools.test>'

        $r.Code | Should -Be 550
        $r.EnhancedStatus | Should -Be '5.1.1'
        $r.Explanation.IsPermanent | Should -BeTrue
    }

    It 'refuses DATA without -Data before sending anything' {
        $count = $s.Transcript.Entries.Count
        $r = $s | Invoke-SmtpCommand DATA -ErrorVariable err -ErrorAction SilentlyContinue

        $r | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpCommandInvalid*'
        $s.Transcript.Entries.Count | Should -Be $count
        $s.IsOpen | Should -BeTrue
    }

    It 'reports a refused certificate after STARTTLS as an error and closes the session' {
        # The peer's certificate is self-signed, and this session was opened without -SkipCertificateCheck.
        $r = $s | Invoke-SmtpCommand STARTTLS -ErrorVariable err -ErrorAction SilentlyContinue

        $r | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpTlsFailed*'
        $s.Transcript.Entries.Text | Should -Contain '220 2.0.0 Ready to start TLS'
        $s.IsOpen | Should -BeFalse
        (Get-SmtpSession).Id | Should -Not -Contain $s.Id
    }

    It 'upgrades with STARTTLS when the certificate is accepted' {
        $t = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None -SkipCertificateCheck
        try {
            $r = $t | Invoke-SmtpCommand STARTTLS

            $r.Code | Should -Be 220
            $t.IsEncrypted | Should -BeTrue
            $t.Capabilities.StartTls | Should -BeFalse
            ($t | Invoke-SmtpCommand NOOP).Code | Should -Be 250
        }
        finally { $t | Disconnect-SmtpServer }
    }

    It 'updates the capabilities after a typed EHLO' {
        $r = $s | Invoke-SmtpCommand 'HELO typed.example'

        $r.Code | Should -Be 250
        $s.Capabilities.IsExtended | Should -BeFalse
    }

    It 'closes the session on QUIT and refuses later commands' {
        $r = $s | Invoke-SmtpCommand QUIT

        $r.Code | Should -Be 221
        $r.SessionOpen | Should -BeFalse
        $s.IsOpen | Should -BeFalse
        $s | Invoke-SmtpCommand NOOP -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpSessionClosed*'
    }

    It 'authenticates with AUTH and -Credential on the submission port' {
        $t = Connect-SmtpServer -SmtpServer $Server -Port $Submission -Tls StartTls -SkipCertificateCheck
        try {
            $r = $t | Invoke-SmtpCommand 'AUTH PLAIN' -Credential $Credential

            $r.Code | Should -Be 235
            $t.AuthenticatedAs | Should -Be $Credential.UserName
            $r.Command | Should -Not -Match ([regex]::Escape((Get-PeerSetting TEST_PASSWORD)))
        }
        finally { $t | Disconnect-SmtpServer }
    }

    It 'walks the seed''s typed AUTH LOGIN exchange: base64 user name and password answer the 334 challenges' {
        $t = Connect-SmtpServer -SmtpServer $Server -Port $Submission -Tls StartTls -SkipCertificateCheck
        try {
            $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)) }

            $r = $t | Invoke-SmtpCommand 'auth login', (& $b64 $Credential.UserName), (& $b64 (Get-PeerSetting TEST_PASSWORD))

            $r.Code | Should -Be @(334, 334, 235)
            [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($r[0].Text)) | Should -Be 'Username:'
            $r[2].Explanation.Code | Should -Be 235
            # The answers to the 334s are the user name and password: hidden in the results and the transcript.
            $r.Command | Should -Be @('auth login', '<redacted>', '<redacted>')
            $t.Transcript.Entries.Text | Should -Not -Contain (& $b64 (Get-PeerSetting TEST_PASSWORD))
        }
        finally { $t | Disconnect-SmtpServer }
    }

    It 'hides a password typed as AUTH PLAIN <base64> in the result and in every transcript' {
        $t = Connect-SmtpServer -SmtpServer $Server -Port $Submission -Tls StartTls -SkipCertificateCheck
        try {
            $plain = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(
                    "`0$($Credential.UserName)`0$(Get-PeerSetting TEST_PASSWORD)"))
            $verbose = $t | Invoke-SmtpCommand "AUTH PLAIN $plain" -Verbose 4>&1
            $r = @($verbose | Where-Object { $_ -is [SmtpTools.SmtpCommandResult] })[0]

            $r.Code | Should -Be 235
            $r.Command | Should -Be 'AUTH PLAIN <redacted>'
            $t.Transcript.Entries.Text | Should -Contain '~> AUTH PLAIN <redacted>'.Substring(3)
            ($t.Transcript.Entries.Text -join "`n") | Should -Not -Match ([regex]::Escape($plain))
            ($verbose | Out-String) | Should -Not -Match ([regex]::Escape($plain))
        }
        finally { $t | Disconnect-SmtpServer }
    }

    It 'explains replies in Chinese with -Language zh-CN' {
        $r = $s | Invoke-SmtpCommand 'RCPT TO:<bob@smtptools.test>' -Language zh-CN

        $r.Explanation.Language | Should -Be 'zh-CN'
        $r.Meaning | Should -Match '\p{IsCJKUnifiedIdeographs}'
    }

    It 'returns a wrong password as a 535 reply' {
        $t = Connect-SmtpServer -SmtpServer $Server -Port $Submission -Tls StartTls -SkipCertificateCheck
        try {
            $wrong = [pscredential]::new($Credential.UserName, (ConvertTo-SecureString 'Wrong-1' -AsPlainText -Force))
            $r = $t | Invoke-SmtpCommand AUTH -Credential $wrong

            $r.Code | Should -Be 535
            $t.AuthenticatedAs | Should -BeNullOrEmpty
            $t.IsOpen | Should -BeTrue
        }
        finally { $t | Disconnect-SmtpServer }
    }

    It 'completes -Session with the open sessions, shown by number and server, and the completion works' {
        $t = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None
        try {
            $mine = Get-Completion 'Invoke-SmtpCommand -Session ' | Where-Object ListItemText -Like "$($t.Id) *"

            $mine | Should -HaveCount 1
            $mine.ListItemText | Should -Be "$($t.Id) $($Server):$SmtpPort"
            $mine.ToolTip | Should -BeLike '*no TLS*'
            $reply = Invoke-Expression "Invoke-SmtpCommand -Session $($mine.CompletionText) NOOP"
            $reply.Code | Should -Be 250
        }
        finally { $t | Disconnect-SmtpServer }
        (Get-Completion 'Invoke-SmtpCommand -Session ').ListItemText | Should -Not -Contain "$($t.Id) $($Server):$SmtpPort"
    }

    It 'completes the command with the SMTP verbs, each with its syntax' {
        $verbs = Get-Completion 'Invoke-SmtpCommand '

        $verbs.CompletionText | Should -Be 'EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'VRFY', 'EXPN', 'HELP', 'NOOP',
            'QUIT', 'STARTTLS', 'AUTH'
        ($verbs | Where-Object CompletionText -EQ 'RCPT').ToolTip | Should -BeLike 'RCPT TO:<recipient>*'
        (Get-Completion 'Invoke-SmtpCommand -Session $s st').CompletionText | Should -Be 'STARTTLS'
        (Get-Completion "Invoke-SmtpCommand 'rc").CompletionText | Should -Be "'RCPT'"
    }
}

Describe 'Invoke-SmtpCommand with a server that answers in GBK' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestServer.ps1')
        $script:GbkScript = @"
S: 220 smtp.qq.com Esmtp QQ Mail Server
C: EHLO *
S: 250-smtp.qq.com
S: 250-AUTH LOGIN PLAIN
S: 250 8BITMIME
C: AUTH PLAIN *
S-ENC gbk: $QqAuthCodeRefusal
C: MAIL FROM:<alice@163.com>
S: 250 Mail OK
C: RCPT TO:<bob@163.com>
S: 250 Mail OK
C: DATA
S: 354 End data with <CR><LF>.<CR><LF>
C-DATA
S-ENC gb2312: 554 DT:SPM 163 smtp10,DsCowABHXsZNq5ZhXc7zAA--.1234S2 1637267399 发送的邮件内容包含了未被许可的信息,或被系统识别为垃圾邮件
C: QUIT
S: 221 Bye
"@
    }

    It 'shows the Chinese text of GBK and GB2312 replies, with the vendor''s explanation, in results and transcript' {
        $server = Start-ScriptedServer $GbkScript
        $t = Connect-SmtpServer -SmtpServer $server.Host -Port $server.Port -Tls None
        try {
            $auth = $t | Invoke-SmtpCommand 'AUTH PLAIN AGFsaWNlAHdyb25n' -Language en
            $data = $t | Invoke-SmtpCommand 'MAIL FROM:<alice@163.com>', 'RCPT TO:<bob@163.com>', 'DATA' -Data 'Subject: x' -Language en

            $auth.Code | Should -Be 535
            $auth.Text | Should -BeExactly $QqAuthCodeRefusal.Substring(4)
            $auth.Reply.TextEncoding | Should -Be 'gb18030'
            $auth.Explanation.VendorName | Should -Be 'Tencent QQ Mail'
            $auth.Explanation.Meaning | Should -Match 'authorization code'
            $data[-1].Code | Should -Be 554
            $data[-1].Text | Should -Match '发送的邮件内容包含了未被许可的信息'
            $data[-1].Explanation.VendorName | Should -Be 'NetEase 163/126/yeah.net'
            ($t.Transcript.Entries | Where-Object Direction -eq Server).Text | Should -Contain $QqAuthCodeRefusal
            $t.Transcript.Entries.Text -join "`n" | Should -Not -Match '\uFFFD'
        }
        finally {
            $t | Disconnect-SmtpServer
            $server.Dispose()
        }
    }

    It 'keeps the raw bytes of a reply, and decodes with the encoding -ReplyEncoding forces' {
        $server = Start-ScriptedServer $GbkScript
        $t = Connect-SmtpServer -SmtpServer $server.Host -Port $server.Port -Tls None -ReplyEncoding iso-8859-1
        try {
            $auth = $t | Invoke-SmtpCommand 'AUTH PLAIN AGFsaWNlAHdyb25n'

            $auth.Reply.TextEncoding | Should -Be 'iso-8859-1'
            $auth.Text | Should -Match '^Error: ÇëÊ¹ÓÃÊÚÈ¨ÂëµÇÂ¼'
            $gbk = [Text.Encoding]::GetEncoding('gb18030')
            $gbk.GetString($auth.Reply.RawBytes) | Should -BeExactly "$QqAuthCodeRefusal`r`n"
        }
        finally {
            $t | Disconnect-SmtpServer
            $server.Dispose()
        }
    }

    It 'completes -ReplyEncoding with the encodings mail servers answer in' {
        $line = 'Connect-SmtpServer mx.example.com -ReplyEncoding gb'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('gb18030', 'gbk', 'gb2312')
    }

    It 'refuses an unknown -ReplyEncoding before connecting, saying what to give' {
        { Connect-SmtpServer -SmtpServer 127.0.0.1 -Port 1 -ReplyEncoding no-such-charset -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnknownReplyEncoding,SmtpTools.Commands.ConnectSmtpServerCommand'
    }
}
