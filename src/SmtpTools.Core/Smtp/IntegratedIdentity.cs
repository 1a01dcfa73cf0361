using System;

namespace SmtpTools.Core.Smtp
{
    /// <summary>Names the identity this process would authenticate as with Kerberos or NTLM, for messages and results.</summary>
    internal static class IntegratedIdentity
    {
        /// <summary>DOMAIN\user on Windows; the ticket cache's principal elsewhere, or a phrase when there is none.</summary>
        internal static string Describe()
        {
            if (!GssApiDiagnostics.Applies) return WindowsAccount();
            (string? principal, _, GssApiFailure? failure) = GssApiDiagnostics.DefaultCredential();
            return principal ?? (failure?.Major == IntegratedAuthErrors.GssSCredentialsExpired
                ? "(expired Kerberos ticket)"
                : "(no Kerberos ticket)");
        }

        /// <summary>The same with where it comes from and, for a ticket, how long it is still valid.</summary>
        internal static string Detail()
        {
            if (!GssApiDiagnostics.Applies) return $"{WindowsAccount()} (the logon session of this process)";
            (string? principal, uint lifetime, GssApiFailure? failure) = GssApiDiagnostics.DefaultCredential();
            if (principal == null) return Describe() + (failure == null ? string.Empty : " (" + failure.Text + ")");
            TimeSpan left = TimeSpan.FromSeconds(lifetime);
            return lifetime == 0
                ? $"{principal} (Kerberos ticket cache; the ticket has expired)"
                : $"{principal} (Kerberos ticket cache; valid for {(int)left.TotalHours} h {left.Minutes} min more)";
        }

        private static string WindowsAccount()
        {
            string domain = Environment.UserDomainName;
            return string.IsNullOrEmpty(domain) ? Environment.UserName : domain + "\\" + Environment.UserName;
        }
    }
}
