using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using Xunit;

namespace SmtpTools.Core.Tests.Dns
{
    /// <summary>Routing against the real NSD peer (tests/peers/dns/mx.test.zone); faults: a scripted server.</summary>
    [Collection(DnsPeerCollection.Name)]
    public sealed class MxRouterTests
    {
        private readonly DnsPeerFixture _peer;

        public MxRouterTests(DnsPeerFixture peer) => _peer = peer;

        private Task<MailRoute> ResolveAsync(string domain, MxRouterOptions? options = null) =>
            MxRouter.ResolveAsync(domain, options ?? _peer.Options(), CancellationToken.None);

        private async Task<DnsResolutionException> FailAsync(string domain, MxRouterOptions? options = null) =>
            await Assert.ThrowsAsync<DnsResolutionException>(() => ResolveAsync(domain, options));

        private static string[] Hosts(MailRoute route) => route.Exchangers.Select(e => e.Host).ToArray();

        [Fact]
        public async Task ResolveAsync_SeveralPreferences_OrdersLowestFirst()
        {
            MailRoute route = await ResolveAsync("pref.mx.test");

            Assert.Equal(new[] { "a.pref.mx.test", "b1.pref.mx.test", "b2.pref.mx.test", "c.pref.mx.test" },
                Hosts(route));
            Assert.Equal(new[] { 10, 20, 20, 30 }, route.Exchangers.Select(e => e.Preference));
            Assert.Equal(new[] { 1, 2, 3, 4 }, route.Exchangers.Select(e => e.Order));
            Assert.Equal(IPAddress.Parse("127.0.0.11"), Assert.Single(route.Exchangers[0].Addresses));
            Assert.All(route.Exchangers, e => Assert.Equal(MailExchangerFlags.None, e.Flags));
            Assert.All(route.Exchangers, e => Assert.Equal(DnsLookup.FormatEndPoint(_peer.Server), e.NameServer));
            Assert.All(route.Exchangers, e => Assert.Equal(300, e.Ttl));
        }

        [Fact]
        public async Task ResolveAsync_EqualPreference_ShufflesBothOrdersOverRuns()
        {
            // One router: the MX answer is cached, the shuffle is done anew for every resolution.
            using var router = new MxRouter(_peer.Options(noShuffle: false));
            var orders = new HashSet<string>();
            for (int run = 0; run < 40; run++)
            {
                MailRoute route = await router.ResolveAsync("pref.mx.test", CancellationToken.None);
                string[] hosts = Hosts(route);
                Assert.Equal("a.pref.mx.test", hosts[0]);
                Assert.Equal("c.pref.mx.test", hosts[3]);
                orders.Add(hosts[1] + " " + hosts[2]);
            }

            // The chance of seeing one order only in 40 fair shuffles is 2^-39.
            Assert.Equal(new[] { "b1.pref.mx.test b2.pref.mx.test", "b2.pref.mx.test b1.pref.mx.test" },
                orders.OrderBy(o => o, StringComparer.Ordinal));
        }

        [Fact]
        public async Task ResolveAsync_NoShuffle_KeepsOneOrder()
        {
            using var router = new MxRouter(_peer.Options(noShuffle: true));
            var orders = new HashSet<string>();
            for (int run = 0; run < 20; run++)
            {
                orders.Add(string.Join(" ", Hosts(await router.ResolveAsync("pref.mx.test", CancellationToken.None))));
            }

            Assert.Equal("a.pref.mx.test b1.pref.mx.test b2.pref.mx.test c.pref.mx.test", Assert.Single(orders));
        }

        [Fact]
        public async Task ResolveAsync_DualStackHost_ReturnsIPv4ThenIPv6()
        {
            MailExchanger mx = Assert.Single((await ResolveAsync("dual.mx.test")).Exchangers);

            Assert.Equal(new[] { IPAddress.Parse("127.0.0.21"), IPAddress.IPv6Loopback, IPAddress.Parse("fd00::21") },
                mx.Addresses);
        }

        [Theory]
        [InlineData(DnsAddressFamily.IPv4, "127.0.0.21")]
        [InlineData(DnsAddressFamily.IPv6, "::1 fd00::21")]
        public async Task ResolveAsync_AddressFamily_ReturnsOnlyThatFamily(DnsAddressFamily family, string expected)
        {
            MxRouterOptions options = _peer.Options();
            options.AddressFamily = family;

            MailExchanger mx = Assert.Single((await ResolveAsync("dual.mx.test", options)).Exchangers);

            Assert.Equal(expected, string.Join(" ", mx.Addresses.Select(a => a.ToString())));
        }

        [Fact]
        public async Task ResolveAsync_IPv6OnlyHostAskedForIPv4_ReportsNoAddress()
        {
            MxRouterOptions options = _peer.Options();
            options.AddressFamily = DnsAddressFamily.IPv4;

            MailExchanger mx = Assert.Single((await ResolveAsync("v6only.mx.test", options)).Exchangers);

            Assert.Empty(mx.Addresses);
            Assert.True(mx.HasNoAddress);
        }

        [Fact]
        public async Task ResolveAsync_CnameChain_FollowsAndReportsChain()
        {
            MailRoute route = await ResolveAsync("alias.mx.test");

            Assert.Equal(new[] { "hop.mx.test", "simple.mx.test" }, route.CnameChain);
            Assert.Equal("simple.mx.test", route.CanonicalName);
            Assert.Equal(new[] { "mx1.simple.mx.test", "mx2.simple.mx.test" }, Hosts(route));
            Assert.All(route.Exchangers, e => Assert.Equal("alias.mx.test", e.Domain));
            Assert.All(route.Exchangers, e => Assert.Equal(route.CnameChain, e.CnameChain));
        }

        [Fact]
        public async Task ResolveAsync_CnameLoop_ThrowsCnameLoop()
        {
            DnsResolutionException ex = await FailAsync("loop1.mx.test");

            Assert.Equal(DnsFailureKind.CnameLoop, ex.Kind);
            Assert.Equal("loop1.mx.test", ex.Domain);
            Assert.Equal(new[] { "loop2.mx.test", "loop1.mx.test" }, ex.CnameChain);
        }

        [Fact]
        public async Task ResolveAsync_CnameChainLongerThanLimit_ThrowsChainTooLong()
        {
            MxRouterOptions options = _peer.Options();
            options.MaxCnameChain = 1;

            DnsResolutionException ex = await FailAsync("alias.mx.test", options);

            Assert.Equal(DnsFailureKind.CnameChainTooLong, ex.Kind);
        }

        [Fact]
        public async Task ResolveAsync_CnameToMissingName_ThrowsNonExistentDomainNamingTarget()
        {
            DnsResolutionException ex = await FailAsync("dangling.mx.test");

            Assert.Equal(DnsFailureKind.NonExistentDomain, ex.Kind);
            Assert.Equal("nowhere.mx.test", ex.QueryName);
            Assert.Contains("nowhere.mx.test", ex.Message);
        }

        [Fact]
        public async Task ResolveAsync_OnlyAddressRecords_ReturnsImplicitMx()
        {
            MailExchanger mx = Assert.Single((await ResolveAsync("aonly.mx.test")).Exchangers);

            Assert.True(mx.IsImplicit);
            Assert.Equal(MailExchangerFlags.Implicit, mx.Flags);
            Assert.Equal("aonly.mx.test", mx.Host);
            Assert.Equal(0, mx.Preference);
            Assert.Equal(new[] { IPAddress.Parse("127.0.0.31"), IPAddress.IPv6Loopback }, mx.Addresses);
        }

        [Fact]
        public async Task ResolveAsync_AliasOfAddressOnlyName_ImplicitMxOnCanonicalName()
        {
            MailRoute route = await ResolveAsync("aliasaonly.mx.test");

            MailExchanger mx = Assert.Single(route.Exchangers);
            Assert.True(mx.IsImplicit);
            Assert.Equal("aonly.mx.test", mx.Host);
            Assert.Equal(new[] { "aonly.mx.test" }, route.CnameChain);
        }

        [Fact]
        public async Task ResolveAsync_NullMx_ReturnsOneNullExchangerAndIgnoresA()
        {
            MailRoute route = await ResolveAsync("nullmx.mx.test");

            Assert.True(route.IsNullMx);
            MailExchanger mx = Assert.Single(route.Exchangers);
            Assert.True(mx.IsNullMx);
            Assert.Equal(".", mx.Host);
            Assert.Empty(mx.Addresses);
            Assert.False(mx.IsImplicit);
        }

        [Fact]
        public async Task ResolveAsync_NonExistentDomain_ThrowsNonExistentDomainNamingServer()
        {
            DnsResolutionException ex = await FailAsync("nxdomain.mx.test");

            Assert.Equal(DnsFailureKind.NonExistentDomain, ex.Kind);
            Assert.Equal("NXDOMAIN", ex.ResponseCode);
            Assert.Equal(DnsLookup.FormatEndPoint(_peer.Server), ex.NameServer);
            Assert.Empty(ex.CnameChain);
        }

        [Fact]
        public async Task ResolveAsync_NeitherMxNorAddress_ThrowsNoMailRecords()
        {
            DnsResolutionException ex = await FailAsync("txtonly.mx.test");

            Assert.Equal(DnsFailureKind.NoMailRecords, ex.Kind);
        }

        [Fact]
        public async Task ResolveAsync_NameOutsideServedZones_ThrowsRefused()
        {
            DnsResolutionException ex = await FailAsync("example.invalid");

            Assert.Equal(DnsFailureKind.Refused, ex.Kind);
            Assert.Equal("REFUSED", ex.ResponseCode);
        }

        [Fact]
        public async Task ResolveAsync_ExchangersWithoutAddress_ReportedNotDropped()
        {
            MailRoute route = await ResolveAsync("noaddr.mx.test");

            Assert.Equal(new[] { "ghost.noaddr.mx.test", "empty.noaddr.mx.test", "ok.noaddr.mx.test" }, Hosts(route));
            Assert.True(route.Exchangers[0].HasNoAddress);
            Assert.Contains("NXDOMAIN", route.Exchangers[0].AddressError);
            Assert.True(route.Exchangers[1].HasNoAddress);
            Assert.Null(route.Exchangers[1].AddressError);
            Assert.False(route.Exchangers[2].HasNoAddress);
            Assert.Equal(IPAddress.Parse("127.0.0.41"), Assert.Single(route.Exchangers[2].Addresses));
        }

        [Fact]
        public async Task ResolveAsync_MxTargetIsCname_ResolvedAndFlagged()
        {
            MailExchanger mx = Assert.Single((await ResolveAsync("mxcname.mx.test")).Exchangers);

            Assert.True(mx.IsCnameTarget);
            Assert.Equal("alias.mxcname.mx.test", mx.Host);
            Assert.Equal("real.mxcname.mx.test", mx.HostCanonicalName);
            Assert.Equal(IPAddress.Parse("127.0.0.51"), Assert.Single(mx.Addresses));
        }

        [Fact]
        public async Task ResolveAsync_MxTargetLooksLikeIp_FlaggedAndLiteralNotUsed()
        {
            MailRoute route = await ResolveAsync("iplit.mx.test");

            MailExchanger literal = route.Exchangers[0];
            Assert.Equal("127.0.0.1", literal.Host);
            Assert.True(literal.IsIpLiteral);
            Assert.Empty(literal.Addresses);
            Assert.True(literal.HasNoAddress);
            Assert.False(route.Exchangers[1].IsIpLiteral);
            Assert.Equal(IPAddress.Parse("127.0.0.61"), Assert.Single(route.Exchangers[1].Addresses));
        }

        [Theory]
        [InlineData("bücher.mx.test")]
        [InlineData("BÜCHER.mx.test.")]
        [InlineData("xn--bcher-kva.mx.test")]
        [InlineData("jörg@bücher.mx.test")]
        public async Task ResolveAsync_IdnDomain_AsksALabelAndShowsBoth(string input)
        {
            MailRoute route = await ResolveAsync(input);

            MailExchanger mx = Assert.Single(route.Exchangers);
            Assert.Equal("xn--bcher-kva.mx.test", mx.Domain);
            Assert.Equal("bücher.mx.test", mx.DomainUnicode);
            Assert.Equal("mx.xn--bcher-kva.mx.test", mx.Host);
            Assert.Equal(IPAddress.Parse("127.0.0.71"), Assert.Single(mx.Addresses));
        }

        [Fact]
        public async Task ResolveAsync_AnswerLargerThanUdpSize_RetriedOverTcpAndComplete()
        {
            var steps = new ConcurrentQueue<DnsTraceStep>();
            MxRouterOptions options = _peer.Options();
            options.Trace = steps.Enqueue;

            MailRoute route = await ResolveAsync("big.mx.test", options);

            Assert.Equal(Enumerable.Range(1, 100), route.Exchangers.Select(e => e.Preference));
            Assert.Equal("h100-padding-padding-padding-padding.big.mx.test", route.Exchangers[99].Host);
            Assert.All(route.Exchangers, e => Assert.Equal(IPAddress.Parse("127.0.0.81"), Assert.Single(e.Addresses)));
            DnsTraceStep mxStep = Assert.Single(steps, s => s.QueryType == "MX");
            Assert.Equal("TCP", mxStep.Transport);
            Assert.True(mxStep.MessageSize > DnsLookup.DefaultUdpPayloadSize);
        }

        [Fact]
        public async Task ResolveAsync_TcpOnly_AnswersOverTcp()
        {
            var steps = new ConcurrentQueue<DnsTraceStep>();
            MxRouterOptions options = _peer.Options();
            options.TcpOnly = true;
            options.Trace = steps.Enqueue;

            MailRoute route = await ResolveAsync("simple.mx.test", options);

            Assert.Equal(2, route.Exchangers.Count);
            Assert.All(steps, s => Assert.Equal("TCP", s.Transport));
        }

        [Fact]
        public async Task ResolveAsync_Trace_RecordsEveryQueryInRoute()
        {
            var seen = new ConcurrentQueue<DnsTraceStep>();
            MxRouterOptions options = _peer.Options();
            options.AddressFamily = DnsAddressFamily.IPv4;
            options.Trace = seen.Enqueue;

            MailRoute route = await ResolveAsync("simple.mx.test", options);

            Assert.Equal(new[] { "mx1.simple.mx.test A", "mx2.simple.mx.test A", "simple.mx.test MX" },
                route.Trace.Select(s => s.QueryName + " " + s.QueryType).OrderBy(s => s, StringComparer.Ordinal));
            Assert.Equal(route.Trace.Count, seen.Count);
            DnsTraceStep mx = route.Trace.First(s => s.QueryType == "MX");
            Assert.Equal("NOERROR", mx.ResponseCode);
            Assert.Equal(2, mx.Answer.Length);
            Assert.Contains("mx1.simple.mx.test", mx.Answer[0]);
        }

        [Fact]
        public async Task ResolveAsync_AddressLiteral_UsedWithoutDns()
        {
            var steps = new ConcurrentQueue<DnsTraceStep>();
            MxRouterOptions options = _peer.Options();
            options.Trace = steps.Enqueue;

            MailRoute route = await ResolveAsync("user@[127.0.0.1]", options);

            MailExchanger mx = Assert.Single(route.Exchangers);
            Assert.Equal(MailExchangerFlags.Implicit | MailExchangerFlags.AddressLiteral, mx.Flags);
            Assert.Equal(IPAddress.Loopback, Assert.Single(mx.Addresses));
            Assert.Empty(steps);
        }

        [Fact]
        public async Task ResolveAsync_ServerNeverAnswers_ThrowsTimeoutNamingServer()
        {
            using ScriptedDnsServer silent = ScriptedDnsServer.Silent();
            var options = new MxRouterOptions
            {
                Servers = new[] { silent.EndPoint },
                Timeout = TimeSpan.FromMilliseconds(300),
                Retries = 0,
            };

            DnsResolutionException ex = await FailAsync("simple.mx.test", options);

            Assert.Equal(DnsFailureKind.Timeout, ex.Kind);
            Assert.Equal(DnsLookup.FormatEndPoint(silent.EndPoint), ex.NameServer);
            Assert.Contains(DnsLookup.FormatEndPoint(silent.EndPoint), ex.Message);
        }

        [Fact]
        public async Task ResolveAsync_CancelledWhileWaiting_ThrowsCancellationNotTimeout()
        {
            using ScriptedDnsServer silent = ScriptedDnsServer.Silent();
            var options = new MxRouterOptions
            {
                Servers = new[] { silent.EndPoint },
                Timeout = TimeSpan.FromSeconds(30),
            };
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => MxRouter.ResolveAsync("simple.mx.test", options, cancel.Token));
        }

        [Fact]
        public async Task ResolveManyAsync_Cancelled_ThrowsCancellationAndReportsNoTimeouts()
        {
            using ScriptedDnsServer silent = ScriptedDnsServer.Silent();
            var options = new MxRouterOptions
            {
                Servers = new[] { silent.EndPoint },
                Timeout = TimeSpan.FromSeconds(30),
            };
            using var router = new MxRouter(options);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var errors = new ConcurrentQueue<DnsResolutionException>();
            string[] domains = Enumerable.Range(1, 50).Select(n => $"d{n:D4}.bulk.test").ToArray();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                router.ResolveManyAsync(domains, 4, (_, _, error) => { if (error != null) errors.Enqueue(error); },
                    cancel.Token));

            Assert.Empty(errors);
        }

        [Theory]
        [InlineData(2, DnsFailureKind.ServerFailure, "SERVFAIL")]
        [InlineData(5, DnsFailureKind.Refused, "REFUSED")]
        [InlineData(4, DnsFailureKind.ServerFailure, "NOTIMP")]
        public async Task ResolveAsync_ErrorRcode_ThrowsMatchingKind(int rcode, DnsFailureKind kind, string name)
        {
            using ScriptedDnsServer server = ScriptedDnsServer.AnsweringRcode(rcode);
            var options = new MxRouterOptions
            {
                Servers = new[] { server.EndPoint },
                Timeout = TimeSpan.FromSeconds(3),
            };

            DnsResolutionException ex = await FailAsync("simple.mx.test", options);

            Assert.Equal(kind, ex.Kind);
            Assert.Equal(name, ex.ResponseCode);
            Assert.Equal(DnsLookup.FormatEndPoint(server.EndPoint), ex.NameServer);
        }

        [Fact]
        public async Task ResolveAsync_FirstServerFails_NextServerAnswers()
        {
            using ScriptedDnsServer failing = ScriptedDnsServer.AnsweringRcode(2);
            var options = new MxRouterOptions
            {
                Servers = new[] { failing.EndPoint, _peer.Server },
                Timeout = TimeSpan.FromSeconds(3),
                NoShuffle = true,
            };

            MailRoute route = await ResolveAsync("simple.mx.test", options);

            Assert.Equal(new[] { "mx1.simple.mx.test", "mx2.simple.mx.test" }, Hosts(route));
        }

        [Fact]
        public async Task ResolveManyAsync_DomainsArriveOneByOne_EachIsResolvedBeforeTheNextArrives()
        {
            using var router = new MxRouter(_peer.Options());
            using var firstRouted = new ManualResetEventSlim();
            var events = new ConcurrentQueue<string>();

            // A pipeline that is slow to produce: the second domain only comes once the first has its route, so
            // a router that waited for the whole list would never see it.
            IEnumerable<string> Arriving()
            {
                events.Enqueue("in 0");
                yield return "simple.mx.test";
                if (!firstRouted.Wait(TimeSpan.FromSeconds(10)))
                    throw new TimeoutException("the first domain was not resolved before the next was asked for");
                events.Enqueue("in 1");
                yield return "d0001.bulk.test";
            }

            await router.ResolveManyAsync(Arriving(), 4, (index, route, error) =>
            {
                events.Enqueue(error == null ? "out " + index : "error " + index);
                if (index == 0) firstRouted.Set();
            }, CancellationToken.None);

            Assert.Equal(new[] { "in 0", "out 0", "in 1", "out 1" }, events);
        }

        [Fact]
        public async Task ResolveManyAsync_ThousandDomains_AllCorrectAndSharedHostsAskedOnce()
        {
            // tests/peers/nsd.ps1 generates bulk.test: dNNNN has MX 10 mx<N mod 5> (A 127.0.1.<k+1>) and MX 20 backup.
            string[] domains = Enumerable.Range(1, 1000).Select(n => $"d{n:D4}.bulk.test").ToArray();
            var routes = new MailRoute?[domains.Length];
            var errors = new ConcurrentQueue<DnsResolutionException>();
            var steps = new ConcurrentQueue<DnsTraceStep>();
            MxRouterOptions options = _peer.Options();
            options.Trace = steps.Enqueue;
            using var router = new MxRouter(options);

            await router.ResolveManyAsync(domains, 16, (index, route, error) =>
            {
                routes[index] = route;
                if (error != null) errors.Enqueue(error);
            }, CancellationToken.None);

            Assert.Empty(errors);
            for (int n = 1; n <= domains.Length; n++)
            {
                MailRoute route = routes[n - 1]!;
                Assert.Equal(domains[n - 1], route.Domain);
                Assert.Equal(new[] { $"mx{n % 5}.bulk.test", "backup.bulk.test" }, Hosts(route));
                Assert.Equal(IPAddress.Parse($"127.0.1.{n % 5 + 1}"), Assert.Single(route.Exchangers[0].Addresses));
                Assert.Equal(IPAddress.Parse("127.0.1.100"), Assert.Single(route.Exchangers[1].Addresses));
            }
            Assert.Single(steps, s => s.QueryName == "backup.bulk.test" && s.QueryType == "A" && !s.FromCache);
            Assert.Equal(1000, steps.Count(s => s.QueryType == "MX" && !s.FromCache));
        }
    }
}
