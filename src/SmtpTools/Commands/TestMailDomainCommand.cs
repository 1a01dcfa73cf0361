using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net;
using SmtpTools.Core.Codes;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Policy;
using SmtpTools.Core.Policy.Transport;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Test-MailDomain: the summary a person reads first, one row per check of a mail domain (MX, SPF, DKIM, DMARC,
    /// MTA-STS, TLS-RPT, DANE, BIMI) with Status and the reason in English or Chinese.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "MailDomain")]
    [OutputType(typeof(MailDomainCheck))]
    public sealed class TestMailDomainCommand : PolicyCmdletBase
    {
        private MailDomainChecker? _checker;

        /// <summary>Mail domains or addresses.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "DomainName")]
        [ValidateNotNullOrEmpty]
        public string[] Domain { get; set; } = Array.Empty<string>();

        /// <summary>DKIM selectors to check; common ones are tried when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? DkimSelector { get; set; }

        /// <summary>The language of Reason, en or zh-CN; by default zh-CN for a Chinese UI culture.</summary>
        [Parameter]
        [ValidateSet(ReplyTexts.EnglishTag, ReplyTexts.ChineseTag)]
        public string? Language { get; set; }

        /// <summary>A public_suffix_list.dat for RFC 7489's organizational domain; the system's when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PublicSuffixList { get; set; }

        /// <summary>Fetch the MTA-STS policy from this ip:port instead of mta-sts.domain's address (names unchanged).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MtaStsServer { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Language == null || !ReplyTexts.TryParseLanguage(Language, out ReplyLanguage language))
            {
                language = ReplyTexts.ForCulture(CultureInfo.CurrentUICulture.Name);
            }
            var sts = new MtaStsOptions { Timeout = TimeSpan.FromSeconds(Math.Max(Timeout * 2, 10)) };
            if (MtaStsServer != null)
            {
                try
                {
                    IPEndPoint endPoint = MxRouterOptions.ParseServer(MtaStsServer);
                    // ParseServer defaults to the DNS port; an HTTPS server without a port listens on 443.
                    if (MtaStsServer.IndexOf("]:", StringComparison.Ordinal) < 0 &&
                        MtaStsServer.Split(':').Length != 2) endPoint.Port = 443;
                    sts.PolicyEndPoint = endPoint;
                }
                catch (FormatException)
                {
                    ThrowTerminatingError(ErrorMapper.Record(this, "InvalidMtaStsServer",
                        new FormatException($"'{MtaStsServer}' is not an address: use an IP address, optionally with :port."),
                        MtaStsServer));
                }
            }
            var mx = new MxRouterOptions { Timeout = TimeSpan.FromSeconds(Timeout), Retries = Retry, NoShuffle = true };
            _checker = new MailDomainChecker(Lookup, mx, LoadPublicSuffixList(PublicSuffixList), sts, language);
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (string input in Domain)
            {
                if (!TryParseDomain(input, out string domain)) continue;
                IReadOnlyList<MailDomainCheck> rows = Run((_, ct) => _checker!.CheckAsync(domain, DkimSelector, ct));
                foreach (MailDomainCheck row in rows) WriteObject(row);
            }
        }
    }
}
