using System;
using System.Management.Automation;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The mail-policy cmdlets that check whole messages (Test-DkimSignature, Test-DmarcAlignment): the same three ways
    /// to give one (-Path with wildcards, -LiteralPath bound from Get-ChildItem, -MimeMessage), read by MessageInput,
    /// each message handed to <see cref="Check"/>.
    /// </summary>
    public abstract class MessageCheckCmdletBase : PolicyCmdletBase
    {
        private protected const string PathSet = "Path";
        private protected const string LiteralPathSet = "LiteralPath";
        private protected const string MimeSet = "MimeMessage";

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

        /// <summary>The start of this cmdlet's error ids for unreadable input (DkimFileNotFound...).</summary>
        private protected abstract string ErrorPrefix { get; }

        /// <summary>Checks one message and writes what it finds; <paramref name="source"/> is its file, or null.</summary>
        private protected abstract void Check(byte[] message, string? source);

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            MessageInput.ForEach(this, ParameterSetName == MimeSet ? MimeMessage : null, literal ? LiteralPath : Path,
                literal, ErrorPrefix, Check);
        }
    }
}
