using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Policy.Spf
{
    /// <summary>
    /// Reads a domain's SPF record without a sending address: what every receiver will trip over (syntax, more than
    /// one record, over 10 lookups, more than 2 void lookups, a missing include) and what weakens it (+all, ?all, ptr).
    /// </summary>
    internal static class SpfRecordAnalyzer
    {
        internal static async Task<SpfRecord> AnalyzeAsync(IPolicyDns dns, string domain,
            CancellationToken cancellationToken)
        {
            var walk = new Walk(dns, cancellationToken);
            Fetched top = await walk.FetchAsync(domain).ConfigureAwait(false);
            if (top.Missing != null)
            {
                return new SpfRecord(domain, null, Array.Empty<string>(), 0, 0, Array.Empty<string>(),
                    top.IsError ? MailCheckStatus.Fail : MailCheckStatus.Missing, new[] { top.Missing });
            }
            if (top.Parsed == null)
            {
                return new SpfRecord(domain, top.Text, Array.Empty<string>(), 0, 0, Array.Empty<string>(),
                    MailCheckStatus.Fail, new[] { top.Problem! });
            }
            walk.Visited.Add(domain);
            await walk.VisitAsync(domain, top.Parsed, 0).ConfigureAwait(false);

            SpfParsedRecord record = top.Parsed;
            var problems = walk.Failures.ToList();
            var warnings = walk.Warnings;
            if (walk.Lookups > SpfEvaluator.MaxDnsLookups)
            {
                problems.Insert(0, $"The record and what it includes need {walk.Lookups} DNS lookups; RFC 7208 " +
                    $"§4.6.4 allows {SpfEvaluator.MaxDnsLookups}, so receivers return permerror for senders matched late or not at all.");
            }
            if (walk.Voids > SpfEvaluator.MaxVoidLookups)
            {
                problems.Insert(0, $"{walk.Voids} of its lookups find nothing (NXDOMAIN or no records); RFC 7208 " +
                    $"§4.6.4 allows {SpfEvaluator.MaxVoidLookups}, so receivers may return permerror.");
            }
            SpfDirective? all = record.Directives.FirstOrDefault(d => d.Mechanism == SpfMechanism.All);
            if (all != null && all.Qualifier == '+')
            {
                problems.Add($"'{all.Text}' authorizes every host on the Internet to send as {domain}: SPF then " +
                    "protects nothing. End the record with -all or ~all.");
            }
            else if (all != null && all.Qualifier == '?')
            {
                warnings.Add($"'{all.Text}' says nothing about other hosts (neutral): receivers treat forged mail " +
                    "from them like mail without SPF. End the record with -all or ~all.");
            }
            else if (all == null && record.Redirect == null)
            {
                warnings.Add("The record has neither 'all' nor redirect=: hosts it does not list get neutral. " +
                    "End it with -all or ~all.");
            }
            if (all != null && record.Directives.IndexOf(all) < record.Directives.Count - 1)
            {
                warnings.Add($"The terms after '{all.Text}' are never evaluated.");
            }
            if (all != null && record.Redirect != null)
            {
                warnings.Add($"redirect={record.Redirect} is ignored because the record has '{all.Text}' (RFC 7208 §6.1).");
            }

            MailCheckStatus status = problems.Count > 0 ? MailCheckStatus.Fail
                : warnings.Count > 0 ? MailCheckStatus.Warning
                : MailCheckStatus.Ok;
            return new SpfRecord(domain, record.Text, record.Terms.ToArray(), walk.Lookups, walk.Voids,
                walk.Includes.ToArray(), status, problems.Concat(warnings).ToArray());
        }

        private sealed class Fetched
        {
            internal string? Text;
            internal SpfParsedRecord? Parsed;
            internal string? Missing;
            internal string? Problem;
            internal bool IsError;
        }

        private sealed class Walk
        {
            private readonly IPolicyDns _dns;
            private readonly CancellationToken _cancel;

            internal Walk(IPolicyDns dns, CancellationToken cancel)
            {
                _dns = dns;
                _cancel = cancel;
            }

            internal int Lookups;
            internal int Voids;
            internal readonly List<string> Includes = new List<string>();
            internal readonly HashSet<string> Visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            internal readonly List<string> Failures = new List<string>();
            internal readonly List<string> Warnings = new List<string>();

            internal async Task<Fetched> FetchAsync(string domain)
            {
                PolicyDnsAnswer answer = await _dns.QueryPolicyAsync(domain, PolicyRecordType.Txt, _cancel)
                    .ConfigureAwait(false);
                if (answer.IsError)
                {
                    return new Fetched
                    {
                        Missing = $"The TXT lookup for {domain} failed: {answer.Describe()}.", IsError = true,
                    };
                }
                if (answer.IsNameError) return new Fetched { Missing = $"{domain} does not exist (NXDOMAIN)." };
                var texts = answer.OfType().Select(r => r.Text).Where(SpfRecordParser.IsSpfRecord).ToList();
                if (texts.Count == 0)
                {
                    return new Fetched { Missing = $"{domain} publishes no SPF record (no TXT record starting with v=spf1)." };
                }
                if (texts.Count > 1)
                {
                    return new Fetched
                    {
                        Text = texts[0],
                        Problem = $"{domain} publishes {texts.Count} SPF records; receivers return permerror " +
                            "unless there is exactly one (RFC 7208 §4.5). Merge them.",
                    };
                }
                SpfParsedRecord? parsed = SpfRecordParser.Parse(texts[0], out string? error);
                return parsed == null
                    ? new Fetched { Text = texts[0], Problem = $"The SPF record of {domain} has a syntax error: {error}" }
                    : new Fetched { Text = texts[0], Parsed = parsed };
            }

            internal async Task VisitAsync(string domain, SpfParsedRecord record, int depth)
            {
                foreach (SpfDirective directive in record.Directives)
                {
                    if (directive.QueriesDns) Lookups++;
                    if (directive.Mechanism == SpfMechanism.Ptr)
                    {
                        Warnings.Add($"'{directive.Text}' ({domain}) uses ptr, which RFC 7208 §5.5 says not to use: " +
                            "slow, unreliable, and some receivers ignore it. List the addresses with ip4/ip6 instead.");
                    }
                    string? target = directive.DomainSpec;
                    bool literal = target == null || target.IndexOf('%') < 0;
                    switch (directive.Mechanism)
                    {
                        case SpfMechanism.Include when literal:
                            await FollowAsync(domain, target!.TrimEnd('.'), "include", depth).ConfigureAwait(false);
                            break;
                        case SpfMechanism.A when literal:
                            await CountVoidAsync(target?.TrimEnd('.') ?? domain, PolicyRecordType.A, directive.Text, domain)
                                .ConfigureAwait(false);
                            break;
                        case SpfMechanism.Mx when literal:
                            await CountVoidAsync(target?.TrimEnd('.') ?? domain, PolicyRecordType.Mx, directive.Text, domain)
                                .ConfigureAwait(false);
                            break;
                        case SpfMechanism.Exists when literal:
                            await CountVoidAsync(target!.TrimEnd('.'), PolicyRecordType.A, directive.Text, domain)
                                .ConfigureAwait(false);
                            break;
                    }
                }
                bool hasAll = record.Directives.Any(d => d.Mechanism == SpfMechanism.All);
                if (record.Redirect != null && !hasAll)
                {
                    Lookups++;
                    if (record.Redirect.IndexOf('%') < 0)
                    {
                        await FollowAsync(domain, record.Redirect.TrimEnd('.'), "redirect", depth).ConfigureAwait(false);
                    }
                }
            }

            private async Task FollowAsync(string from, string target, string how, int depth)
            {
                Includes.Add(target);
                if (!Visited.Add(target))
                {
                    Failures.Add($"{from} reaches {target} again through {how}: the records loop, and receivers " +
                        "return permerror once the lookup limit is hit.");
                    return;
                }
                if (depth > 20) return;
                Fetched fetched = await FetchAsync(target).ConfigureAwait(false);
                if (fetched.Missing != null)
                {
                    Failures.Add($"{from} {(how == "include" ? "includes" : "redirects to")} {target}, which has no " +
                        $"usable SPF record: {fetched.Missing} Receivers return {(fetched.IsError ? "temperror" : "permerror")}.");
                    return;
                }
                if (fetched.Parsed == null)
                {
                    Failures.Add($"{from} {(how == "include" ? "includes" : "redirects to")} {target}: {fetched.Problem}");
                    return;
                }
                await VisitAsync(target, fetched.Parsed, depth + 1).ConfigureAwait(false);
            }

            private async Task CountVoidAsync(string name, PolicyRecordType type, string term, string domain)
            {
                PolicyDnsAnswer answer = await _dns.QueryPolicyAsync(name, type, _cancel).ConfigureAwait(false);
                if (!answer.IsVoid) return;
                Voids++;
                Warnings.Add($"'{term}' ({domain}) finds nothing: {name} has no {PolicyDnsAnswer.TypeName(type)} " +
                    "record (a void lookup).");
            }
        }
    }
}
