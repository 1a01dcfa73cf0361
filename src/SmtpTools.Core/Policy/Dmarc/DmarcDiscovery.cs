using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Policy.Dmarc
{
    /// <summary>
    /// Finds a domain's DMARC policy the way receivers do: the DMARCbis DNS tree walk (no list needed), and, when a
    /// public suffix list is at hand, the RFC 7489 organizational domain as well, saying when the two disagree.
    /// </summary>
    internal sealed class DmarcDiscovery
    {
        // DMARCbis §4.10.1: a walk starts at most 7 labels up, so a long name costs at most 8 queries.
        private const int MaxWalkLabels = 7;

        private readonly IPolicyDns _dns;
        private readonly PublicSuffixList? _suffixes;

        internal DmarcDiscovery(IPolicyDns dns, PublicSuffixList? suffixes)
        {
            _dns = dns;
            _suffixes = suffixes;
        }

        /// <summary>The organizational domain, for relaxed alignment of another domain (SPF's, DKIM's d=).</summary>
        internal async Task<string> OrganizationalDomainAsync(string domain, CancellationToken cancellationToken)
        {
            Walk walk = await WalkAsync(domain, cancellationToken).ConfigureAwait(false);
            return walk.OrganizationalDomain;
        }

        internal async Task<DmarcPolicy> ResolveAsync(string domain, CancellationToken cancellationToken)
        {
            domain = domain.TrimEnd('.').ToLowerInvariant();
            Walk walk = await WalkAsync(domain, cancellationToken).ConfigureAwait(false);
            string discovery = "DMARCbis tree walk";
            var problems = new List<string>();
            var warnings = new List<string>();
            if (_suffixes != null)
            {
                string legacy = _suffixes.OrganizationalDomain(domain);
                discovery += legacy == walk.OrganizationalDomain
                    ? "; RFC 7489 (public suffix list) finds the same organizational domain"
                    : $"; RFC 7489 (public suffix list) finds the organizational domain {legacy}";
                if (legacy != walk.OrganizationalDomain)
                {
                    warnings.Add($"Receivers still on RFC 7489 take {legacy} as the organizational domain, while the " +
                        $"DMARCbis tree walk finds {walk.OrganizationalDomain}: they may apply different policies.");
                }
            }

            if (walk.Error != null)
            {
                DmarcPolicy failed = Missing(domain, walk, discovery, MailCheckStatus.Fail, walk.Error);
                failed.LookupFailed = true;
                return failed;
            }
            if (walk.PolicyDomain == null)
            {
                string why = walk.Duplicate ??
                    $"No DMARC record at _dmarc.{domain}" +
                    (walk.OrganizationalDomain != domain ? $" nor at its organizational domain {walk.OrganizationalDomain}" : string.Empty) +
                    ": receivers apply no policy, and Gmail, Yahoo and Microsoft require one from bulk senders.";
                return Missing(domain, walk, discovery, walk.Duplicate != null ? MailCheckStatus.Fail : MailCheckStatus.Missing, why);
            }

            DmarcRecord record = walk.Record!;
            problems.AddRange(record.Errors);
            warnings.AddRange(record.Warnings);
            string? applied = record.Policy ?? "none";
            if (walk.PolicyDomain != domain)
            {
                applied = record.SubdomainPolicy ?? record.Policy ?? "none";
                if (record.NonExistentPolicy != null)
                {
                    PolicyDnsAnswer exists = await _dns.QueryPolicyAsync(domain, PolicyRecordType.A, cancellationToken)
                        .ConfigureAwait(false);
                    if (exists.IsNameError) applied = record.NonExistentPolicy;
                }
            }
            if (record.Policy == "none" || (record.Policy == null && record.Errors.Count == 0))
            {
                warnings.Add("p=none only monitors: mail that fails DMARC is still delivered. Once the reports show " +
                    "your own mail aligns, move to p=quarantine, then p=reject.");
            }
            if (walk.PolicyDomain != domain && applied == "none" && record.Policy != "none")
            {
                warnings.Add($"Subdomains such as {domain} get sp=none: they are not protected by p={record.Policy}.");
            }
            if (record.Rua.Length == 0)
            {
                warnings.Add("No rua= address: nobody receives the aggregate reports that show who sends as this domain.");
            }
            if (record.Percent < 100)
            {
                warnings.Add($"pct={record.Percent}: the policy applies to only {record.Percent}% of failing mail " +
                    "(DMARCbis drops pct; use t=y to test instead).");
            }
            if (record.Testing) warnings.Add("t=y: the domain is testing; receivers apply one step less than the policy.");
            await CheckReportDestinationsAsync(walk.PolicyDomain, walk.OrganizationalDomain, record, warnings,
                cancellationToken).ConfigureAwait(false);

            MailCheckStatus status = problems.Count > 0 ? MailCheckStatus.Fail
                : warnings.Count > 0 ? MailCheckStatus.Warning
                : MailCheckStatus.Ok;
            return new DmarcPolicy(domain, walk.PolicyDomain, walk.OrganizationalDomain, record.Text, record.Policy,
                record.SubdomainPolicy, record.NonExistentPolicy, applied, record.Percent, record.Adkim, record.Aspf,
                record.Rua, record.Ruf, record.Fo, record.Testing, record.Psd, discovery, walk.Queried.ToArray(),
                status, problems.Concat(warnings).ToArray());
        }

        private static DmarcPolicy Missing(string domain, Walk walk, string discovery, MailCheckStatus status,
            string problem) =>
            new DmarcPolicy(domain, null, walk.OrganizationalDomain, walk.Duplicate != null ? walk.FirstText : null,
                null, null, null, null, 100, "r", "r", Array.Empty<string>(), Array.Empty<string>(), null, false,
                null, discovery, walk.Queried.ToArray(), status, new[] { problem });

        // RFC 7489 §7.1: a report address in another organizational domain must be authorized by that domain with a
        // record at <policy domain>._report._dmarc.<destination>, or receivers send it nothing.
        private async Task CheckReportDestinationsAsync(string policyDomain, string organizational, DmarcRecord record,
            List<string> warnings, CancellationToken cancellationToken)
        {
            foreach (string uri in record.Rua.Concat(record.Ruf).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                int at = uri.LastIndexOf('@');
                if (!uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) || at < 0) continue;
                string destination = uri.Substring(at + 1);
                int bang = destination.IndexOf('!');
                if (bang >= 0) destination = destination.Substring(0, bang);
                destination = destination.TrimEnd('.').ToLowerInvariant();
                Walk other = await WalkAsync(destination, cancellationToken).ConfigureAwait(false);
                if (other.OrganizationalDomain == organizational) continue;
                string name = $"{policyDomain}._report._dmarc.{destination}";
                PolicyDnsAnswer answer = await _dns.QueryPolicyAsync(name, PolicyRecordType.Txt, cancellationToken)
                    .ConfigureAwait(false);
                if (answer.IsError) continue;
                if (!answer.OfType().Any(r => DmarcRecordParser.IsDmarcRecord(r.Text)))
                {
                    warnings.Add($"Reports to {uri.Substring(7)} go to another domain, which has not authorized them " +
                        $"(no v=DMARC1 record at {name}): receivers will not send them.");
                }
            }
        }

        private async Task<Walk> WalkAsync(string domain, CancellationToken cancellationToken)
        {
            var walk = new Walk();
            string[] labels = domain.Split('.');
            var candidates = new List<string> { domain };
            int start = labels.Length > MaxWalkLabels ? labels.Length - MaxWalkLabels : 1;
            for (int i = start; i < labels.Length; i++) candidates.Add(string.Join(".", labels, i, labels.Length - i));

            string? shortestWithRecord = null;
            foreach (string name in candidates)
            {
                walk.Queried.Add("_dmarc." + name);
                PolicyDnsAnswer answer = await _dns.QueryPolicyAsync("_dmarc." + name, PolicyRecordType.Txt,
                    cancellationToken).ConfigureAwait(false);
                if (answer.IsError)
                {
                    walk.Error ??= $"The DMARC lookup for _dmarc.{name} failed: {answer.Describe()}. Receivers " +
                        "defer or treat the message as if no policy existed.";
                    break;
                }
                List<string> texts = answer.OfType().Select(r => r.Text).Where(DmarcRecordParser.IsDmarcRecord).ToList();
                if (texts.Count > 1)
                {
                    // RFC 7489 §6.6.3: several records mean no policy at that name.
                    if (walk.PolicyDomain == null && walk.Duplicate == null)
                    {
                        walk.FirstText = texts[0];
                        walk.Duplicate = $"_dmarc.{name} has {texts.Count} DMARC records; with more than one, " +
                            "receivers apply no policy (RFC 7489 §6.6.3). Keep one.";
                    }
                    continue;
                }
                if (texts.Count == 0) continue;
                DmarcRecord record = DmarcRecordParser.Parse(texts[0]);
                if (walk.PolicyDomain == null && walk.Duplicate == null)
                {
                    walk.PolicyDomain = name;
                    walk.Record = record;
                }
                // DMARCbis §4.10.2: psd=n marks the organizational domain; psd=y a public suffix just above it.
                if (record.Psd == "n")
                {
                    walk.OrganizationalDomain = name;
                    return walk;
                }
                if (record.Psd == "y")
                {
                    int index = candidates.IndexOf(name);
                    walk.OrganizationalDomain = index > 0 ? candidates[index - 1] : name;
                    return walk;
                }
                shortestWithRecord = name;
            }
            walk.OrganizationalDomain = shortestWithRecord ?? (_suffixes?.OrganizationalDomain(domain) ?? domain);
            return walk;
        }

        private sealed class Walk
        {
            internal string? PolicyDomain;
            internal DmarcRecord? Record;
            internal string OrganizationalDomain = string.Empty;
            internal readonly List<string> Queried = new List<string>();
            internal string? Error;
            internal string? Duplicate;
            internal string? FirstText;
        }
    }
}
