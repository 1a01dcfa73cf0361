using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Policy;
using SmtpTools.Core.Policy.Dmarc;

namespace SmtpTools.Internal
{
    /// <summary>
    /// What the mail-policy cmdlets (SPF, DKIM, DMARC, MTA-STS, TLS-RPT, DANE) share: the DNS server to ask, and one
    /// resolver with one cache for the whole run, so a record many inputs need is asked for once.
    /// </summary>
    public abstract class PolicyCmdletBase : SmtpCmdletBase
    {
        private DnsLookup? _dns;

        /// <summary>DNS servers to ask (ip or ip:port); the system's resolvers when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Server { get; set; }

        /// <summary>Seconds to wait for each DNS answer.</summary>
        [Parameter]
        [ValidateRange(1, 300)]
        public int Timeout { get; set; } = 5;

        /// <summary>How many more times an unanswered query is sent.</summary>
        [Parameter]
        [ValidateRange(0, 10)]
        public int Retry { get; set; } = 2;

        /// <summary>This run's resolver.</summary>
        private protected IPolicyDns Dns => _dns ?? throw new InvalidOperationException("BeginProcessing has not run.");

        /// <summary>This run's resolver as the router's lookup, for cmdlets that also route MX.</summary>
        private protected DnsLookup Lookup => _dns ?? throw new InvalidOperationException("BeginProcessing has not run.");

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            // The same reading of -Server as Resolve-MailExchanger's: addresses, ip:port, or host names.
            List<IPEndPoint> servers = DnsServers(Server);
            try
            {
                _dns = new DnsLookup(servers, TimeSpan.FromSeconds(Timeout), Retry, tcpOnly: false, recordTexts: false);
            }
            catch (InvalidOperationException ex)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, "DnsServerNotConfigured", ex, null));
            }
        }

        /// <summary>The A-label form of a domain or of an address's domain, or an error record for this input.</summary>
        private protected bool TryParseDomain(string input, out string domain)
        {
            try
            {
                (string ascii, _, IPAddress? literal) = DomainName.ParseMailDomain(input);
                domain = ascii;
                if (literal == null) return true;
                WriteError(ErrorMapper.Record(this, "InvalidDomainName", new ArgumentException(
                    $"'{input}' is an address literal; mail policies are published for domain names."), input));
                return false;
            }
            catch (DnsResolutionException ex)
            {
                WriteError(ErrorMapper.Record(this, ex));
                domain = string.Empty;
                return false;
            }
        }

        /// <summary>
        /// The public suffix list for RFC 7489's organizational domain: the file named, else the system's, else none
        /// (the DMARCbis tree walk then decides alone).
        /// </summary>
        private protected PublicSuffixList? LoadPublicSuffixList(string? path)
        {
            if (string.IsNullOrEmpty(path)) return PublicSuffixList.LoadSystem();
            string file = GetUnresolvedProviderPathFromPSPath(path);
            try
            {
                return PublicSuffixList.Load(file);
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, "PublicSuffixListUnreadable",
                    new System.IO.IOException($"The public suffix list {file} cannot be read: {ex.Message}", ex), path));
                throw;
            }
        }

        /// <summary>Writes a trace step the way Resolve-MailExchanger -Trace does: shown, and capturable with 6&gt;.</summary>
        private protected void WriteTraceStep(object step) =>
            WriteInformation(step, new[] { "PSHOST", "SmtpTools.PolicyTrace" });

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) _dns?.Dispose();
            base.Dispose(disposing);
        }
    }
}
