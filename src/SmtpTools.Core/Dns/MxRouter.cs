using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Dns
{
    /// <summary>
    /// Routes mail domains the way a sending MTA does (RFC 5321 §5.1): the domain's CNAME chain, its MX records in
    /// preference order with equal preferences shuffled, each exchanger's addresses, implicit MX and null MX.
    /// One router is one run: its lookups share a cache, so an exchanger used by many domains is asked once.
    /// </summary>
    internal sealed class MxRouter : IDisposable
    {
        private readonly MxRouterOptions _options;
        private readonly DnsLookup _lookup;
        private readonly Random _random;
        private readonly object _randomGate = new object();
        private readonly bool _ownsLookup = true;

        /// <exception cref="InvalidOperationException">No server given and none configured on the system.</exception>
        internal MxRouter(MxRouterOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _lookup = new DnsLookup(options.Servers, options.Timeout, options.Retries, options.TcpOnly,
                options.TcpFallback, options.UdpPayloadSize, options.MaxConcurrentQueries,
                recordTexts: options.Trace != null);
            _random = options.Random ?? new Random();
        }

        /// <summary>A router on a lookup (and cache) the caller shares with other checks and disposes itself.</summary>
        internal MxRouter(MxRouterOptions options, DnsLookup lookup)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
            _ownsLookup = false;
            _random = options.Random ?? new Random();
        }

        /// <summary>The servers asked, as "address:port, …".</summary>
        internal string ServerList => _lookup.ServerList;

        /// <summary>Routes one domain with a router of its own (no cache shared with other calls).</summary>
        /// <exception cref="DnsResolutionException">The domain cannot be routed; Kind says why.</exception>
        internal static async Task<MailRoute> ResolveAsync(string domain, MxRouterOptions options,
            CancellationToken cancellationToken)
        {
            using var router = new MxRouter(options);
            return await router.ResolveAsync(domain, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Routes many domains, at most <paramref name="throttleLimit"/> at once, calling
        /// <paramref name="completed"/> (from any thread) with each domain's index and its route or its error.
        /// </summary>
        /// <remarks>
        /// The domains are taken one by one on the calling thread, which also waits there for a free slot: the
        /// enumeration may block until the next domain arrives (a pipeline feeding them), and each domain starts as
        /// soon as it is taken, so the first routes come back while later domains are still on their way. That is
        /// also why the wait for a slot is not awaited: no pool thread should end up blocked on the next domain.
        /// </remarks>
        internal async Task ResolveManyAsync(IEnumerable<string> domains, int throttleLimit,
            Action<int, MailRoute?, DnsResolutionException?> completed, CancellationToken cancellationToken)
        {
            if (throttleLimit < 1) throw new ArgumentOutOfRangeException(nameof(throttleLimit));
            using var throttle = new SemaphoreSlim(throttleLimit, throttleLimit);
            var running = new List<Task>();
            OperationCanceledException? stopped = null;
            try
            {
                int index = 0;
                foreach (string domain in domains)
                {
                    throttle.Wait(cancellationToken);
                    running.Add(ResolveOneAsync(index++, domain));
                }
            }
            catch (OperationCanceledException ex)
            {
                stopped = ex;
            }
            // Even when stopped, wait for the domains in flight: they still release the throttle.
            await Task.WhenAll(running).ConfigureAwait(false);
            if (stopped != null) throw stopped;

            async Task ResolveOneAsync(int index, string domain)
            {
                try
                {
                    MailRoute route = await ResolveAsync(domain, cancellationToken).ConfigureAwait(false);
                    completed(index, route, null);
                }
                catch (DnsResolutionException ex)
                {
                    completed(index, null, ex);
                }
                finally
                {
                    throttle.Release();
                }
            }
        }

        /// <summary>Routes one domain (or the domain of an e-mail address).</summary>
        /// <exception cref="DnsResolutionException">The domain cannot be routed; Kind says why.</exception>
        internal async Task<MailRoute> ResolveAsync(string domain, CancellationToken cancellationToken)
        {
            (string ascii, string unicode, IPAddress? literal) = DomainName.ParseMailDomain(domain);
            var trace = new TraceLog(ascii, _options.Trace);

            if (literal != null)
            {
                // RFC 5321 §5.1: an address literal is used as is, no DNS involved.
                var exchanger = new MailExchanger(ascii, unicode, 1, 0, ascii, new[] { literal }, 0,
                    MailExchangerFlags.Implicit | MailExchangerFlags.AddressLiteral, Array.Empty<string>(), null,
                    null, null);
                return new MailRoute(ascii, unicode, ascii, Array.Empty<string>(), new[] { exchanger }, trace.Steps);
            }

            // RFC 5321 §5.1: look up MX; a CNAME met on the way is followed and its target used as the domain.
            Walk walk = await WalkAsync(ascii, DnsRecordType.Mx, trace, cancellationToken).ConfigureAwait(false);
            string[] chain = walk.Chain.ToArray();
            ThrowIfUnanswered(walk, ascii, chain);

            var mxRecords = walk.Answer.Records.Where(r => r.Type == DnsRecordType.Mx && r.Name == walk.End).ToList();
            var exchangers = new List<MailExchanger>();
            if (mxRecords.Count == 0)
            {
                // RFC 5321 §5.1: no MX at all, so the domain's own address records act as one MX of preference 0.
                HostAddresses host = await ResolveHostAsync(walk.End, trace, cancellationToken).ConfigureAwait(false);
                if (host.Addresses.Length == 0)
                {
                    string alias = chain.Length > 0 ? $" (an alias of {walk.End})" : string.Empty;
                    throw new DnsResolutionException(ascii, DnsFailureKind.NoMailRecords,
                        $"The domain {ascii}{alias} has no MX record and no address record, so it receives no mail " +
                        $"(answer from {walk.Answer.NameServer}).", "NOERROR", walk.Answer.NameServer, chain,
                        walk.End);
                }
                exchangers.Add(new MailExchanger(ascii, unicode, 1, 0, walk.End, host.Addresses, host.Ttl,
                    MailExchangerFlags.Implicit, chain, host.CanonicalName, null, host.NameServer));
            }
            else if (mxRecords.Count == 1 && mxRecords[0].Target!.Length == 0)
            {
                // RFC 7505 §3: a single "MX 0 ." says the domain accepts no mail; never fall back to its A record.
                DnsRecord nullMx = mxRecords[0];
                exchangers.Add(new MailExchanger(ascii, unicode, 1, nullMx.Preference, ".", Array.Empty<IPAddress>(),
                    nullMx.Ttl, MailExchangerFlags.NullMx, chain, null, null, walk.Answer.NameServer));
            }
            else
            {
                // A null MX next to other MX records breaks RFC 7505 §3; it names no host, so only the others count.
                List<DnsRecord> ordered = Order(mxRecords.Where(r => r.Target!.Length > 0).ToList());
                var built = new Task<MailExchanger>[ordered.Count];
                for (int i = 0; i < ordered.Count; i++)
                {
                    built[i] = BuildExchangerAsync(ascii, unicode, i + 1, ordered[i], chain, walk.Answer.NameServer,
                        trace, cancellationToken);
                }
                exchangers.AddRange(await Task.WhenAll(built).ConfigureAwait(false));
            }
            return new MailRoute(ascii, unicode, walk.End, chain, exchangers, trace.Steps);
        }

        private async Task<MailExchanger> BuildExchangerAsync(string domain, string unicode, int order, DnsRecord mx,
            string[] chain, string? nameServer, TraceLog trace, CancellationToken cancellationToken)
        {
            string host = mx.Target!;
            var flags = MailExchangerFlags.None;
            // RFC 5321 §5.1: the exchange must be a domain name. Postfix warns "numeric domain name in resource data
            // of MX record"; we ask DNS for it as a name anyway, but never connect to the literal itself.
            if (DomainName.LooksLikeIpAddress(host)) flags |= MailExchangerFlags.IpLiteral;
            HostAddresses addresses = await ResolveHostAsync(host, trace, cancellationToken).ConfigureAwait(false);
            // RFC 2181 §10.3: an MX target must not be an alias. Resolvers follow it, so we do, but say so.
            if (addresses.CanonicalName != null) flags |= MailExchangerFlags.CnameTarget;
            if (addresses.Addresses.Length == 0) flags |= MailExchangerFlags.NoAddress;
            return new MailExchanger(domain, unicode, order, mx.Preference, host, addresses.Addresses, mx.Ttl, flags,
                chain, addresses.CanonicalName, addresses.Error, nameServer);
        }

        /// <summary>RFC 5321 §5.1: lowest preference first; equal preferences in random order (load).</summary>
        private List<DnsRecord> Order(List<DnsRecord> records)
        {
            var result = new List<DnsRecord>(records.Count);
            foreach (IGrouping<int, DnsRecord> group in records.GroupBy(r => r.Preference).OrderBy(g => g.Key))
            {
                var same = group.OrderBy(r => r.Target, StringComparer.Ordinal).ToList();
                if (!_options.NoShuffle && same.Count > 1)
                {
                    lock (_randomGate)
                    {
                        for (int i = same.Count - 1; i > 0; i--)
                        {
                            int j = _random.Next(i + 1);
                            (same[i], same[j]) = (same[j], same[i]);
                        }
                    }
                }
                result.AddRange(same);
            }
            return result;
        }

        /// <summary>A and/or AAAA of a host, following a CNAME; failures become a reason, not an exception.</summary>
        private async Task<HostAddresses> ResolveHostAsync(string host, TraceLog trace,
            CancellationToken cancellationToken)
        {
            var types = new List<DnsRecordType>(2);
            if (_options.AddressFamily != DnsAddressFamily.IPv6) types.Add(DnsRecordType.A);
            if (_options.AddressFamily != DnsAddressFamily.IPv4) types.Add(DnsRecordType.Aaaa);
            Walk[] walks = await Task.WhenAll(types.Select(t => WalkAsync(host, t, trace, cancellationToken)))
                .ConfigureAwait(false);

            var addresses = new List<IPAddress>();
            var errors = new List<string>();
            string? canonical = null;
            string? nameServer = null;
            int ttl = int.MaxValue;
            foreach (Walk walk in walks)
            {
                if (walk.End != host) canonical = walk.End;
                string? error = DescribeHostFailure(walk, host);
                if (error != null)
                {
                    errors.Add(error);
                    continue;
                }
                foreach (DnsRecord record in walk.Answer.Records)
                {
                    if (record.Type == walk.Answer.QueryType && record.Name == walk.End && record.Address != null)
                    {
                        addresses.Add(record.Address);
                        ttl = Math.Min(ttl, record.Ttl);
                        nameServer ??= walk.Answer.NameServer;
                    }
                }
            }
            string? reason = addresses.Count == 0 && errors.Count > 0 ? string.Join(" ", errors.Distinct()) : null;
            return new HostAddresses(addresses.ToArray(), canonical, ttl == int.MaxValue ? 0 : ttl, reason,
                nameServer);
        }

        private static string? DescribeHostFailure(Walk walk, string host)
        {
            DnsAnswer answer = walk.Answer;
            if (answer.Failure != null) return answer.FailureMessage;
            if (walk.Problem == DnsFailureKind.CnameLoop) return $"The aliases of {host} form a loop.";
            if (walk.Problem == DnsFailureKind.CnameChainTooLong) return $"The alias chain of {host} is too long.";
            if (answer.ResponseCode == DnsAnswer.NoError) return null;
            return $"{answer.ResponseCodeName} from {answer.NameServer} for {walk.End} " +
                $"{DnsAnswer.TypeName(answer.QueryType)}.";
        }

        private static void ThrowIfUnanswered(Walk walk, string domain, string[] chain)
        {
            DnsAnswer answer = walk.Answer;
            string via = chain.Length > 0 ? $" (through its alias {walk.End})" : string.Empty;
            if (answer.Failure != null)
            {
                throw new DnsResolutionException(domain, answer.Failure.Value,
                    $"Resolving the MX records of {domain}{via} failed. {answer.FailureMessage}",
                    answer.ResponseCodeName, answer.NameServer, chain, walk.End);
            }
            if (walk.Problem == DnsFailureKind.CnameLoop)
            {
                throw new DnsResolutionException(domain, DnsFailureKind.CnameLoop,
                    $"The CNAME chain of {domain} loops: {domain} -> {string.Join(" -> ", chain)} " +
                    "(RFC 1034 §3.6.2).", answer.ResponseCodeName, answer.NameServer, chain, walk.End);
            }
            if (walk.Problem == DnsFailureKind.CnameChainTooLong)
            {
                throw new DnsResolutionException(domain, DnsFailureKind.CnameChainTooLong,
                    $"The CNAME chain of {domain} is longer than {chain.Length - 1} aliases: " +
                    $"{string.Join(" -> ", chain)}.", answer.ResponseCodeName, answer.NameServer, chain, walk.End);
            }
            switch (answer.ResponseCode)
            {
                case DnsAnswer.NoError:
                    return;
                case DnsAnswer.NxDomain:
                    string what = chain.Length > 0
                        ? $"The domain {domain} is an alias of {walk.End}, which does not exist"
                        : $"The domain {domain} does not exist";
                    throw new DnsResolutionException(domain, DnsFailureKind.NonExistentDomain,
                        $"{what} (NXDOMAIN from {answer.NameServer}).", "NXDOMAIN", answer.NameServer, chain,
                        walk.End);
                case DnsAnswer.Refused:
                    throw new DnsResolutionException(domain, DnsFailureKind.Refused,
                        $"DNS server {answer.NameServer} refused the MX query for {walk.End}{via}.", "REFUSED",
                        answer.NameServer, chain, walk.End);
                default:
                    throw new DnsResolutionException(domain, DnsFailureKind.ServerFailure,
                        $"DNS server {answer.NameServer} answered {answer.ResponseCodeName} to the MX query for " +
                        $"{walk.End}{via}.", answer.ResponseCodeName, answer.NameServer, chain, walk.End);
            }
        }

        /// <summary>
        /// Asks for <paramref name="name"/> and follows the CNAMEs in the answer (RFC 1034 §3.6.2). A server that
        /// stops at an alias (its target is elsewhere) is asked again for the target, up to the chain limit.
        /// </summary>
        private async Task<Walk> WalkAsync(string name, DnsRecordType type, TraceLog trace,
            CancellationToken cancellationToken)
        {
            var chain = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal) { name };
            string asked = name;
            string end = name;
            while (true)
            {
                DnsAnswer answer = await AskAsync(asked, type, trace, cancellationToken).ConfigureAwait(false);
                if (answer.Failure != null) return new Walk(answer, end, chain, null);
                while (true)
                {
                    DnsRecord? alias =
                        answer.Records.FirstOrDefault(r => r.Type == DnsRecordType.Cname && r.Name == end);
                    if (alias == null) break;
                    chain.Add(alias.Target!);
                    if (!seen.Add(alias.Target!)) return new Walk(answer, end, chain, DnsFailureKind.CnameLoop);
                    if (chain.Count > _options.MaxCnameChain)
                    {
                        return new Walk(answer, end, chain, DnsFailureKind.CnameChainTooLong);
                    }
                    end = alias.Target!;
                }
                bool answered = answer.Records.Any(r => r.Type == type && r.Name == end);
                if (end != asked && !answered && answer.ResponseCode == DnsAnswer.NoError)
                {
                    asked = end;
                    continue;
                }
                return new Walk(answer, end, chain, null);
            }
        }

        private async Task<DnsAnswer> AskAsync(string name, DnsRecordType type, TraceLog trace,
            CancellationToken cancellationToken)
        {
            (DnsAnswer answer, bool fromCache) =
                await _lookup.QueryAsync(name, type, cancellationToken).ConfigureAwait(false);
            trace.Add(answer, fromCache);
            return answer;
        }

        public void Dispose()
        {
            if (_ownsLookup) _lookup.Dispose();
        }

        private sealed class Walk
        {
            internal Walk(DnsAnswer answer, string end, List<string> chain, DnsFailureKind? problem)
            {
                Answer = answer;
                End = end;
                Chain = chain;
                Problem = problem;
            }

            /// <summary>The last answer received.</summary>
            internal DnsAnswer Answer { get; }

            /// <summary>The name the aliases lead to.</summary>
            internal string End { get; }

            internal List<string> Chain { get; }

            /// <summary>CnameLoop or CnameChainTooLong, else null.</summary>
            internal DnsFailureKind? Problem { get; }
        }

        private sealed class HostAddresses
        {
            internal HostAddresses(IPAddress[] addresses, string? canonicalName, int ttl, string? error,
                string? nameServer)
            {
                Addresses = addresses;
                CanonicalName = canonicalName;
                Ttl = ttl;
                Error = error;
                NameServer = nameServer;
            }

            internal IPAddress[] Addresses { get; }

            internal string? CanonicalName { get; }

            internal int Ttl { get; }

            internal string? Error { get; }

            internal string? NameServer { get; }
        }

        /// <summary>The steps of one domain, kept in order and passed on to the run's trace callback.</summary>
        private sealed class TraceLog
        {
            private readonly string _domain;
            private readonly Action<DnsTraceStep>? _sink;
            private readonly List<DnsTraceStep> _steps = new List<DnsTraceStep>();

            internal TraceLog(string domain, Action<DnsTraceStep>? sink)
            {
                _domain = domain;
                _sink = sink;
            }

            internal IReadOnlyList<DnsTraceStep> Steps
            {
                get
                {
                    lock (_steps) return _steps.ToArray();
                }
            }

            internal void Add(DnsAnswer answer, bool fromCache)
            {
                // Nobody reads the steps of a run that is not traced (MailRoute.Trace says so).
                if (_sink == null) return;
                var step = new DnsTraceStep(_domain, answer.QueryName, DnsAnswer.TypeName(answer.QueryType),
                    answer.NameServer, answer.ResponseCodeName, answer.Records.Select(r => r.Text).ToArray(),
                    fromCache ? TimeSpan.Zero : answer.Elapsed, answer.OverTcp ? "TCP" : "UDP", answer.MessageSize,
                    fromCache);
                lock (_steps) _steps.Add(step);
                _sink?.Invoke(step);
            }
        }
    }
}
