# Send-SmtpMessage -DirectDelivery against the transport policies of the recipients' domains: the TLSA records of
# dane.test (signed for the run, tests/peers/unbound.ps1) name the Postfix peer's key; wrong.dane.test's name none.
# Unbound validates them (AD bit); NSD, asked directly, does not.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Nsd = Get-PeerSetting DNS_SERVER
    $script:Resolver = Get-PeerSetting RESOLVER
    $script:SmtpPort = [int](Get-PeerSetting SMTP_PORT)
    function Send-Direct([string] $To, [string] $Dns, [switch] $Require) {
        Send-SmtpMessage -DirectDelivery -DnsServer $Dns -Port $SmtpPort -From 'ops@smtptools.test' -To $To `
            -Subject "tls-policy-$([guid]::NewGuid().ToString('n'))" -Body 'x' -Timeout 10 -PassThru `
            -RequireTlsPolicy:$Require -ErrorVariable script:err -ErrorAction SilentlyContinue
    }
}

Describe 'Send-SmtpMessage -DirectDelivery with transport policies' {
    It 'reports a certificate that matches validated TLSA records, and delivers with -RequireTlsPolicy' {
        $r = Send-Direct -To 'bob@dane.test' -Dns $Resolver -Require

        $r.Delivered | Should -BeTrue
        $r.Tls.TlsPolicy | Should -BeOfType SmtpTools.TlsPolicyVerdict
        $r.Tls.TlsPolicy.DaneValidated | Should -BeTrue
        $r.Tls.TlsPolicy.DaneSatisfied | Should -BeTrue
        $r.Tls.TlsPolicy.Required | Should -BeTrue
        $r.Tls.TlsPolicy.Satisfied | Should -BeTrue
        ($r.Transcript.Text -like 'TLS policy: The certificate matches TLSA 3 1 1 *') | Should -Not -BeNullOrEmpty
    }

    It 'says the same records are unvalidated when the DNS server does not validate, and acts on nothing' {
        $r = Send-Direct -To 'bob@dane.test' -Dns $Nsd -Require

        $r.Delivered | Should -BeTrue
        $r.Tls.TlsPolicy.DaneValidated | Should -BeFalse
        $r.Tls.TlsPolicy.Required | Should -BeFalse
    }

    It 'refuses an exchanger whose certificate matches no validated TLSA record with -RequireTlsPolicy' {
        $r = Send-Direct -To 'bob@wrong.dane.test' -Dns $Resolver -Require

        $r.Delivered | Should -BeFalse
        $err | Should -Not -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SmtpTlsFailed,*'
        ($err[0].Exception.Message + ' ' + ($r.Transcript.Text -join ' ')) | Should -Match 'TLS policy is not met'
    }

    It 'delivers without -RequireTlsPolicy, reporting that the policy is not met' {
        $r = Send-Direct -To 'bob@wrong.dane.test' -Dns $Resolver

        $r.Delivered | Should -BeTrue
        $r.Tls.TlsPolicy.Required | Should -BeTrue
        $r.Tls.TlsPolicy.Satisfied | Should -BeFalse
        $r.Tls.TlsPolicy.Reason | Should -Match 'matches none of the TLSA records'
    }

    It 'stops with TlsPolicyWithoutDirectDelivery for -RequireTlsPolicy with a smart host' {
        { Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $SmtpPort -From 'a@smtptools.test' -To 'b@smtptools.test' `
                -Subject x -Body x -RequireTlsPolicy -ErrorAction Stop } |
            Should -Throw -ErrorId 'TlsPolicyWithoutDirectDelivery,SmtpTools.Commands.SendSmtpMessageCommand'
    }
}
