BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # NSD serves tests/peers/dns/dmarc.test.zone (and test.zone, so the walk ends in NXDOMAIN at _dmarc.test).
    $script:Dns = Get-PeerSetting DNS_SERVER
}

Describe 'Resolve-DmarcPolicy' {
    It 'reads the policy published at the domain itself' {
        $p = Resolve-DmarcPolicy dmarc.test -Server $Dns

        $p | Should -BeOfType SmtpTools.DmarcPolicy
        $p.PolicyDomain | Should -Be 'dmarc.test'
        $p.Policy | Should -Be reject
        $p.AppliedPolicy | Should -Be reject
        $p.SubdomainPolicy | Should -Be quarantine
        $p.AggregateReportUris | Should -Be 'mailto:agg@dmarc.test'
        $p.FailureReportUris | Should -Be 'mailto:fail@dmarc.test'
        $p.DkimAlignment | Should -Be r
        $p.Status | Should -Be Ok
        $p.Problems | Should -BeNullOrEmpty
    }

    It 'walks up the tree from a subdomain without a record and applies sp=' {
        $p = Resolve-DmarcPolicy alice@a.b.dmarc.test -Server $Dns

        $p.Domain | Should -Be 'a.b.dmarc.test'
        $p.PolicyDomain | Should -Be 'dmarc.test'
        $p.OrganizationalDomain | Should -Be 'dmarc.test'
        $p.AppliedPolicy | Should -Be quarantine
        $p.Queried | Should -Be @('_dmarc.a.b.dmarc.test', '_dmarc.b.dmarc.test', '_dmarc.dmarc.test', '_dmarc.test')
        $p.Discovery | Should -BeLike 'DMARCbis tree walk*'
    }

    It 'flags <Case> as <Status>' -TestCases @(
        @{ Case = 'p=none without rua'; Domain = 'none.dmarc.test'; Status = 'Warning'; Problem = 'only monitors' }
        @{ Case = 'p=none without rua (rua)'; Domain = 'none.dmarc.test'; Status = 'Warning'; Problem = 'No rua=' }
        @{ Case = 'an invalid p='; Domain = 'bad.dmarc.test'; Status = 'Fail'; Problem = 'p=block' }
        @{ Case = 'two records'; Domain = 'twice.dmarc.test'; Status = 'Fail'; Problem = '2 DMARC records' }
        @{ Case = 'pct below 100'; Domain = 'pct.dmarc.test'; Status = 'Warning'; Problem = 'pct=25' }
        @{ Case = 'unauthorized external reports'; Domain = 'ext.dmarc.test'; Status = 'Warning'; Problem = 'has not authorized' }
        @{ Case = 'no record anywhere'; Domain = 'simple.spf.test'; Status = 'Missing'; Problem = 'No DMARC record' }
    ) {
        $p = Resolve-DmarcPolicy $Domain -Server $Dns

        $p.Status | Should -Be $Status
        ($p.Problems -join ' ') | Should -BeLike "*$Problem*"
    }

    It 'accepts reports to another domain that authorized them' {
        (Resolve-DmarcPolicy auth.dmarc.test -Server $Dns).Status | Should -Be Ok
    }

    It 'skips a record without v=DMARC1 and uses the parent policy' {
        (Resolve-DmarcPolicy nov.dmarc.test -Server $Dns).PolicyDomain | Should -Be 'dmarc.test'
    }

    It 'takes the name below a psd=y record as the organizational domain' {
        $p = Resolve-DmarcPolicy mail.x.psd.dmarc.test -Server $Dns

        $p.PolicyDomain | Should -Be 'psd.dmarc.test'
        $p.PublicSuffixDomain | Should -Be y
        $p.OrganizationalDomain | Should -Be 'x.psd.dmarc.test'
    }

    It 'applies np= to a subdomain that does not exist and sp= to one that does' {
        (Resolve-DmarcPolicy ghost.np.dmarc.test -Server $Dns).AppliedPolicy | Should -Be reject
        (Resolve-DmarcPolicy exists.np.dmarc.test -Server $Dns).AppliedPolicy | Should -Be quarantine
    }

    It 'also reports the RFC 7489 organizational domain from a public suffix list' {
        $list = Join-Path $TestDrive 'psl.dat'
        Set-Content -Path $list -Value "// test list`ntest`nb.dmarc.test"

        $p = Resolve-DmarcPolicy a.b.dmarc.test -Server $Dns -PublicSuffixList $list

        $p.Discovery | Should -BeLike '*RFC 7489 (public suffix list) finds the organizational domain a.b.dmarc.test*'
        ($p.Problems -join ' ') | Should -BeLike '*may apply different policies*'
    }

    It 'stops with PublicSuffixListUnreadable for a list that cannot be read' {
        { Resolve-DmarcPolicy dmarc.test -Server $Dns -PublicSuffixList (Join-Path $TestDrive 'none.dat') -ErrorAction Stop } |
            Should -Throw -ErrorId 'PublicSuffixListUnreadable,SmtpTools.Commands.ResolveDmarcPolicyCommand'
    }

    It 'reports a DNS failure as Fail, naming the server' {
        $p = Resolve-DmarcPolicy dmarc.test -Server 127.0.0.1:9 -Timeout 1 -Retry 0

        $p.Status | Should -Be Fail
        $p.Problems[0] | Should -Match '127\.0\.0\.1:9'
    }
}
