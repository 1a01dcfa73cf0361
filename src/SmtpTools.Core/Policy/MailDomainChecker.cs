using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Codes;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Policy.Dkim;
using SmtpTools.Core.Policy.Dmarc;
using SmtpTools.Core.Policy.Spf;
using SmtpTools.Core.Policy.Transport;

namespace SmtpTools.Core.Policy
{
    /// <summary>
    /// Test-MailDomain's engine: every check of a mail domain (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, DANE, BIMI) as
    /// one row each, on one resolver and one cache, with the reason in the language asked for.
    /// </summary>
    internal sealed class MailDomainChecker
    {
        /// <summary>Selectors tried when none is named: the defaults of common signers and providers.</summary>
        internal static readonly string[] CommonSelectors =
            { "default", "selector1", "selector2", "google", "k1", "s1", "s2", "dkim", "mail" };

        private readonly DnsLookup _lookup;
        private readonly MxRouterOptions _mxOptions;
        private readonly DmarcDiscovery _dmarc;
        private readonly TransportPolicyReader _transport;
        private readonly ReplyLanguage _language;

        internal MailDomainChecker(DnsLookup lookup, MxRouterOptions mxOptions, PublicSuffixList? suffixes,
            MtaStsOptions stsOptions, ReplyLanguage language)
        {
            _lookup = lookup;
            _mxOptions = mxOptions;
            _dmarc = new DmarcDiscovery(lookup, suffixes);
            _transport = new TransportPolicyReader(lookup, stsOptions);
            _language = language;
        }

        private string T(string key, params object[] args) => MailDomainTexts.Format(_language, key, args);

        private MailDomainCheck Row(string domain, string check, MailCheckStatus status, string reason, string? record,
            IEnumerable<string>? problems, object? details) =>
            new MailDomainCheck(domain, check, status, reason, ReplyTexts.Tag(_language), record,
                problems?.ToArray() ?? Array.Empty<string>(), details);

        internal async Task<IReadOnlyList<MailDomainCheck>> CheckAsync(string domain, IReadOnlyList<string>? selectors,
            CancellationToken cancellationToken)
        {
            var rows = new List<MailDomainCheck>();
            (MailDomainCheck mxRow, List<string> exchangers) = await CheckMxAsync(domain, cancellationToken).ConfigureAwait(false);
            rows.Add(mxRow);
            rows.Add(await CheckSpfAsync(domain, cancellationToken).ConfigureAwait(false));
            rows.AddRange(await CheckDkimAsync(domain, selectors, cancellationToken).ConfigureAwait(false));
            DmarcPolicy dmarc = await _dmarc.ResolveAsync(domain, cancellationToken).ConfigureAwait(false);
            rows.Add(DmarcRow(domain, dmarc));
            rows.Add(MtaStsRow(domain, await _transport.ReadMtaStsAsync(domain, exchangers, cancellationToken).ConfigureAwait(false)));
            rows.Add(TlsRptRow(domain, await _transport.ReadTlsRptAsync(domain, cancellationToken).ConfigureAwait(false)));
            rows.Add(await CheckDaneAsync(domain, exchangers, cancellationToken).ConfigureAwait(false));
            rows.Add(await CheckBimiAsync(domain, dmarc, cancellationToken).ConfigureAwait(false));
            return rows;
        }

        private async Task<(MailDomainCheck, List<string>)> CheckMxAsync(string domain, CancellationToken cancellationToken)
        {
            var exchangers = new List<string>();
            using var router = new MxRouter(_mxOptions, _lookup);
            try
            {
                MailRoute route = await router.ResolveAsync(domain, cancellationToken).ConfigureAwait(false);
                MailExchanger[] list = route.Exchangers.ToArray();
                if (route.IsNullMx) return (Row(domain, "MX", MailCheckStatus.Warning, T("MX.Null"), "0 .", null, list), exchangers);
                exchangers.AddRange(list.Select(e => e.Host).Distinct(StringComparer.OrdinalIgnoreCase));
                string records = string.Join(", ", list.Select(e => $"{e.Preference} {e.Host}"));
                string[] homeless = list.Where(e => e.HasNoAddress).Select(e => e.Host).ToArray();
                if (homeless.Length > 0)
                {
                    return (Row(domain, "MX", homeless.Length == list.Length ? MailCheckStatus.Fail : MailCheckStatus.Warning,
                        T("MX.NoAddress", string.Join(", ", homeless)), records,
                        list.Where(e => e.AddressError != null).Select(e => $"{e.Host}: {e.AddressError}"), list), exchangers);
                }
                if (list.All(e => e.IsImplicit))
                {
                    return (Row(domain, "MX", MailCheckStatus.Warning, T("MX.Implicit", list[0].Host), null, null, list), exchangers);
                }
                return (Row(domain, "MX", MailCheckStatus.Ok, T("MX.Ok", string.Join(", ", list.Select(e => e.Host))),
                    records, null, list), exchangers);
            }
            catch (DnsResolutionException ex)
            {
                (MailCheckStatus status, string key) = ex.Kind switch
                {
                    DnsFailureKind.NoMailRecords => (MailCheckStatus.Missing, "MX.Missing"),
                    DnsFailureKind.NonExistentDomain => (MailCheckStatus.Missing, "MX.NotFound"),
                    _ => (MailCheckStatus.Fail, "Dns.Failed"),
                };
                return (Row(domain, "MX", status, T(key, ex.Message), null, new[] { ex.Message }, null), exchangers);
            }
        }

        private async Task<MailDomainCheck> CheckSpfAsync(string domain, CancellationToken cancellationToken)
        {
            SpfRecord spf = await SpfRecordAnalyzer.AnalyzeAsync(_lookup, domain, cancellationToken).ConfigureAwait(false);
            string first = spf.Problems.FirstOrDefault() ?? string.Empty;
            string reason = spf.Status switch
            {
                MailCheckStatus.Ok => T("SPF.Ok", spf.DnsLookups),
                MailCheckStatus.Missing => T("SPF.Missing"),
                MailCheckStatus.Warning => T("SPF.Warning", first),
                _ when spf.Terms.Any(t => t == "+all" || t == "all") && spf.Problems.Length == 1 => T("SPF.PlusAll"),
                _ when spf.DnsLookups > SpfEvaluator.MaxDnsLookups => T("SPF.TooManyLookups", spf.DnsLookups),
                _ when first.Contains(" SPF records;") => T("SPF.Several"),
                _ when first.Contains("syntax error") => T("SPF.Syntax"),
                _ when first.Contains("lookup for") => T("Dns.Failed", first),
                _ => T("SPF.Fail", first),
            };
            return Row(domain, "SPF", spf.Status, reason, spf.Record, spf.Problems, spf);
        }

        private async Task<List<MailDomainCheck>> CheckDkimAsync(string domain, IReadOnlyList<string>? selectors,
            CancellationToken cancellationToken)
        {
            bool named = selectors != null && selectors.Count > 0;
            var rows = new List<MailDomainCheck>();
            foreach (string selector in named ? selectors! : CommonSelectors)
            {
                string name = $"{selector}._domainkey.{domain}";
                PolicyDnsAnswer answer = await _lookup.QueryPolicyAsync(name, PolicyRecordType.Txt, cancellationToken)
                    .ConfigureAwait(false);
                if (answer.IsError)
                {
                    rows.Add(Row(domain, "DKIM", MailCheckStatus.Fail, T("Dns.Failed", answer.Describe()), null,
                        new[] { answer.Describe() }, null));
                    continue;
                }
                string? record = answer.OfType().Select(r => r.Text).FirstOrDefault();
                if (record == null)
                {
                    if (named) rows.Add(Row(domain, "DKIM", MailCheckStatus.Missing, T("DKIM.Missing", selector, name), null, null, null));
                    continue;
                }
                rows.Add(DkimRow(domain, selector, name, record));
            }
            if (rows.Count == 0)
            {
                string tried = string.Join(", ", CommonSelectors);
                rows.Add(Row(domain, "DKIM", MailCheckStatus.Warning, T("DKIM.NoneFound", tried), null,
                    new[] { $"DKIM keys cannot be listed from DNS; none was found at {tried} (selector._domainkey.{domain})." },
                    null));
            }
            return rows;
        }

        private MailDomainCheck DkimRow(string domain, string selector, string name, string record)
        {
            Dictionary<string, string>? tags = DkimTags.Parse(record, out string? error);
            if (tags == null || !tags.TryGetValue("p", out string? p))
            {
                string problem = error ?? "the record has no p= (public key).";
                return Row(domain, "DKIM", MailCheckStatus.Fail, T("DKIM.Broken", selector, problem), record,
                    new[] { $"{name}: {problem}" }, null);
            }
            if (DkimTags.StripWhitespace(p).Length == 0)
            {
                return Row(domain, "DKIM", MailCheckStatus.Warning, T("DKIM.Revoked", selector), record,
                    new[] { $"{name} publishes an empty p=: the key is revoked, and signatures made with it fail." }, null);
            }
            string type = tags.TryGetValue("k", out string? k) ? k.ToLowerInvariant() : "rsa";
            int? bits = DkimMimeAdapter.KeySize(record);
            if (bits == null)
            {
                string problem = $"p= is not a valid {type} key.";
                return Row(domain, "DKIM", MailCheckStatus.Fail, T("DKIM.Broken", selector, problem), record,
                    new[] { $"{name}: {problem}" }, null);
            }
            if (type == "rsa" && bits < 2048)
            {
                return Row(domain, "DKIM", bits < 1024 ? MailCheckStatus.Fail : MailCheckStatus.Warning,
                    T("DKIM.Weak", selector, bits), record,
                    new[] { $"{name}: an RSA key of {bits} bits" + (bits < 1024 ? " is ignored by receivers (RFC 8301)." : " is the minimum; 2048 is recommended.") }, null);
            }
            if (tags.TryGetValue("t", out string? flags) && flags.Split(':').Any(f => f.Trim() == "y"))
            {
                return Row(domain, "DKIM", MailCheckStatus.Warning, T("DKIM.Testing", selector), record,
                    new[] { $"{name}: t=y tells verifiers to treat failures as if unsigned." }, null);
            }
            return Row(domain, "DKIM", MailCheckStatus.Ok, T("DKIM.Ok", selector, type, bits), record, null, null);
        }

        private MailDomainCheck DmarcRow(string domain, DmarcPolicy dmarc)
        {
            string first = dmarc.Problems.FirstOrDefault() ?? string.Empty;
            string reason = dmarc.Status switch
            {
                MailCheckStatus.Ok => T("DMARC.Ok", dmarc.AppliedPolicy!, dmarc.PolicyDomain!),
                MailCheckStatus.Missing => T("DMARC.Missing"),
                MailCheckStatus.Warning when dmarc.Policy == "none" => T("DMARC.None"),
                MailCheckStatus.Warning when dmarc.AggregateReportUris.Length == 0 => T("DMARC.NoRua", dmarc.AppliedPolicy!),
                MailCheckStatus.Warning => T("DMARC.Warning", dmarc.AppliedPolicy!, first),
                _ when dmarc.LookupFailed => T("Dns.Failed", first),
                _ => T("DMARC.Fail", first),
            };
            return Row(domain, "DMARC", dmarc.Status, reason, dmarc.Record, dmarc.Problems, dmarc);
        }

        private MailDomainCheck MtaStsRow(string domain, MtaStsPolicy sts)
        {
            string first = sts.Problems.FirstOrDefault() ?? string.Empty;
            string reason = sts.Status switch
            {
                MailCheckStatus.Ok => T("MTA-STS.Ok", sts.Mode!),
                MailCheckStatus.Missing => T("MTA-STS.Missing"),
                _ when sts.ExchangersNotMatched.Length > 0 && sts.Mode != "none" =>
                    T("MTA-STS.Unmatched", string.Join(", ", sts.ExchangersNotMatched)),
                MailCheckStatus.Warning when sts.Mode == "testing" => T("MTA-STS.Testing"),
                MailCheckStatus.Warning => T("MTA-STS.Warning", first),
                _ => T("MTA-STS.Fail", first),
            };
            return Row(domain, "MTA-STS", sts.Status, reason, sts.Record, sts.Problems, sts);
        }

        private MailDomainCheck TlsRptRow(string domain, TlsReportingPolicy rpt)
        {
            string reason = rpt.Status switch
            {
                MailCheckStatus.Ok => T("TLS-RPT.Ok", string.Join(", ", rpt.ReportUris)),
                MailCheckStatus.Missing => T("TLS-RPT.Missing"),
                _ when rpt.Record == null => T("Dns.Failed", rpt.Problems.FirstOrDefault() ?? string.Empty),
                _ => T("TLS-RPT.Fail", rpt.Problems.FirstOrDefault() ?? string.Empty),
            };
            return Row(domain, "TLS-RPT", rpt.Status, reason, rpt.Record, rpt.Problems, rpt);
        }

        private async Task<MailDomainCheck> CheckDaneAsync(string domain, List<string> exchangers,
            CancellationToken cancellationToken)
        {
            var sets = new List<DaneTlsa>();
            foreach (string host in exchangers)
            {
                sets.Add(await _transport.ReadTlsaAsync(host, 25, cancellationToken).ConfigureAwait(false));
            }
            DaneTlsa[] details = sets.ToArray();
            string[] records = sets.SelectMany(s => s.Records.Select(r => $"{s.Name} TLSA {r}")).ToArray();
            DaneTlsa? failed = sets.FirstOrDefault(s => s.Error != null);
            if (failed != null)
            {
                return Row(domain, "DANE", MailCheckStatus.Fail, T("Dns.Failed", failed.Error!), null,
                    new[] { $"{failed.Name}: {failed.Error}" }, details);
            }
            var withRecords = sets.Where(s => s.Records.Length > 0).ToList();
            if (withRecords.Count == 0)
            {
                return Row(domain, "DANE", MailCheckStatus.Missing, T("DANE.Missing"), null,
                    exchangers.Count == 0 ? null : new[] { $"No TLSA record at {string.Join(", ", sets.Select(s => s.Name))}." },
                    details);
            }
            if (!withRecords.Any(s => s.Usable))
            {
                return Row(domain, "DANE", MailCheckStatus.Fail, T("DANE.Unusable"), string.Join("; ", records),
                    new[] { "RFC 7672 §3.1.3: SMTP senders use only DANE-TA (2) and DANE-EE (3) records." }, details);
            }
            if (withRecords.Any(s => !s.Validated))
            {
                return Row(domain, "DANE", MailCheckStatus.Warning, T("DANE.Unvalidated", _lookup.ServerList),
                    string.Join("; ", records),
                    new[] { $"The resolver {_lookup.ServerList} did not set the AD bit on the TLSA answers: either it " +
                        "does not validate DNSSEC, or the zone is not signed. DANE senders use only validated records." },
                    details);
            }
            string[] without = sets.Where(s => s.Records.Length == 0).Select(s => s.Host).ToArray();
            if (without.Length > 0)
            {
                return Row(domain, "DANE", MailCheckStatus.Warning, T("DANE.Partial", string.Join(", ", without)),
                    string.Join("; ", records), null, details);
            }
            return Row(domain, "DANE", MailCheckStatus.Ok, T("DANE.Ok"), string.Join("; ", records), null, details);
        }

        private async Task<MailDomainCheck> CheckBimiAsync(string domain, DmarcPolicy dmarc,
            CancellationToken cancellationToken)
        {
            string name = "default._bimi." + domain;
            PolicyDnsAnswer answer = await _lookup.QueryPolicyAsync(name, PolicyRecordType.Txt, cancellationToken)
                .ConfigureAwait(false);
            if (answer.IsError)
            {
                return Row(domain, "BIMI", MailCheckStatus.Fail, T("Dns.Failed", answer.Describe()), null,
                    new[] { answer.Describe() }, null);
            }
            string? record = answer.OfType().Select(r => r.Text)
                .FirstOrDefault(t => t.StartsWith("v=BIMI1", StringComparison.Ordinal));
            if (record == null) return Row(domain, "BIMI", MailCheckStatus.Missing, T("BIMI.Missing"), null, null, null);
            Dictionary<string, string>? tags = DkimTags.Parse(record, out string? error);
            string? logo = tags != null && tags.TryGetValue("l", out string? l) ? l : null;
            if (tags == null || string.IsNullOrEmpty(logo) || !logo!.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                string problem = error ?? "l= must be the https:// address of an SVG logo.";
                return Row(domain, "BIMI", MailCheckStatus.Fail, T("BIMI.Fail", problem), record, new[] { problem }, null);
            }
            bool enforced = (dmarc.AppliedPolicy == "quarantine" || dmarc.AppliedPolicy == "reject") && dmarc.Percent == 100;
            if (!enforced)
            {
                return Row(domain, "BIMI", MailCheckStatus.Warning, T("BIMI.NoEnforcement"), record,
                    new[] { "BIMI needs DMARC at p=quarantine or p=reject with pct=100 before any logo is shown." }, null);
            }
            return Row(domain, "BIMI", MailCheckStatus.Ok, T("BIMI.Ok", logo), record, null, null);
        }
    }
}
