BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # NSD serves the zones (tests/peers/dns, and dane.test signed for the run); Unbound validates in front of it;
    # nginx serves the MTA-STS policies (tests/peers/sts) with a certificate from the run's own CA.
    $script:Dns = Get-PeerSetting DNS_SERVER
    $script:Resolver = Get-PeerSetting RESOLVER
    $script:StsServer = Get-PeerSetting MTASTS_SERVER
    $script:TestCa = Get-PeerSetting TEST_CA

    function Get-Row([object[]] $Rows, [string] $Check) { @($Rows | Where-Object Check -EQ $Check) }

    # The test CA is trusted only in a child PowerShell that gets it as its whole OpenSSL trust (SSL_CERT_FILE); the
    # module validates certificates as it always does. Each domain's rows come back as plain objects.
    function Invoke-WithTestCa([string[]] $Domains) {
        $script = "Import-Module '$ManifestPath'; " +
            "Test-MailDomain $($Domains -join ',') -Server $Dns -MtaStsServer $StsServer -Language en | " +
            "Select-Object Domain, Check, @{ n = 'Status'; e = { [string]`$_.Status } }, Reason, Problems, " +
            "@{ n = 'Mode'; e = { `$_.Details.Mode } } | " +
            'ConvertTo-Json -Depth 4'
        $saved = $env:SSL_CERT_FILE
        try {
            $env:SSL_CERT_FILE = $TestCa
            Push-Location (Join-Path $PSScriptRoot '..')
            $json = & dotnet pwsh -NoProfile -NonInteractive -Command $script
        }
        finally {
            Pop-Location
            $env:SSL_CERT_FILE = $saved
        }
        $json | ConvertFrom-Json
    }
}

Describe 'Test-MailDomain' {
    Context 'one row per check' {
        BeforeAll { $script:Rows = @(Test-MailDomain dkim.test -Server $Dns -DkimSelector rsa, ed, old, nothere -Language en) }

        It 'returns the checks in order, each with a status and a reason' {
            $Rows | ForEach-Object { $_ | Should -BeOfType SmtpTools.MailDomainCheck }
            ($Rows.Check | Select-Object -Unique) | Should -Be @('MX', 'SPF', 'DKIM', 'DMARC', 'MTA-STS', 'TLS-RPT', 'DANE', 'BIMI')
            $Rows | ForEach-Object { $_.Reason | Should -Not -BeNullOrEmpty }
        }

        It 'reports MX, SPF and DMARC as Ok for dkim.test' {
            (Get-Row $Rows MX).Status | Should -Be Ok
            (Get-Row $Rows MX).Reason | Should -Be 'Mail goes to mx.dkim.test.'
            (Get-Row $Rows SPF).Status | Should -Be Ok
            (Get-Row $Rows SPF).Details | Should -BeOfType SmtpTools.SpfRecord
            (Get-Row $Rows DMARC).Status | Should -Be Ok
            (Get-Row $Rows DMARC).Reason | Should -Be 'Policy reject, published at dkim.test.'
        }

        It 'gives each DKIM selector its row: sizes, a revoked key, a missing one' {
            $dkim = Get-Row $Rows DKIM
            $dkim.Count | Should -Be 4
            $dkim[0].Reason | Should -Be 'Selector rsa: rsa key of 2048 bits.'
            $dkim[0].Status | Should -Be Ok
            $dkim[1].Reason | Should -Be 'Selector ed: ed25519 key of 256 bits.'
            $dkim[2].Status | Should -Be Warning
            $dkim[2].Reason | Should -Match 'revoked'
            $dkim[3].Status | Should -Be Missing
        }

        It 'says MTA-STS, TLS-RPT and BIMI are missing' {
            (Get-Row $Rows MTA-STS).Status | Should -Be Missing
            (Get-Row $Rows TLS-RPT).Status | Should -Be Missing
            (Get-Row $Rows BIMI).Status | Should -Be Missing
        }
    }

    Context 'languages' {
        It 'writes the reasons in Chinese with -Language zh-CN' {
            $rows = Test-MailDomain dkim.test -Server $Dns -DkimSelector rsa -Language zh-CN

            (Get-Row $rows MX).Reason | Should -Be '邮件投递到 mx.dkim.test。'
            (Get-Row $rows DKIM).Reason | Should -Be '选择器 rsa：rsa 密钥，2048 位。'
            (Get-Row $rows MTA-STS).Reason | Should -Be '没有 MTA-STS 策略：攻击者可以在投递途中剥离 TLS。'
            $rows[0].Language | Should -Be 'zh-CN'
        }
    }

    Context 'SPF and DMARC problems' {
        It 'reports <Check> of <Domain> as <Status>' -TestCases @(
            @{ Domain = 'plusall.spf.test'; Check = 'SPF'; Status = 'Fail'; Reason = '+all lets every host*' }
            @{ Domain = 'overlimit.spf.test'; Check = 'SPF'; Status = 'Fail'; Reason = '*needs 11 DNS lookups*' }
            @{ Domain = 'none.dmarc.test'; Check = 'DMARC'; Status = 'Warning'; Reason = 'p=none: monitoring only*' }
            @{ Domain = 'simple.spf.test'; Check = 'DMARC'; Status = 'Missing'; Reason = 'No DMARC record*' }
        ) {
            $row = Get-Row (Test-MailDomain $Domain -Server $Dns -Language en) $Check

            $row.Status | Should -Be $Status
            $row.Reason | Should -BeLike $Reason
        }

        It 'says when no DKIM key is found under the common selectors' {
            $row = Get-Row (Test-MailDomain simple.spf.test -Server $Dns -Language en) DKIM

            $row.Status | Should -Be Warning
            $row.Reason | Should -Match '-DkimSelector'
        }
    }

    Context 'DANE' {
        It 'reports the TLSA record as validated through the validating resolver (AD bit)' {
            $row = Get-Row (Test-MailDomain dane.test -Server $Resolver -Language en) DANE

            $row.Status | Should -Be Ok
            $row.Details[0].Validated | Should -BeTrue
            $row.Details[0].Records | Should -Be (Get-PeerSetting DANE_TLSA)
        }

        It 'reports the same record as unvalidated when asked of the authoritative server directly' {
            $row = Get-Row (Test-MailDomain dane.test -Server $Dns -Language en) DANE

            $row.Status | Should -Be Warning
            $row.Details[0].Validated | Should -BeFalse
            $row.Reason | Should -Match 'not DNSSEC-validated'
        }

        It 'says there are no TLSA records for an unsigned domain' {
            (Get-Row (Test-MailDomain dkim.test -Server $Resolver -Language en) DANE).Status | Should -Be Missing
        }
    }

    Context 'MTA-STS and TLS-RPT, with the policy fetched over HTTPS' {
        BeforeAll {
            $script:Sts = @(Invoke-WithTestCa 'enforce.sts.test', 'testing.sts.test', 'mismatch.sts.test',
                'redirect.sts.test', 'nopolicy.sts.test', 'badcert.sts.test')
            function Get-StsRow([string] $Domain, [string] $Check = 'MTA-STS') {
                $Sts | Where-Object { $_.Domain -eq $Domain -and $_.Check -eq $Check }
            }
        }

        It 'reads an enforce policy that lists every exchanger as Ok' {
            $row = Get-StsRow enforce.sts.test
            $row.Status | Should -Be Ok
            $row.Mode | Should -Be enforce
            $row.Reason | Should -Be 'Mode enforce; every exchanger is listed in the policy.'
        }

        It 'gives <Status> for <Domain>: <Reason>' -TestCases @(
            @{ Domain = 'testing.sts.test'; Status = 'Warning'; Reason = '*backup.elsewhere.test match no mx: pattern*' }
            @{ Domain = 'mismatch.sts.test'; Status = 'Fail'; Reason = '*mx.mismatch.sts.test match no mx: pattern*' }
            @{ Domain = 'redirect.sts.test'; Status = 'Fail'; Reason = '*answers 301*must not follow redirects*' }
            @{ Domain = 'nopolicy.sts.test'; Status = 'Fail'; Reason = '*HTTP 404*' }
            @{ Domain = 'badcert.sts.test'; Status = 'Fail'; Reason = '*certificate of mta-sts.badcert.sts.test is not valid*' }
        ) {
            $row = Get-StsRow $Domain
            $row.Status | Should -Be $Status
            (@($row.Reason) + $row.Problems) -join ' ' | Should -BeLike $Reason
        }

        It 'reads the TLS-RPT addresses, and flags a malformed one' {
            (Get-StsRow enforce.sts.test TLS-RPT).Status | Should -Be Ok
            (Get-StsRow enforce.sts.test TLS-RPT).Reason | Should -BeLike '*mailto:tls-reports@sts.test*'
            (Get-StsRow testing.sts.test TLS-RPT).Status | Should -Be Fail
        }

        It 'refuses the policy certificate when the test CA is not trusted' {
            $row = Get-Row (Test-MailDomain enforce.sts.test -Server $Dns -MtaStsServer $StsServer -Language en) MTA-STS

            $row.Status | Should -Be Fail
            ($row.Problems -join ' ') | Should -Match 'not valid'
        }
    }

    Context 'errors' {
        It 'writes InvalidDomainName for a bad domain' {
            Test-MailDomain 'bad..name' -Server $Dns -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidDomainName,SmtpTools.Commands.TestMailDomainCommand'
        }

        It 'stops with InvalidMtaStsServer for a server that is not an address' {
            { Test-MailDomain dkim.test -Server $Dns -MtaStsServer 'web.example' -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidMtaStsServer,SmtpTools.Commands.TestMailDomainCommand'
        }
    }
}
