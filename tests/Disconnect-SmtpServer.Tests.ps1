BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Server = '127.0.0.1'
    $script:SmtpPort = [int](Get-PeerSetting SMTP_PORT)
}

Describe 'Disconnect-SmtpServer' {
    It 'sends QUIT, closes the session and forgets it' {
        $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None

        $out = $s | Disconnect-SmtpServer

        $out | Should -BeNullOrEmpty
        $s.IsOpen | Should -BeFalse
        $s.Closed | Should -Not -BeNullOrEmpty
        $s.Transcript.Entries.Text | Should -Contain 'QUIT'
        ($s.Transcript.Entries | Where-Object Direction -eq Server)[-1].Reply.Code | Should -Be 221
        Get-SmtpSession | Where-Object Id -eq $s.Id | Should -BeNullOrEmpty
    }

    It 'closes by number and returns the session with -PassThru' {
        $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None

        $closed = Disconnect-SmtpServer -Id $s.Id -PassThru

        $closed.Id | Should -Be $s.Id
        $closed.IsOpen | Should -BeFalse
        $closed.CloseReason | Should -Be 'Disconnect-SmtpServer'
    }

    It 'does nothing to a session that is already closed' {
        $s = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None
        $s | Disconnect-SmtpServer
        $count = $s.Transcript.Entries.Count

        { $s | Disconnect-SmtpServer -ErrorAction Stop } | Should -Not -Throw
        $s.Transcript.Entries.Count | Should -Be $count
    }

    It 'reports an unknown session number' {
        Disconnect-SmtpServer -Id 999999 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpSessionNotFound*'
    }

    It 'closes sessions left open when the module is removed' {
        $script:Child = [powershell]::Create()
        try {
            $null = $Child.AddScript({
                param($Manifest, $Server, $Port)
                Import-Module $Manifest
                $s = Connect-SmtpServer -SmtpServer $Server -Port $Port -Tls None
                Remove-Module SmtpTools
                [pscustomobject]@{ IsOpen = $s.IsOpen; Reason = $s.CloseReason; Last = $s.Transcript.Entries[-1].Text }
            }).AddArgument($ManifestPath).AddArgument($Server).AddArgument($SmtpPort)
            $r = $Child.Invoke()

            $r.IsOpen | Should -BeFalse
            $r.Reason | Should -Match 'removed'
            $r.Last | Should -Match '^221'
        }
        finally { $Child.Dispose() }
    }

    It 'closes sessions left open when their runspace closes' {
        $rs = [runspacefactory]::CreateRunspace()
        $rs.Open()
        $ps = [powershell]::Create($rs)
        try {
            $null = $ps.AddScript({
                param($Manifest, $Server, $Port)
                Import-Module $Manifest
                Connect-SmtpServer -SmtpServer $Server -Port $Port -Tls None
            }).AddArgument($ManifestPath).AddArgument($Server).AddArgument($SmtpPort)
            $s = $ps.Invoke()[0]
            $s.IsOpen | Should -BeTrue

            $rs.Close()

            $s.IsOpen | Should -BeFalse
            $s.CloseReason | Should -Match 'runspace'
        }
        finally { $ps.Dispose(); $rs.Dispose() }
    }

    It 'completes -Id and -Session with the open sessions, shown by number and server' {
        $t = Connect-SmtpServer -SmtpServer $Server -Port $SmtpPort -Tls None
        try {
            $byId = Get-Completion 'Disconnect-SmtpServer -Id ' | Where-Object CompletionText -EQ "$($t.Id)"
            $bySession = Get-Completion 'Disconnect-SmtpServer ' | Where-Object CompletionText -EQ "(Get-SmtpSession -Id $($t.Id))"

            $byId.ListItemText | Should -Be "$($t.Id) $($Server):$SmtpPort"
            $bySession.ListItemText | Should -Be "$($t.Id) $($Server):$SmtpPort"
            Invoke-Expression "Disconnect-SmtpServer -Id $($byId.CompletionText)"
            $t.IsOpen | Should -BeFalse
            (Get-Completion 'Disconnect-SmtpServer -Id ').CompletionText | Should -Not -Contain "$($t.Id)"
        }
        finally { $t | Disconnect-SmtpServer }
    }
}
