using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using Xunit;

namespace SmtpTools.Core.Tests.Dns
{
    /// <summary>
    /// The real DNS peer: NSD serving tests/peers/dns/*.zone and the generated bulk.test zone, started by
    /// tests/peers/Start-Peers.ps1, which sets SMTPTOOLS_DNS_SERVER.
    /// </summary>
    public sealed class DnsPeerFixture
    {
        public DnsPeerFixture()
        {
            string? value = Environment.GetEnvironmentVariable("SMTPTOOLS_DNS_SERVER");
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidOperationException(
                    "SMTPTOOLS_DNS_SERVER is not set. These tests need the NSD test peer: run " +
                    "'. ./tests/peers/Start-Peers.ps1' in pwsh (or build.ps1 -Task Test), or start NSD alone with " +
                    "'. ./tests/peers/nsd.ps1; Start-NsdPeer -RunDir /tmp/nsd -Port 5399' and set " +
                    "SMTPTOOLS_DNS_SERVER=127.0.0.1:5399.");
            }
            Server = MxRouterOptions.ParseServer(value!);
        }

        /// <summary>NSD's address.</summary>
        public IPEndPoint Server { get; }

        /// <summary>Options that ask only NSD, with a short timeout so a broken peer fails fast.</summary>
        internal MxRouterOptions Options(bool noShuffle = true) => new MxRouterOptions
        {
            Servers = new[] { Server },
            Timeout = TimeSpan.FromSeconds(3),
            Retries = 1,
            NoShuffle = noShuffle,
        };
    }

    [CollectionDefinition(Name)]
    public sealed class DnsPeerCollection : ICollectionFixture<DnsPeerFixture>
    {
        public const string Name = "DNS peer";
    }

    /// <summary>
    /// A UDP "server" for faults the real peer will not produce on demand: it answers every query with one RCODE, or
    /// (Silent) reads nothing and never answers.
    /// </summary>
    internal sealed class ScriptedDnsServer : IDisposable
    {
        private readonly UdpClient _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        private ScriptedDnsServer()
        {
        }

        internal IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

        internal int Queries;

        internal static ScriptedDnsServer Silent() => new ScriptedDnsServer();

        internal static ScriptedDnsServer AnsweringRcode(int rcode)
        {
            var server = new ScriptedDnsServer();
            _ = server.AnswerAsync(rcode);
            return server;
        }

        private async Task AnswerAsync(int rcode)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    UdpReceiveResult query = await _udp.ReceiveAsync(_stop.Token);
                    Interlocked.Increment(ref Queries);
                    byte[] reply = query.Buffer;
                    // RFC 1035 §4.1.1: same id and question, QR set, RA set, RCODE in the low nibble; no records.
                    int questionEnd = 12;
                    while (reply[questionEnd] != 0) questionEnd += reply[questionEnd] + 1;
                    questionEnd += 5;
                    byte[] response = new byte[questionEnd];
                    Array.Copy(reply, response, questionEnd);
                    response[2] = (byte)(0x80 | (reply[2] & 0x01));
                    response[3] = (byte)(0x80 | rcode);
                    response[6] = response[7] = response[8] = response[9] = response[10] = response[11] = 0;
                    await _udp.SendAsync(response, response.Length, query.RemoteEndPoint);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _udp.Dispose();
            _stop.Dispose();
        }
    }
}
