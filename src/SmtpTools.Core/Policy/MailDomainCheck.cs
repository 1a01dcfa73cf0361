namespace SmtpTools
{
    /// <summary>One row of Test-MailDomain: one check of a mail domain, its status and the reason in words.</summary>
    public sealed class MailDomainCheck
    {
        internal MailDomainCheck(string domain, string check, MailCheckStatus status, string reason, string language,
            string? record, string[] problems, object? details)
        {
            Domain = domain;
            Check = check;
            Status = status;
            Reason = reason;
            Language = language;
            Record = record;
            Problems = problems;
            Details = details;
        }

        /// <summary>The mail domain.</summary>
        public string Domain { get; }

        /// <summary>MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, DANE or BIMI.</summary>
        public string Check { get; }

        /// <summary>Ok, Warning, Fail or Missing.</summary>
        public MailCheckStatus Status { get; }

        /// <summary>The finding in one sentence, in <see cref="Language"/>.</summary>
        public string Reason { get; }

        /// <summary>en or zh-CN.</summary>
        public string Language { get; }

        /// <summary>The DNS record (or policy) the check read, when there is one.</summary>
        public string? Record { get; }

        /// <summary>Every problem found, in English, in detail.</summary>
        public string[] Problems { get; }

        /// <summary>The full result of the check: MailExchanger[], SpfRecord, DmarcPolicy, MtaStsPolicy, …</summary>
        public object? Details { get; }
    }
}
