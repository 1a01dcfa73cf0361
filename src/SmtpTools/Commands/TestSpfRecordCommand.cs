using System;
using System.Management.Automation;
using System.Net;
using SmtpTools.Core.Policy.Spf;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Test-SpfRecord: with -IPAddress, RFC 7208 check_host() as a receiver runs it (result, deciding term, lookups,
    /// exp text, trace); without, a report on the record itself (syntax, lookup count, +all/?all, ptr, duplicates).
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "SpfRecord", DefaultParameterSetName = RecordSet)]
    [OutputType(typeof(SpfRecord), ParameterSetName = new[] { RecordSet })]
    [OutputType(typeof(SpfCheckResult), ParameterSetName = new[] { CheckSet })]
    public sealed class TestSpfRecordCommand : PolicyCmdletBase
    {
        private const string RecordSet = "Record";
        private const string CheckSet = "Check";

        /// <summary>Domains (or e-mail addresses, whose domain is used) to check.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "DomainName")]
        [ValidateNotNullOrEmpty]
        public string[] Domain { get; set; } = Array.Empty<string>();

        /// <summary>The sending client's address: evaluate the record for it.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = CheckSet, ValueFromPipelineByPropertyName = true)]
        [Alias("ClientIP", "Address")]
        [ValidateNotNull]
        public IPAddress? IPAddress { get; set; }

        /// <summary>The envelope sender (MAIL FROM) for the macros; postmaster@domain when omitted.</summary>
        [Parameter(ParameterSetName = CheckSet, ValueFromPipelineByPropertyName = true)]
        [Alias("MailFrom", "EnvelopeFrom")]
        public string? Sender { get; set; }

        /// <summary>The HELO/EHLO name the client gave (the %{h} macro).</summary>
        [Parameter(ParameterSetName = CheckSet)]
        [Alias("Helo", "ClientName")]
        public string? HeloName { get; set; }

        /// <summary>Write each term evaluated to the information stream.</summary>
        [Parameter(ParameterSetName = CheckSet)]
        public SwitchParameter Trace { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (string input in Domain)
            {
                if (!TryParseDomain(input, out string domain)) continue;
                if (ParameterSetName == RecordSet)
                {
                    WriteObject(Run((_, ct) => SpfRecordAnalyzer.AnalyzeAsync(Dns, domain, ct)));
                    continue;
                }
                // An address given as -Domain is the sender too, unless -Sender says otherwise.
                string? sender = string.IsNullOrEmpty(Sender) && input.IndexOf('@') >= 0 ? input.Trim('<', '>', ' ') : Sender;
                var evaluator = new SpfEvaluator(Dns);
                SpfCheckResult result = Run((_, ct) => evaluator.CheckHostAsync(IPAddress!, domain,
                    string.IsNullOrEmpty(sender) ? "postmaster@" + domain : sender, HeloName, ct));
                if (Trace)
                {
                    foreach (SpfTraceStep step in result.Trace) WriteTraceStep(step);
                }
                WriteObject(result);
            }
        }
    }
}
