using System;
using System.Collections.Generic;
using System.Management.Automation;
using SmtpTools.Core.Policy.Dkim;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Test-DkimSignature: verifies every DKIM-Signature of a message (a file, piped files, or a MimeKit message) with
    /// the key its selector publishes, asked of -Server, and says per signature why it failed.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "DkimSignature", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DkimSignatureResult))]
    public sealed class TestDkimSignatureCommand : PolicyCmdletBase
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string MimeSet = "MimeMessage";
        private const string ErrorPrefix = "Dkim";

        /// <summary>.eml or Maildir files; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files taken literally; bound from Get-ChildItem's output.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>A MimeKit.MimeMessage.</summary>
        [Parameter(Mandatory = true, ParameterSetName = MimeSet)]
        [ValidateNotNull]
        public object? MimeMessage { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            MessageInput.ForEach(this, ParameterSetName == MimeSet ? MimeMessage : null, literal ? LiteralPath : Path,
                literal, ErrorPrefix, Verify);
        }

        private void Verify(byte[] message, string? source)
        {
            IReadOnlyList<DkimSignatureResult> results = Run((_, ct) =>
                DkimVerification.VerifyAsync(message, source, Dns, DateTimeOffset.UtcNow, ct));
            foreach (DkimSignatureResult result in results) WriteObject(result);
        }
    }
}
