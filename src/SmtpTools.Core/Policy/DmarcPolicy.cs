using System;

namespace SmtpTools
{
    /// <summary>A domain's DMARC policy as a receiver finds it (RFC 7489, DMARCbis), with its mistakes in words.</summary>
    public sealed class DmarcPolicy
    {
        internal DmarcPolicy(string domain, string? policyDomain, string organizationalDomain, string? record,
            string? policy, string? subdomainPolicy, string? nonExistentSubdomainPolicy, string? appliedPolicy,
            int percent, string dkimAlignment, string spfAlignment, string[] aggregateReportUris,
            string[] failureReportUris, string? failureOptions, bool testing, string? publicSuffixDomain,
            string discovery, string[] queried, MailCheckStatus status, string[] problems)
        {
            Domain = domain;
            PolicyDomain = policyDomain;
            OrganizationalDomain = organizationalDomain;
            Record = record;
            Policy = policy;
            SubdomainPolicy = subdomainPolicy;
            NonExistentSubdomainPolicy = nonExistentSubdomainPolicy;
            AppliedPolicy = appliedPolicy;
            Percent = percent;
            DkimAlignment = dkimAlignment;
            SpfAlignment = spfAlignment;
            AggregateReportUris = aggregateReportUris;
            FailureReportUris = failureReportUris;
            FailureOptions = failureOptions;
            Testing = testing;
            PublicSuffixDomain = publicSuffixDomain;
            Discovery = discovery;
            Queried = queried;
            Status = status;
            Problems = problems;
        }

        /// <summary>The domain asked about (a From: domain).</summary>
        public string Domain { get; }

        /// <summary>Where the record was found: the domain itself, or a parent (its organizational domain).</summary>
        public string? PolicyDomain { get; }

        /// <summary>The organizational domain used for relaxed alignment.</summary>
        public string OrganizationalDomain { get; }

        /// <summary>The DMARC record as published.</summary>
        public string? Record { get; }

        /// <summary>p=: none, quarantine or reject.</summary>
        public string? Policy { get; }

        /// <summary>sp=: the policy for subdomains, when given.</summary>
        public string? SubdomainPolicy { get; }

        /// <summary>np=: the policy for subdomains that do not exist (DMARCbis), when given.</summary>
        public string? NonExistentSubdomainPolicy { get; }

        /// <summary>The policy a receiver applies to mail from <see cref="Domain"/> that fails DMARC.</summary>
        public string? AppliedPolicy { get; }

        /// <summary>pct=: the share of failing mail the policy applies to (RFC 7489; DMARCbis drops it).</summary>
        public int Percent { get; }

        /// <summary>adkim=: r (relaxed, the default) or s (strict).</summary>
        public string DkimAlignment { get; }

        /// <summary>aspf=: r (relaxed, the default) or s (strict).</summary>
        public string SpfAlignment { get; }

        /// <summary>rua=: where aggregate reports go.</summary>
        public string[] AggregateReportUris { get; }

        /// <summary>ruf=: where failure reports go.</summary>
        public string[] FailureReportUris { get; }

        /// <summary>fo=: when failure reports are made.</summary>
        public string? FailureOptions { get; }

        /// <summary>t=y (DMARCbis): the domain is testing its policy.</summary>
        public bool Testing { get; }

        /// <summary>psd=: y for a public suffix domain's record, n for an organizational domain's, when given.</summary>
        public string? PublicSuffixDomain { get; }

        /// <summary>How the policy was found: "DMARCbis tree walk", with the RFC 7489 public-suffix result when it differs.</summary>
        public string Discovery { get; }

        /// <summary>The _dmarc names asked, in order.</summary>
        public string[] Queried { get; }

        /// <summary>Ok, Warning (works but weak: p=none, no rua, pct below 100), Fail (receivers ignore it), Missing.</summary>
        public MailCheckStatus Status { get; }

        /// <summary>Each problem in words; empty when there is none.</summary>
        public string[] Problems { get; }

        /// <summary>A DNS failure stopped the discovery (a receiver would defer, not skip DMARC).</summary>
        internal bool LookupFailed { get; set; }
    }

    /// <summary>The DMARC verdict on one message (RFC 7489 §6.6).</summary>
    public enum DmarcResult
    {
        /// <summary>The From: domain publishes no DMARC policy.</summary>
        None,
        /// <summary>SPF or DKIM passed for a domain aligned with the From: domain.</summary>
        Pass,
        /// <summary>Neither passed aligned: the policy applies.</summary>
        Fail,
        /// <summary>A DNS failure kept the policy or a check from being evaluated.</summary>
        TempError,
        /// <summary>The message has no usable From: domain, or the policy record is unusable.</summary>
        PermError,
    }

    /// <summary>Whether a message passes DMARC: SPF on the envelope, DKIM on the signatures, both against From:.</summary>
    public sealed class DmarcAlignmentResult
    {
        internal DmarcAlignmentResult(string? source, string? fromDomain, DmarcPolicy? policy, DmarcResult result,
            string? disposition, string reason, string? mailFromDomain, SpfResult? spfResult, bool spfAligned,
            DkimSignatureResult[] dkim, string? alignedDkimDomain)
        {
            Source = source;
            FromDomain = fromDomain;
            Policy = policy;
            Result = result;
            Disposition = disposition;
            Reason = reason;
            MailFromDomain = mailFromDomain;
            SpfResult = spfResult;
            SpfAligned = spfAligned;
            Dkim = dkim;
            AlignedDkimDomain = alignedDkimDomain;
        }

        /// <summary>The file the message came from, when it came from one.</summary>
        public string? Source { get; }

        /// <summary>The RFC 5322 From: domain DMARC protects.</summary>
        public string? FromDomain { get; }

        /// <summary>The From: domain's policy.</summary>
        public DmarcPolicy? Policy { get; }

        /// <summary>Pass, Fail, None (no policy), TempError or PermError.</summary>
        public DmarcResult Result { get; }

        /// <summary>What a receiver does with it: none, quarantine or reject (null when DMARC passes or has no policy).</summary>
        public string? Disposition { get; }

        /// <summary>Why, in words.</summary>
        public string Reason { get; }

        /// <summary>The envelope sender's domain SPF was checked on (MAIL FROM, or HELO for a bounce).</summary>
        public string? MailFromDomain { get; }

        /// <summary>The SPF result for that domain; null when no client address was given.</summary>
        public SpfResult? SpfResult { get; }

        /// <summary>SPF passed for a domain aligned with From:.</summary>
        public bool SpfAligned { get; }

        /// <summary>Every DKIM signature's result.</summary>
        public DkimSignatureResult[] Dkim { get; }

        /// <summary>The d= of the first passing signature aligned with From:, or null.</summary>
        public string? AlignedDkimDomain { get; }

        /// <summary>True when some passing DKIM signature is aligned with From:.</summary>
        public bool DkimAligned => AlignedDkimDomain != null;
    }
}
