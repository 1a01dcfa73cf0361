using System;
using System.Linq;

namespace SmtpTools.Core.Identity
{
    /// <summary>
    /// Explains in words why a server refused a token, from the reply and what the token's claims say: the known
    /// Exchange Online set-up mistakes for app-only SMTP, SMTP AUTH switched off, Basic auth retired, and a token
    /// that is expired or meant for another service.
    /// </summary>
    internal static class OAuthAdvice
    {
        internal const string ExchangeAudience = "https://outlook.office365.com";
        internal const string SendAsAppRole = "SMTP.SendAsApp";

        /// <summary>Advice for one AUTH result, or null when it succeeded or nothing specific is known.</summary>
        internal static string? Explain(SmtpAuthResult result, SmtpAccessToken? token, bool usedToken)
        {
            if (result.Succeeded) return null;
            string? status = result.EnhancedStatus;
            string mailbox = result.UserName;

            if (result.ReplyCode == 550 && status == "5.7.30")
            {
                return "Exchange Online no longer accepts a password (Basic authentication) for SMTP client " +
                       "submission. Use OAuth: -TenantId -ClientId -CertificateThumbprint (an app with " +
                       "SMTP.SendAsApp), see Get-Help about_SmtpTools_OAuth.";
            }
            if (result.ReplyCode == 535 && status == "5.7.139")
            {
                return $"SMTP AUTH is disabled for the tenant or for the mailbox {mailbox}. Enable it for this " +
                       $"mailbox only: Set-CASMailbox -Identity {mailbox} -SmtpClientAuthenticationDisabled $false " +
                       "(the mailbox setting overrides the tenant's, Get-TransportConfig | Format-List " +
                       "SmtpClientAuthenticationDisabled).";
            }
            if (!usedToken) return null;

            if (token != null && token.ExpiresOn <= DateTimeOffset.UtcNow)
            {
                return $"The token expired at {token.ExpiresOn:u}. Get a new one (the identity parameters renew " +
                       "tokens by themselves; Get-SmtpAccessToken -ForceRefresh).";
            }
            if (token?.Audience != null && IsExchange(result.Server) &&
                !token.Audience.StartsWith(ExchangeAudience, StringComparison.OrdinalIgnoreCase) &&
                token.Audience != "00000002-0000-0ff1-ce00-000000000000")
            {
                return $"The token is for {token.Audience}, not for Exchange Online ({ExchangeAudience}). Ask " +
                       "for the scope https://outlook.office365.com/.default (the default of -Scope).";
            }
            string? tokenUser = TokenUser(token);
            if (tokenUser != null && !tokenUser.Equals(mailbox, StringComparison.OrdinalIgnoreCase))
            {
                return $"The token was issued for {tokenUser}, but the login user is {mailbox}: a server ties a " +
                       "user's token to that user. Log in as the token's user (-UserName, or -From), or get a " +
                       $"token for {mailbox}.";
            }
            if (result.ReplyCode == 535 && status == "5.7.3" && token != null && token.IsJwt)
            {
                if (token.Roles.Count > 0 || token.IsAppOnly)
                {
                    if (!token.Roles.Contains(SendAsAppRole, StringComparer.OrdinalIgnoreCase))
                    {
                        return $"The app-only token has no {SendAsAppRole} role (roles: " +
                               $"{string.Join(", ", token.Roles)}). In the app registration add API permission " +
                               $"Office 365 Exchange Online > Application permissions > {SendAsAppRole} and grant " +
                               "admin consent, then get a new token (-ForceRefresh).";
                    }
                    string sp = token.ObjectId ?? "<Enterprise Application object id>";
                    string app = token.AppId ?? "<client id>";
                    return "Exchange Online refused the app-only token for " + mailbox + ". Known causes: " +
                           $"(1) the app's service principal is not registered in Exchange Online: " +
                           $"New-ServicePrincipal -AppId {app} -ObjectId {sp} — the object id of the Enterprise " +
                           "Application (the token's oid), not of the App Registration; " +
                           "(2) it has no right on this mailbox: Add-MailboxPermission -Identity " +
                           $"{mailbox} -User {sp} -AccessRights FullAccess, or with RBAC for Applications " +
                           $"New-ManagementRoleAssignment -App {sp} -Role 'Application SMTP.SendAsApp' (check " +
                           "with Test-ServicePrincipalAuthorization); " +
                           "(3) the XOAUTH2 user is not the mailbox (give -UserName or -From as the mailbox " +
                           "address); " +
                           "(4) the permission was granted recently: it can take up to 2 hours to apply.";
                }
                return $"Exchange Online refused the delegated token for {mailbox}: the token must carry the " +
                       "SMTP.Send scope, be the mailbox's own user's (or one with Send As/Full Access), and SMTP " +
                       $"AUTH must be enabled for the mailbox (Get-CASMailbox {mailbox} | Format-List " +
                       "SmtpClientAuthenticationDisabled).";
            }
            if (result.ReplyCode == 535 && result.ErrorDetails != null && IsGoogle(result.Server))
            {
                return "Gmail refused the token. The user must be the mailbox the token was issued for (for a " +
                       "service account, the -Impersonate address), and the token must carry the scope " +
                       "https://mail.google.com/.";
            }
            return null;
        }

        // The user a delegated token (or a Google token) names; app-only tokens name none.
        private static string? TokenUser(SmtpAccessToken? token)
        {
            if (token == null) return null;
            foreach (string claim in new[] { "upn", "preferred_username", "email" })
            {
                if (token.Claims.TryGetValue(claim, out object? value) && value is string user && user.Contains("@"))
                    return user;
            }
            return null;
        }

        private static bool IsExchange(string host) =>
            host.EndsWith("office365.com", StringComparison.OrdinalIgnoreCase) ||
            host.EndsWith("outlook.com", StringComparison.OrdinalIgnoreCase);

        private static bool IsGoogle(string host) =>
            host.EndsWith("gmail.com", StringComparison.OrdinalIgnoreCase) ||
            host.EndsWith("google.com", StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// True for a password login to Exchange Online's client-submission host, which loses Basic authentication
        /// by default for existing tenants at the end of December 2026 (new tenants never had it).
        /// </summary>
        internal static bool NeedsBasicAuthWarning(string host, bool password) =>
            password && (host.Equals("smtp.office365.com", StringComparison.OrdinalIgnoreCase) ||
                         host.Equals("smtp-legacy.office365.com", StringComparison.OrdinalIgnoreCase) ||
                         host.EndsWith(".smtp.office365.com", StringComparison.OrdinalIgnoreCase));

        internal const string BasicAuthWarning =
            "Exchange Online switches Basic authentication for SMTP AUTH off by default for existing tenants at the " +
            "end of December 2026 (new tenants have none): a password login to smtp.office365.com then gets " +
            "'550 5.7.30 Basic authentication is not supported for Client Submission'. Move this sender to OAuth: " +
            "-TenantId -ClientId -CertificateThumbprint (an app with SMTP.SendAsApp) and -UserName <mailbox>; " +
            "see Get-Help about_SmtpTools_OAuth.";
    }
}
