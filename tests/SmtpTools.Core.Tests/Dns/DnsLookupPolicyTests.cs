using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Policy;
using Xunit;

namespace SmtpTools.Core.Tests.Dns
{
    [Collection(DnsPeerCollection.Name)]
    public sealed class DnsLookupPolicyTests
    {
        private readonly DnsPeerFixture _peer;

        public DnsLookupPolicyTests(DnsPeerFixture peer) => _peer = peer;

        private DnsLookup NewLookup() => new DnsLookup(new[] { _peer.Server }, TimeSpan.FromSeconds(3), 1, false);

        [Fact]
        public async Task QueryPolicyAsync_TxtInTwoStrings_KeepsBothAndJoinsThemWithoutSpace()
        {
            using DnsLookup lookup = NewLookup();

            PolicyDnsAnswer answer = await lookup.QueryPolicyAsync("split.spf.test", PolicyRecordType.Txt,
                CancellationToken.None);

            PolicyRecord record = Assert.Single(answer.OfType());
            Assert.Equal(new[] { "v=spf1 ip4:192.0.2.20 ", "ip4:192.0.2.21 -all" }, record.Strings);
            Assert.Equal("v=spf1 ip4:192.0.2.20 ip4:192.0.2.21 -all", record.Text);
            Assert.False(answer.AuthenticData); // NSD is authoritative, not a validating resolver
        }

        [Fact]
        public async Task QueryPolicyAsync_MissingName_IsNameErrorAndVoid()
        {
            using DnsLookup lookup = NewLookup();

            PolicyDnsAnswer answer = await lookup.QueryPolicyAsync("nxdomain.spf.test", PolicyRecordType.A,
                CancellationToken.None);

            Assert.True(answer.IsNameError);
            Assert.True(answer.IsVoid);
            Assert.False(answer.IsError);
        }

        [Fact]
        public async Task QueryPolicyAsync_SameQueryTwice_AsksOnce()
        {
            using DnsLookup lookup = NewLookup();

            Task<PolicyDnsAnswer> first = lookup.QueryPolicyAsync("simple.spf.test", PolicyRecordType.Mx,
                CancellationToken.None);
            Task<PolicyDnsAnswer> second = lookup.QueryPolicyAsync("SIMPLE.spf.test", PolicyRecordType.Mx,
                CancellationToken.None);

            Assert.Same(await first, await second);
            Assert.Equal("mx.simple.spf.test", (await first).OfType().Single().Target);
        }

        [Fact]
        public async Task QueryPolicyAsync_ClosedPort_IsUnreachableNotTimeout()
        {
            int port;
            using (var bound = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)))
            {
                port = ((System.Net.IPEndPoint)bound.Client.LocalEndPoint!).Port;
            }
            using var lookup = new DnsLookup(new[] { new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port) },
                TimeSpan.FromSeconds(5), 0, false);

            PolicyDnsAnswer answer = await lookup.QueryPolicyAsync("simple.spf.test", PolicyRecordType.Txt,
                CancellationToken.None);

            Assert.True(answer.IsError);
            Assert.Equal(DnsFailureKind.Unreachable, answer.Failure);
        }

        [Fact]
        public async Task QueryPolicyAsync_SilentServer_IsTimeoutError()
        {
            using var silent = ScriptedDnsServer.Silent();
            using var lookup = new DnsLookup(new[] { silent.EndPoint }, TimeSpan.FromMilliseconds(300), 0, false);

            PolicyDnsAnswer answer = await lookup.QueryPolicyAsync("simple.spf.test", PolicyRecordType.Txt,
                CancellationToken.None);

            Assert.True(answer.IsError);
            Assert.Equal(DnsFailureKind.Timeout, answer.Failure);
            Assert.Contains("simple.spf.test TXT", answer.Describe());
        }
    }
}
