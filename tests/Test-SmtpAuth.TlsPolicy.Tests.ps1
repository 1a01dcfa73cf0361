# Test-SmtpAuth against the transport policies of a mail domain: the TLSA records of dane.test (signed for the run,
# tests/peers/unbound.ps1) name the Postfix peer's key; wrong.dane.test's name none. Unbound validates them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Resolver = Get-PeerSetting RESOLVER
    $script:Submission = [int](Get-PeerSetting SUBMISSION_PORT)
    $script:Credential = [pscredential]::new((Get-PeerSetting TEST_USER),
        (ConvertTo-SecureString (Get-PeerSetting TEST_PASSWORD) -AsPlainText -Force))
    # The peer's certificate is self-signed: only a validated DANE match authenticates it, unless the check is skipped.
    function Test-Exchanger([string] $Domain, [switch] $Require, [switch] $Skip) {
        Resolve-MailExchanger $Domain -Server $Resolver |
            Test-SmtpAuth -Port $Submission -Credential $Credential -DnsServer $Resolver -RequireTlsPolicy:$Require `
                -SkipCertificateCheck:$Skip -ErrorVariable script:err -ErrorAction SilentlyContinue
    }
}

Describe 'Test-SmtpAuth with a mail domain''s transport policies' {
    It 'checks a piped exchanger against its domain''s validated TLSA records, which authenticate its certificate, and logs in' {
        $r = Test-Exchanger dane.test -Require

        $err | Should -BeNullOrEmpty
        $r.Succeeded | Should -BeTrue
        $r.Tls.TlsPolicy | Should -BeOfType SmtpTools.TlsPolicyVerdict
        $r.Tls.TlsPolicy.DaneValidated | Should -BeTrue
        $r.Tls.TlsPolicy.Satisfied | Should -BeTrue
    }

    It 'reports a certificate that matches no validated TLSA record, and still tests the login' {
        $r = Test-Exchanger wrong.dane.test -Skip

        $r.Succeeded | Should -BeTrue
        $r.Tls.TlsPolicy.Required | Should -BeTrue
        $r.Tls.TlsPolicy.Satisfied | Should -BeFalse
        $r.Tls.TlsPolicy.Reason | Should -Match 'matches none of the TLSA records'
    }

    It 'refuses that server with -RequireTlsPolicy, saying the policy is not met, even with -SkipCertificateCheck' {
        $r = Test-Exchanger wrong.dane.test -Require -Skip

        $r | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpTlsFailed,SmtpTools.Commands.TestSmtpAuthCommand'
        $err[0].Exception.Message | Should -Match 'TLS policy is not met'
    }

    It 'stops with TlsPolicyWithoutDomain for -RequireTlsPolicy without a domain' {
        { Test-SmtpAuth -SmtpServer 127.0.0.1 -Port $Submission -Credential $Credential -RequireTlsPolicy -ErrorAction Stop } |
            Should -Throw -ErrorId 'TlsPolicyWithoutDomain,SmtpTools.Commands.TestSmtpAuthCommand'
    }
}
