BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Server = '127.0.0.1'
    $script:SmtpPort = [int](Get-PeerSetting SMTP_PORT)
}

AfterAll {
    Get-SmtpSession | Disconnect-SmtpServer
}

Describe 'Get-SmtpSession' {
    It 'lists open sessions and drops them once closed' {
        $a = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None
        $b = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None

        $ids = (Get-SmtpSession).Id
        $ids | Should -Contain $a.Id
        $ids | Should -Contain $b.Id
        $a.Id | Should -Not -Be $b.Id

        $a | Disconnect-SmtpServer
        (Get-SmtpSession).Id | Should -Not -Contain $a.Id
        (Get-SmtpSession).Id | Should -Contain $b.Id
        $b | Disconnect-SmtpServer
    }

    It 'returns the same live object, whose transcript grows with each command' {
        $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None
        $listed = Get-SmtpSession -Id $s.Id
        $count = $listed.Transcript.Entries.Count

        $s | Invoke-SmtpCommand NOOP | Out-Null

        $listed.Transcript.Entries.Count | Should -Be ($count + 2)
        $s | Disconnect-SmtpServer
    }

    It 'does not list a session QUIT closed' {
        $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None
        $s | Invoke-SmtpCommand QUIT | Out-Null

        (Get-SmtpSession).Id | Should -Not -Contain $s.Id
    }

    It 'filters by server name with wildcards' {
        $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None

        (Get-SmtpSession -SmtpServer '127.0.*').Id | Should -Contain $s.Id
        Get-SmtpSession -SmtpServer 'no-such-*' | Should -BeNullOrEmpty
        $s | Disconnect-SmtpServer
    }

    It 'reports a number with no open session' {
        Get-SmtpSession -Id 999999 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpSessionNotFound*'
    }

    It 'shows sessions in a table with server, TLS state and whether they are open' {
        $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None

        $text = Get-SmtpSession -Id $s.Id | Out-String -Width 250

        $text | Should -Match 'SmtpServer'
        $text | Should -Match '127\.0\.0\.1'
        $text | Should -Match 'True'
        $s | Disconnect-SmtpServer
    }

    It 'completes -Id with the open sessions, shown by number and server' {
        $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None
        try {
            $mine = Get-Completion 'Get-SmtpSession -Id ' | Where-Object CompletionText -EQ "$($s.Id)"

            $mine.ListItemText | Should -Be "$($s.Id) $($Server):$SmtpPort"
            (Invoke-Expression "Get-SmtpSession -Id $($mine.CompletionText)").Id | Should -Be $s.Id
        }
        finally { $s | Disconnect-SmtpServer }
    }
}
