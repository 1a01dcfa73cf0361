# Integrated authentication (issue 23): Kerberos (GSSAPI, Negotiate) with the identity the command runs as, and NTLM,
# against tests/peers/kerberos.ps1: an MIT KDC on loopback, Postfix with Dovecot's GSSAPI on one port and Cyrus SASL's
# NTLM on another. The GSSAPI library reads KRB5_CONFIG and KRB5CCNAME from this process's environment as it started
# (build.ps1 starts Pester after the peers), so each test changes the ticket cache's contents, never the variables.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Server = 'localhost'
    $script:KerberosPort = [int](Get-PeerSetting KRB_SUBMISSION_PORT)
    $script:NtlmPort = [int](Get-PeerSetting NTLM_SUBMISSION_PORT)
    $script:PasswordPort = [int](Get-PeerSetting SUBMISSION_PORT)
    $script:Realm = Get-PeerSetting KRB5_REALM
    $script:User = Get-PeerSetting KRB5_USER
    $script:Password = Get-PeerSetting KRB5_PASSWORD
    $script:Principal = "$User@$Realm"
    $script:Credential = [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
    $script:WrongCredential = [pscredential]::new($User, (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
    if (-not $env:KRB5_CONFIG -or -not $env:KRB5CCNAME) {
        throw 'KRB5_CONFIG and KRB5CCNAME are not set: start pwsh after tests/peers/Start-Peers.ps1 (build.ps1 does).'
    }

    # A fresh ticket for the test principal in the cache this process uses; -Lifetime 1s gives one that expires.
    function Set-Ticket([string] $Lifetime) {
        $arguments = @(if ($Lifetime) { "-l", $Lifetime }) + $User
        $out = $Password | & kinit @arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "kinit $User failed (exit $LASTEXITCODE): $out" }
    }
    function Remove-Ticket { & kdestroy -q *> $null }

    function Get-DeliveredText([string] $Marker) { Get-Content -Raw (Wait-DeliveredMessage -Marker $Marker) }

    $script:Mail = @{ From = 'reports@example.test'; To = 'ops@example.test'; SmtpServer = $Server }
}

AfterAll {
    Remove-Ticket
}

Describe 'Integrated authentication with the current identity (Kerberos ticket cache)' {
    BeforeEach { Set-Ticket }

    It 'Test-SmtpAuth with no credential authenticates with GSSAPI as the ticket''s principal' {
        $verbose = Test-SmtpAuth -SmtpServer $Server -Port $KerberosPort -SkipCertificateCheck -Verbose 4>&1
        $result = $verbose | Where-Object { $_ -is [SmtpTools.SmtpAuthResult] }

        $result.Succeeded | Should -BeTrue
        $result.Mechanism | Should -Be 'GSSAPI'
        $result.UserName | Should -Be $Principal
        $result.Tls | Should -Not -BeNullOrEmpty
        $lines = @($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
        ($lines -join "`n") | Should -Match ("=== GSSAPI: authenticating as the current identity $([regex]::Escape($Principal)) " +
            '\(Kerberos ticket cache; valid for \d+ h \d+ min more\) to the service principal SMTP/localhost\.') -Because 'the transcript says which identity was used'
        ($lines -join "`n") | Should -Match 'proved that it holds the key of SMTP/localhost \(mutual authentication\)'
    }

    It 'Test-SmtpAuth -Mechanism <Mechanism> authenticates, <Tls>' -TestCases @(
        @{ Mechanism = 'GSSAPI'; Tls = 'Auto' }
        @{ Mechanism = 'Negotiate'; Tls = 'Auto' }
        # RFC 4752 was made for plain text: the ticket is useless to others and the server proves itself.
        @{ Mechanism = 'GSSAPI'; Tls = 'None' }
    ) {
        $result = Test-SmtpAuth -SmtpServer $Server -Port $KerberosPort -Mechanism $Mechanism -Tls $Tls -SkipCertificateCheck

        $result.Succeeded | Should -BeTrue
        $result.ReplyCode | Should -Be 235
        $result.UserName | Should -Be $Principal
    }

    It 'Send-SmtpMessage with no credential authenticates, and the server records the principal' {
        $marker = [Guid]::NewGuid().ToString('N')

        $result = Send-SmtpMessage @Mail -Port $KerberosPort -SkipCertificateCheck -Subject "krb $marker" -Body $marker -PassThru

        $result.Delivered | Should -BeTrue
        $text = Get-DeliveredText $marker
        $text | Should -Match 'with ESMTPSA id'
        $text | Should -Match "\(Authenticated sender: $([regex]::Escape($Principal))\)"
    }

    It 'Connect-SmtpServer -UseDefaultCredentials authenticates, and stays anonymous without it' {
        $anonymous = Connect-SmtpServer -SmtpServer $Server -Port $KerberosPort -SkipCertificateCheck
        $signedIn = Connect-SmtpServer -SmtpServer $Server -Port $KerberosPort -SkipCertificateCheck -UseDefaultCredentials
        try {
            $anonymous.AuthenticationMechanism | Should -BeNullOrEmpty
            $signedIn.AuthenticationMechanism | Should -Be 'GSSAPI'
            ($signedIn | Invoke-SmtpCommand 'MAIL FROM:<a@example.test>', 'RCPT TO:<b@example.test>')[-1].Code | Should -Be 250
        }
        finally {
            $anonymous, $signedIn | Disconnect-SmtpServer
        }
    }

    It 'writes SmtpAuthUnknownSpn for a service principal the KDC does not know' {
        Test-SmtpAuth -SmtpServer $Server -Port $KerberosPort -SkipCertificateCheck -ServicePrincipalName SMTP/nosuchhost.smtptools.test `
            -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthUnknownSpn,SmtpTools.Commands.TestSmtpAuthCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Message | Should -Match 'SMTP/nosuchhost\.smtptools\.test'
        $err[0].Exception.Message | Should -Match 'not found in Kerberos database'
    }

    It 'writes SmtpAuthPasswordMechanismsOnly where the server offers only password mechanisms' {
        Test-SmtpAuth -SmtpServer $Server -Port $PasswordPort -SkipCertificateCheck -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthPasswordMechanismsOnly,SmtpTools.Commands.TestSmtpAuthCommand'
        $err[0].CategoryInfo.Category | Should -Be 'NotEnabled'
        $err[0].ErrorDetails.RecommendedAction | Should -Match '-Credential'
    }

    It 'Send-SmtpMessage -UseDefaultCredentials:$false sends no AUTH' {
        $result = Send-SmtpMessage @Mail -Port $KerberosPort -SkipCertificateCheck -Subject off -Body off -UseDefaultCredentials:$false `
            -PassThru -ErrorAction SilentlyContinue

        @($result.Transcript.Text) -like 'AUTH*' | Should -BeNullOrEmpty
    }
}

Describe 'Integrated authentication without a usable ticket' {
    It 'writes SmtpAuthNoTicket, naming kinit, when the cache is empty' {
        Remove-Ticket

        Test-SmtpAuth -SmtpServer $Server -Port $KerberosPort -SkipCertificateCheck -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthNoTicket,SmtpTools.Commands.TestSmtpAuthCommand'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err[0].Exception.Message | Should -Match 'kinit'
        @($err[0].Exception.Transcript.Entries.Text) -like 'AUTH*' | Should -BeNullOrEmpty -Because 'nothing is sent without a ticket'
    }

    It 'writes SmtpAuthTicketExpired for an expired ticket' {
        Set-Ticket -Lifetime 1s
        # klist -s fails once no ticket in the cache is valid. The library's own check, which names the expiry, is
        # against the KDC's clock as seen at kinit (whole seconds), so wait a little past that; the KDC itself would
        # still take the ticket for its 5 minutes of allowed skew.
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        do { Start-Sleep -Milliseconds 200; & klist -s } while ($LASTEXITCODE -eq 0 -and [DateTime]::UtcNow -lt $deadline)
        Start-Sleep -Milliseconds 1200

        Test-SmtpAuth -SmtpServer $Server -Port $KerberosPort -SkipCertificateCheck -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthTicketExpired,SmtpTools.Commands.TestSmtpAuthCommand'
        $err[0].Exception.Message | Should -Match 'the Kerberos ticket of the current identity has expired'
    }

    It 'Send-SmtpMessage without a ticket goes on without AUTH, as Send-MailMessage, and says why' {
        Remove-Ticket

        $verbose = Send-SmtpMessage @Mail -Port $KerberosPort -SkipCertificateCheck -Subject noticket -Body x `
            -ErrorVariable err -ErrorAction SilentlyContinue -Verbose 4>&1

        $note = @($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message |
                Where-Object { $_ -like '=== Not authenticating as the current identity:*' })
        $note.Count | Should -Be 1
        $note[0] | Should -Match 'no Kerberos ticket .*kinit .*Sending without AUTH\.$'
        # This port refuses clients that did not authenticate; the refusal is the server's, not an AUTH error.
        $err.Count | Should -BeGreaterThan 0
        @($err | Where-Object FullyQualifiedErrorId -like 'SmtpAuth*') | Should -BeNullOrEmpty
    }

    It 'Send-SmtpMessage -UseDefaultCredentials without a ticket writes SmtpAuthNoTicket' {
        Remove-Ticket

        # A login that cannot happen stops the command (no later message could do better): a terminating error.
        $err = try { Send-SmtpMessage @Mail -Port $KerberosPort -SkipCertificateCheck -Subject required -Body x -UseDefaultCredentials; $null }
        catch { $_ }

        $err.FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthNoTicket,SmtpTools.Commands.SendSmtpMessageCommand'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
    }
}

Describe 'Integrated authentication with -Credential' {
    BeforeAll { Remove-Ticket }

    It 'Test-SmtpAuth -Credential authenticates with NTLM' {
        $result = Test-SmtpAuth -SmtpServer $Server -Port $NtlmPort -Credential $Credential -SkipCertificateCheck

        $result.Mechanism | Should -Be 'NTLM'
        $result.Succeeded | Should -BeTrue
        $result.UserName | Should -Be $User
    }

    It 'Send-SmtpMessage -Credential delivers with NTLM' {
        $marker = [Guid]::NewGuid().ToString('N')

        Send-SmtpMessage @Mail -Port $NtlmPort -Credential $Credential -SkipCertificateCheck -Subject "ntlm $marker" -Body $marker

        Get-DeliveredText $marker | Should -Match 'with ESMTPSA id'
    }

    It 'reports a wrong NTLM password as the server''s 535, SmtpAuthRejected in Send-SmtpMessage' {
        $result = Test-SmtpAuth -SmtpServer $Server -Port $NtlmPort -Credential $WrongCredential -SkipCertificateCheck
        $err = try { Send-SmtpMessage @Mail -Port $NtlmPort -Credential $WrongCredential -SkipCertificateCheck -Subject wrong -Body x; $null }
        catch { $_ }

        $result.Succeeded | Should -BeFalse
        $result.ReplyCode | Should -Be 535
        $err.FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthRejected,SmtpTools.Commands.SendSmtpMessageCommand'
    }

    It 'Test-SmtpAuth -Credential -Mechanism GSSAPI gets its own ticket, and a wrong password is SmtpAuthLogonDenied' {
        $good = Test-SmtpAuth -SmtpServer $Server -Port $KerberosPort -Credential $Credential -Mechanism GSSAPI -SkipCertificateCheck
        Test-SmtpAuth -SmtpServer $Server -Port $KerberosPort -Credential $WrongCredential -Mechanism GSSAPI -SkipCertificateCheck `
            -ErrorVariable err -ErrorAction SilentlyContinue

        $good.Succeeded | Should -BeTrue
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthLogonDenied,SmtpTools.Commands.TestSmtpAuthCommand'
    }

    It 'refuses NTLM over a connection without TLS, as every password mechanism' {
        Test-SmtpAuth -SmtpServer $Server -Port $NtlmPort -Credential $Credential -Tls None -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthWithoutTls,SmtpTools.Commands.TestSmtpAuthCommand'
    }

    It 'never shows the password, a ticket or an NTLM answer in any stream' {
        Set-Ticket
        $everything = & {
            Test-SmtpAuth -SmtpServer $Server -Port $NtlmPort -Credential $Credential -SkipCertificateCheck -Verbose
            Test-SmtpAuth -SmtpServer $Server -Port $NtlmPort -Credential $WrongCredential -SkipCertificateCheck -Verbose
            Send-SmtpMessage @Mail -Port $KerberosPort -SkipCertificateCheck -Subject secrets -Body x -PassThru -Verbose
            Test-SmtpAuth -SmtpServer $Server -Port $KerberosPort -SkipCertificateCheck -ServicePrincipalName SMTP/nosuch -Verbose `
                -ErrorAction Continue
        } *>&1
        $results = @($everything | Where-Object { $_ -is [SmtpTools.SmtpAuthResult] -or $_ -is [SmtpTools.SmtpSendResult] })
        $text = ($everything | Out-String) + ($results.Transcript | Out-String)

        $text | Should -Not -Match ([regex]::Escape($Password))
        # What the client sends after AUTH (AP-REQ, NTLM messages, the wrapped security-layer answer) is redacted.
        $clientAuthLines = @($results.Transcript | Where-Object Direction -eq 'Client' | ForEach-Object Text |
                Where-Object { $_ -notmatch '^(EHLO|STARTTLS|MAIL|RCPT|DATA|BDAT|QUIT|RSET|\.|<chunk)' -and $_ -ne '' })
        $clientAuthLines.Count | Should -BeGreaterThan 0
        $clientAuthLines | ForEach-Object { $_ | Should -Match '^(AUTH (GSSAPI|NTLM)( <redacted>)?|<redacted>)$' }
    }
}
