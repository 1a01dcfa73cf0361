using System;
using System.Linq;
using System.Management.Automation;
using System.Security;
using SmtpTools.Core.Smtp;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Test-SmtpAuth: whether a password, an OAuth token or the current identity can authenticate, per
    /// mechanism, sending no mail.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "SmtpAuth", DefaultParameterSetName = CurrentIdentitySet)]
    [OutputType(typeof(SmtpAuthResult))]
    [OutputType(typeof(bool))]
    public sealed class TestSmtpAuthCommand : SmtpConnectionCmdletBase
    {
        private const string PasswordSet = "Credential";
        private const string TokenSet = "AccessToken";
        private const string CurrentIdentitySet = "CurrentIdentity";

        /// <summary>The server's host name or IP address.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "HostName", "Host")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SmtpServerCompleter))]
        public string SmtpServer { get; set; } = string.Empty;

        /// <summary>The TCP port; 587 (submission) by default.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 587;

        /// <summary>User name and password for the password mechanisms, GSSAPI and NTLM; without it (and without
        /// -AccessToken), the current identity is tested with GSSAPI or NTLM.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        [Credential]
        public PSCredential Credential { get; set; } = PSCredential.Empty;

        /// <summary>An OAuth 2 access token for XOAUTH2 and OAUTHBEARER.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [ValidateNotNullOrEmpty]
        [SecureStringTransformation]
        public SecureString AccessToken { get; set; } = new SecureString();

        /// <summary>The account the access token belongs to.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [ValidateNotNullOrEmpty]
        public string UserName { get; set; } = string.Empty;

        /// <summary>One or more SASL mechanisms, or All; by default the strongest the server offers.</summary>
        [Parameter]
        [ValidateSet("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER", "GSSAPI",
            "NTLM", "Negotiate", "All", IgnoreCase = true)]
        public string[]? Mechanism { get; set; }

        /// <summary>Return only $true (some mechanism authenticated) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            (string host, int port, string? serverError) = SplitServer(SmtpServer, Port);
            if (serverError != null)
            {
                WriteError(ServerError(serverError, SmtpServer, Port));
                return;
            }
            ThrowIfConflictingDefaultCredentials(ParameterSetName != CurrentIdentitySet);
            if (ParameterSetName == CurrentIdentitySet && DefaultCredentialsRefused)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, "NothingToTest", new ArgumentException(
                    "-UseDefaultCredentials:$false leaves nothing to test: no credential, no access token and not " +
                    "the current identity."), null));
            }
            SmtpSessionOptions options = SessionOptions(host, port);
            SmtpServerHistory.Record(host, port);
            SmtpCredential credential = ParameterSetName switch
            {
                TokenSet => TokenCredential(UserName, AccessToken),
                PasswordSet => WithServicePrincipal(PasswordCredential(Credential)),
                // Testing is the point here, so the current identity is tried even on a server that offers only
                // password mechanisms (and the error says so).
                _ => SmtpCredential.CurrentIdentity(optional: false, ServicePrincipalName),
            };

            bool anySucceeded = Run(async (post, ct) =>
            {
                options.TranscriptSink = VerboseTranscript(post);
                var outcomes = await SmtpAuthProbe.RunAsync(options, credential, Mechanism, outcome =>
                {
                    if (Quiet) return;
                    if (outcome.Result != null) post(() => WriteObject(outcome.Result));
                    else post(() => WriteError(ErrorMapper.Record(this, outcome.Error!)));
                }, ct).ConfigureAwait(false);
                return outcomes.Any(o => o.Result?.Succeeded == true);
            });
            if (Quiet) WriteObject(anySucceeded);
        }
    }
}
