using System;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmtpTools.Core.Identity;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Get-SmtpAccessToken: an OAuth 2 access token for SMTP from Microsoft Entra ID (client credentials with a
    /// certificate or secret, or a refresh token) or Google (a service account, or a refresh token), with its claims
    /// decoded. The same flows and session cache that Send-SmtpMessage, Test-SmtpAuth and Connect-SmtpServer use.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SmtpAccessToken", DefaultParameterSetName = ThumbprintSet)]
    [OutputType(typeof(SmtpAccessToken))]
    public sealed class GetSmtpAccessTokenCommand : SmtpCmdletBase, IIdentityParameters
    {
        private const string ThumbprintSet = "CertificateThumbprint";
        private const string CertificateSet = "Certificate";
        private const string SecretSet = "ClientSecret";
        private const string ServiceAccountSet = "ServiceAccount";
        private const string RefreshSet = "RefreshToken";

        /// <summary>Microsoft: the directory (tenant) id or a verified domain of the tenant.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [Parameter(ParameterSetName = RefreshSet)]
        [ValidateNotNullOrEmpty]
        public string? TenantId { get; set; }

        /// <summary>The application (client) id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = RefreshSet)]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        /// <summary>Microsoft: the thumbprint of the app's certificate in the CurrentUser or LocalMachine My
        /// store.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CertificateThumbprintCompleter))]
        public string? CertificateThumbprint { get; set; }

        /// <summary>Microsoft: the app's certificate with its private key.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [ValidateNotNull]
        public X509Certificate2? Certificate { get; set; }

        /// <summary>The client secret, as a SecureString.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [Parameter(ParameterSetName = RefreshSet)]
        [ValidateNotNull]
        [SecureOnly]
        public SecureString? ClientSecret { get; set; }

        /// <summary>Google: the service account's JSON key file.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ServiceAccountSet)]
        [ValidateNotNullOrEmpty]
        public string? ServiceAccountKeyFile { get; set; }

        /// <summary>Google: the Workspace mailbox the service account acts for.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ServiceAccountSet)]
        [ValidateNotNullOrEmpty]
        public string? Impersonate { get; set; }

        /// <summary>A refresh token, as a SecureString.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RefreshSet)]
        [ValidateNotNull]
        [SecureOnly]
        public SecureString? RefreshToken { get; set; }

        /// <summary>Microsoft's authority host (a sovereign cloud's, or a test endpoint), or Google's token
        /// URL.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Authority { get; set; }

        /// <summary>The scope; https://outlook.office365.com/.default or https://mail.google.com/ by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Scope { get; set; }

        /// <summary>The mailbox the token will log in as; recorded on the token object.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        /// <summary>Ask the provider even when this session holds a good token.</summary>
        [Parameter]
        public SwitchParameter ForceRefresh { get; set; }

        /// <summary>Seconds to wait for the token endpoint.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int Timeout { get; set; } = 60;

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            OAuthCredentialSource source;
            try
            {
                source = new IdentityRequest(this, MyInvocation.BoundParameters, SessionState.Path)
                    .Build(UserName, TimeSpan.FromSeconds(Timeout));
            }
            catch (SmtpIdentityException ex)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, ex));
                return;
            }

            try
            {
                SmtpAccessToken token = Run((post, ct) =>
                {
                    source.Log = message => post(() => WriteVerbose(message));
                    return source.GetTokenAsync(ForceRefresh, ct);
                });
                WriteObject(token);
            }
            catch (SmtpIdentityException ex)
            {
                WriteError(ErrorMapper.Record(this, ex));
            }
        }
    }
}
