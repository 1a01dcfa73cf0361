using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmtpTools.Core.Identity;
using SmtpTools.Core.Smtp;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The identity parameters (OAuth 2 for Microsoft 365 and Google Workspace) every connecting cmdlet takes, and the
    /// one method that turns them into a credential source. They belong to every parameter set, because
    /// Send-SmtpMessage's sets are about the message, not the login: which flow they make is checked here, with an
    /// error that names what is missing or what excludes what.
    /// </summary>
    public abstract partial class SmtpConnectionCmdletBase : IIdentityParameters
    {
        /// <summary>Microsoft: the directory (tenant) id or a verified domain of the tenant.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TenantId { get; set; }

        /// <summary>The application (client) id: Microsoft's app registration, or Google's OAuth client.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        /// <summary>Microsoft: the thumbprint of the app's certificate in the CurrentUser or LocalMachine My
        /// store.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CertificateThumbprintCompleter))]
        public string? CertificateThumbprint { get; set; }

        /// <summary>Microsoft: the app's certificate with its private key (for example from a PFX file).</summary>
        [Parameter]
        [ValidateNotNull]
        public X509Certificate2? Certificate { get; set; }

        /// <summary>The client secret (Microsoft app, or Google installed app with -RefreshToken), as a
        /// SecureString.</summary>
        [Parameter]
        [ValidateNotNull]
        [SecureOnly]
        public SecureString? ClientSecret { get; set; }

        /// <summary>Google: the service account's JSON key file (domain-wide delegation).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ServiceAccountKeyFile { get; set; }

        /// <summary>Google: the Workspace mailbox the service account acts for (the JWT's sub).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Impersonate { get; set; }

        /// <summary>A refresh token (Google installed app; or a Microsoft user's with -TenantId), as a
        /// SecureString.</summary>
        [Parameter]
        [ValidateNotNull]
        [SecureOnly]
        public SecureString? RefreshToken { get; set; }

        /// <summary>
        /// The identity provider: Microsoft's authority host (https://login.microsoftonline.com by default; a
        /// sovereign cloud's, or a test endpoint), or for Google the token URL.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Authority { get; set; }

        /// <summary>The scope to ask for; https://outlook.office365.com/.default (Microsoft) or
        /// https://mail.google.com/ (Google) by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Scope { get; set; }

        /// <summary>True when any identity parameter was given.</summary>
        private protected bool HasIdentityParameters => IdentityRequest.AnyGiven(MyInvocation.BoundParameters);

        /// <summary>
        /// The token source of Test-SmtpAuth and Connect-SmtpServer, which log in as one mailbox (-UserName): null
        /// without identity parameters; stops the command when they are combined with another login
        /// (<paramref name="alone"/> is false) or name no mailbox.
        /// </summary>
        private protected OAuthCredentialSource? MailboxIdentitySource(bool alone, string? userName)
        {
            if (!HasIdentityParameters) return null;
            try
            {
                if (!alone)
                {
                    throw new SmtpIdentityException(SmtpIdentityError.IdentityParametersInvalid,
                        $"-{ParameterSetName} cannot be used with the identity parameters (-TenantId, -ClientId, " +
                        "-ServiceAccountKeyFile ...): they get the token themselves.",
                        $"Remove -{ParameterSetName}, or the identity parameters.");
                }
                OAuthCredentialSource source = IdentityCredentialSource(string.IsNullOrEmpty(userName) ? null : userName)!;
                if (string.IsNullOrEmpty(source.UserName))
                {
                    throw new SmtpIdentityException(SmtpIdentityError.IdentityParametersInvalid,
                        "An app-only token logs in as a mailbox: give the mailbox address with -UserName.",
                        "Add -UserName sender@yourdomain.");
                }
                return source;
            }
            catch (SmtpIdentityException ex)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, ex));
                return null;
            }
        }

        /// <summary>
        /// The OAuth credential source the identity parameters describe, or null when none was given.
        /// <paramref name="userName"/> is the mailbox to log in as (XOAUTH2/OAUTHBEARER user): the cmdlet's
        /// -UserName or -From; a Google service account defaults to -Impersonate and impersonates it.
        /// </summary>
        /// <exception cref="SmtpIdentityException">The parameters do not make one flow, or its certificate, key file or
        /// authority is not usable.</exception>
        private protected OAuthCredentialSource? IdentityCredentialSource(string? userName)
        {
            if (!HasIdentityParameters) return null;
            var request = new IdentityRequest(this, MyInvocation.BoundParameters, SessionState.Path);
            return request.Build(userName, TimeSpan.FromSeconds(Timeout));
        }

        /// <summary>
        /// For the delivery engine: the identity parameters as the credential source it asks once per new connection
        /// (and once more after a 535), logging in as <paramref name="userName"/>; null when none was given. A
        /// mistake in the parameters stops the command before any connection.
        /// </summary>
        private protected ISmtpCredentialSource? IdentitySourceForEngine(string? userName,
            out OAuthCredentialSource? oauth)
        {
            oauth = null;
            if (!HasIdentityParameters) return null;
            try
            {
                foreach (string other in new[] { "Credential", "AccessToken" })
                {
                    if (MyInvocation.BoundParameters.ContainsKey(other))
                    {
                        throw new SmtpIdentityException(SmtpIdentityError.IdentityParametersInvalid,
                            $"-{other} cannot be used with the identity parameters (-TenantId, -ClientId, " +
                            "-ServiceAccountKeyFile ...): they get the token themselves.",
                            $"Remove -{other}, or the identity parameters.");
                    }
                }
                oauth = IdentityCredentialSource(userName)!;
                if (string.IsNullOrEmpty(oauth.UserName))
                {
                    throw new SmtpIdentityException(SmtpIdentityError.IdentityParametersInvalid,
                        "A token logs in as a mailbox: give -From (the sending mailbox).",
                        "Add -From sender@yourdomain.");
                }
            }
            catch (SmtpIdentityException ex)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, ex));
            }
            return new LoginFailureCredentialSource(oauth!);
        }
    }

    /// <summary>Completes -CertificateThumbprint with the certificates in Cert:\CurrentUser\My that have a private
    /// key.</summary>
    public sealed class CertificateThumbprintCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var results = new List<CompletionResult>();
            try
            {
                using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
                store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                foreach (X509Certificate2 cert in store.Certificates)
                {
                    if (!cert.HasPrivateKey ||
                        !cert.Thumbprint.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }
                    results.Add(new CompletionResult(cert.Thumbprint, cert.Thumbprint,
                        CompletionResultType.ParameterValue, $"{cert.Subject} (expires {cert.NotAfter:yyyy-MM-dd})"));
                }
            }
            catch (Exception)
            {
                // No store (a fresh account): nothing to offer.
            }
            return results;
        }
    }
}
