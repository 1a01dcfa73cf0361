using System;
using System.Globalization;
using System.Management.Automation;
using System.Security;
using System.Text;
using SmtpTools.Core.Codes;
using SmtpTools.Core.Smtp;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Invoke-SmtpCommand: sends commands as typed on a session; returns each reply, explained.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SmtpCommand", DefaultParameterSetName = PlainSet)]
    [OutputType(typeof(SmtpCommandResult))]
    public sealed class InvokeSmtpCommandCommand : SmtpCmdletBase
    {
        private const string PlainSet = "Plain";
        private const string PasswordSet = "Credential";
        private const string TokenSet = "AccessToken";
        private static readonly Encoding Utf8 = new UTF8Encoding(false);
        private ReplyLanguage _language;

        /// <summary>The session from Connect-SmtpServer.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(SmtpSessionCompleter))]
        public SmtpConnection Session { get; set; } = null!;

        /// <summary>One or more command lines, sent in order exactly as given.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SmtpVerbCompleter))]
        public string[] Command { get; set; } = Array.Empty<string>();

        /// <summary>The message to send after DATA's 354; lines are dot-stuffed and end with CRLF.</summary>
        [Parameter]
        [AllowEmptyString]
        public string? Data { get; set; }

        /// <summary>User name and password for an AUTH command.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        [Credential]
        public PSCredential Credential { get; set; } = PSCredential.Empty;

        /// <summary>An OAuth 2 access token for AUTH XOAUTH2 or AUTH OAUTHBEARER.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [ValidateNotNullOrEmpty]
        [SecureStringTransformation]
        public SecureString AccessToken { get; set; } = new SecureString();

        /// <summary>The account the access token belongs to.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [ValidateNotNullOrEmpty]
        public string UserName { get; set; } = string.Empty;

        /// <summary>The language of the explanation, en or zh-CN; by default zh-CN for a Chinese UI culture.</summary>
        [Parameter]
        [ValidateSet(ReplyTexts.EnglishTag, ReplyTexts.ChineseTag)]
        public string? Language { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            if (Language == null || !ReplyTexts.TryParseLanguage(Language, out _language))
                _language = ReplyTexts.ForCulture(CultureInfo.CurrentUICulture.Name);
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            SmtpCredential? credential = ParameterSetName switch
            {
                PasswordSet => PasswordCredential(Credential),
                TokenSet => TokenCredential(UserName, AccessToken),
                _ => null,
            };
            ISmtpMessageContent? data = Data == null ? null : ByteArrayMessageContent.FromBytes(Utf8.GetBytes(Data));

            foreach (string line in Command)
            {
                if (!Session.IsOpen)
                {
                    string message = $"SMTP session #{Session.Id} to " +
                        $"{SmtpException.FormatEndpoint(Session.SmtpServer, Session.Port)} is closed: " +
                        $"{Session.CloseReason?.TrimEnd('.')}.";
                    WriteError(ErrorMapper.Record(this, "SmtpSessionClosed", new InvalidOperationException(message),
                        Session));
                    SmtpSessionRegistry.Remove(Session);
                    return;
                }
                if (!Send(line, data, credential)) return;
            }
        }

        private bool Send(string line, ISmtpMessageContent? data, SmtpCredential? credential)
        {
            RelayTranscriptSink? sink = SmtpSessionRegistry.SinkFor(Session);
            try
            {
                SmtpCommandResult result = Run(async (post, ct) =>
                {
                    using (sink?.Attach(VerboseWriter(post)))
                    {
                        return await Session.InvokeAsync(line, data, credential, _language, ct).ConfigureAwait(false);
                    }
                });
                WriteObject(result);
                return true;
            }
            catch (ArgumentException ex)
            {
                WriteError(ErrorMapper.Record(this, "SmtpCommandInvalid", ex, line));
                return true;
            }
            catch (InvalidOperationException ex)
            {
                bool closed = !Session.IsOpen;
                WriteError(ErrorMapper.Record(this, closed ? "SmtpSessionClosed" : "SmtpSessionBusy", ex, Session));
                return false;
            }
            catch (SmtpException ex)
            {
                WriteError(ErrorMapper.Record(this, ex));
                if (!Session.IsOpen) SmtpSessionRegistry.Remove(Session);
                return Session.IsOpen;
            }
        }
    }
}
