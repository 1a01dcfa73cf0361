using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;

namespace SmtpTools
{
    /// <summary>
    /// An OAuth 2 access token for SMTP with what its claims say (audience, tenant, app, roles or scopes, expiry).
    /// The token itself is only in <see cref="AccessToken"/>, as a SecureString; the signature is never shown.
    /// </summary>
    public sealed class SmtpAccessToken
    {
        internal SmtpAccessToken(string provider, string flow, string tokenEndpoint, string clientId, string? userName,
            SecureString accessToken, DateTimeOffset expiresOn, string? grantedScope, bool fromCache,
            IReadOnlyDictionary<string, object?>? claims)
        {
            Provider = provider;
            Flow = flow;
            TokenEndpoint = tokenEndpoint;
            ClientId = clientId;
            UserName = userName;
            AccessToken = accessToken;
            ExpiresOn = expiresOn;
            FromCache = fromCache;
            Claims = claims ?? new Dictionary<string, object?>();
            IsJwt = claims != null;
            Audience = Strings(claims, "aud").FirstOrDefault();
            Issuer = Text(claims, "iss");
            TenantId = Text(claims, "tid");
            AppId = Text(claims, "appid") ?? Text(claims, "azp");
            AppDisplayName = Text(claims, "app_displayname");
            ObjectId = Text(claims, "oid");
            Subject = Text(claims, "sub");
            Roles = Strings(claims, "roles");
            string? scopes = Text(claims, "scp") ?? Text(claims, "scope") ?? grantedScope;
            Scopes = scopes == null ? Array.Empty<string>()
                : scopes.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            IssuedAt = Time(claims, "iat");
            NotBefore = Time(claims, "nbf");
        }

        /// <summary>Microsoft or Google.</summary>
        public string Provider { get; }

        /// <summary>How it was obtained, in words (never a secret).</summary>
        public string Flow { get; }

        /// <summary>The token URL that issued it.</summary>
        public string TokenEndpoint { get; }

        /// <summary>The client (application) id, or the service account's address.</summary>
        public string ClientId { get; }

        /// <summary>The mailbox the token will log in as with XOAUTH2/OAUTHBEARER, when known.</summary>
        public string? UserName { get; }

        /// <summary>The bearer token, for -AccessToken of the other cmdlets.</summary>
        public SecureString AccessToken { get; }

        /// <summary>When it expires.</summary>
        public DateTimeOffset ExpiresOn { get; }

        /// <summary>Time left until it expires (negative when expired).</summary>
        public TimeSpan ExpiresIn => ExpiresOn - DateTimeOffset.UtcNow;

        /// <summary>True when this session's cache gave it, without asking the provider.</summary>
        public bool FromCache { get; }

        /// <summary>True when the token is a JWT whose claims could be read (Microsoft's are; Google's are
        /// opaque).</summary>
        public bool IsJwt { get; }

        /// <summary>aud: the service the token is for (https://outlook.office365.com for Exchange Online
        /// SMTP).</summary>
        public string? Audience { get; }

        /// <summary>iss: who issued it.</summary>
        public string? Issuer { get; }

        /// <summary>tid: the Microsoft tenant.</summary>
        public string? TenantId { get; }

        /// <summary>appid/azp: the application the token was issued to.</summary>
        public string? AppId { get; }

        /// <summary>app_displayname: the application's name in the tenant.</summary>
        public string? AppDisplayName { get; }

        /// <summary>oid: the service principal's (Enterprise Application's) object id, which Exchange permissions
        /// name.</summary>
        public string? ObjectId { get; }

        /// <summary>sub: the subject.</summary>
        public string? Subject { get; }

        /// <summary>roles: application permissions (SMTP.SendAsApp for app-only SMTP).</summary>
        public IReadOnlyList<string> Roles { get; }

        /// <summary>scp, or the scope the endpoint granted: delegated permissions (SMTP.Send,
        /// https://mail.google.com/).</summary>
        public IReadOnlyList<string> Scopes { get; }

        /// <summary>iat.</summary>
        public DateTimeOffset? IssuedAt { get; }

        /// <summary>nbf.</summary>
        public DateTimeOffset? NotBefore { get; }

        /// <summary>Every claim of the payload, decoded; empty for an opaque token. Never the signature.</summary>
        public IReadOnlyDictionary<string, object?> Claims { get; }

        /// <summary>True when the token carries application permissions and acts for no user (app-only).</summary>
        public bool IsAppOnly => Roles.Count > 0 && !Claims.ContainsKey("scp");

        /// <summary>The claims of a token the caller brought (-AccessToken), or null when it is not a JWT.</summary>
        internal static SmtpAccessToken? FromGivenToken(string token, string? userName, SecureString secure)
        {
            Dictionary<string, object?>? claims = Core.Identity.JsonWebToken.TryReadClaims(token);
            if (claims == null) return null;
            DateTimeOffset expires = Time(claims, "exp") ?? DateTimeOffset.MaxValue;
            return new SmtpAccessToken("(given)", "a token given with -AccessToken", string.Empty,
                Text(claims, "appid") ?? Text(claims, "azp") ?? string.Empty, userName, secure, expires, null, false,
                claims);
        }

        /// <summary>Describes the token without revealing it.</summary>
        public override string ToString() =>
            $"{Provider} token for {Audience ?? string.Join(" ", Scopes)}, expires {ExpiresOn:u}";

        private static string? Text(IReadOnlyDictionary<string, object?>? claims, string name) =>
            claims != null && claims.TryGetValue(name, out object? value) ? value as string : null;

        private static IReadOnlyList<string> Strings(IReadOnlyDictionary<string, object?>? claims, string name)
        {
            if (claims == null || !claims.TryGetValue(name, out object? value)) return Array.Empty<string>();
            if (value is string one) return new[] { one };
            if (value is List<object?> many) return many.OfType<string>().ToArray();
            return Array.Empty<string>();
        }

        private static DateTimeOffset? Time(IReadOnlyDictionary<string, object?>? claims, string name) =>
            claims != null && claims.TryGetValue(name, out object? value) && value is long seconds
                ? new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds)
                : (DateTimeOffset?)null;
    }
}
