using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>The identity the command runs as (Send-MailMessage's UseDefaultCredentials): nothing to fetch or
    /// refresh, the platform holds the ticket or logon session.</summary>
    internal sealed class CurrentIdentityCredentialSource : ISmtpCredentialSource
    {
        private readonly Task<SmtpCredential> _credential;

        internal CurrentIdentityCredentialSource(SmtpCredential credential) =>
            _credential = Task.FromResult(credential);

        /// <summary>Send-MailMessage's rule: only where the server offers GSSAPI or NTLM, else no AUTH at all.</summary>
        internal bool IsOptional => _credential.Result.IsOptional;

        public bool CanRefresh => false;

        public Task<SmtpCredential> GetCredentialAsync(bool forceRefresh, CancellationToken cancellationToken) =>
            _credential;
    }

    /// <summary>
    /// Send-MailMessage's rule for a command given no credential: authenticate as the current identity where the
    /// server offers GSSAPI or NTLM, and otherwise send as before, without AUTH.
    /// </summary>
    internal static class IntegratedAuthentication
    {
        /// <summary>True for the current identity used only where offered: without it nothing would log in, so
        /// STARTTLS stays opportunistic.</summary>
        internal static bool IsOptional(ISmtpCredentialSource? source) =>
            source is CurrentIdentityCredentialSource current && current.IsOptional;

        /// <summary>
        /// Logs in through <paramref name="logIn"/> with the mechanism to use. An optional current identity is
        /// used only where the server offers GSSAPI, or NTLM over TLS with a verified certificate (NTLM does not
        /// verify the server, and its answer can be relayed); when this machine cannot use it (no ticket, unknown
        /// principal) or the server refuses it, the session goes on without AUTH and <paramref name="note"/> says
        /// why, as Send-MailMessage goes on.
        /// </summary>
        internal static async Task LogInAsync(SmtpSession session, ISmtpCredentialSource source, string? mechanism,
            Action<string> note, Func<string?, Task> logIn)
        {
            if (!IsOptional(source))
            {
                await logIn(mechanism).ConfigureAwait(false);
                return;
            }
            string? chosen = Choose(session.Capabilities?.AuthMechanisms ?? Array.Empty<string>(), mechanism,
                session.IsEncrypted && session.Tls?.ValidationErrors.Count == 0);
            if (chosen == null) return;
            try
            {
                await logIn(chosen).ConfigureAwait(false);
            }
            catch (SmtpAuthenticationException ex) when (CanGoOnWithout(ex.Failure))
            {
                note($"Not authenticating as the current identity: {ex.Reason} Sending without AUTH.");
            }
        }

        /// <summary>The mechanism an optional current identity uses on this server, or null for none.</summary>
        internal static string? Choose(IReadOnlyList<string> offered, string? requested, bool verifiedTls)
        {
            if (requested != null)
            {
                string name = requested.ToUpperInvariant();
                if (!SaslMechanism.IsIntegrated(name)) return null;
                return offered.Contains(SaslMechanism.WireName(name)) ? name : null;
            }
            if (offered.Contains("GSSAPI")) return "GSSAPI";
            return offered.Contains("NTLM") && verifiedTls ? "NTLM" : null;
        }

        // Failures of this machine's Kerberos/NTLM, or the server refusing this identity: nothing was proven wrong
        // about the server, so sending without AUTH is what happened before the current identity was tried (the
        // server still decides). A server that failed to prove itself (ServerNotVerified) is an error.
        private static bool CanGoOnWithout(SmtpAuthFailure failure) => failure switch
        {
            SmtpAuthFailure.Rejected => true,
            SmtpAuthFailure.NoTicket => true,
            SmtpAuthFailure.TicketExpired => true,
            SmtpAuthFailure.ClockSkew => true,
            SmtpAuthFailure.UnknownServicePrincipal => true,
            SmtpAuthFailure.NtlmDisabled => true,
            SmtpAuthFailure.IntegratedUnavailable => true,
            SmtpAuthFailure.IntegratedFailed => true,
            _ => false,
        };
    }
}
