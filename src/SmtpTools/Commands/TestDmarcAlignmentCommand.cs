using System;
using System.Management.Automation;
using System.Net;
using SmtpTools.Core.Policy.Dmarc;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Test-DmarcAlignment: joins SPF (on the envelope domain), DKIM (on the message's signatures) and the From:
    /// domain into the DMARC verdict a receiver reaches, with what the policy does about it.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "DmarcAlignment", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DmarcAlignmentResult))]
    public sealed class TestDmarcAlignmentCommand : MessageCheckCmdletBase
    {
        private DmarcEvaluator? _evaluator;

        private protected override string ErrorPrefix => "Dmarc";

        /// <summary>The client that handed the message to the receiver, for SPF; SPF is left out without it.</summary>
        [Parameter]
        [Alias("ClientIP", "Address")]
        public IPAddress? IPAddress { get; set; }

        /// <summary>The envelope sender (MAIL FROM); the message's Return-Path when omitted.</summary>
        [Parameter]
        [Alias("Sender", "EnvelopeFrom")]
        public string? MailFrom { get; set; }

        /// <summary>The HELO/EHLO name, used by SPF when MAIL FROM is empty (a bounce).</summary>
        [Parameter]
        [Alias("Helo", "ClientName")]
        public string? HeloName { get; set; }

        /// <summary>A public_suffix_list.dat for RFC 7489's organizational domain; the system's when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PublicSuffixList { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _evaluator = new DmarcEvaluator(Dns, LoadPublicSuffixList(PublicSuffixList));
        }

        /// <inheritdoc />
        private protected override void Check(byte[] message, string? source) =>
            WriteObject(Run((_, ct) => _evaluator!.EvaluateAsync(message, source, IPAddress, MailFrom, HeloName,
                DateTimeOffset.UtcNow, ct)));
    }
}
