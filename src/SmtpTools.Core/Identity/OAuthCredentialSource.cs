using System;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;

namespace SmtpTools.Core.Identity
{
    /// <summary>
    /// The login for each connection from an OAuth flow: the cached token while it is good, a new one when it is
    /// about to expire, and a forced new one (once) when the server refused the last.
    /// </summary>
    internal sealed class OAuthCredentialSource : ISmtpCredentialSource
    {
        private readonly TimeSpan _timeout;
        private int _requests;

        internal OAuthCredentialSource(OAuthTokenFlow flow, string? userName, TimeSpan timeout)
        {
            Flow = flow;
            UserName = userName;
            _timeout = timeout;
        }

        internal OAuthTokenFlow Flow { get; }

        /// <summary>The XOAUTH2/OAUTHBEARER user: the sending mailbox.</summary>
        internal string? UserName { get; }

        /// <summary>The last token handed out, decoded (for Test-SmtpAuth's result and for -Verbose).</summary>
        internal SmtpAccessToken? LastToken { get; private set; }

        /// <summary>How many times this source asked the provider (not the cache) for a token.</summary>
        internal int Requests => Volatile.Read(ref _requests);

        /// <summary>Told, in words, when a token is fetched or reused (-Verbose). Never given the token.</summary>
        internal Action<string>? Log { get; set; }

        public bool CanRefresh => true;

        public async Task<SmtpCredential> GetCredentialAsync(bool forceRefresh, CancellationToken cancellationToken)
        {
            SmtpAccessToken token = await GetTokenAsync(forceRefresh, cancellationToken).ConfigureAwait(false);
            return new SmtpCredential(UserName ?? string.Empty, null, Reveal(token.AccessToken));
        }

        /// <summary>The token with its decoded claims.</summary>
        /// <exception cref="SmtpIdentityException">The provider refused or could not be reached.</exception>
        internal async Task<SmtpAccessToken> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
        {
            Log?.Invoke(forceRefresh
                ? $"OAuth: asking {Flow.Endpoint.GetLeftPart(UriPartial.Path)} for a new token ({Flow.Description}), " +
                  "not the session's."
                : $"OAuth: token for {Flow.Description}.");
            (OAuthTokenResponse response, bool fromCache) = await AccessTokenCache
                .GetAsync(Flow, forceRefresh, _timeout, cancellationToken).ConfigureAwait(false);
            if (!fromCache) Interlocked.Increment(ref _requests);
            var secure = new SecureString();
            foreach (char c in response.AccessToken) secure.AppendChar(c);
            secure.MakeReadOnly();
            var token = new SmtpAccessToken(Flow.Provider.ToString(), Flow.Description,
                Flow.Endpoint.GetLeftPart(UriPartial.Path), Flow.ClientId, UserName ?? Flow.Subject, secure,
                response.ExpiresOn, response.Scope, fromCache, JsonWebToken.TryReadClaims(response.AccessToken));
            Log?.Invoke(fromCache
                ? $"OAuth: reusing this session's token, valid until {token.ExpiresOn:u}."
                : $"OAuth: new token from {token.TokenEndpoint}, valid until {token.ExpiresOn:u}" +
                  (token.Audience != null ? $", audience {token.Audience}" : "") +
                  (token.Roles.Count > 0 ? $", roles {string.Join(" ", token.Roles)}" : "") + ".");
            LastToken = token;
            return token;
        }

        private static string Reveal(SecureString secret) =>
            new System.Net.NetworkCredential(string.Empty, secret).Password;
    }
}

namespace SmtpTools.Core.Identity
{
    /// <summary>
    /// A token source as the delivery engine needs it: a token that cannot be had is that connection's failed login,
    /// an SmtpException at the Auth stage carrying the SmtpIdentityException, so the engine stops the batch and
    /// reports it like any refused login (the cmdlets unwrap it to its own error id).
    /// </summary>
    internal sealed class LoginFailureCredentialSource : ISmtpCredentialSource
    {
        private readonly ISmtpCredentialSource _inner;

        internal LoginFailureCredentialSource(ISmtpCredentialSource inner) => _inner = inner;

        public bool CanRefresh => _inner.CanRefresh;

        public async Task<SmtpCredential> GetCredentialAsync(bool forceRefresh, CancellationToken cancellationToken)
        {
            try
            {
                return await _inner.GetCredentialAsync(forceRefresh, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpIdentityException ex)
            {
                throw new SmtpException("no access token for the login: " + ex.Message, SmtpStage.Auth, null, ex);
            }
        }
    }
}
