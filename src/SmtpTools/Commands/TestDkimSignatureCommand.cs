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
    public sealed class TestDkimSignatureCommand : MessageCheckCmdletBase
    {
        private protected override string ErrorPrefix => "Dkim";

        /// <inheritdoc />
        private protected override void Check(byte[] message, string? source)
        {
            IReadOnlyList<DkimSignatureResult> results = Run((_, ct) =>
                DkimVerification.VerifyAsync(message, source, Dns, DateTimeOffset.UtcNow, ct));
            foreach (DkimSignatureResult result in results) WriteObject(result);
        }
    }
}
