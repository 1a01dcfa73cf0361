using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Dns
{
    /// <summary>
    /// The only place DnsClient is used: one query in, one <see cref="DnsAnswer"/> out, with a per-run cache so that a
    /// name asked for by many domains (a shared exchanger) goes to the server once.
    /// </summary>
    /// <remarks>
    /// DnsClient types appear only inside method bodies, never in a field, parameter or return type: a class-level use
    /// would load DnsClient together with this class, before the module's resolver can put it in its private load
    /// context (see ModuleInitializer). That is why the LookupClient is kept as <c>object</c>.
    /// </remarks>
    internal sealed partial class DnsLookup : IDisposable
    {
        // DNS Flag Day 2020's recommended EDNS buffer size: big enough for most answers, small enough not to fragment.
        internal const int DefaultUdpPayloadSize = 1232;

        private static readonly IdnMapping Idn = new IdnMapping();

        private readonly object _client;
        private readonly IPEndPoint[] _servers;
        private readonly string[] _serverAddresses;
        private readonly string[] _serverTexts;
        private readonly bool _tcpOnly;
        private readonly int _udpPayloadSize;
        private readonly TimeSpan _timeout;
        private readonly int _retries;
        private readonly bool _recordTexts;
        private readonly SemaphoreSlim _inFlight;
        private readonly DnsServerProbe? _probe;
        private readonly ConcurrentDictionary<string, Lazy<Task<DnsAnswer>>> _cache =
            new ConcurrentDictionary<string, Lazy<Task<DnsAnswer>>>(StringComparer.Ordinal);

        internal DnsLookup(IReadOnlyList<IPEndPoint>? servers, TimeSpan timeout, int retries, bool tcpOnly,
            bool tcpFallback = true, int udpPayloadSize = DefaultUdpPayloadSize, int maxConcurrentQueries = 64,
            bool recordTexts = true)
        {
            if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout));
            if (retries < 0) throw new ArgumentOutOfRangeException(nameof(retries));
            _servers = servers != null && servers.Count > 0 ? ToArray(servers) : SystemServers();
            if (_servers.Length == 0)
            {
                throw new InvalidOperationException(
                    "No DNS server is configured on this system; name one with -Server.");
            }
            _serverAddresses = Array.ConvertAll(_servers, s => s.Address.ToString());
            _serverTexts = Array.ConvertAll(_servers, FormatEndPoint);
            _tcpOnly = tcpOnly;
            _udpPayloadSize = udpPayloadSize;
            _timeout = timeout;
            _retries = retries;
            _recordTexts = recordTexts;
            _inFlight = new SemaphoreSlim(maxConcurrentQueries, maxConcurrentQueries);
            _client = CreateClient(_servers, timeout, retries, tcpOnly, tcpFallback, udpPayloadSize);
            // Over TCP a closed port is refused at once anyway; over UDP only a probe of our own hears it.
            _probe = tcpOnly ? null : new DnsServerProbe(_servers, timeout);
        }

        /// <summary>The servers asked, in order.</summary>
        internal IReadOnlyList<IPEndPoint> Servers => _servers;

        /// <summary>The servers as "address:port, address:port" for messages.</summary>
        internal string ServerList => string.Join(", ", _serverTexts);

        internal static string FormatEndPoint(IPEndPoint endPoint) =>
            endPoint.AddressFamily == AddressFamily.InterNetworkV6
                ? "[" + endPoint.Address + "]:" + endPoint.Port.ToString(CultureInfo.InvariantCulture)
                : endPoint.Address + ":" + endPoint.Port.ToString(CultureInfo.InvariantCulture);

        /// <summary>The system's resolvers: /etc/resolv.conf on Unix, the network adapters' on Windows.</summary>
        internal static IPEndPoint[] SystemServers()
        {
            var result = new List<IPEndPoint>();
            foreach (var server in DnsClient.NameServer.ResolveNameServers(skipIPv6SiteLocal: true,
                         fallbackToGooglePublicDns: false))
            {
                if (IPAddress.TryParse(server.Address, out IPAddress? address))
                {
                    result.Add(new IPEndPoint(address, server.Port));
                }
            }
            return result.ToArray();
        }

        /// <summary>Asks for one name and type; the first ask of a run goes out, later ones share its answer.</summary>
        /// <returns>The answer and whether it came from this run's cache.</returns>
        internal async Task<(DnsAnswer Answer, bool FromCache)> QueryAsync(string name, DnsRecordType type,
            CancellationToken cancellationToken)
        {
            string key = DnsAnswer.TypeName(type) + " " + name;
            var created = new Lazy<Task<DnsAnswer>>(() => QueryServerAsync(name, type, cancellationToken));
            Lazy<Task<DnsAnswer>> entry = _cache.GetOrAdd(key, created);
            DnsAnswer answer = await entry.Value.ConfigureAwait(false);
            return (answer, !ReferenceEquals(entry, created));
        }

        private async Task<DnsAnswer> QueryServerAsync(string name, DnsRecordType type,
            CancellationToken cancellationToken)
        {
            await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            try
            {
                var client = (DnsClient.LookupClient)_client;
                DnsClient.QueryType queryType = type switch
                {
                    DnsRecordType.A => DnsClient.QueryType.A,
                    DnsRecordType.Aaaa => DnsClient.QueryType.AAAA,
                    DnsRecordType.Cname => DnsClient.QueryType.CNAME,
                    _ => DnsClient.QueryType.MX,
                };
                DnsClient.IDnsQueryResponse response = _probe == null
                    ? await client.QueryAsync(name + ".", queryType, DnsClient.QueryClass.IN, cancellationToken)
                        .ConfigureAwait(false)
                    : await _probe.RunAsync((servers, ct) => client.QueryServerAsync(servers, name + ".", queryType,
                        DnsClient.QueryClass.IN, ct), cancellationToken).ConfigureAwait(false);
                clock.Stop();

                var records = new List<DnsRecord>();
                foreach (DnsClient.Protocol.DnsResourceRecord record in response.Answers)
                {
                    records.Add(ToRecord(record, name, _recordTexts));
                }
                string? server = response.NameServer == null ? null : FormatServer(response.NameServer);
                // A UDP answer is never larger than the size we advertised, so a larger one came over TCP after a
                // truncated UDP answer (RFC 7766 §5).
                bool overTcp = _tcpOnly || response.MessageSize > _udpPayloadSize;
                return new DnsAnswer(name, type, (int)response.Header.ResponseCode, records, server, clock.Elapsed,
                    response.MessageSize, response.Header.ResultTruncated, overTcp);
            }
            catch (DnsClient.DnsResponseException ex) when (!cancellationToken.IsCancellationRequested)
            {
                clock.Stop();
                return NoAnswer(name, type, clock.Elapsed, ex.Code == DnsClient.DnsResponseCode.ConnectionTimeout ||
                    ex.InnerException is TimeoutException || ex.InnerException is OperationCanceledException, ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested &&
                (ex is TimeoutException || ex is OperationCanceledException || ex is SocketException))
            {
                clock.Stop();
                return NoAnswer(name, type, clock.Elapsed, !(ex is SocketException), ex);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // DnsClient wraps the cancellation in DnsResponseException; a stop is a stop, not a DNS failure.
                throw new OperationCanceledException(cancellationToken);
            }
            finally
            {
                _inFlight.Release();
            }
        }

        private DnsAnswer NoAnswer(string name, DnsRecordType type, TimeSpan elapsed, bool timedOut, Exception error)
        {
            string servers = ServerList;
            string seconds = _timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            string message = timedOut
                ? $"No answer from DNS server {servers} for {name} {DnsAnswer.TypeName(type)}: " +
                  (_retries == 0 ? $"1 try of {seconds} s." : $"{_retries + 1} tries of {seconds} s each.")
                : $"DNS server {servers} could not be reached for {name} {DnsAnswer.TypeName(type)}: " +
                  $"{Innermost(error).Message}";
            return new DnsAnswer(name, type, -1, Array.Empty<DnsRecord>(), servers, elapsed, 0, false, _tcpOnly,
                timedOut ? DnsFailureKind.Timeout : DnsFailureKind.Unreachable, message);
        }

        private static Exception Innermost(Exception error)
        {
            while (error.InnerException != null) error = error.InnerException;
            return error;
        }

        private static DnsRecord ToRecord(DnsClient.Protocol.DnsResourceRecord record, string asked, bool withText)
        {
            // Most records are owned by the name asked: share that string rather than keep a copy per record in
            // the run's cache.
            string value = record.DomainName.Value;
            string owner = value.Length == asked.Length + 1 && value.EndsWith(".", StringComparison.Ordinal) &&
                string.CompareOrdinal(value, 0, asked, 0, asked.Length) == 0
                ? asked
                : Normalize(value);
            // DnsClient pads each field to a column: a formatted string per record that only a trace shows.
            string text = withText ? record.ToString() : string.Empty;
            switch (record)
            {
                case DnsClient.Protocol.MxRecord mx:
                    return new DnsRecord(owner, DnsRecordType.Mx, record.TimeToLive, text, mx.Preference,
                        Normalize(mx.Exchange.Value));
                case DnsClient.Protocol.CNameRecord cname:
                    return new DnsRecord(owner, DnsRecordType.Cname, record.TimeToLive, text,
                        target: Normalize(cname.CanonicalName.Value));
                case DnsClient.Protocol.ARecord a:
                    return new DnsRecord(owner, DnsRecordType.A, record.TimeToLive, text, address: a.Address);
                case DnsClient.Protocol.AaaaRecord aaaa:
                    return new DnsRecord(owner, DnsRecordType.Aaaa, record.TimeToLive, text, address: aaaa.Address);
                default:
                    return new DnsRecord(owner, DnsRecordType.Other, record.TimeToLive, text);
            }
        }

        /// <summary>A-label form, lower case, no trailing dot; the root becomes "".</summary>
        /// <remarks>DnsClient hands out some names decoded to Unicode; they are encoded back to compare.</remarks>
        internal static string Normalize(string name)
        {
            string trimmed = name.EndsWith(".", StringComparison.Ordinal) ? name.Substring(0, name.Length - 1) : name;
            foreach (char c in trimmed)
            {
                if (c <= 0x7F) continue;
                try
                {
                    trimmed = Idn.GetAscii(trimmed);
                }
                catch (ArgumentException)
                {
                    // Not encodable: keep it as received; it then matches nothing we ask about.
                }
                break;
            }
            return trimmed.ToLowerInvariant();
        }

        private string FormatServer(object nameServer)
        {
            var server = (DnsClient.NameServer)nameServer;
            // Nearly always one of ours: its text is made once per run, not once per cached answer.
            for (int i = 0; i < _servers.Length; i++)
            {
                if (_servers[i].Port == server.Port && _serverAddresses[i] == server.Address) return _serverTexts[i];
            }
            return IPAddress.TryParse(server.Address, out IPAddress? address)
                ? FormatEndPoint(new IPEndPoint(address, server.Port))
                : server.Address + ":" + server.Port.ToString(CultureInfo.InvariantCulture);
        }

        private static object CreateClient(IPEndPoint[] servers, TimeSpan timeout, int retries, bool tcpOnly,
            bool tcpFallback, int udpPayloadSize)
        {
            var nameServers = new DnsClient.NameServer[servers.Length];
            for (int i = 0; i < servers.Length; i++) nameServers[i] = new DnsClient.NameServer(servers[i]);
            var options = new DnsClient.LookupClientOptions(nameServers)
            {
                Timeout = timeout,
                Retries = retries,
                UseTcpOnly = tcpOnly,
                UseTcpFallback = tcpFallback,
                ExtendedDnsBufferSize = udpPayloadSize,
                // This run keeps its own cache (above) so shared names are asked once and every ask is traced.
                UseCache = false,
                ThrowDnsErrors = false,
                // An empty answer is an answer (NODATA). An error code moves on to the next server, if any, and the
                // last server's answer is kept: one resolver's SERVFAIL should not hide another's good answer.
                ContinueOnEmptyResponse = false,
                ContinueOnDnsError = true,
                UseRandomNameServer = false,
                Recursion = true,
                EnableAuditTrail = false,
            };
            return new DnsClient.LookupClient(options);
        }

        private static IPEndPoint[] ToArray(IReadOnlyList<IPEndPoint> servers)
        {
            var result = new IPEndPoint[servers.Count];
            for (int i = 0; i < result.Length; i++) result[i] = servers[i];
            return result;
        }

        public void Dispose()
        {
            _probe?.Dispose();
            _inFlight.Dispose();
        }
    }
}
