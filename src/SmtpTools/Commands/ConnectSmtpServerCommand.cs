using System;
using System.Management.Automation;
using System.Security;
using System.Management.Automation.Runspaces;
using SmtpTools.Core.Identity;
using SmtpTools.Core.Smtp;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Connect-SmtpServer: opens an interactive SMTP session (greeting, EHLO, TLS, AUTH).</summary>
    [Cmdlet(VerbsCommunications.Connect, "SmtpServer", DefaultParameterSetName = NoAuthSet)]
    [OutputType(typeof(SmtpConnection))]
    public sealed class ConnectSmtpServerCommand : SmtpConnectionCmdletBase
    {
        private const string NoAuthSet = "NoAuth";
        private const string PasswordSet = "Credential";
        private const string TokenSet = "AccessToken";

        /// <summary>The server's host name or IP address.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "HostName", "Host")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SmtpServerCompleter))]
        public string SmtpServer { get; set; } = string.Empty;

        /// <summary>The TCP port; 25 by default.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 25;

        /// <summary>User name and password to authenticate with after EHLO (and TLS).</summary>
        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        [Credential]
        public PSCredential Credential { get; set; } = PSCredential.Empty;

        /// <summary>An OAuth 2 access token for XOAUTH2 or OAUTHBEARER.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [ValidateNotNullOrEmpty]
        [SecureStringTransformation]
        public SecureString AccessToken { get; set; } = new SecureString();

        /// <summary>The account the access token belongs to: the mailbox (XOAUTH2/OAUTHBEARER user); with the identity
        /// parameters, the mailbox to log in as.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [Parameter(ParameterSetName = NoAuthSet)]
        [ValidateNotNullOrEmpty]
        public string UserName { get; set; } = string.Empty;

        /// <summary>The SASL mechanism; by default the strongest the server offers.</summary>
        [Parameter]
        [ValidateSet("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER", "GSSAPI",
            "NTLM", "Negotiate", IgnoreCase = true)]
        public string? Mechanism { get; set; }

        private OAuthCredentialSource? _source;

        /// <inheritdoc />
        protected override void BeginProcessing() =>
            _source = MailboxIdentitySource(ParameterSetName == NoAuthSet, UserName);

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var sink = new RelayTranscriptSink();
            (string host, int port, string? serverError) = SplitServer(SmtpServer, Port);
            if (serverError != null)
            {
                WriteError(ServerError(serverError, SmtpServer, Port));
                return;
            }
            SmtpSessionOptions options = SessionOptions(host, port);
            options.TranscriptSink = sink;
            SmtpServerHistory.Record(host, port);
            // An interactive session sends what the user types, one command at a time.
            options.UsePipelining = false;
            options.UseChunking = false;
            ThrowIfConflictingDefaultCredentials(ParameterSetName != NoAuthSet || _source != null);
            // Without -UseDefaultCredentials an interactive session stays anonymous even where Kerberos would work:
            // trying what an unauthenticated client may do (relay, VRFY) is what this cmdlet is often for.
            SmtpCredential? credential = ParameterSetName switch
            {
                PasswordSet => WithServicePrincipal(PasswordCredential(Credential)),
                TokenSet => TokenCredential(UserName, AccessToken),
                _ => CurrentIdentityCredential(implicitly: false),
            };
            if (credential == null && _source == null && Mechanism != null)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, "MechanismWithoutCredential", new ArgumentException(
                    "-Mechanism needs something to authenticate with: -Credential, -AccessToken or " +
                    "-UseDefaultCredentials."), Mechanism));
            }

            try
            {
                SmtpConnection connection = Run(async (post, ct) =>
                {
                    if (_source != null) _source.Log = message => post(() => WriteVerbose(message));
                    using (sink.Attach(VerboseWriter(post)))
                    {
                        if (_source != null) credential = await _source.GetCredentialAsync(false, ct).ConfigureAwait(false);
                        try
                        {
                            return await SmtpConnection.OpenAsync(options, credential, Mechanism, ct)
                                .ConfigureAwait(false);
                        }
                        catch (SmtpAuthenticationException ex) when (ex.Reply?.Code == 535 && _source != null)
                        {
                            // A token that should be valid was refused (revoked, or permissions changed since it was
                            // issued): one fresh token on a new connection, never more.
                            post(() => WriteVerbose($"OAuth: {SmtpServer} refused the token ({ex.Reply!.Code} " +
                                                    $"{ex.Reply.EnhancedStatus}); trying once with a new one."));
                            credential = await _source.GetCredentialAsync(true, ct).ConfigureAwait(false);
                            return await SmtpConnection.OpenAsync(options, credential, Mechanism, ct)
                                .ConfigureAwait(false);
                        }
                    }
                });
                SmtpSessionRegistry.Add(connection, Runspace.DefaultRunspace, sink);
                WriteObject(connection);
            }
            catch (SmtpException ex)
            {
                WriteError(ErrorMapper.Record(this, ex));
            }
            catch (SmtpIdentityException ex)
            {
                WriteError(ErrorMapper.Record(this, ex, SmtpServer));
            }
        }
    }
}
