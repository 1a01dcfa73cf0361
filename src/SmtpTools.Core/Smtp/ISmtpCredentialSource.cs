using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// Supplies the login for each new connection. A password is fixed; an OAuth token source (client credentials,
    /// a service account, a refresh token) gets a token when asked and a fresh one when the server refused the last.
    /// </summary>
    internal interface ISmtpCredentialSource
    {
        /// <summary>True when <see cref="GetCredentialAsync"/> with forceRefresh can return something new.</summary>
        bool CanRefresh { get; }

        /// <summary>The credential for the next connection.</summary>
        /// <param name="forceRefresh">The server refused the credential this source gave last (a 535 on a token that
        /// should still be valid): skip any cache. The engine asks this at most once per refusal, never in a loop.</param>
        /// <param name="cancellationToken">Ctrl+C, or the cmdlet ending.</param>
        Task<SmtpCredential> GetCredentialAsync(bool forceRefresh, CancellationToken cancellationToken);
    }

    /// <summary>A credential that never changes: a password, or a token the caller obtained.</summary>
    internal sealed class FixedCredentialSource : ISmtpCredentialSource
    {
        private readonly Task<SmtpCredential> _credential;

        internal FixedCredentialSource(SmtpCredential credential) => _credential = Task.FromResult(credential);

        public bool CanRefresh => false;

        public Task<SmtpCredential> GetCredentialAsync(bool forceRefresh, CancellationToken cancellationToken) =>
            _credential;
    }
}
