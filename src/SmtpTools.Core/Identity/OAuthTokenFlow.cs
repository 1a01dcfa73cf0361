using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Identity
{
    /// <summary>
    /// One way to get an access token for SMTP: one HTTPS POST, and for the certificate and service-account flows
    /// one signature. Flows hold their secrets as given (SecureString, certificate, key) and reveal them only while
    /// building the request.
    /// </summary>
    internal abstract class OAuthTokenFlow
    {
        /// <summary>Microsoft's public cloud.</summary>
        internal const string MicrosoftAuthority = "https://login.microsoftonline.com";

        /// <summary>App-only SMTP for Exchange Online: the resource's .default scope (client credentials must use
        /// it).</summary>
        internal const string MicrosoftAppScope = "https://outlook.office365.com/.default";

        /// <summary>Delegated SMTP for Exchange Online, for a user's refresh token.</summary>
        internal const string MicrosoftDelegatedScope = "https://outlook.office.com/SMTP.Send offline_access";

        /// <summary>Google's token endpoint, as real key files name it in token_uri.</summary>
        internal const string GoogleTokenEndpoint = "https://oauth2.googleapis.com/token";

        /// <summary>Gmail's scope that covers SMTP.</summary>
        internal const string GoogleMailScope = "https://mail.google.com/";

        protected OAuthTokenFlow(OAuthProvider provider, Uri endpoint, string? tenantId, string clientId, string scope,
            string? subject)
        {
            Provider = provider;
            Endpoint = endpoint;
            TenantId = tenantId;
            ClientId = clientId;
            Scope = scope;
            Subject = subject;
        }

        internal OAuthProvider Provider { get; }
        internal Uri Endpoint { get; }
        internal string? TenantId { get; }
        internal string ClientId { get; }
        internal string Scope { get; }

        /// <summary>The user the token acts for (Google impersonation), or null for an app-only token.</summary>
        internal string? Subject { get; }

        /// <summary>The flow in words for -Verbose ("client credentials with certificate 1A2B…"), never a
        /// secret.</summary>
        internal abstract string Description { get; }

        /// <summary>
        /// A hash of the credential material, so a cached token is only reused for the same secret, certificate or
        /// key: a diagnostic run with a wrong secret must fail, not succeed on an earlier run's token.
        /// </summary>
        protected abstract string CredentialFingerprint { get; }

        /// <summary>The token cache key: authority, tenant, client, scope, subject, and the credential's
        /// hash.</summary>
        internal string CacheKey => string.Join("\n", Endpoint.AbsoluteUri, TenantId ?? "", ClientId, Scope,
            Subject ?? "", CredentialFingerprint);

        /// <summary>Asks the endpoint for a new token.</summary>
        internal Task<OAuthTokenResponse> RequestAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
            TokenEndpointClient.RequestAsync(Provider, Endpoint, BuildForm(), timeout, cancellationToken);

        /// <summary>The form fields of the token request (they include the secret or the assertion).</summary>
        protected abstract IEnumerable<KeyValuePair<string, string>> BuildForm();

        /// <summary>Called with every successful answer (a refresh-token flow keeps a rotated refresh token).</summary>
        internal virtual void Accept(OAuthTokenResponse response)
        {
        }

        protected static string Reveal(SecureString secret) => new NetworkCredential(string.Empty, secret).Password;

        protected static string Hash(string text)
        {
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(text)));
        }

        protected static KeyValuePair<string, string> Field(string name, string value) =>
            new KeyValuePair<string, string>(name, value);

        protected static KeyValuePair<string, object?> Claim(string name, object? value) =>
            new KeyValuePair<string, object?>(name, value);

        /// <summary>The v2.0 token URL of a tenant: the authority plus /{tenant}/oauth2/v2.0/token, unless the
        /// authority already is a token URL.</summary>
        internal static Uri MicrosoftTokenEndpoint(string? authority, string tenantId)
        {
            string baseUrl = (authority ?? MicrosoftAuthority).TrimEnd('/');
            string url = baseUrl.EndsWith("/oauth2/v2.0/token", StringComparison.OrdinalIgnoreCase)
                ? baseUrl
                : baseUrl + "/" + Uri.EscapeDataString(tenantId) + "/oauth2/v2.0/token";
            return TokenEndpointClient.ValidateEndpoint(url, "-Authority");
        }
    }

    /// <summary>
    /// Microsoft's client-credentials grant (app-only): a client secret, or a client assertion signed with the
    /// app's certificate (PS256 with x5t#S256, falling back to RS256 with x5t when the key cannot do PSS).
    /// </summary>
    internal sealed class MicrosoftClientCredentialFlow : OAuthTokenFlow
    {
        private readonly SecureString? _secret;
        private readonly X509Certificate2? _certificate;

        internal MicrosoftClientCredentialFlow(string? authority, string tenantId, string clientId, string? scope,
            SecureString? secret, X509Certificate2? certificate)
            : base(OAuthProvider.Microsoft, MicrosoftTokenEndpoint(authority, tenantId), tenantId, clientId,
                scope ?? MicrosoftAppScope, null)
        {
            if ((secret == null) == (certificate == null))
                throw new ArgumentException("Give exactly one of a client secret and a certificate.");
            _secret = secret;
            _certificate = certificate;
            if (certificate != null) CertificateLocator.CheckUsable(certificate);
        }

        /// <summary>Gets the certificate's key; tests swap in a key that cannot do PSS, as a CryptoAPI key
        /// cannot.</summary>
        internal Func<X509Certificate2, RSA> PrivateKeyOf { get; set; } = CertificateLocator.PrivateKey;

        /// <summary>How the last assertion was signed: PS256 or RS256 (null for a secret).</summary>
        internal string? LastAssertionAlgorithm { get; private set; }

        internal override string Description => _certificate != null
            ? $"client credentials for app {ClientId} in tenant {TenantId}, with certificate {_certificate.Thumbprint}"
            : $"client credentials for app {ClientId} in tenant {TenantId}, with a client secret";

        protected override string CredentialFingerprint =>
            _certificate != null ? "cert:" + _certificate.Thumbprint : "secret:" + Hash(Reveal(_secret!));

        protected override IEnumerable<KeyValuePair<string, string>> BuildForm()
        {
            yield return Field("client_id", ClientId);
            yield return Field("scope", Scope);
            yield return Field("grant_type", "client_credentials");
            if (_certificate != null)
            {
                yield return Field("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
                yield return Field("client_assertion", BuildAssertion(DateTimeOffset.UtcNow));
            }
            else
            {
                yield return Field("client_secret", Reveal(_secret!));
            }
        }

        /// <summary>The signed client assertion (Microsoft identity platform "certificate credentials").</summary>
        internal string BuildAssertion(DateTimeOffset now)
        {
            X509Certificate2 certificate = _certificate!;
            var claims = new[]
            {
                Claim("aud", Endpoint.AbsoluteUri),
                Claim("iss", ClientId),
                Claim("sub", ClientId),
                Claim("jti", Guid.NewGuid().ToString()),
                Claim("nbf", JsonWebToken.ToUnixTime(now)),
                Claim("iat", JsonWebToken.ToUnixTime(now)),
                // At most 10 minutes: a leaked assertion is worthless soon after.
                Claim("exp", JsonWebToken.ToUnixTime(now.AddMinutes(10))),
            };
            using RSA key = PrivateKeyOf(certificate);
            try
            {
                byte[] sha256;
                using (var sha = SHA256.Create()) sha256 = sha.ComputeHash(certificate.RawData);
                string token = JsonWebToken.Sign(new[]
                {
                    Claim("alg", "PS256"),
                    Claim("typ", "JWT"),
                    Claim("x5t#S256", Base64Url.Encode(sha256)),
                }, claims, key, pss: true);
                LastAssertionAlgorithm = "PS256";
                return token;
            }
            catch (Exception ex) when (ex is CryptographicException || ex is NotSupportedException)
            {
                // Keys in a legacy CryptoAPI provider (RSACryptoServiceProvider on Windows PowerShell 5.1, or a
                // smart card) cannot sign with PSS; Microsoft still accepts RS256 identified by the SHA-1 thumbprint.
                string token;
                try
                {
                    token = JsonWebToken.Sign(new[]
                    {
                        Claim("alg", "RS256"),
                        Claim("typ", "JWT"),
                        Claim("x5t", Base64Url.Encode(certificate.GetCertHash())),
                    }, claims, key, pss: false);
                }
                catch (CryptographicException rs256)
                {
                    // "Invalid algorithm specified": a key in the old Microsoft Enhanced/Base Cryptographic Provider
                    // cannot sign SHA-256 at all on the .NET Framework.
                    throw new SmtpIdentityException(SmtpIdentityError.CertificateKeyUnusable,
                        $"The private key of certificate {certificate.Thumbprint} cannot sign with SHA-256 " +
                        $"(PS256: {ex.Message}; RS256: {rs256.Message}).",
                        "Create the certificate with a CNG key (New-SelfSignedCertificate does by default) or with " +
                        "-Provider 'Microsoft Enhanced RSA and AES Cryptographic Provider'.", rs256);
                }
                LastAssertionAlgorithm = "RS256";
                return token;
            }
        }
    }

    /// <summary>
    /// Google's service-account grant with domain-wide delegation (RFC 7523 jwt-bearer): an RS256 JWT signed with the
    /// key file's private key, sub = the impersonated mailbox, aud = the key file's token_uri.
    /// </summary>
    internal sealed class GoogleServiceAccountFlow : OAuthTokenFlow
    {
        private readonly ServiceAccountKey _key;

        internal GoogleServiceAccountFlow(ServiceAccountKey key, string subject, string? scope, string? tokenUrl)
            : base(OAuthProvider.Google, TokenEndpointClient.ValidateEndpoint(tokenUrl ?? key.TokenUri,
                tokenUrl != null ? "-Authority" : "the key file's token_uri"), null, key.ClientEmail,
                scope ?? GoogleMailScope, subject)
        {
            _key = key;
        }

        internal override string Description =>
            $"service account {_key.ClientEmail} (key {_key.PrivateKeyId}) acting for {Subject}";

        protected override string CredentialFingerprint => "key:" + _key.PrivateKeyId + ":" + _key.Fingerprint;

        protected override IEnumerable<KeyValuePair<string, string>> BuildForm()
        {
            yield return Field("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
            yield return Field("assertion", BuildAssertion(DateTimeOffset.UtcNow));
        }

        internal string BuildAssertion(DateTimeOffset now)
        {
            var header = new List<KeyValuePair<string, object?>> { Claim("alg", "RS256"), Claim("typ", "JWT") };
            if (!string.IsNullOrEmpty(_key.PrivateKeyId)) header.Add(Claim("kid", _key.PrivateKeyId));
            var claims = new[]
            {
                Claim("iss", _key.ClientEmail),
                Claim("scope", Scope),
                // The aud is the token_uri the grant is sent to, as Google checks it.
                Claim("aud", Endpoint.AbsoluteUri),
                Claim("sub", Subject),
                Claim("iat", JsonWebToken.ToUnixTime(now)),
                Claim("exp", JsonWebToken.ToUnixTime(now.AddMinutes(60))),
            };
            using RSA rsa = _key.CreateKey();
            return JsonWebToken.Sign(header, claims, rsa, pss: false);
        }
    }

    /// <summary>
    /// A refresh-token grant (RFC 6749 §6): Google's installed apps (client id, secret, refresh token), or a
    /// Microsoft user's refresh token. A rotated refresh token replaces the old one for the rest of the session.
    /// </summary>
    internal sealed class RefreshTokenFlow : OAuthTokenFlow
    {
        // Rotated refresh tokens, by the cache key of the flow that got them: the next invocation with the same
        // parameters (the original refresh token) must use the newest one, as the provider may revoke the old.
        private static readonly ConcurrentDictionary<string, SecureString> Rotated =
            new ConcurrentDictionary<string, SecureString>(StringComparer.Ordinal);

        private readonly SecureString? _clientSecret;
        private readonly SecureString _refreshToken;
        private readonly string _originalFingerprint;

        internal RefreshTokenFlow(OAuthProvider provider, Uri endpoint, string? tenantId, string clientId,
            string scope, SecureString? clientSecret, SecureString refreshToken)
            : base(provider, endpoint, tenantId, clientId, scope, null)
        {
            _clientSecret = clientSecret;
            _refreshToken = refreshToken;
            _originalFingerprint = "refresh:" + Hash(Reveal(refreshToken)) +
                                   (clientSecret == null ? "" : ":" + Hash(Reveal(clientSecret)));
        }

        internal override string Description => $"refresh token for client {ClientId}";

        // The refresh token the caller gave names the cache entry, even after rotation, so the next call with the
        // same parameters finds the token this one got.
        protected override string CredentialFingerprint => _originalFingerprint;

        protected override IEnumerable<KeyValuePair<string, string>> BuildForm()
        {
            SecureString refresh = Rotated.TryGetValue(CacheKey, out SecureString? newer) ? newer : _refreshToken;
            yield return Field("grant_type", "refresh_token");
            yield return Field("client_id", ClientId);
            yield return Field("refresh_token", Reveal(refresh));
            if (_clientSecret != null) yield return Field("client_secret", Reveal(_clientSecret));
            // Microsoft's v2.0 endpoint needs the scope again; Google keeps the scopes of the original grant.
            if (Provider == OAuthProvider.Microsoft) yield return Field("scope", Scope);
        }

        internal override void Accept(OAuthTokenResponse response)
        {
            if (string.IsNullOrEmpty(response.RefreshToken)) return;
            var rotated = new SecureString();
            foreach (char c in response.RefreshToken!) rotated.AppendChar(c);
            rotated.MakeReadOnly();
            Rotated[CacheKey] = rotated;
        }
    }
}
