using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SmtpTools.Core.Identity;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The identity parameters of one invocation, and which OAuth flow they make: shared by the connecting cmdlets
    /// and Get-SmtpAccessToken. A mistake gets an error that names what is missing or what excludes what.
    /// </summary>
    internal sealed class IdentityRequest
    {
        internal static readonly string[] ParameterNames =
        {
            "TenantId", "ClientId", "CertificateThumbprint", "Certificate", "ClientSecret", "ServiceAccountKeyFile",
            "Impersonate", "RefreshToken", "Authority", "Scope",
        };

        private readonly IIdentityParameters _given;
        private readonly IDictionary<string, object> _bound;
        private readonly PathIntrinsics _paths;

        internal IdentityRequest(IIdentityParameters given, IDictionary<string, object> bound, PathIntrinsics paths)
        {
            _given = given;
            _bound = bound;
            _paths = paths;
        }

        internal static bool AnyGiven(IDictionary<string, object> bound) => ParameterNames.Any(bound.ContainsKey);

        private string? TenantId => _given.TenantId;
        private string? ClientId => _given.ClientId;
        private string? CertificateThumbprint => _given.CertificateThumbprint;
        private X509Certificate2? Certificate => _given.Certificate;
        private SecureString? ClientSecret => _given.ClientSecret;
        private string? ServiceAccountKeyFile => _given.ServiceAccountKeyFile;
        private string? Impersonate => _given.Impersonate;
        private SecureString? RefreshToken => _given.RefreshToken;
        private string? Authority => _given.Authority;
        private string? Scope => _given.Scope;

        /// <summary>The credential source for these parameters, logging in as <paramref name="userName"/>.</summary>
        /// <exception cref="SmtpIdentityException">The parameters do not make one flow, or a piece is
        /// unusable.</exception>
        internal OAuthCredentialSource Build(string? userName, TimeSpan timeout)
        {
            OAuthTokenFlow flow;
            string? user = userName;

            if (ServiceAccountKeyFile != null)
            {
                Exclude("-ServiceAccountKeyFile", "TenantId", "CertificateThumbprint", "Certificate", "ClientSecret",
                    "RefreshToken", "ClientId");
                string subject = Impersonate ?? userName ?? throw Invalid(
                    "A service account sends for a Workspace user: give -Impersonate mailbox (domain-wide delegation).",
                    "Add -Impersonate user@yourdomain.");
                ServiceAccountKey key = ServiceAccountKey.Load(ResolveKeyFile(ServiceAccountKeyFile));
                flow = new GoogleServiceAccountFlow(key, subject, Scope, Authority);
                user ??= subject;
            }
            else if (RefreshToken != null)
            {
                Exclude("-RefreshToken", "CertificateThumbprint", "Certificate", "Impersonate");
                string clientId = ClientId ?? throw Invalid("-RefreshToken needs the -ClientId it was issued to.",
                    "Add -ClientId (and -ClientSecret for a Google installed app).");
                flow = TenantId != null
                    ? new RefreshTokenFlow(OAuthProvider.Microsoft,
                        OAuthTokenFlow.MicrosoftTokenEndpoint(Authority, TenantId), TenantId, clientId,
                        Scope ?? OAuthTokenFlow.MicrosoftDelegatedScope, ClientSecret, RefreshToken)
                    : new RefreshTokenFlow(OAuthProvider.Google,
                        TokenEndpointClient.ValidateEndpoint(Authority ?? OAuthTokenFlow.GoogleTokenEndpoint,
                            "-Authority"), null, clientId, Scope ?? OAuthTokenFlow.GoogleMailScope, ClientSecret,
                        RefreshToken);
            }
            else
            {
                Exclude("a Microsoft app (-TenantId -ClientId)", "Impersonate");
                if (ClientId == null || TenantId == null)
                {
                    throw Invalid(
                        "The identity parameters are incomplete: Microsoft 365 needs -TenantId and -ClientId with " +
                        "one of -CertificateThumbprint, -Certificate or -ClientSecret; Google needs " +
                        "-ServiceAccountKeyFile with -Impersonate, or -ClientId -ClientSecret -RefreshToken.",
                        "Add " + (ClientId == null ? "-ClientId" : "-TenantId") +
                        ", or see Get-Help about_SmtpTools_OAuth.");
                }
                int ways = (CertificateThumbprint != null ? 1 : 0) + (Certificate != null ? 1 : 0) +
                           (ClientSecret != null ? 1 : 0);
                if (ways != 1)
                {
                    throw Invalid(ways == 0
                            ? "-TenantId and -ClientId need the app's credential: -CertificateThumbprint, " +
                              "-Certificate or -ClientSecret."
                            : "Give only one of -CertificateThumbprint, -Certificate and -ClientSecret.",
                        "Microsoft recommends a certificate: -CertificateThumbprint of a certificate in " +
                        "Cert:\\CurrentUser\\My.");
                }
                X509Certificate2? certificate = Certificate ??
                    (CertificateThumbprint != null ? CertificateLocator.FindByThumbprint(CertificateThumbprint) : null);
                flow = new MicrosoftClientCredentialFlow(Authority, TenantId, ClientId, Scope, ClientSecret,
                    certificate);
            }
            return new OAuthCredentialSource(flow, user, timeout);
        }

        private void Exclude(string flow, params string[] others)
        {
            string[] given = others.Where(_bound.ContainsKey).ToArray();
            if (given.Length == 0) return;
            throw Invalid($"{string.Join(", ", given.Select(g => "-" + g))} cannot be used with {flow}.",
                "Give the parameters of one flow only; see Get-Help about_SmtpTools_OAuth.");
        }

        private static SmtpIdentityException Invalid(string message, string action) =>
            new SmtpIdentityException(SmtpIdentityError.IdentityParametersInvalid, message, action);

        /// <summary>Resolves the key file like any PowerShell path: relative to the current location, wildcards
        /// expanded, exactly one file.</summary>
        private string ResolveKeyFile(string path)
        {
            Collection<string> resolved;
            try
            {
                resolved = _paths.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
                if (provider.Name != "FileSystem")
                {
                    throw Invalid($"-ServiceAccountKeyFile {path} is not a file system path.",
                        "Give the JSON file's path.");
                }
            }
            catch (ItemNotFoundException)
            {
                throw new SmtpIdentityException(SmtpIdentityError.ServiceAccountKeyFileNotFound,
                    $"The service-account key file {path} does not exist.",
                    "Give the path of the JSON key downloaded from the Google Cloud console.");
            }
            if (resolved.Count != 1)
            {
                throw Invalid($"-ServiceAccountKeyFile {path} matches {resolved.Count} files.",
                    "Give the path of one JSON key file.");
            }
            return resolved[0];
        }
    }

    /// <summary>The identity parameters, as the connecting cmdlets and Get-SmtpAccessToken declare them.</summary>
    internal interface IIdentityParameters
    {
        string? TenantId { get; }
        string? ClientId { get; }
        string? CertificateThumbprint { get; }
        X509Certificate2? Certificate { get; }
        SecureString? ClientSecret { get; }
        string? ServiceAccountKeyFile { get; }
        string? Impersonate { get; }
        SecureString? RefreshToken { get; }
        string? Authority { get; }
        string? Scope { get; }
    }
}
