using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.TestServer
{
    /// <summary>
    /// A UDP DNS server for load tests of MX resolution that drops some queries on purpose. For the zone Z it answers
    /// <c>dN.Z MX 10 mx.dN.Z</c> and <c>mx.dN.Z A 127.1.(N/256).(N%256)</c> (no AAAA: NODATA), everything else with
    /// NXDOMAIN; the MX query of every domain whose N is a multiple of <c>dropEvery</c> gets no answer at all.
    /// </summary>
    public sealed class DroppingDnsServer : IDisposable
    {
        private const ushort TypeA = 1;
        private const ushort TypeMx = 15;

        private readonly UdpClient _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly string _zone;
        private readonly int _dropEvery;
        private int _queries;
        private int _dropped;

        private DroppingDnsServer(string zone, int dropEvery)
        {
            _zone = zone.Trim('.').ToLowerInvariant();
            _dropEvery = dropEvery;
            _ = Task.Run(ServeAsync);
        }

        /// <summary>Starts answering for <paramref name="zone"/>; a <paramref name="dropEvery"/> of 0 drops
        /// nothing.</summary>
        public static DroppingDnsServer Start(string zone, int dropEvery) => new DroppingDnsServer(zone, dropEvery);

        /// <summary>"127.0.0.1:port", as -Server and -DnsServer take it.</summary>
        public string EndPoint =>
            "127.0.0.1:" + ((IPEndPoint)_udp.Client.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);

        /// <summary>Queries received.</summary>
        public int Queries => Volatile.Read(ref _queries);

        /// <summary>Queries left unanswered on purpose.</summary>
        public int Dropped => Volatile.Read(ref _dropped);

        /// <summary>The address the exchanger of domain number <paramref name="n"/> has.</summary>
        public static string AddressOf(int n) => $"127.1.{n / 256 % 256}.{n % 256}";

        /// <summary>Stops answering.</summary>
        public void Dispose()
        {
            _stop.Cancel();
            _udp.Dispose();
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                UdpReceiveResult packet;
                try
                {
                    packet = await _udp.ReceiveAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException || ex is ObjectDisposedException ||
                                           ex is SocketException)
                {
                    if (_stop.IsCancellationRequested) return;
                    continue;
                }
                Interlocked.Increment(ref _queries);
                byte[]? answer = Answer(packet.Buffer);
                if (answer == null)
                {
                    Interlocked.Increment(ref _dropped);
                    continue;
                }
                try
                {
                    await _udp.SendAsync(answer, answer.Length, packet.RemoteEndPoint).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ObjectDisposedException || ex is SocketException)
                {
                }
            }
        }

        private byte[]? Answer(byte[] query)
        {
            if (query.Length < 17) return null;
            int at = 12;
            var labels = new List<string>();
            while (at < query.Length && query[at] != 0)
            {
                int length = query[at];
                if (length > 63 || at + 1 + length > query.Length) return null;
                labels.Add(Encoding.ASCII.GetString(query, at + 1, length).ToLowerInvariant());
                at += 1 + length;
            }
            int questionEnd = at + 5;
            if (questionEnd > query.Length) return null;
            ushort type = (ushort)(query[at + 1] << 8 | query[at + 2]);
            string name = string.Join(".", labels);

            var answers = new List<byte[]>();
            int rcode = 3;
            string suffix = "." + _zone;
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                string host = name.Substring(0, name.Length - suffix.Length);
                bool isMx = host.StartsWith("mx.", StringComparison.Ordinal);
                string label = isMx ? host.Substring(3) : host;
                if (label.Length > 1 && label[0] == 'd' && label.IndexOf('.') < 0 &&
                    int.TryParse(label.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                {
                    rcode = 0;
                    if (!isMx && type == TypeMx)
                    {
                        if (_dropEvery > 0 && n % _dropEvery == 0) return null;
                        var rdata = new List<byte> { 0, 10 };
                        rdata.AddRange(EncodeName("mx." + name));
                        answers.Add(Record(TypeMx, rdata.ToArray()));
                    }
                    else if (isMx && type == TypeA)
                    {
                        answers.Add(Record(TypeA, IPAddress.Parse(AddressOf(n)).GetAddressBytes()));
                    }
                }
            }

            var response = new List<byte>
            {
                query[0], query[1],
                (byte)(0x84 | (query[2] & 0x01)), (byte)rcode, // QR, AA, RD copied; RCODE
                0, 1, 0, (byte)answers.Count, 0, 0, 0, 0,
            };
            for (int i = 12; i < questionEnd; i++) response.Add(query[i]);
            foreach (byte[] a in answers) response.AddRange(a);
            return response.ToArray();
        }

        // The owner is the question name (a pointer to offset 12); class IN, TTL 300.
        private static byte[] Record(ushort type, byte[] rdata)
        {
            var r = new List<byte> { 0xC0, 0x0C, (byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0x01, 0x2C,
                (byte)(rdata.Length >> 8), (byte)rdata.Length };
            r.AddRange(rdata);
            return r.ToArray();
        }

        private static IEnumerable<byte> EncodeName(string name)
        {
            foreach (string label in name.Split('.'))
            {
                yield return (byte)label.Length;
                foreach (byte b in Encoding.ASCII.GetBytes(label)) yield return b;
            }
            yield return 0;
        }
    }
}
