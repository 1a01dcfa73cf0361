using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Policy.Transport
{
    /// <summary>Where and how the MTA-STS policy is fetched; every endpoint can be named, as elsewhere.</summary>
    internal sealed class MtaStsOptions
    {
        /// <summary>Connect here instead of the address of mta-sts.domain (names, SNI and checks are unchanged).</summary>
        internal IPEndPoint? PolicyEndPoint { get; set; }

        /// <summary>Roots trusted besides the system's (a private CA); never a way to skip validation.</summary>
        internal X509Certificate2Collection? ExtraRoots { get; set; }

        internal TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    }

    /// <summary>Reads MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and DANE TLSA (RFC 7672) for a mail domain.</summary>
    internal sealed class TransportPolicyReader
    {
        private readonly IPolicyDns _dns;
        private readonly MtaStsOptions _options;

        internal TransportPolicyReader(IPolicyDns dns, MtaStsOptions? options = null)
        {
            _dns = dns;
            _options = options ?? new MtaStsOptions();
        }

        internal async Task<MtaStsPolicy> ReadMtaStsAsync(string domain, IReadOnlyList<string> exchangers,
            CancellationToken cancellationToken)
        {
            string host = "mta-sts." + domain;
            string url = $"https://{host}/.well-known/mta-sts.txt";
            var problems = new List<string>();
            PolicyDnsAnswer txt = await _dns.QueryPolicyAsync("_mta-sts." + domain, PolicyRecordType.Txt,
                cancellationToken).ConfigureAwait(false);
            MtaStsPolicy Result(MailCheckStatus status, string? record = null, string? id = null, string? mode = null,
                string[]? mx = null, TimeSpan? maxAge = null, string? text = null, string[]? matched = null,
                string[]? unmatched = null, X509Certificate2? certificate = null) =>
                new MtaStsPolicy(domain, record, id, url, mode, mx ?? Array.Empty<string>(), maxAge, text,
                    matched ?? Array.Empty<string>(), unmatched ?? Array.Empty<string>(), certificate, status,
                    problems.ToArray());

            if (txt.IsError)
            {
                problems.Add($"The _mta-sts.{domain} lookup failed: {txt.Describe()}.");
                return Result(MailCheckStatus.Fail);
            }
            var records = txt.OfType().Select(r => r.Text)
                .Where(t => t.StartsWith("v=STSv1", StringComparison.Ordinal)).ToList();
            if (records.Count == 0)
            {
                problems.Add($"No MTA-STS record at _mta-sts.{domain}: senders may deliver without TLS, or to a forged " +
                    "MX, when an attacker strips STARTTLS.");
                return Result(MailCheckStatus.Missing);
            }
            if (records.Count > 1)
            {
                problems.Add($"_mta-sts.{domain} has {records.Count} v=STSv1 records; senders ignore MTA-STS unless " +
                    "there is exactly one (RFC 8461 §3.1).");
                return Result(MailCheckStatus.Fail, records[0]);
            }
            string record = records[0];
            string? id = record.Split(';').Select(p => p.Trim()).Where(p => p.StartsWith("id=", StringComparison.Ordinal))
                .Select(p => p.Substring(3)).FirstOrDefault();
            if (id == null || id.Length == 0 || id.Length > 32 || !id.All(SpfAlnum))
            {
                problems.Add($"The record '{record}' needs id= of 1 to 32 letters and digits (RFC 8461 §3.1).");
                return Result(MailCheckStatus.Fail, record, id);
            }

            IPEndPoint? endPoint = _options.PolicyEndPoint;
            if (endPoint == null)
            {
                endPoint = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
                if (endPoint == null)
                {
                    problems.Add($"{host} has no address, so the policy at {url} cannot be fetched; senders ignore the TXT record.");
                    return Result(MailCheckStatus.Fail, record, id);
                }
            }
            HttpsFetch fetch = await HttpsPolicyClient.GetAsync(host, "/.well-known/mta-sts.txt", endPoint,
                _options.ExtraRoots, _options.Timeout, cancellationToken).ConfigureAwait(false);
            if (fetch.Error != null)
            {
                problems.Add($"The policy at {url} cannot be had: {fetch.Error} Senders then act as if there were no policy.");
                return Result(MailCheckStatus.Fail, record, id, certificate: fetch.Certificate);
            }
            if (fetch.Status >= 300 && fetch.Status < 400)
            {
                problems.Add($"{url} answers {fetch.Status} (redirect to {fetch.Location}); senders must not follow " +
                    "redirects (RFC 8461 §3.3), so they see no policy.");
                return Result(MailCheckStatus.Fail, record, id, certificate: fetch.Certificate);
            }
            if (fetch.Status != 200)
            {
                problems.Add($"{url} answers HTTP {fetch.Status}; senders see no policy.");
                return Result(MailCheckStatus.Fail, record, id, certificate: fetch.Certificate);
            }
            if (fetch.ContentType == null || !fetch.ContentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"The policy is served as {fetch.ContentType ?? "no media type"}, not text/plain (RFC 8461 §3.2).");
            }

            // RFC 8461 §3.2: "key: value" lines; version, mode, max_age and (unless mode is none) mx are required.
            string? version = null, mode = null;
            TimeSpan? maxAge = null;
            var mx = new List<string>();
            foreach (string raw in fetch.Body!.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int colon = line.IndexOf(':');
                if (colon <= 0) continue;
                string key = line.Substring(0, colon).Trim();
                string value = line.Substring(colon + 1).Trim();
                switch (key)
                {
                    case "version": version = value; break;
                    case "mode": mode = value; break;
                    case "mx": mx.Add(value.ToLowerInvariant()); break;
                    case "max_age":
                        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) &&
                            seconds <= 31557600)
                        {
                            maxAge = TimeSpan.FromSeconds(seconds);
                        }
                        else
                        {
                            problems.Add($"max_age: {value} is not a number of seconds up to 31557600.");
                        }
                        break;
                }
            }
            if (version != "STSv1") problems.Add("The policy lacks 'version: STSv1' as its version.");
            if (mode != "enforce" && mode != "testing" && mode != "none")
            {
                problems.Add($"mode: {mode ?? "(missing)"} is not enforce, testing or none.");
            }
            if (maxAge == null && !problems.Any(p => p.StartsWith("max_age", StringComparison.Ordinal)))
            {
                problems.Add("The policy has no max_age.");
            }
            if (mx.Count == 0 && mode != "none") problems.Add("The policy lists no mx: pattern, so no exchanger matches it.");
            bool broken = problems.Any(p => !p.StartsWith("The policy is served as", StringComparison.Ordinal));

            var matched = new List<string>();
            var unmatched = new List<string>();
            foreach (string exchanger in exchangers)
            {
                if (mx.Any(pattern => CertificateValidation.HostMatches(pattern, exchanger))) matched.Add(exchanger);
                else unmatched.Add(exchanger);
            }
            var warnings = new List<string>();
            if (unmatched.Count > 0 && mode != "none")
            {
                string what = $"The exchanger(s) {string.Join(", ", unmatched)} match no mx: pattern";
                if (mode == "enforce") problems.Add(what + ": senders in enforce mode will not deliver to them.");
                else warnings.Add(what + ": in enforce mode senders would not deliver to them.");
            }
            if (mode == "testing") warnings.Add("mode: testing: senders report failures (TLS-RPT) but still deliver.");
            if (mode == "none") warnings.Add("mode: none: the domain is withdrawing its policy.");
            if (maxAge.HasValue && maxAge.Value < TimeSpan.FromDays(1) && mode == "enforce")
            {
                warnings.Add($"max_age of {maxAge.Value.TotalSeconds:0} s is short: senders forget the policy quickly " +
                    "(a week or more is usual).");
            }
            if (fetch.Certificate != null && !CertificateValidation.Names(fetch.Certificate, host))
            {
                problems.Add($"The policy host's certificate does not name {host}.");
            }
            problems.AddRange(warnings);
            MailCheckStatus status = broken || (unmatched.Count > 0 && mode == "enforce") ? MailCheckStatus.Fail
                : problems.Count > 0 ? MailCheckStatus.Warning
                : MailCheckStatus.Ok;
            return Result(status, record, id, mode, mx.ToArray(), maxAge, fetch.Body, matched.ToArray(),
                unmatched.ToArray(), fetch.Certificate);
        }

        private static bool SpfAlnum(char c) => Spf.SpfRecordParser.IsAsciiLetterOrDigit(c);

        private async Task<IPEndPoint?> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            foreach (PolicyRecordType type in new[] { PolicyRecordType.A, PolicyRecordType.Aaaa })
            {
                PolicyDnsAnswer answer = await _dns.QueryPolicyAsync(host, type, cancellationToken).ConfigureAwait(false);
                PolicyRecord? first = answer.OfType().FirstOrDefault();
                if (first?.Address != null) return new IPEndPoint(first.Address, 443);
            }
            return null;
        }

        internal async Task<TlsReportingPolicy> ReadTlsRptAsync(string domain, CancellationToken cancellationToken)
        {
            string name = "_smtp._tls." + domain;
            PolicyDnsAnswer answer = await _dns.QueryPolicyAsync(name, PolicyRecordType.Txt, cancellationToken)
                .ConfigureAwait(false);
            if (answer.IsError)
            {
                return new TlsReportingPolicy(domain, null, Array.Empty<string>(), MailCheckStatus.Fail,
                    new[] { $"The {name} lookup failed: {answer.Describe()}." });
            }
            var records = answer.OfType().Select(r => r.Text)
                .Where(t => t.StartsWith("v=TLSRPTv1", StringComparison.Ordinal)).ToList();
            if (records.Count == 0)
            {
                return new TlsReportingPolicy(domain, null, Array.Empty<string>(), MailCheckStatus.Missing,
                    new[] { $"No TLS-RPT record at {name}: nobody hears when senders fail to set up TLS to your exchangers." });
            }
            if (records.Count > 1)
            {
                return new TlsReportingPolicy(domain, records[0], Array.Empty<string>(), MailCheckStatus.Fail,
                    new[] { $"{name} has {records.Count} TLS-RPT records; senders ignore them unless there is exactly one (RFC 8460 §3)." });
            }
            string record = records[0];
            string[] uris = record.Split(';').Select(p => p.Trim())
                .Where(p => p.StartsWith("rua=", StringComparison.Ordinal))
                .SelectMany(p => p.Substring(4).Split(',')).Select(u => u.Trim()).Where(u => u.Length > 0).ToArray();
            var problems = new List<string>();
            if (uris.Length == 0) problems.Add("The record has no rua= address for the reports.");
            foreach (string uri in uris)
            {
                if (!uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) &&
                    !uri.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"rua={uri} is neither mailto: nor https: (RFC 8460 §3).");
                }
            }
            return new TlsReportingPolicy(domain, record, uris, problems.Count > 0 ? MailCheckStatus.Fail : MailCheckStatus.Ok,
                problems.ToArray());
        }

        /// <summary>The TLSA records at _port._tcp.host, with the AD bit as the resolver gave it.</summary>
        internal async Task<DaneTlsa> ReadTlsaAsync(string host, int port, CancellationToken cancellationToken)
        {
            string name = $"_{port}._tcp.{host}";
            PolicyDnsAnswer answer = await _dns.QueryPolicyAsync(name, PolicyRecordType.Tlsa, cancellationToken)
                .ConfigureAwait(false);
            if (answer.IsError) return new DaneTlsa(host, name, Array.Empty<string>(), false, false, answer.Describe());
            var records = answer.OfType().Where(r => r.Tlsa != null).ToList();
            string[] texts = records.Select(r => Present(r.Tlsa!)).ToArray();
            // RFC 7672 §3.1.3: SMTP uses DANE-TA(2) and DANE-EE(3) only.
            bool usable = records.Any(r => r.Tlsa!.Usage == 2 || r.Tlsa.Usage == 3);
            return new DaneTlsa(host, name, texts, answer.AuthenticData && records.Count > 0, usable, null,
                records.Select(r => r.Tlsa!).ToArray());
        }

        internal static string Present(TlsaData tlsa) =>
            $"{tlsa.Usage} {tlsa.Selector} {tlsa.MatchingType} {BitConverter.ToString(tlsa.Data).Replace("-", string.Empty).ToLowerInvariant()}";
    }
}
