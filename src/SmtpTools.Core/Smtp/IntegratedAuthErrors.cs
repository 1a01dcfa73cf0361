using System;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// Turns a failed Kerberos/NTLM step on this machine into an error that says what happened and what to fix. The
    /// codes come from the GSSAPI library (MIT com_err minor codes) on Linux and from SSPI on Windows; .NET's own
    /// status is the fallback when neither says more.
    /// </summary>
    internal static class IntegratedAuthErrors
    {
        // MIT Kerberos com_err codes (krb5/krb5_err.h, ERROR_TABLE_BASE_krb5 = -1765328384).
        internal const int Krb5KdcErrClientUnknown = -1765328378;
        internal const int Krb5KdcErrServiceUnknown = -1765328377;
        internal const int Krb5KdcErrPreauthFailed = -1765328360;
        internal const int Krb5KdcErrKeyExpired = -1765328361;
        internal const int Krb5ApErrBadIntegrity = -1765328353;
        internal const int Krb5ApErrTicketExpired = -1765328352;
        internal const int Krb5ApErrSkew = -1765328347;
        internal const int Krb5CcNotFound = -1765328243;
        internal const int Krb5FccNoFile = -1765328189;

        // GSS major codes (RFC 2744 §3.9.1).
        internal const uint GssSBadMech = 0x10000;
        internal const uint GssSNoCred = 0x70000;
        internal const uint GssSCredentialsExpired = 0xb0000;

        // SSPI / NTSTATUS codes.
        internal const uint SecETargetUnknown = 0x80090303;
        internal const uint SecESecPkgNotFound = 0x80090305;
        internal const uint SecELogonDenied = 0x8009030C;
        internal const uint SecENoCredentials = 0x8009030E;
        internal const uint SecENoAuthenticatingAuthority = 0x80090311;
        internal const uint SecEWrongPrincipal = 0x80090322;
        internal const uint SecETimeSkew = 0x80090324;
        internal const uint StatusNtlmBlocked = 0xC0000418;

        /// <summary>The error for a step that failed on this machine, before or while talking to the server.</summary>
        internal static SmtpAuthenticationException FromStep(string mechanism, NegotiateRequest request,
            string identity, NegotiateStatus status, int? nativeError, GssApiFailure? library)
        {
            bool current = request.UserName == null;
            bool ntlm = string.Equals(request.Package, "NTLM", StringComparison.OrdinalIgnoreCase);
            (SmtpAuthFailure failure, string reason) = Classify(request, identity, status, nativeError, library, current, ntlm);
            string words = library != null && library.Text.Length > 0 ? $" ({library.Text})" : string.Empty;
            return new SmtpAuthenticationException(reason.Replace("{library}", words), null, mechanism, failure);
        }

        private static (SmtpAuthFailure, string) Classify(NegotiateRequest request, string identity,
            NegotiateStatus status, int? nativeError, GssApiFailure? library, bool current, bool ntlm)
        {
            string spn = request.TargetName;
            uint native = unchecked((uint)(nativeError ?? 0));
            int minor = library?.Minor ?? 0;
            uint major = library?.Major ?? 0;

            if (minor == Krb5ApErrSkew || native == SecETimeSkew)
            {
                return (SmtpAuthFailure.ClockSkew,
                    "this machine's clock and the Kerberos server's differ by more than the allowed skew (5 minutes " +
                    "by default){library}. Correct the time (NTP, or w32tm /resync on Windows) and try again.");
            }
            if (minor == Krb5KdcErrServiceUnknown || native == SecETargetUnknown ||
                status == NegotiateStatus.TargetUnknown)
            {
                return (SmtpAuthFailure.UnknownServicePrincipal,
                    $"the Kerberos KDC knows no service principal {spn}{{library}}. Connect by the host name the " +
                    "server is registered under, or name its principal with -ServicePrincipalName (for example " +
                    "SMTP/mail.contoso.com).");
            }
            if (native == SecEWrongPrincipal)
            {
                return (SmtpAuthFailure.UnknownServicePrincipal,
                    $"the service principal {spn} belongs to another account than the one the server runs as{{library}}. " +
                    "Name the server's own principal with -ServicePrincipalName, or fix the SPN registration (setspn).");
            }
            if (minor == Krb5ApErrTicketExpired || major == GssSCredentialsExpired ||
                status == NegotiateStatus.CredentialsExpired || minor == Krb5KdcErrKeyExpired)
            {
                return (SmtpAuthFailure.TicketExpired, current
                    ? $"the Kerberos ticket of {(identity.StartsWith("(") ? "the current identity" : identity)} has " +
                      "expired{library}. Renew it with kinit (or kinit -R), or pass -Credential."
                    : $"the password of '{identity}' has expired{{library}}. Change it, then try again.");
            }
            if (ntlm && (native == StatusNtlmBlocked || native == SecESecPkgNotFound || major == GssSBadMech ||
                         status == NegotiateStatus.Unsupported))
            {
                return (SmtpAuthFailure.NtlmDisabled, native == StatusNtlmBlocked
                    ? "NTLM is blocked by policy on this machine (Network security: Restrict NTLM). Use GSSAPI " +
                      "(Kerberos), or ask for an exception for this server."
                    : "NTLM is not available on this machine{library}. On Linux it comes with the gss-ntlmssp " +
                      "package (apt-get install gss-ntlmssp); on Windows it may be turned off by policy. Use GSSAPI " +
                      "(Kerberos) instead.");
            }
            if (!current && (minor == Krb5KdcErrPreauthFailed || minor == Krb5ApErrBadIntegrity ||
                             minor == Krb5KdcErrClientUnknown || native == SecELogonDenied ||
                             status == NegotiateStatus.InvalidCredentials || status == NegotiateStatus.UnknownCredentials))
            {
                return (SmtpAuthFailure.LogonDenied,
                    $"the Kerberos KDC or the domain refused the user name or password of '{identity}'{{library}}. " +
                    "Check both; a Kerberos user name is user@REALM or DOMAIN\\user.");
            }
            if (current && (minor == Krb5CcNotFound || minor == Krb5FccNoFile || major == GssSNoCred ||
                            native == SecENoCredentials || native == SecENoAuthenticatingAuthority ||
                            status == NegotiateStatus.UnknownCredentials))
            {
                return (SmtpAuthFailure.NoTicket, GssApiDiagnostics.Applies
                    ? "there is no Kerberos ticket for the current identity{library}. Get one with kinit " +
                      "user@REALM (or a keytab: kinit -k -t FILE principal), or pass -Credential."
                    : $"the current identity ({identity}) has no Kerberos or NTLM logon to use{{library}}: a local " +
                      "account, or a machine that is not in a domain or cannot reach a domain controller. Run as a " +
                      "domain account, or pass -Credential.");
            }
            string package = ntlm ? "NTLM" : "Kerberos";
            string code = nativeError != null ? $" (0x{native:X8})" : string.Empty;
            return (SmtpAuthFailure.IntegratedFailed,
                $"{package} failed on this machine ({status}){code}{{library}}. Check the Kerberos configuration " +
                "(krb5.conf, the KDC) and the service principal " + spn + ".");
        }

        /// <summary>The error when this runtime cannot do Kerberos or NTLM at all.</summary>
        internal static SmtpAuthenticationException Unavailable(string mechanism, Exception cause) =>
            new SmtpAuthenticationException(
                cause.Message.TrimEnd('.') + ". Use -Credential with a password mechanism, or run PowerShell 7.3 or " +
                "later.", null, mechanism, SmtpAuthFailure.IntegratedUnavailable);
    }
}
