using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Identity;
using SmtpTools.Core.Policy.Transport;
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
        // The default set: the current identity (Kerberos/NTLM), or an OAuth identity when the identity parameters
        // (SmtpConnectionCmdletBase.Identity.cs, in every set) are given.
        private const string CurrentIdentitySet = "CurrentIdentity";
        private OAuthCredentialSource? _source;
        private DirectTlsPolicy? _policy;

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

        /// <summary>The account the access token belongs to: the mailbox (XOAUTH2/OAUTHBEARER user); with the identity
        /// parameters, the mailbox to log in as.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [Parameter(ParameterSetName = CurrentIdentitySet)]
        [ValidateNotNullOrEmpty]
        public string UserName { get; set; } = string.Empty;

        /// <summary>One or more SASL mechanisms, or All; by default the strongest the server offers.</summary>
        [Parameter]
        [ValidateSet("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER", "GSSAPI",
            "NTLM", "Negotiate", "All", IgnoreCase = true)]
        public string[]? Mechanism { get; set; }

        /// <summary>
        /// The mail domain whose transport policies (MTA-STS, and the server's DANE TLSA records) the server's
        /// certificate is checked against, as a sending MTA checks them; bound from Resolve-MailExchanger's Domain.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Domain")]
        public string? PolicyDomain { get; set; }

        /// <summary>Refuse the TLS session when the domain's policy requires authenticated TLS it does not get.</summary>
        [Parameter]
        public SwitchParameter RequireTlsPolicy { get; set; }

        /// <summary>DNS servers for the policy lookups (IP addresses or names, with an optional :port).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? DnsServer { get; set; }

        /// <summary>The address to connect to when -SmtpServer is a name (Resolve-MailExchanger's Addresses): the name
        /// stays the one the certificate and the policies are checked for.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Addresses")]
        public IPAddress[]? Address { get; set; }

        /// <summary>Return only $true (some mechanism authenticated) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing() =>
            _source = MailboxIdentitySource(ParameterSetName == CurrentIdentitySet, UserName);

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            (string host, int port, string? serverError) = SplitServer(SmtpServer, Port);
            if (serverError != null)
            {
                WriteError(ServerError(serverError, SmtpServer, Port));
                return;
            }
            ThrowIfConflictingDefaultCredentials(ParameterSetName != CurrentIdentitySet || _source != null);
            if (ParameterSetName == CurrentIdentitySet && _source == null && DefaultCredentialsRefused)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, "NothingToTest", new ArgumentException(
                    "-UseDefaultCredentials:$false leaves nothing to test: no credential, no access token and not " +
                    "the current identity."), null));
            }
            bool named = !IPAddress.TryParse(host.Trim('[', ']'), out _);
            string connectTo = named && Address?.Length > 0 ? Address[0].ToString() : host;
            SmtpSessionOptions options = SessionOptions(connectTo, port);
            if (named) options.TlsServerName = host;
            SmtpServerHistory.Record(host, port);
            if (!CheckTlsPolicy(options, host, named)) return;
            SmtpCredential credential;
            SmtpAccessToken? token = null;
            if (_source != null)
            {
                try
                {
                    token = Run((post, ct) =>
                    {
                        _source.Log = message => post(() => WriteVerbose(message));
                        return _source.GetTokenAsync(false, ct);
                    });
                }
                catch (SmtpIdentityException ex)
                {
                    // The provider refused or was not reached: this server cannot be tried; the next record may be.
                    WriteError(ErrorMapper.Record(this, ex, SmtpServer));
                    if (Quiet) WriteObject(false);
                    return;
                }
                credential = new SmtpCredential(_source.UserName!, null,
                    SecureStringTransformationAttribute.Reveal(token.AccessToken));
            }
            else if (ParameterSetName == TokenSet)
            {
                credential = TokenCredential(UserName, AccessToken);
                token = SmtpAccessToken.FromGivenToken(credential.AccessToken!, UserName, AccessToken);
            }
            else if (ParameterSetName == PasswordSet)
            {
                credential = WithServicePrincipal(PasswordCredential(Credential));
                if (OAuthAdvice.NeedsBasicAuthWarning(host, password: true)) WriteWarning(OAuthAdvice.BasicAuthWarning);
            }
            else
            {
                // Testing is the point here, so the current identity is tried even on a server that offers only
                // password mechanisms (and the error says so).
                credential = SmtpCredential.CurrentIdentity(optional: false, ServicePrincipalName);
            }
            bool usedToken = credential.AccessToken != null;

            bool anySucceeded = Run(async (post, ct) =>
            {
                options.TranscriptSink = VerboseTranscript(post);
                var outcomes = await SmtpAuthProbe.RunAsync(options, credential, Mechanism, outcome =>
                {
                    if (Quiet) return;
                    if (outcome.Result != null)
                    {
                        SmtpAuthResult result = outcome.Result;
                        result.AccessToken = token;
                        result.Advice = OAuthAdvice.Explain(result, token, usedToken);
                        post(() => WriteObject(result));
                    }
                    else post(() => WriteError(ErrorMapper.Record(this, outcome.Error!)));
                }, ct).ConfigureAwait(false);
                return outcomes.Any(o => o.Result?.Succeeded == true);
            });
            if (Quiet) WriteObject(anySucceeded);
        }

        /// <summary>
        /// With -PolicyDomain: reads the domain's MTA-STS policy and the server's TLSA records through -DnsServer and
        /// has the session check the certificate against them (its verdict is in the result's Tls.TlsPolicy); with
        /// -RequireTlsPolicy a policy that is not met refuses the session. False when this record cannot be checked.
        /// </summary>
        private bool CheckTlsPolicy(SmtpSessionOptions options, string host, bool named)
        {
            if (string.IsNullOrEmpty(PolicyDomain))
            {
                if (!RequireTlsPolicy) return true;
                ThrowTerminatingError(ErrorMapper.Record(this, "TlsPolicyWithoutDomain", new ArgumentException(
                    "-RequireTlsPolicy needs the mail domain whose policy applies (-PolicyDomain, or pipe " +
                    "Resolve-MailExchanger's output)."), RequireTlsPolicy));
            }
            if (!named)
            {
                WriteError(ErrorMapper.Record(this, "TlsPolicyWithoutDomain", new ArgumentException(
                    $"The transport policies of {PolicyDomain} name servers by host name, and {host} is an address: " +
                    "give the server's name (and -Address to connect to an address)."), host));
                return false;
            }
            _policy ??= new DirectTlsPolicy(new MxRouterOptions
            {
                Servers = DnsServers(DnsServer),
                Timeout = TimeSpan.FromSeconds(Math.Min(Timeout, 30)),
            });
            DirectTlsPolicy policy = _policy;
            string domain = PolicyDomain!.TrimEnd('.');
            Run(async (post, ct) =>
            {
                await policy.PrepareAsync(domain, new[] { host.TrimEnd('.') },
                    message => post(() => WriteVerbose(message)), ct).ConfigureAwait(false);
                return true;
            });
            options.TlsPolicy = policy.CheckFor(host.TrimEnd('.'));
            options.RequireTlsPolicy = RequireTlsPolicy;
            // A policy that requires authenticated TLS requires TLS first.
            if (RequireTlsPolicy && options.Tls != SmtpTlsMode.Implicit && policy.Requires(host.TrimEnd('.')))
                options.Tls = SmtpTlsMode.StartTls;
            return true;
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) _policy?.Dispose();
            base.Dispose(disposing);
        }
    }
}
