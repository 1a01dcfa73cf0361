using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;

namespace SmtpTools.Core.Policy.Transport
{
    /// <summary>
    /// The transport policies of direct delivery: for each recipient domain, its MTA-STS policy (RFC 8461) and each
    /// exchanger's TLSA records (RFC 7672), read once per run through the same DNS servers as the MX lookup; then,
    /// for each connection, the check of the certificate the exchanger presents (<see cref="TlsPolicyEvaluator"/>).
    /// </summary>
    internal sealed class DirectTlsPolicy : IDisposable
    {
        private readonly DnsLookup _lookup;
        private readonly TransportPolicyReader _reader;
        private readonly ConcurrentDictionary<string, Task<MtaStsPolicy?>> _domains =
            new ConcurrentDictionary<string, Task<MtaStsPolicy?>>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, (MtaStsPolicy? Sts, DaneTlsa? Tlsa)> _hosts =
            new ConcurrentDictionary<string, (MtaStsPolicy?, DaneTlsa?)>(StringComparer.OrdinalIgnoreCase);

        internal DirectTlsPolicy(MxRouterOptions dns)
        {
            _lookup = new DnsLookup(dns.Servers, dns.Timeout, dns.Retries, dns.TcpOnly, recordTexts: false);
            _reader = new TransportPolicyReader(_lookup);
        }

        /// <summary>Reads the policies of <paramref name="domain"/> and its exchangers; says what it found.</summary>
        internal async Task PrepareAsync(string domain, IReadOnlyList<string> exchangers, Action<string> info,
            CancellationToken cancellationToken)
        {
            MtaStsPolicy? sts = await _domains.GetOrAdd(domain, d => ReadAsync(d, exchangers, info, cancellationToken))
                .ConfigureAwait(false);
            foreach (string host in exchangers)
            {
                if (_hosts.ContainsKey(host)) continue;
                DaneTlsa tlsa = await _reader.ReadTlsaAsync(host, 25, cancellationToken).ConfigureAwait(false);
                if (tlsa.Records.Length > 0)
                {
                    info($"TLSA records of {host} ({tlsa.Name}): {string.Join("; ", tlsa.Records)}, " +
                        (tlsa.Validated ? "DNSSEC-validated." : "not DNSSEC-validated (no AD bit), so not acted on."));
                }
                _hosts[host] = (sts, tlsa.Records.Length > 0 ? tlsa : null);
            }
        }

        private async Task<MtaStsPolicy?> ReadAsync(string domain, IReadOnlyList<string> exchangers,
            Action<string> info, CancellationToken cancellationToken)
        {
            MtaStsPolicy sts = await _reader.ReadMtaStsAsync(domain, exchangers, cancellationToken).ConfigureAwait(false);
            if (sts.Status == MailCheckStatus.Missing) return null;
            if (sts.Status == MailCheckStatus.Fail && sts.Mode == null)
            {
                // RFC 8461 §5: a policy that cannot be fetched counts as none.
                info($"The MTA-STS policy of {domain} cannot be used, so none applies: {sts.Problems.FirstOrDefault()}");
                return null;
            }
            info($"MTA-STS policy of {domain}: mode {sts.Mode}, mx {string.Join(", ", sts.Mx)}.");
            return sts;
        }

        /// <summary>True when a policy requires authenticated TLS to <paramref name="host"/>.</summary>
        internal bool Requires(string host) =>
            _hosts.TryGetValue(host, out var policy) &&
            (policy.Sts?.Mode == "enforce" || (policy.Tlsa != null && policy.Tlsa.Validated && policy.Tlsa.Usable));

        /// <summary>The check of the certificate <paramref name="host"/> presents; null when no policy applies.</summary>
        internal Func<X509Certificate2, IReadOnlyList<X509Certificate2>, bool, TlsPolicyVerdict>? CheckFor(string host)
        {
            if (!_hosts.TryGetValue(host, out var policy) || (policy.Sts == null && policy.Tlsa == null)) return null;
            return (leaf, chain, pkixValid) => TlsPolicyEvaluator.Evaluate(host, leaf, chain, pkixValid, policy.Sts,
                policy.Tlsa);
        }

        public void Dispose() => _lookup.Dispose();
    }
}
