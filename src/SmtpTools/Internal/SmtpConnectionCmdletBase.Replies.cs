using System;
using System.Management.Automation;
using System.Text;
using SmtpTools.Core.Mime;

namespace SmtpTools.Internal
{
    /// <summary>How the connecting cmdlets read the text of the server's replies.</summary>
    public abstract partial class SmtpConnectionCmdletBase
    {
        private Encoding? _replyEncoding;

        /// <summary>
        /// Decodes the server's replies with this encoding (a name such as gb18030, big5 or iso-8859-1, a code page
        /// or an Encoding) instead of detecting UTF-8, GB18030 or Latin-1 for each reply.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(ReplyEncodingCompleter))]
        public object? ReplyEncoding { get; set; }

        /// <summary>The encoding -ReplyEncoding names, or null to detect it; stops the command for an unknown one,
        /// since no server's replies could be read with it.</summary>
        private protected Encoding? ResolveReplyEncoding()
        {
            if (ReplyEncoding == null) return null;
            if (_replyEncoding != null) return _replyEncoding;
            object value = ReplyEncoding is PSObject wrapped ? wrapped.BaseObject : ReplyEncoding;
            try
            {
                _replyEncoding = MessageEncoding.Resolve(value);
            }
            catch (SmtpMessageException e)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, "UnknownReplyEncoding",
                    new ArgumentException($"-ReplyEncoding '{value}' is not an encoding this system knows.",
                        nameof(ReplyEncoding), e), value));
            }
            return _replyEncoding;
        }

        /// <summary>Completes the encodings mail servers actually answer in.</summary>
        private sealed class ReplyEncodingCompleter : IArgumentCompleter
        {
            private static readonly string[] Names =
                { "utf-8", "gb18030", "gbk", "gb2312", "big5", "shift_jis", "euc-kr", "iso-8859-1", "windows-1252" };

            public System.Collections.Generic.IEnumerable<CompletionResult> CompleteArgument(string commandName,
                string parameterName, string wordToComplete,
                System.Management.Automation.Language.CommandAst commandAst,
                System.Collections.IDictionary fakeBoundParameters)
            {
                foreach (string name in Names)
                {
                    if (name.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
                        yield return new CompletionResult(name);
                }
            }
        }
    }
}
