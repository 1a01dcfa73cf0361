using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using Xunit;

namespace SmtpTools.Core.Tests.Dns
{
    [Collection(DnsPeerCollection.Name)]
    public sealed class DnsServerProbeTests
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
        private readonly DnsPeerFixture _peer;

        public DnsServerProbeTests(DnsPeerFixture peer) => _peer = peer;

        [Fact]
        public async Task QueryAsync_NothingListensOnThePort_FailsAsUnreachableBeforeTheTimeout()
        {
            IPEndPoint closed = ClosedUdpPort();
            using var lookup = new DnsLookup(new[] { closed }, Timeout, 2, tcpOnly: false);
            var clock = Stopwatch.StartNew();

            (DnsAnswer answer, _) = await lookup.QueryAsync("simple.mx.test", DnsRecordType.Mx, CancellationToken.None);

            // Three tries of five seconds would be fifteen: the loopback host's ICMP reply ends it long before one.
            Assert.Equal(DnsFailureKind.Unreachable, answer.Failure);
            Assert.True(clock.Elapsed < Timeout, $"took {clock.Elapsed}");
            Assert.Contains(closed.ToString(), answer.FailureMessage);
            Assert.Contains("nothing listens", answer.FailureMessage);
        }

        [Fact]
        public async Task QueryAsync_FirstServerClosedSecondAnswers_AnswersFromTheSecond()
        {
            IPEndPoint closed = ClosedUdpPort();
            using var lookup = new DnsLookup(new[] { closed, _peer.Server }, Timeout, 2, tcpOnly: false);
            var clock = Stopwatch.StartNew();

            (DnsAnswer answer, _) = await lookup.QueryAsync("simple.mx.test", DnsRecordType.Mx, CancellationToken.None);

            Assert.Null(answer.Failure);
            Assert.Equal(2, answer.Records.Count);
            Assert.True(clock.Elapsed < Timeout, $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task QueryAsync_ServerThatAnswers_IsNotCalledUnreachable()
        {
            using var lookup = new DnsLookup(new[] { _peer.Server }, Timeout, 2, tcpOnly: false);

            for (int i = 0; i < 3; i++)
            {
                (DnsAnswer answer, _) = await lookup.QueryAsync($"simple.mx.test", i == 1 ? DnsRecordType.A
                    : DnsRecordType.Mx, CancellationToken.None);
                Assert.NotEqual(DnsFailureKind.Unreachable, answer.Failure);
            }
        }

        // A port that was free a moment ago: bound, read, released.
        private static IPEndPoint ClosedUdpPort()
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return (IPEndPoint)socket.LocalEndPoint!;
        }
    }
}
