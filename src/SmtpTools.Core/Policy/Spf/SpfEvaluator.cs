using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Policy.Spf
{
    /// <summary>
    /// RFC 7208 check_host(): whether an address may send mail for a domain, evaluated the way a receiver does, with
    /// every term traced. All DNS goes through <see cref="IPolicyDns"/>, so one evaluator shares one run's cache.
    /// </summary>
    internal sealed class SpfEvaluator
    {
        /// <summary>§4.6.4: terms that query DNS, per check.</summary>
        internal const int MaxDnsLookups = 10;

        /// <summary>§4.6.4: lookups that find nothing, per check.</summary>
        internal const int MaxVoidLookups = 2;

        /// <summary>§4.6.4: exchangers an "mx" term may look up; PTR names a "ptr" term may look at.</summary>
        internal const int MaxNamesPerTerm = 10;

        private readonly IPolicyDns _dns;

        internal SpfEvaluator(IPolicyDns dns) => _dns = dns ?? throw new ArgumentNullException(nameof(dns));

        /// <summary>The name the "r" macro gives in explanations (the checking host); "unknown" by default.</summary>
        internal string ReceiverName { get; set; } = "unknown";

        /// <summary>Runs check_host() for <paramref name="address"/>.</summary>
        /// <param name="address">The SMTP client's address.</param>
        /// <param name="domain">The domain to check; the sender's domain (or the HELO name) when null.</param>
        /// <param name="sender">MAIL FROM; empty for a bounce, when postmaster@HELO is used (§2.4).</param>
        /// <param name="helo">The HELO/EHLO name.</param>
        /// <param name="cancellationToken">Stops the DNS queries.</param>
        internal async Task<SpfCheckResult> CheckHostAsync(IPAddress address, string? domain, string? sender,
            string? helo, CancellationToken cancellationToken)
        {
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            helo = string.IsNullOrEmpty(helo) ? null : helo;
            string fullSender = string.IsNullOrEmpty(sender) ? "postmaster@" + (helo ?? domain ?? string.Empty) : sender!;
            int at = fullSender.LastIndexOf('@');
            string local = at < 0 ? "postmaster" : fullSender.Substring(0, at);
            string senderDomain = at < 0 ? fullSender : fullSender.Substring(at + 1);
            // §4.3: a sender without a local-part is treated as postmaster@domain.
            if (local.Length == 0) local = "postmaster";
            string checkedDomain = TrimDot(string.IsNullOrEmpty(domain) ? senderDomain : domain!);

            var run = new Run(address, cancellationToken, new SpfMacroContext
            {
                Sender = local + "@" + senderDomain,
                LocalPart = local,
                SenderDomain = senderDomain,
                Address = address,
                Helo = helo ?? string.Empty,
                Receiver = ReceiverName,
            });
            Outcome outcome = await CheckAsync(run, checkedDomain, 0).ConfigureAwait(false);
            return new SpfCheckResult(checkedDomain, address, run.Context.Sender, helo, outcome.Result,
                outcome.Reason, run.TopRecord, outcome.Term, outcome.TermDomain, outcome.Explanation, run.Lookups,
                run.Voids, run.Trace.ToArray());
        }

        private async Task<Outcome> CheckAsync(Run run, string domain, int depth)
        {
            // §4.3: a malformed or single-label domain gives "none" without any query.
            string? invalid = InvalidDomainReason(domain);
            if (invalid != null)
            {
                run.Step(depth, domain, "record", "none", invalid);
                return new Outcome(SpfResult.None, $"'{domain}' cannot have an SPF record: {invalid}.");
            }
            PolicyDnsAnswer answer = await run.QueryAsync(_dns, domain, PolicyRecordType.Txt).ConfigureAwait(false);
            if (answer.IsError)
            {
                run.Step(depth, domain, "record", "temperror", answer.Describe());
                return new Outcome(SpfResult.TempError,
                    $"The TXT lookup for {domain} failed, so its SPF record is unknown: {answer.Describe()}.");
            }
            if (answer.IsNameError)
            {
                run.Step(depth, domain, "record", "none", "NXDOMAIN");
                return new Outcome(SpfResult.None, $"The domain {domain} does not exist (NXDOMAIN).");
            }
            var records = answer.OfType().Select(r => r.Text).Where(SpfRecordParser.IsSpfRecord).ToList();
            if (records.Count == 0)
            {
                run.Step(depth, domain, "record", "none", "no TXT record starts with v=spf1");
                return new Outcome(SpfResult.None, $"{domain} publishes no SPF record (no TXT record starting with v=spf1).");
            }
            if (depth == 0) run.TopRecord = records[0];
            if (records.Count > 1)
            {
                run.Step(depth, domain, "record", "permerror", $"{records.Count} v=spf1 records");
                return new Outcome(SpfResult.PermError,
                    $"{domain} publishes {records.Count} SPF records; there must be exactly one (RFC 7208 §4.5).");
            }
            SpfParsedRecord? record = SpfRecordParser.Parse(records[0], out string? syntaxError);
            run.Step(depth, domain, "record", record == null ? "permerror" : "record",
                SpfRecordParser.Printable(records[0]));
            if (record == null)
            {
                return new Outcome(SpfResult.PermError, $"The SPF record of {domain} has a syntax error: {syntaxError}",
                    null, domain);
            }

            foreach (SpfDirective directive in record.Directives)
            {
                if (directive.QueriesDns && ++run.Lookups > MaxDnsLookups)
                {
                    run.Step(depth, domain, directive.Text, "permerror", "11th DNS-querying term");
                    return TooManyLookups(directive.Text, domain);
                }
                (bool matched, Outcome? error, string detail) = await EvaluateAsync(run, directive, domain, depth)
                    .ConfigureAwait(false);
                if (error != null)
                {
                    run.Step(depth, domain, directive.Text, ResultName(error.Result), detail);
                    return error;
                }
                run.Step(depth, domain, directive.Text, matched ? "match" : "no match", detail);
                if (!matched) continue;

                SpfResult result = directive.ResultOnMatch;
                string? explanation = result == SpfResult.Fail && record.Exp != null
                    ? await ExplainAsync(run, record.Exp, domain).ConfigureAwait(false)
                    : null;
                return new Outcome(result,
                    $"'{directive.Text}' in the SPF record of {domain} matched {run.Address}{Matched(detail)}, " +
                    $"which gives {ResultName(result)}.",
                    directive.Text, domain, explanation);
            }

            if (record.Redirect != null)
            {
                string term = "redirect=" + record.Redirect;
                if (++run.Lookups > MaxDnsLookups)
                {
                    run.Step(depth, domain, term, "permerror", "11th DNS-querying term");
                    return TooManyLookups(term, domain);
                }
                string target = await ExpandDomainAsync(run, record.Redirect, domain).ConfigureAwait(false);
                run.Step(depth, domain, term, "redirect", target);
                Outcome inner = await CheckAsync(run, target, depth + 1).ConfigureAwait(false);
                if (inner.Result == SpfResult.None)
                {
                    // §6.1: a redirect to a domain without a record is a permerror.
                    return new Outcome(SpfResult.PermError,
                        $"The SPF record of {domain} redirects to {target}, which has no SPF record: {inner.Reason}",
                        term, domain);
                }
                return inner;
            }
            return new Outcome(SpfResult.Neutral,
                $"No term of the SPF record of {domain} matched {run.Address}, and it has no 'all' or redirect=; " +
                "the default is neutral (RFC 7208 §4.7).", null, domain);
        }

        private static Outcome TooManyLookups(string term, string domain) =>
            new Outcome(SpfResult.PermError,
                $"Evaluating '{term}' in the SPF record of {domain} would be the 11th DNS-querying term " +
                "(include, a, mx, ptr, exists, redirect); RFC 7208 §4.6.4 allows 10, so receivers return permerror.",
                term, domain);

        private static string Matched(string detail) => detail.Length == 0 ? string.Empty : $" ({detail})";

        private async Task<(bool Matched, Outcome? Error, string Detail)> EvaluateAsync(Run run,
            SpfDirective directive, string domain, int depth)
        {
            IPAddress ip = run.Address;
            bool v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
            switch (directive.Mechanism)
            {
                case SpfMechanism.All:
                    return (true, null, string.Empty);

                case SpfMechanism.Ip4:
                case SpfMechanism.Ip6:
                {
                    bool family = (directive.Mechanism == SpfMechanism.Ip6) == v6;
                    int prefix = v6 ? directive.Cidr6 : directive.Cidr4;
                    bool inside = family && InPrefix(ip, directive.Network!, prefix);
                    return (inside, null, $"{ip} {(inside ? "is" : "is not")} in {directive.Network}/{prefix}");
                }

                case SpfMechanism.Include:
                {
                    string target = await ExpandDomainAsync(run, directive.DomainSpec!, domain).ConfigureAwait(false);
                    Outcome inner = await CheckAsync(run, target, depth + 1).ConfigureAwait(false);
                    switch (inner.Result)
                    {
                        case SpfResult.Pass:
                            return (true, null, $"{target} gives pass");
                        case SpfResult.TempError:
                            return (false, new Outcome(SpfResult.TempError, inner.Reason, directive.Text, domain),
                                $"{target} gives temperror");
                        case SpfResult.PermError:
                            return (false, new Outcome(SpfResult.PermError, inner.Reason,
                                inner.Term ?? directive.Text, inner.TermDomain ?? domain), $"{target} gives permerror");
                        case SpfResult.None:
                            // §5.2: including a domain without a record is a permerror.
                            return (false, new Outcome(SpfResult.PermError,
                                $"The SPF record of {domain} includes {target}, which has no SPF record: {inner.Reason}",
                                directive.Text, domain), $"{target} has no SPF record");
                        default:
                            return (false, null, $"{target} gives {ResultName(inner.Result)}");
                    }
                }

                case SpfMechanism.A:
                case SpfMechanism.Exists:
                {
                    string target = directive.DomainSpec == null
                        ? domain
                        : await ExpandDomainAsync(run, directive.DomainSpec, domain).ConfigureAwait(false);
                    // §5.7: exists always asks for A, whatever the client's address family.
                    PolicyRecordType type = directive.Mechanism == SpfMechanism.A && v6
                        ? PolicyRecordType.Aaaa
                        : PolicyRecordType.A;
                    PolicyDnsAnswer answer = await run.QueryAsync(_dns, target, type).ConfigureAwait(false);
                    string asked = $"{target} {PolicyDnsAnswer.TypeName(type)}";
                    if (answer.IsError) return (false, DnsError(directive, domain, answer), asked + ": " + answer.Describe());
                    if (answer.IsVoid)
                    {
                        Outcome? tooMany = CountVoid(run, directive, domain, asked);
                        return (false, tooMany, asked + ": nothing found (void lookup)");
                    }
                    if (directive.Mechanism == SpfMechanism.Exists) return (true, null, asked + " exists");
                    int prefix = v6 ? directive.Cidr6 : directive.Cidr4;
                    foreach (PolicyRecord record in answer.OfType())
                    {
                        if (InPrefix(ip, record.Address!, prefix)) return (true, null, $"{asked} = {record.Address}/{prefix}");
                    }
                    return (false, null, $"{asked} = {Addresses(answer)}, /{prefix} does not cover {ip}");
                }

                case SpfMechanism.Mx:
                {
                    string target = directive.DomainSpec == null
                        ? domain
                        : await ExpandDomainAsync(run, directive.DomainSpec, domain).ConfigureAwait(false);
                    PolicyDnsAnswer mx = await run.QueryAsync(_dns, target, PolicyRecordType.Mx).ConfigureAwait(false);
                    string asked = target + " MX";
                    if (mx.IsError) return (false, DnsError(directive, domain, mx), asked + ": " + mx.Describe());
                    if (mx.IsVoid)
                    {
                        return (false, CountVoid(run, directive, domain, asked), asked + ": nothing found (void lookup)");
                    }
                    var hosts = mx.OfType().Select(r => r.Target!).ToList();
                    if (hosts.Count > MaxNamesPerTerm)
                    {
                        return (false, new Outcome(SpfResult.PermError,
                            $"'{directive.Text}' in the SPF record of {domain}: {target} has {hosts.Count} MX records; " +
                            $"an mx term may look up at most {MaxNamesPerTerm} (RFC 7208 §4.6.4).",
                            directive.Text, domain), $"{asked}: {hosts.Count} exchangers");
                    }
                    int prefix = v6 ? directive.Cidr6 : directive.Cidr4;
                    PolicyRecordType type = v6 ? PolicyRecordType.Aaaa : PolicyRecordType.A;
                    foreach (string host in hosts)
                    {
                        PolicyDnsAnswer addresses = await run.QueryAsync(_dns, host, type).ConfigureAwait(false);
                        if (addresses.IsError)
                        {
                            return (false, DnsError(directive, domain, addresses), $"{host}: {addresses.Describe()}");
                        }
                        foreach (PolicyRecord record in addresses.OfType())
                        {
                            if (InPrefix(ip, record.Address!, prefix))
                            {
                                return (true, null, $"exchanger {host} = {record.Address}/{prefix}");
                            }
                        }
                    }
                    return (false, null, $"no address of {string.Join(", ", hosts)} covers {ip} at /{prefix}");
                }

                default: // Ptr
                {
                    string target = directive.DomainSpec == null
                        ? domain
                        : await ExpandDomainAsync(run, directive.DomainSpec, domain).ConfigureAwait(false);
                    (List<string> names, bool voidPtr) = await ValidatedNamesAsync(run).ConfigureAwait(false);
                    if (voidPtr)
                    {
                        Outcome? tooMany = CountVoid(run, directive, domain, "PTR of " + ip);
                        if (tooMany != null) return (false, tooMany, "no PTR record");
                    }
                    foreach (string name in names)
                    {
                        if (IsSameOrSubdomain(name, target)) return (true, null, $"{ip} is {name} (validated)");
                    }
                    return (false, null, names.Count == 0
                        ? $"{ip} has no validated name"
                        : $"validated names {string.Join(", ", names)} are not in {target}");
                }
            }
        }

        private static Outcome? CountVoid(Run run, SpfDirective directive, string domain, string asked)
        {
            if (++run.Voids <= MaxVoidLookups) return null;
            return new Outcome(SpfResult.PermError,
                $"'{directive.Text}' in the SPF record of {domain} is the 3rd lookup that found nothing ({asked}); " +
                $"RFC 7208 §4.6.4 allows {MaxVoidLookups}, so receivers return permerror.", directive.Text, domain);
        }

        private static Outcome DnsError(SpfDirective directive, string domain, PolicyDnsAnswer answer) =>
            new Outcome(SpfResult.TempError,
                $"'{directive.Text}' in the SPF record of {domain} needs a DNS answer that did not come: " +
                answer.Describe() + ".", directive.Text, domain);

        private static string Addresses(PolicyDnsAnswer answer) =>
            string.Join(", ", answer.OfType().Select(r => r.Address!.ToString()));

        /// <summary>§5.5: the PTR names of the address whose own A/AAAA records lead back to it (at most 10 tried).</summary>
        private async Task<(List<string> Names, bool Void)> ValidatedNamesAsync(Run run)
        {
            if (run.ValidatedNames != null) return (run.ValidatedNames, false);
            var names = new List<string>();
            string reverse = ReverseName(run.Address);
            PolicyDnsAnswer ptr = await run.QueryAsync(_dns, reverse, PolicyRecordType.Ptr).ConfigureAwait(false);
            // §5.5: a DNS error on the PTR lookup means no match, not an error.
            bool isVoid = ptr.IsVoid;
            PolicyRecordType type = run.Address.AddressFamily == AddressFamily.InterNetworkV6
                ? PolicyRecordType.Aaaa
                : PolicyRecordType.A;
            if (!ptr.IsError)
            {
                foreach (PolicyRecord record in ptr.OfType().Take(MaxNamesPerTerm))
                {
                    PolicyDnsAnswer forward = await run.QueryAsync(_dns, record.Target!, type).ConfigureAwait(false);
                    if (forward.IsError) continue;
                    if (forward.OfType().Any(a => a.Address!.Equals(run.Address))) names.Add(record.Target!);
                }
            }
            run.ValidatedNames = names;
            return (names, isVoid);
        }

        /// <summary>Expands a domain-spec for a query: macros, no trailing dot, at most 253 characters (§7.3).</summary>
        private async Task<string> ExpandDomainAsync(Run run, string spec, string domain)
        {
            SpfMacroContext context = await ContextForAsync(run, spec, domain).ConfigureAwait(false);
            string expanded = TrimDot(SpfMacro.Expand(spec, context));
            // §7.3: a name longer than 253 characters loses labels on the left until it fits.
            while (expanded.Length > 253)
            {
                int dot = expanded.IndexOf('.');
                if (dot < 0) break;
                expanded = expanded.Substring(dot + 1);
            }
            return expanded;
        }

        private async Task<SpfMacroContext> ContextForAsync(Run run, string text, string domain)
        {
            SpfMacroContext context = run.Context;
            context.Domain = domain;
            if (SpfMacro.UsesValidatedName(text))
            {
                (List<string> names, _) = await ValidatedNamesAsync(run).ConfigureAwait(false);
                // §7.3: prefer a validated name that is the domain or inside it.
                context.ValidatedName = names.FirstOrDefault(n => IsSameOrSubdomain(n, domain)) ??
                    names.FirstOrDefault() ?? "unknown";
            }
            return context;
        }

        /// <summary>§6.2: the exp= text, or null when it cannot be had (any error means no explanation).</summary>
        private async Task<string?> ExplainAsync(Run run, string expSpec, string domain)
        {
            string target = await ExpandDomainAsync(run, expSpec, domain).ConfigureAwait(false);
            if (InvalidDomainReason(target) != null) return null;
            PolicyDnsAnswer answer = await run.QueryAsync(_dns, target, PolicyRecordType.Txt).ConfigureAwait(false);
            if (answer.IsError) return null;
            var texts = answer.OfType().Select(r => r.Text).ToList();
            if (texts.Count != 1) return null;
            string text = texts[0];
            if (SpfMacro.Validate(text, true) != null) return null;
            string expanded = SpfMacro.Expand(text, await ContextForAsync(run, text, domain).ConfigureAwait(false));
            foreach (char c in expanded)
            {
                // §6.2: explanation text is US-ASCII.
                if (c > 0x7E || (c < 0x20 && c != '\t')) return null;
            }
            return expanded;
        }

        /// <summary>Null when <paramref name="domain"/> can hold an SPF record (§4.3); otherwise why not.</summary>
        internal static string? InvalidDomainReason(string domain)
        {
            if (domain.Length == 0) return "it is empty";
            if (domain.Length > 253) return "it is longer than 253 characters";
            string[] labels = domain.Split('.');
            if (labels.Length < 2) return "it is not a fully qualified domain name (it has one label)";
            foreach (string label in labels)
            {
                if (label.Length == 0) return "it has an empty label";
                if (label.Length > 63) return "it has a label longer than 63 characters";
            }
            if (domain.StartsWith("[", StringComparison.Ordinal)) return "it is an address literal";
            return null;
        }

        internal static string ReverseName(IPAddress address)
        {
            if (address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                byte[] b = address.GetAddressBytes();
                return $"{b[3]}.{b[2]}.{b[1]}.{b[0]}.in-addr.arpa";
            }
            string nibbles = SpfMacro.DottedAddress(address);
            string[] parts = nibbles.Split('.');
            Array.Reverse(parts);
            return string.Join(".", parts) + ".ip6.arpa";
        }

        internal static bool InPrefix(IPAddress address, IPAddress network, int prefix)
        {
            if (network.IsIPv4MappedToIPv6) network = network.MapToIPv4();
            if (address.AddressFamily != network.AddressFamily) return false;
            byte[] a = address.GetAddressBytes();
            byte[] n = network.GetAddressBytes();
            int whole = prefix / 8;
            for (int i = 0; i < whole; i++) if (a[i] != n[i]) return false;
            int bits = prefix % 8;
            if (bits == 0) return true;
            int mask = 0xFF << (8 - bits) & 0xFF;
            return (a[whole] & mask) == (n[whole] & mask);
        }

        private static bool IsSameOrSubdomain(string name, string domain) =>
            name.Equals(domain, StringComparison.OrdinalIgnoreCase) ||
            name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

        private static string TrimDot(string name) =>
            name.EndsWith(".", StringComparison.Ordinal) ? name.Substring(0, name.Length - 1) : name;

        internal static string ResultName(SpfResult result) => result.ToString().ToLowerInvariant();

        private sealed class Outcome
        {
            internal Outcome(SpfResult result, string reason, string? term = null, string? termDomain = null,
                string? explanation = null)
            {
                Result = result;
                Reason = reason;
                Term = term;
                TermDomain = termDomain;
                Explanation = explanation;
            }

            internal SpfResult Result { get; }
            internal string Reason { get; }
            internal string? Term { get; }
            internal string? TermDomain { get; }
            internal string? Explanation { get; }
        }

        /// <summary>The state of one check_host() run: counters, trace, macro values.</summary>
        private sealed class Run
        {
            internal Run(IPAddress address, CancellationToken cancel, SpfMacroContext context)
            {
                Address = address;
                Cancel = cancel;
                Context = context;
            }

            internal IPAddress Address { get; }
            internal CancellationToken Cancel { get; }
            internal SpfMacroContext Context { get; }
            internal int Lookups;
            internal int Voids;
            internal string? TopRecord;
            internal List<string>? ValidatedNames;
            internal readonly List<SpfTraceStep> Trace = new List<SpfTraceStep>();

            internal Task<PolicyDnsAnswer> QueryAsync(IPolicyDns dns, string name, PolicyRecordType type) =>
                dns.QueryPolicyAsync(name, type, Cancel);

            internal void Step(int depth, string domain, string term, string outcome, string? detail) =>
                Trace.Add(new SpfTraceStep(depth, domain, term, outcome, string.IsNullOrEmpty(detail) ? null : detail,
                    Lookups));
        }
    }
}
