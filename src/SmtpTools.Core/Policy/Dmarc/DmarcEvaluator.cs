using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Policy.Dkim;
using SmtpTools.Core.Policy.Spf;

namespace SmtpTools.Core.Policy.Dmarc
{
    /// <summary>
    /// RFC 7489 §4.2 and §6.6 on one message: SPF on the envelope domain and DKIM on each signature, each aligned
    /// (strictly or relaxed) with the From: domain, joined into the DMARC verdict and what the policy makes of it.
    /// </summary>
    internal sealed class DmarcEvaluator
    {
        private readonly IPolicyDns _dns;
        private readonly DmarcDiscovery _discovery;

        internal DmarcEvaluator(IPolicyDns dns, PublicSuffixList? suffixes)
        {
            _dns = dns;
            _discovery = new DmarcDiscovery(dns, suffixes);
        }

        internal DmarcDiscovery Discovery => _discovery;

        /// <param name="message">The message bytes.</param>
        /// <param name="source">The file, for the result.</param>
        /// <param name="address">The client that sent it to you (for SPF); null to leave SPF out.</param>
        /// <param name="mailFrom">MAIL FROM; the message's Return-Path when null.</param>
        /// <param name="helo">HELO name, for SPF on a bounce (empty MAIL FROM).</param>
        /// <param name="now">Clock for DKIM expiry.</param>
        /// <param name="cancellationToken">Stops the DNS queries.</param>
        internal async Task<DmarcAlignmentResult> EvaluateAsync(byte[] message, string? source, IPAddress? address,
            string? mailFrom, string? helo, DateTimeOffset now, CancellationToken cancellationToken)
        {
            RawMessage raw = RawMessage.Parse(message);
            IReadOnlyList<DkimSignatureResult> dkim = await DkimVerification.VerifyAsync(message, source, _dns, now,
                cancellationToken).ConfigureAwait(false);
            DkimSignatureResult[] signatures = dkim.Where(d => d.Result != DkimResult.None).ToArray();

            // RFC 7489 §6.6.1: exactly one From: with one domain.
            List<string> froms = raw.Values("From").ToList();
            var domains = froms.SelectMany(AddressDomains).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (froms.Count != 1 || domains.Count != 1)
            {
                string why = froms.Count == 0 ? "The message has no From: header."
                    : froms.Count > 1 ? $"The message has {froms.Count} From: headers."
                    : domains.Count == 0 ? $"The From: header '{froms[0]}' has no address with a domain."
                    : $"The From: header names {domains.Count} domains ({string.Join(", ", domains)}).";
                return new DmarcAlignmentResult(source, domains.FirstOrDefault(), null, DmarcResult.PermError, null,
                    why + " DMARC needs exactly one From: domain (RFC 7489 §6.6.1); receivers usually reject such mail.",
                    null, null, false, signatures, null);
            }
            string fromDomain = domains[0];
            DmarcPolicy policy = await _discovery.ResolveAsync(fromDomain, cancellationToken).ConfigureAwait(false);
            string fromOrg = policy.OrganizationalDomain;

            // SPF: the envelope sender's domain, or the HELO name for a bounce (RFC 7208 §2.4).
            string? envelope = mailFrom ?? raw.Values("Return-Path").FirstOrDefault();
            envelope = envelope?.Trim().Trim('<', '>').Trim();
            string? mailFromDomain = string.IsNullOrEmpty(envelope)
                ? helo
                : envelope!.Substring(envelope.LastIndexOf('@') + 1).ToLowerInvariant();
            SpfCheckResult? spf = null;
            bool spfAligned = false;
            if (address != null && !string.IsNullOrEmpty(mailFromDomain))
            {
                spf = await new SpfEvaluator(_dns).CheckHostAsync(address, mailFromDomain, envelope, helo,
                    cancellationToken).ConfigureAwait(false);
                spfAligned = spf.Result == SpfResult.Pass &&
                    await AlignedAsync(mailFromDomain!, fromDomain, fromOrg, policy.SpfAlignment, cancellationToken)
                        .ConfigureAwait(false);
            }

            DkimSignatureResult? alignedDkim = null;
            bool dkimTempError = false;
            foreach (DkimSignatureResult signature in signatures)
            {
                if (signature.Domain == null) continue;
                bool aligned = await AlignedAsync(signature.Domain, fromDomain, fromOrg, policy.DkimAlignment,
                    cancellationToken).ConfigureAwait(false);
                if (!aligned) continue;
                if (signature.Result == DkimResult.Pass)
                {
                    alignedDkim = signature;
                    break;
                }
                if (signature.Result == DkimResult.TempError) dkimTempError = true;
            }

            string spfText = Describe(spf, spfAligned, mailFromDomain, fromDomain, policy.SpfAlignment, address);
            string dkimText = DescribeDkim(signatures, alignedDkim, fromDomain);
            if (policy.PolicyDomain == null)
            {
                DmarcResult none = policy.LookupFailed ? DmarcResult.TempError : DmarcResult.None;
                return new DmarcAlignmentResult(source, fromDomain, policy, none, null,
                    $"{policy.Problems[0]} {spfText} {dkimText}", mailFromDomain, spf?.Result, spfAligned, signatures,
                    null);
            }
            if (spfAligned || alignedDkim != null)
            {
                string how = alignedDkim != null && spfAligned ? "both SPF and DKIM pass aligned"
                    : alignedDkim != null ? "DKIM passes aligned" : "SPF passes aligned";
                return new DmarcAlignmentResult(source, fromDomain, policy, DmarcResult.Pass, null,
                    $"DMARC passes for {fromDomain}: {how}. {spfText} {dkimText}", mailFromDomain, spf?.Result,
                    spfAligned, signatures, alignedDkim?.Domain);
            }
            if (dkimTempError || spf?.Result == SpfResult.TempError)
            {
                return new DmarcAlignmentResult(source, fromDomain, policy, DmarcResult.TempError, null,
                    $"DMARC cannot be decided for {fromDomain} now: a DNS lookup failed. {spfText} {dkimText}",
                    mailFromDomain, spf?.Result, spfAligned, signatures, null);
            }
            string disposition = policy.AppliedPolicy ?? "none";
            string effect = disposition switch
            {
                "reject" => "receivers reject the message (Gmail: 550 5.7.26)",
                "quarantine" => "receivers put the message in spam",
                _ => "receivers deliver it anyway (monitoring only) and report it",
            };
            if (policy.Percent < 100 && disposition != "none") effect += $", for {policy.Percent}% of such mail";
            return new DmarcAlignmentResult(source, fromDomain, policy, DmarcResult.Fail, disposition,
                $"DMARC fails for {fromDomain}: neither SPF nor DKIM passes for a domain aligned with it. {spfText} " +
                $"{dkimText} The policy of {policy.PolicyDomain} is {disposition}: {effect}.",
                mailFromDomain, spf?.Result, spfAligned, signatures, null);
        }

        private async Task<bool> AlignedAsync(string domain, string fromDomain, string fromOrg, string mode,
            CancellationToken cancellationToken)
        {
            domain = domain.TrimEnd('.').ToLowerInvariant();
            if (domain == fromDomain) return true;
            if (mode == "s") return false;
            // RFC 7489 §3.1: relaxed means the same organizational domain.
            string org = await _discovery.OrganizationalDomainAsync(domain, cancellationToken).ConfigureAwait(false);
            return org == fromOrg;
        }

        private static string Describe(SpfCheckResult? spf, bool aligned, string? domain, string fromDomain,
            string mode, IPAddress? address)
        {
            if (address == null) return "SPF was not checked (give -IPAddress, the client that sent it to you).";
            if (spf == null) return "SPF was not checked: no envelope sender (give -MailFrom or -HeloName).";
            string result = SpfEvaluator.ResultName(spf.Result);
            if (spf.Result != SpfResult.Pass) return $"SPF for {domain} from {address} gives {result}.";
            return aligned
                ? $"SPF passes for {domain}, aligned with {fromDomain}."
                : $"SPF passes for {domain}, but {domain} is not aligned with {fromDomain} " +
                  (mode == "s" ? "(aspf=s needs the same domain)." : "(another organizational domain).");
        }

        private static string DescribeDkim(DkimSignatureResult[] signatures, DkimSignatureResult? aligned,
            string fromDomain)
        {
            if (signatures.Length == 0) return "The message has no DKIM signature.";
            if (aligned != null) return $"The DKIM signature of {aligned.Domain} (selector {aligned.Selector}) passes, aligned with {fromDomain}.";
            var parts = signatures.Select(s => s.Result == DkimResult.Pass
                ? $"{s.Domain} passes but is not aligned with {fromDomain}"
                : $"{s.Domain} gives {s.Result.ToString().ToLowerInvariant()}");
            return "DKIM: " + string.Join("; ", parts) + ".";
        }

        /// <summary>The domains of the addresses in a From: value ("Name &lt;a@b&gt;, c@d").</summary>
        internal static IEnumerable<string> AddressDomains(string value)
        {
            // Quoted display names may hold commas and '@': drop them first.
            var text = new System.Text.StringBuilder(value.Length);
            bool quoted = false;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == '\\' && quoted && i + 1 < value.Length) { i++; continue; }
                if (c == '"') { quoted = !quoted; continue; }
                if (!quoted) text.Append(c);
            }
            foreach (string part in text.ToString().Split(','))
            {
                string address = part;
                int open = address.IndexOf('<');
                int close = address.IndexOf('>', open + 1);
                if (open >= 0 && close > open) address = address.Substring(open + 1, close - open - 1);
                int paren = address.IndexOf('(');
                if (paren >= 0) address = address.Substring(0, paren);
                int at = address.LastIndexOf('@');
                if (at < 0) continue;
                string domain = address.Substring(at + 1).Trim().TrimEnd('.').ToLowerInvariant();
                if (domain.Length > 0) yield return domain;
            }
        }
    }
}
