#Requires -Modules Pester
# Runs against the real NSD peer (tests/peers/Start-Peers.ps1 sets SMTPTOOLS_DNS_SERVER), which serves
# tests/peers/dns/mx.test.zone and the generated bulk.test zone described in tests/peers/nsd.ps1.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    if (-not $env:SMTPTOOLS_DNS_SERVER) {
        throw 'SMTPTOOLS_DNS_SERVER is not set: start the test peers first with ". ./tests/peers/Start-Peers.ps1".'
    }
    $script:Dns = $env:SMTPTOOLS_DNS_SERVER
    $script:CommandName = 'SmtpTools.Commands.ResolveMailExchangerCommand'
}

Describe 'Resolve-MailExchanger' {
    It 'returns the exchangers in preference order, numbered, with their addresses and the server that answered' {
        $mx = Resolve-MailExchanger pref.mx.test -Server $Dns -NoShuffle

        $mx | Should -HaveCount 4
        $mx[0] | Should -BeOfType ([SmtpTools.MailExchanger])
        $mx.Host | Should -Be 'a.pref.mx.test', 'b1.pref.mx.test', 'b2.pref.mx.test', 'c.pref.mx.test'
        $mx.Preference | Should -Be 10, 20, 20, 30
        $mx.Order | Should -Be 1, 2, 3, 4
        $mx[0].Addresses | Should -Be ([ipaddress]'127.0.0.11')
        $mx[0].NameServer | Should -Be $Dns
        $mx[0].Flags | Should -Be ([SmtpTools.MailExchangerFlags]::None)
    }

    It 'shuffles exchangers of equal preference, and keeps one order with -NoShuffle' {
        $domains = @('pref.mx.test') * 40
        $shuffled = Resolve-MailExchanger $domains -Server $Dns -Ordered
        $noShuffle = Resolve-MailExchanger $domains -Server $Dns -Ordered -NoShuffle

        # Each domain gives 4 exchangers in a row; the equal-preference pair is at positions 2 and 3.
        $pairs = for ($i = 0; $i -lt $shuffled.Count; $i += 4) {
            $shuffled[$i + 1].Host + ' ' + $shuffled[$i + 2].Host
        }
        $pairs | Sort-Object -Unique | Should -Be 'b1.pref.mx.test b2.pref.mx.test', 'b2.pref.mx.test b1.pref.mx.test'
        $fixed = for ($i = 0; $i -lt $noShuffle.Count; $i += 4) {
            $noShuffle[$i + 1].Host + ' ' + $noShuffle[$i + 2].Host
        }
        $fixed | Sort-Object -Unique | Should -Be 'b1.pref.mx.test b2.pref.mx.test'
    }

    It 'resolves A and AAAA, or one family with -AddressFamily <Family>' -TestCases @(
        @{ Family = 'Any'; Expected = '127.0.0.21', '::1', 'fd00::21' }
        @{ Family = 'IPv4'; Expected = @('127.0.0.21') }
        @{ Family = 'IPv6'; Expected = '::1', 'fd00::21' }
    ) {
        $mx = Resolve-MailExchanger dual.mx.test -Server $Dns -AddressFamily $Family

        $mx.Addresses.IPAddressToString | Should -Be $Expected
    }

    It 'takes the domain of an e-mail address and shows an IDN both ways' {
        $mx = Resolve-MailExchanger 'jörg@Bücher.mx.test' -Server $Dns

        $mx.Domain | Should -BeExactly 'xn--bcher-kva.mx.test'
        $mx.DomainUnicode | Should -BeExactly 'bücher.mx.test'
        $mx.Host | Should -BeExactly 'mx.xn--bcher-kva.mx.test'
    }

    It 'follows the CNAME chain of the domain and reports it' {
        $mx = Resolve-MailExchanger alias.mx.test -Server $Dns -NoShuffle

        $mx.Host | Should -Be 'mx1.simple.mx.test', 'mx2.simple.mx.test'
        $mx[0].Domain | Should -Be 'alias.mx.test'
        $mx[0].CnameChain | Should -Be 'hop.mx.test', 'simple.mx.test'
    }

    It 'marks <Case>' -TestCases @(
        @{ Case = 'a null MX as accepting no mail'; Domain = 'nullmx.mx.test'; Index = 0; Flag = 'NullMx' }
        @{ Case = 'an address-only domain as an implicit MX'; Domain = 'aonly.mx.test'; Index = 0; Flag = 'Implicit' }
        @{ Case = 'an MX target that is a CNAME'; Domain = 'mxcname.mx.test'; Index = 0; Flag = 'CnameTarget' }
        @{ Case = 'an MX target that looks like an IP'; Domain = 'iplit.mx.test'; Index = 0; Flag = 'IpLiteral' }
        @{ Case = 'an exchanger without address'; Domain = 'noaddr.mx.test'; Index = 0; Flag = 'NoAddress' }
    ) {
        $mx = @(Resolve-MailExchanger $Domain -Server $Dns -NoShuffle)

        $mx[$Index].Flags.HasFlag([SmtpTools.MailExchangerFlags]$Flag) | Should -BeTrue
    }

    It 'reports a null MX as one exchanger that accepts no mail, not as an error' {
        $mx = Resolve-MailExchanger nullmx.mx.test -Server $Dns -ErrorVariable err

        $err | Should -BeNullOrEmpty
        $mx | Should -HaveCount 1
        $mx.IsNullMx | Should -BeTrue
        $mx.Host | Should -Be '.'
        $mx.Addresses | Should -BeNullOrEmpty
    }

    It 'keeps exchangers without an address in the list' {
        $mx = Resolve-MailExchanger noaddr.mx.test -Server $Dns

        $mx.Host | Should -Be 'ghost.noaddr.mx.test', 'empty.noaddr.mx.test', 'ok.noaddr.mx.test'
        $mx.HasNoAddress | Should -Be $true, $true, $false
        $mx[0].AddressError | Should -Match 'NXDOMAIN'
    }

    It 'writes <ErrorId> (<Category>) for <Domain> and still resolves the other domains' -TestCases @(
        @{ Domain = 'nxdomain.mx.test'; ErrorId = 'DomainNotFound'; Category = 'ObjectNotFound' }
        @{ Domain = 'txtonly.mx.test'; ErrorId = 'MailExchangerNotFound'; Category = 'ObjectNotFound' }
        @{ Domain = 'loop1.mx.test'; ErrorId = 'DnsCnameLoop'; Category = 'InvalidData' }
        @{ Domain = 'example.invalid'; ErrorId = 'DnsRefused'; Category = 'PermissionDenied' }
        @{ Domain = 'a..b'; ErrorId = 'InvalidDomainName'; Category = 'InvalidArgument' }
    ) {
        $mx = Resolve-MailExchanger $Domain, simple.mx.test -Server $Dns -ErrorVariable err `
            -ErrorAction SilentlyContinue

        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "$ErrorId,$CommandName"
        $err[0].CategoryInfo.Category | Should -Be $Category
        $err[0].TargetObject | Should -Be $Domain
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $mx.Domain | Should -Be 'simple.mx.test', 'simple.mx.test'
    }

    It 'writes DnsTimeout naming the server when nothing answers' {
        # A bound UDP socket that never reads: queries vanish without an ICMP error, as with a dead server.
        $silent = [Net.Sockets.UdpClient]::new([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
        try {
            $server = "127.0.0.1:$($silent.Client.LocalEndPoint.Port)"
            $mx = Resolve-MailExchanger simple.mx.test -Server $server -Timeout 1 -Retry 0 -ErrorVariable err `
                -ErrorAction SilentlyContinue
        }
        finally { $silent.Dispose() }

        $mx | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "DnsTimeout,$CommandName"
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err[0].TargetObject | Should -Be 'simple.mx.test'
        $err[0].Exception.NameServer | Should -Be $server
        $err[0].Exception.Message | Should -BeLike "*$server*"
    }

    It 'stops with InvalidDnsServer when -Server is <Server>' -TestCases @(
        @{ Server = 'not a server!' }
        @{ Server = '127.0.0.1:99999' }
    ) {
        { Resolve-MailExchanger simple.mx.test -Server $Server -ErrorAction Stop } |
            Should -Throw -ErrorId "InvalidDnsServer,$CommandName"
    }

    It 'takes -Server as a host name, resolved once with the system resolver' {
        $port = ($Dns -split ':')[-1]

        $mx = Resolve-MailExchanger simple.mx.test -Server "localhost:$port" -Ordered

        $mx.Host | Should -Be 'mx1.simple.mx.test', 'mx2.simple.mx.test'
        $mx[0].NameServer | Should -Be "127.0.0.1:$port"
    }

    Context 'a DNS server whose host says nothing listens on its port' {
        BeforeAll {
            # Bound and released: nothing listens there now, so the loopback host answers "port unreachable".
            $socket = [Net.Sockets.UdpClient]::new([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
            $script:Closed = "127.0.0.1:$($socket.Client.LocalEndPoint.Port)"
            $socket.Dispose()
        }

        It 'writes DnsServerUnreachable naming the server, without waiting for a timeout' {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $mx = Resolve-MailExchanger simple.mx.test -Server $Closed -Timeout 5 -Retry 2 -ErrorVariable err `
                -ErrorAction SilentlyContinue
            $clock.Stop()

            $mx | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeExactly "DnsServerUnreachable,$CommandName"
            $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $err[0].TargetObject | Should -Be 'simple.mx.test'
            $err[0].Exception.Message | Should -BeLike "*$Closed*nothing listens*"
            # Not a speed target: a DnsTimeout would take three tries of five seconds, this must not wait for one.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        }

        It 'asks the next server at once when the first one is closed' {
            $mx = Resolve-MailExchanger simple.mx.test -Server $Closed, $Dns -Timeout 5 -Ordered

            $mx.Host | Should -Be 'mx1.simple.mx.test', 'mx2.simple.mx.test'
            $mx[0].NameServer | Should -Be $Dns
        }
    }

    It 'writes InvalidDomainName for <Domain>, naming <Named>, before any query' -TestCases @(
        @{ Domain = 'not a domain!'; Named = 'a space' }
        @{ Domain = 'alice@bad!name.example'; Named = "'!'" }
    ) {
        # Any query sent to this silent socket would end in DnsTimeout, and show as a trace step.
        $silent = [Net.Sockets.UdpClient]::new([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
        try {
            $mx = Resolve-MailExchanger $Domain -Server "127.0.0.1:$($silent.Client.LocalEndPoint.Port)" -Timeout 5 `
                -Trace -InformationVariable steps -ErrorVariable err -ErrorAction SilentlyContinue 6>$null
        }
        finally { $silent.Dispose() }

        $mx | Should -BeNullOrEmpty
        $steps | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "InvalidDomainName,$CommandName"
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -BeLike "*$Named*"
    }

    It 'retries a truncated UDP answer over TCP and returns every record' {
        $mx = Resolve-MailExchanger big.mx.test -Server $Dns -AddressFamily IPv4 -Trace `
            -InformationVariable steps 6>$null

        $mx | Should -HaveCount 100
        $mx.Preference | Should -Be (1..100)
        ($steps.MessageData | Where-Object QueryType -EQ 'MX').Transport | Should -Be 'TCP'
    }

    It 'asks over TCP only with -TcpOnly' {
        $mx = Resolve-MailExchanger simple.mx.test -Server $Dns -TcpOnly -Trace -InformationVariable steps 6>$null

        $mx | Should -HaveCount 2
        $steps.MessageData.Transport | Sort-Object -Unique | Should -Be 'TCP'
    }

    It 'writes each DNS step with -Trace to the information stream' {
        $null = Resolve-MailExchanger alias.mx.test -Server $Dns -AddressFamily IPv4 -Trace `
            -InformationVariable steps 6>$null

        $steps.MessageData | Should -HaveCount 3
        $steps[0].MessageData | Should -BeOfType ([SmtpTools.DnsTraceStep])
        $steps[0].Tags | Should -Contain 'SmtpTools.DnsTrace'
        $mxStep = $steps.MessageData | Where-Object QueryType -EQ 'MX'
        $mxStep.QueryName | Should -Be 'alias.mx.test'
        $mxStep.NameServer | Should -Be $Dns
        $mxStep.Answer | Should -Contain 'alias.mx.test. 300 IN CNAME hop.mx.test.'
        ($steps.MessageData | Where-Object QueryType -EQ 'A').QueryName | Sort-Object |
            Should -Be 'mx1.simple.mx.test', 'mx2.simple.mx.test'
    }

    It 'writes nothing to the information stream without -Trace' {
        $null = Resolve-MailExchanger simple.mx.test -Server $Dns -InformationVariable steps 6>$null

        $steps | Should -BeNullOrEmpty
    }

    It 'binds the domain from the pipeline by value and by property name (<Property>)' -TestCases @(
        @{ Property = 'Domain' }, @{ Property = 'Name' }, @{ Property = 'DomainName' }
    ) {
        $byValue = 'simple.mx.test' | Resolve-MailExchanger -Server $Dns
        $byProperty = [pscustomobject]@{ $Property = 'simple.mx.test' } | Resolve-MailExchanger -Server $Dns

        $byValue.Host | Sort-Object | Should -Be 'mx1.simple.mx.test', 'mx2.simple.mx.test'
        $byProperty.Host | Sort-Object | Should -Be 'mx1.simple.mx.test', 'mx2.simple.mx.test'
    }

    It 'resolves 1000 domains from the pipeline concurrently, each correctly, in input order with -Ordered' {
        # bulk.test (tests/peers/nsd.ps1): dNNNN has MX 10 mx<N mod 5> (127.0.1.<k+1>), MX 20 backup (127.0.1.100).
        $domains = 1..1000 | ForEach-Object { 'd{0:D4}.bulk.test' -f $_ }

        $mx = $domains | Resolve-MailExchanger -Server $Dns -ThrottleLimit 16 -Ordered -ErrorVariable err

        $err | Should -BeNullOrEmpty
        $mx | Should -HaveCount 2000
        $wrong = for ($n = 1; $n -le 1000; $n++) {
            $first = $mx[2 * $n - 2]
            $second = $mx[2 * $n - 1]
            $ok = $first.Domain -eq $domains[$n - 1] -and $first.Host -eq "mx$($n % 5).bulk.test" -and
                "$($first.Addresses)" -eq "127.0.1.$($n % 5 + 1)" -and $second.Domain -eq $domains[$n - 1] -and
                $second.Host -eq 'backup.bulk.test' -and "$($second.Addresses)" -eq '127.0.1.100'
            if (-not $ok) { $domains[$n - 1] }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'emits every domain exactly once without -Ordered' {
        $domains = 1..200 | ForEach-Object { 'd{0:D4}.bulk.test' -f $_ }

        $mx = $domains | Resolve-MailExchanger -Server $Dns -ThrottleLimit 8

        $mx | Should -HaveCount 400
        ($mx.Domain | Sort-Object -Unique) | Should -Be ($domains | Sort-Object)
    }

    It 'writes the first domains'' exchangers while later domains are still coming down the pipeline' {
        # A slow producer, as a long audit list read line by line is: each domain comes a while after the last.
        $events = [Collections.Generic.List[string]]::new()
        $slow = { foreach ($n in 1..4) { $events.Add("in d000$n"); "d000$n.bulk.test"; Start-Sleep -Milliseconds 400 } }

        & $slow | Resolve-MailExchanger -Server $Dns | ForEach-Object { $events.Add("out $($_.Domain)") }

        $events.IndexOf('out d0001.bulk.test') | Should -BeGreaterThan -1
        $events.IndexOf('out d0001.bulk.test') | Should -BeLessThan $events.IndexOf('in d0004')
        $events | Where-Object { $_ -like 'out *' } | Should -HaveCount 8
    }
}
