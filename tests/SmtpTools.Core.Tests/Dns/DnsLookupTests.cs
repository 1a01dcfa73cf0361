using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using Xunit;

namespace SmtpTools.Core.Tests.Dns
{
    [Collection(DnsPeerCollection.Name)]
    public sealed class DnsLookupTests
    {
        private readonly DnsPeerFixture _peer;

        public DnsLookupTests(DnsPeerFixture peer) => _peer = peer;

        [Fact]
        public async Task QueryAsync_BigAnswerWithoutTcpFallback_FailsAsTruncated()
        {
            // Shows the zone really forces truncation, so the TCP retry test elsewhere proves something.
            using var lookup = new DnsLookup(new[] { _peer.Server }, TimeSpan.FromSeconds(3), 1, tcpOnly: false,
                tcpFallback: false);

            (DnsAnswer answer, _) = await lookup.QueryAsync("big.mx.test", DnsRecordType.Mx, CancellationToken.None);

            // DnsClient gives up on a truncated UDP answer when it may not retry over TCP.
            Assert.Equal(0, answer.Records.Count(r => r.Type == DnsRecordType.Mx));
            Assert.NotNull(answer.Failure);
            Assert.Contains("truncated", answer.FailureMessage);
        }

        [Fact]
        public async Task QueryAsync_BigAnswerWithTcpFallback_IsComplete()
        {
            using var lookup = new DnsLookup(new[] { _peer.Server }, TimeSpan.FromSeconds(3), 1, tcpOnly: false);

            (DnsAnswer answer, _) = await lookup.QueryAsync("big.mx.test", DnsRecordType.Mx, CancellationToken.None);

            Assert.False(answer.Truncated);
            Assert.Equal(100, answer.Records.Count(r => r.Type == DnsRecordType.Mx));
            Assert.True(answer.OverTcp);
        }

        [Fact]
        public async Task QueryAsync_SameNameTwice_SecondComesFromCache()
        {
            using var lookup = new DnsLookup(new[] { _peer.Server }, TimeSpan.FromSeconds(3), 1, tcpOnly: false);

            (DnsAnswer first, bool firstCached) =
                await lookup.QueryAsync("simple.mx.test", DnsRecordType.Mx, CancellationToken.None);
            (DnsAnswer second, bool secondCached) =
                await lookup.QueryAsync("simple.mx.test", DnsRecordType.Mx, CancellationToken.None);

            Assert.False(firstCached);
            Assert.True(secondCached);
            Assert.Same(first, second);
        }

        [Fact]
        public void SystemServers_OnLinux_AreTheNameserversOfResolvConf()
        {
            // Reads configuration only: no query goes to the system resolver (tests stay on loopback).
            if (!OperatingSystem.IsLinux() || !File.Exists("/etc/resolv.conf")) return;
            string[] expected = File.ReadAllLines("/etc/resolv.conf")
                .Select(line => line.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length >= 2 && fields[0] == "nameserver")
                .Select(fields => fields[1] + ":53")
                .ToArray();

            string[] actual = DnsLookup.SystemServers().Select(DnsLookup.FormatEndPoint).ToArray();

            Assert.Equal(expected, actual);
        }

        [Fact]
        public async Task QueryAsync_NullMx_TargetIsEmptyRoot()
        {
            using var lookup = new DnsLookup(new[] { _peer.Server }, TimeSpan.FromSeconds(3), 1, tcpOnly: false);

            (DnsAnswer answer, _) = await lookup.QueryAsync("nullmx.mx.test", DnsRecordType.Mx, CancellationToken.None);

            DnsRecord mx = Assert.Single(answer.Records);
            Assert.Equal(0, mx.Preference);
            Assert.Equal(string.Empty, mx.Target);
        }
    }
}
