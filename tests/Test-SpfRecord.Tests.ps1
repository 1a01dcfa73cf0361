BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # NSD serves tests/peers/dns/spf.test.zone.
    $script:Dns = Get-PeerSetting DNS_SERVER
}

Describe 'Test-SpfRecord' {
    Context 'evaluating for a client address (check_host)' {
        It 'gives <Result> for <Ip> at <Domain>, decided by <Term>' -TestCases @(
            @{ Domain = 'simple.spf.test'; Ip = '192.0.2.5'; Result = 'Pass'; Term = 'ip4:192.0.2.0/24' }
            @{ Domain = 'simple.spf.test'; Ip = '198.51.100.7'; Result = 'Pass'; Term = 'a:host.spf.test' }
            @{ Domain = 'simple.spf.test'; Ip = '203.0.113.25'; Result = 'Pass'; Term = 'mx' }
            @{ Domain = 'simple.spf.test'; Ip = '203.0.113.99'; Result = 'Fail'; Term = '-all' }
            @{ Domain = 'split.spf.test'; Ip = '192.0.2.21'; Result = 'Pass'; Term = 'ip4:192.0.2.21' }
            @{ Domain = 'redir.spf.test'; Ip = '203.0.113.99'; Result = 'Fail'; Term = '-all' }
            @{ Domain = 'chain.spf.test'; Ip = '203.0.113.99'; Result = 'SoftFail'; Term = '~all' }
        ) {
            $r = Test-SpfRecord $Domain -IPAddress $Ip -Server $Dns

            $r | Should -BeOfType SmtpTools.SpfCheckResult
            $r.Result | Should -Be $Result
            $r.DecidingTerm | Should -Be $Term
            $r.Reason | Should -Not -BeNullOrEmpty
        }

        It 'passes an address listed two includes down, names the include that decided and counts both lookups' {
            $r = Test-SpfRecord chain.spf.test -IPAddress 2001:db8::25 -Server $Dns

            $r.Result | Should -Be Pass
            $r.DecidingTerm | Should -Be 'include:inc1.spf.test'
            $r.DecidingDomain | Should -Be 'chain.spf.test'
            $r.DnsLookups | Should -Be 2
            ($r.Trace | Where-Object Depth -EQ 2 | Where-Object Outcome -EQ match).Term | Should -Be 'ip6:2001:db8::/32'
        }

        It 'expands the sender and address macros: <Sender> gives <Result>' -TestCases @(
            @{ Sender = 'alice@macro.spf.test'; Result = 'Pass' }
            @{ Sender = 'bob@macro.spf.test'; Result = 'Fail' }
        ) {
            (Test-SpfRecord macro.spf.test -IPAddress 198.51.100.7 -Sender $Sender -Server $Dns).Result | Should -Be $Result
        }

        It 'takes the sender from an address given as -Domain' {
            (Test-SpfRecord alice@macro.spf.test -IPAddress 198.51.100.7 -Server $Dns).Result | Should -Be Pass
        }

        It 'returns the exp= text, macros expanded, with a fail' {
            $r = Test-SpfRecord exp.spf.test -IPAddress 192.0.2.99 -Server $Dns

            $r.Result | Should -Be Fail
            $r.Explanation | Should -BeExactly "192.0.2.99 is not one of exp.spf.test's designated mail servers."
        }

        It 'gives PermError at the 11th DNS-querying term and says so' {
            $r = Test-SpfRecord overlimit.spf.test -IPAddress 192.0.2.1 -Server $Dns

            $r.Result | Should -Be PermError
            $r.DnsLookups | Should -Be 11
            $r.DecidingTerm | Should -Be 'a:l11.spf.test'
            $r.Reason | Should -Match '11th DNS-querying term'
        }

        It 'gives PermError at the third lookup that finds nothing' {
            $r = Test-SpfRecord voids.spf.test -IPAddress 192.0.2.1 -Server $Dns

            $r.Result | Should -Be PermError
            $r.VoidLookups | Should -Be 3
        }

        It 'gives <Result> for <Domain>' -TestCases @(
            @{ Domain = 'double.spf.test'; Result = 'PermError' }
            @{ Domain = 'broken.spf.test'; Result = 'PermError' }
            @{ Domain = 'badinclude.spf.test'; Result = 'PermError' }
            @{ Domain = 'nospf.spf.test'; Result = 'None' }
            @{ Domain = 'nxdomain.spf.test'; Result = 'None' }
        ) {
            (Test-SpfRecord $Domain -IPAddress 192.0.2.1 -Server $Dns).Result | Should -Be $Result
        }

        It 'gives TempError, not an error record, when the DNS server does not answer' {
            $r = Test-SpfRecord simple.spf.test -IPAddress 192.0.2.5 -Server 127.0.0.1:9 -Timeout 1 -Retry 0 `
                -ErrorVariable err

            $r.Result | Should -Be TempError
            $r.Reason | Should -Match '127\.0\.0\.1:9'
            $err | Should -BeNullOrEmpty
        }

        It 'writes each term to the information stream with -Trace' {
            $r = Test-SpfRecord chain.spf.test -IPAddress 192.0.2.1 -Server $Dns -Trace -InformationVariable steps 6> $null

            $steps.Count | Should -Be $r.Trace.Count
            $steps.MessageData | Should -BeOfType SmtpTools.SpfTraceStep
            $steps.Tags | Should -Contain 'SmtpTools.PolicyTrace'
        }
    }

    Context 'reporting the record' {
        It 'reports <Domain> as <Status>' -TestCases @(
            @{ Domain = 'simple.spf.test'; Status = 'Ok'; Problem = $null }
            @{ Domain = 'chain.spf.test'; Status = 'Ok'; Problem = $null }
            @{ Domain = 'plusall.spf.test'; Status = 'Fail'; Problem = 'every host' }
            @{ Domain = 'ptr.spf.test'; Status = 'Warning'; Problem = 'ptr' }
            @{ Domain = 'double.spf.test'; Status = 'Fail'; Problem = '2 SPF records' }
            @{ Domain = 'broken.spf.test'; Status = 'Fail'; Problem = '192.0.2.300' }
            @{ Domain = 'badinclude.spf.test'; Status = 'Fail'; Problem = 'missing.spf.test' }
            @{ Domain = 'overlimit.spf.test'; Status = 'Fail'; Problem = '11 DNS lookups' }
            @{ Domain = 'voids.spf.test'; Status = 'Fail'; Problem = 'find nothing' }
            @{ Domain = 'nospf.spf.test'; Status = 'Missing'; Problem = 'no SPF record' }
        ) {
            $r = Test-SpfRecord $Domain -Server $Dns

            $r | Should -BeOfType SmtpTools.SpfRecord
            $r.Status | Should -Be $Status
            if ($Problem) { ($r.Problems -join ' ') | Should -BeLike "*$Problem*" } else { $r.Problems | Should -BeNullOrEmpty }
        }

        It 'counts the lookups through every include and lists the domains reached' {
            $r = Test-SpfRecord chain.spf.test -Server $Dns

            $r.DnsLookups | Should -Be 2
            $r.Includes | Should -Be @('inc1.spf.test', 'inc2.spf.test')
        }

        It 'reports each piped domain' {
            $r = 'simple.spf.test', 'plusall.spf.test' | Test-SpfRecord -Server $Dns

            $r.Domain | Should -Be @('simple.spf.test', 'plusall.spf.test')
        }
    }

    Context 'errors' {
        It 'writes InvalidDomainName for a bad domain and goes on with the next' {
            $r = Test-SpfRecord 'bad..name', 'simple.spf.test' -Server $Dns -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidDomainName,SmtpTools.Commands.TestSpfRecordCommand'
            $err[0].CategoryInfo.Category | Should -Be InvalidArgument
            $r.Domain | Should -Be 'simple.spf.test'
        }

        It 'stops with InvalidDnsServer for a server that is not an address' {
            { Test-SpfRecord simple.spf.test -Server 'not an ip!' -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidDnsServer,SmtpTools.Commands.TestSpfRecordCommand'
        }
    }
}
