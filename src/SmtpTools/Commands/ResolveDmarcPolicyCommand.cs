using System;
using System.Management.Automation;
using SmtpTools.Core.Policy.Dmarc;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Resolve-DmarcPolicy: the DMARC policy receivers apply to a From: domain, found by the DMARCbis tree walk (and
    /// RFC 7489's public suffix list when one is at hand), with its mistakes in words.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Resolve, "DmarcPolicy")]
    [OutputType(typeof(DmarcPolicy))]
    public sealed class ResolveDmarcPolicyCommand : PolicyCmdletBase
    {
        private DmarcDiscovery? _discovery;

        /// <summary>From: domains or addresses.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "DomainName", "FromDomain")]
        [ValidateNotNullOrEmpty]
        public string[] Domain { get; set; } = Array.Empty<string>();

        /// <summary>A public_suffix_list.dat for RFC 7489's organizational domain; the system's when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PublicSuffixList { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _discovery = new DmarcDiscovery(Dns, LoadPublicSuffixList(PublicSuffixList));
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (string input in Domain)
            {
                if (!TryParseDomain(input, out string domain)) continue;
                WriteObject(Run((_, ct) => _discovery!.ResolveAsync(domain, ct)));
            }
        }
    }
}
