using System;
using System.Net;

namespace SmtpTools
{
    /// <summary>The results of RFC 7208 check_host() (§2.6).</summary>
    public enum SpfResult
    {
        /// <summary>No SPF record, or no valid domain to check.</summary>
        None,
        /// <summary>The domain owner says nothing about this address.</summary>
        Neutral,
        /// <summary>The address is authorized to send for the domain.</summary>
        Pass,
        /// <summary>The address is not authorized (-).</summary>
        Fail,
        /// <summary>The address is probably not authorized (~).</summary>
        SoftFail,
        /// <summary>A DNS failure that may go away; a receiver tries again later.</summary>
        TempError,
        /// <summary>The record cannot be interpreted (syntax, too many lookups); the owner must fix it.</summary>
        PermError,
    }

    /// <summary>One term evaluated by check_host(), or one record fetched, in order.</summary>
    public sealed class SpfTraceStep
    {
        internal SpfTraceStep(int depth, string domain, string term, string outcome, string? detail, int dnsLookups)
        {
            Depth = depth;
            Domain = domain;
            Term = term;
            Outcome = outcome;
            Detail = detail;
            DnsLookups = dnsLookups;
        }

        /// <summary>0 for the domain checked, 1 inside its include or redirect, and so on.</summary>
        public int Depth { get; }

        /// <summary>The domain whose record holds the term.</summary>
        public string Domain { get; }

        /// <summary>The term as written (or "record" for the record fetched).</summary>
        public string Term { get; }

        /// <summary>match, no match, pass, fail, softfail, neutral, none, temperror, permerror, record.</summary>
        public string Outcome { get; }

        /// <summary>What was looked up or compared, in words.</summary>
        public string? Detail { get; }

        /// <summary>DNS-querying terms counted so far (RFC 7208 §4.6.4 allows 10).</summary>
        public int DnsLookups { get; }

        /// <summary>The step on one line, indented by depth.</summary>
        public override string ToString() =>
            new string(' ', Depth * 2) + $"{Domain}: {Term} -> {Outcome}" + (Detail == null ? "" : $" ({Detail})");
    }

    /// <summary>What a receiver's SPF check (RFC 7208 check_host()) says about one sending address.</summary>
    public sealed class SpfCheckResult
    {
        internal SpfCheckResult(string domain, IPAddress ipAddress, string sender, string? heloName, SpfResult result,
            string reason, string? record, string? decidingTerm, string? decidingDomain, string? explanation,
            int dnsLookups, int voidLookups, SpfTraceStep[] trace)
        {
            Domain = domain;
            IPAddress = ipAddress;
            Sender = sender;
            HeloName = heloName;
            Result = result;
            Reason = reason;
            Record = record;
            DecidingTerm = decidingTerm;
            DecidingDomain = decidingDomain;
            Explanation = explanation;
            DnsLookups = dnsLookups;
            VoidLookups = voidLookups;
            Trace = trace;
        }

        /// <summary>The domain checked (the envelope sender's domain, or the HELO name).</summary>
        public string Domain { get; }

        /// <summary>The connecting client's address.</summary>
        public IPAddress IPAddress { get; }

        /// <summary>The envelope sender (MAIL FROM) used for the macros; postmaster@HELO when it was empty.</summary>
        public string Sender { get; }

        /// <summary>The HELO/EHLO name, when given.</summary>
        public string? HeloName { get; }

        /// <summary>pass, fail, softfail, neutral, none, temperror or permerror.</summary>
        public SpfResult Result { get; }

        /// <summary>Why, in words: the term that decided, or what is wrong with the record or DNS.</summary>
        public string Reason { get; }

        /// <summary>The domain's SPF record, as published.</summary>
        public string? Record { get; }

        /// <summary>The term that decided (for example "-all", "include:_spf.example.net", "redirect=...").</summary>
        public string? DecidingTerm { get; }

        /// <summary>The domain whose record holds <see cref="DecidingTerm"/>.</summary>
        public string? DecidingDomain { get; }

        /// <summary>The exp= text a receiver would quote in its rejection (only on fail).</summary>
        public string? Explanation { get; }

        /// <summary>DNS-querying terms evaluated (include, a, mx, ptr, exists, redirect); more than 10 is a permerror.</summary>
        public int DnsLookups { get; }

        /// <summary>Lookups that found nothing (NXDOMAIN or no records); more than 2 is a permerror.</summary>
        public int VoidLookups { get; }

        /// <summary>Every term evaluated, in order.</summary>
        public SpfTraceStep[] Trace { get; }
    }

    /// <summary>A domain's SPF record as a receiver sees it, and what is wrong or risky in it.</summary>
    public sealed class SpfRecord
    {
        internal SpfRecord(string domain, string? record, string[] terms, int dnsLookups, int voidLookups,
            string[] includes, MailCheckStatus status, string[] problems)
        {
            Domain = domain;
            Record = record;
            Terms = terms;
            DnsLookups = dnsLookups;
            VoidLookups = voidLookups;
            Includes = includes;
            Status = status;
            Problems = problems;
        }

        /// <summary>The domain asked about.</summary>
        public string Domain { get; }

        /// <summary>The v=spf1 record, or null when the domain has none.</summary>
        public string? Record { get; }

        /// <summary>The record's terms, in order.</summary>
        public string[] Terms { get; }

        /// <summary>DNS-querying terms in the record and everything it includes or redirects to (limit 10).</summary>
        public int DnsLookups { get; }

        /// <summary>Of those, the ones that found nothing (limit 2).</summary>
        public int VoidLookups { get; }

        /// <summary>The domains reached through include and redirect, in the order met.</summary>
        public string[] Includes { get; }

        /// <summary>Ok, Warning, Fail (a receiver would get permerror or temperror), or Missing (no record).</summary>
        public MailCheckStatus Status { get; }

        /// <summary>Each problem in words; empty when there is none.</summary>
        public string[] Problems { get; }
    }

    /// <summary>How a mail-domain check came out, for the summary a person reads first.</summary>
    public enum MailCheckStatus
    {
        /// <summary>Present and sound.</summary>
        Ok,
        /// <summary>Present, works, but something is weak or risky.</summary>
        Warning,
        /// <summary>Present but broken: receivers will not honour it.</summary>
        Fail,
        /// <summary>Not published.</summary>
        Missing,
    }
}
