using System;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools
{
    /// <summary>A domain's MTA-STS policy (RFC 8461): the _mta-sts TXT record and the policy fetched over HTTPS.</summary>
    public sealed class MtaStsPolicy
    {
        internal MtaStsPolicy(string domain, string? record, string? id, string policyUrl, string? mode, string[] mx,
            TimeSpan? maxAge, string? policyText, string[] exchangersMatched, string[] exchangersNotMatched,
            X509Certificate2? certificate, MailCheckStatus status, string[] problems)
        {
            Domain = domain;
            Record = record;
            Id = id;
            PolicyUrl = policyUrl;
            Mode = mode;
            Mx = mx;
            MaxAge = maxAge;
            PolicyText = policyText;
            ExchangersMatched = exchangersMatched;
            ExchangersNotMatched = exchangersNotMatched;
            Certificate = certificate;
            Status = status;
            Problems = problems;
        }

        /// <summary>The mail domain.</summary>
        public string Domain { get; }

        /// <summary>The _mta-sts TXT record (v=STSv1; id=...), or null.</summary>
        public string? Record { get; }

        /// <summary>The policy id from the TXT record; senders refetch when it changes.</summary>
        public string? Id { get; }

        /// <summary>https://mta-sts.domain/.well-known/mta-sts.txt</summary>
        public string PolicyUrl { get; }

        /// <summary>enforce, testing or none.</summary>
        public string? Mode { get; }

        /// <summary>The mx: patterns of the policy.</summary>
        public string[] Mx { get; }

        /// <summary>How long senders cache the policy.</summary>
        public TimeSpan? MaxAge { get; }

        /// <summary>The policy as fetched.</summary>
        public string? PolicyText { get; }

        /// <summary>The domain's exchangers that a pattern matches.</summary>
        public string[] ExchangersMatched { get; }

        /// <summary>The domain's exchangers no pattern matches: senders in enforce mode will not deliver to them.</summary>
        public string[] ExchangersNotMatched { get; }

        /// <summary>The certificate the policy host presented.</summary>
        public X509Certificate2? Certificate { get; }

        /// <summary>Ok, Warning (testing mode, short max_age), Fail (unusable), Missing (no TXT record).</summary>
        public MailCheckStatus Status { get; }

        /// <summary>Each problem in words.</summary>
        public string[] Problems { get; }
    }

    /// <summary>A domain's SMTP TLS reporting policy (RFC 8460, _smtp._tls TXT).</summary>
    public sealed class TlsReportingPolicy
    {
        internal TlsReportingPolicy(string domain, string? record, string[] reportUris, MailCheckStatus status,
            string[] problems)
        {
            Domain = domain;
            Record = record;
            ReportUris = reportUris;
            Status = status;
            Problems = problems;
        }

        /// <summary>The mail domain.</summary>
        public string Domain { get; }

        /// <summary>The v=TLSRPTv1 record, or null.</summary>
        public string? Record { get; }

        /// <summary>Where reports go (mailto: or https:).</summary>
        public string[] ReportUris { get; }

        /// <summary>Ok, Fail (malformed), Missing.</summary>
        public MailCheckStatus Status { get; }

        /// <summary>Each problem in words.</summary>
        public string[] Problems { get; }
    }

    /// <summary>The TLSA records of one exchanger (RFC 7672), and whether DNSSEC vouched for them.</summary>
    public sealed class DaneTlsa
    {
        internal DaneTlsa(string host, string name, string[] records, bool validated, bool usable, string? error,
            Core.Policy.TlsaData[]? raw = null)
        {
            Raw = raw ?? Array.Empty<Core.Policy.TlsaData>();
            Host = host;
            Name = name;
            Records = records;
            Validated = validated;
            Usable = usable;
            Error = error;
        }

        /// <summary>The exchanger.</summary>
        public string Host { get; }

        /// <summary>_25._tcp.host</summary>
        public string Name { get; }

        /// <summary>The records as "usage selector matching-type data".</summary>
        public string[] Records { get; }

        /// <summary>
        /// True only when the resolver set the AD bit: it validated the answer with DNSSEC. An answer without it is
        /// unvalidated, and RFC 7672 senders must not use it.
        /// </summary>
        public bool Validated { get; }

        /// <summary>Some record has usage DANE-TA (2) or DANE-EE (3), the ones SMTP uses (RFC 7672 §3.1.3).</summary>
        public bool Usable { get; }

        /// <summary>The DNS failure, when the lookup failed.</summary>
        public string? Error { get; }

        internal Core.Policy.TlsaData[] Raw { get; }
    }

    /// <summary>
    /// Whether the certificate an exchanger presented satisfies the domain's MTA-STS policy and its TLSA records: what
    /// an RFC 8461 / RFC 7672 sender decides before it hands over the message.
    /// </summary>
    public sealed class TlsPolicyVerdict
    {
        internal TlsPolicyVerdict(string host, string? mtaStsMode, bool? mtaStsSatisfied, bool daneValidated,
            bool? daneSatisfied, bool required, bool satisfied, string reason)
        {
            Host = host;
            MtaStsMode = mtaStsMode;
            MtaStsSatisfied = mtaStsSatisfied;
            DaneValidated = daneValidated;
            DaneSatisfied = daneSatisfied;
            Required = required;
            Satisfied = satisfied;
            Reason = reason;
        }

        /// <summary>The exchanger connected to.</summary>
        public string Host { get; }

        /// <summary>The domain's MTA-STS mode, or null without a policy.</summary>
        public string? MtaStsMode { get; }

        /// <summary>Whether the host and certificate meet the MTA-STS policy; null without one.</summary>
        public bool? MtaStsSatisfied { get; }

        /// <summary>The TLSA records were DNSSEC-validated (AD bit).</summary>
        public bool DaneValidated { get; }

        /// <summary>Whether the certificate matches a usable TLSA record; null without records.</summary>
        public bool? DaneSatisfied { get; }

        /// <summary>A policy requires authenticated TLS here: MTA-STS enforce, or a validated usable TLSA set.</summary>
        public bool Required { get; }

        /// <summary>Every policy that applies is met (true when none applies).</summary>
        public bool Satisfied { get; }

        /// <summary>Why, in words.</summary>
        public string Reason { get; }
    }
}
