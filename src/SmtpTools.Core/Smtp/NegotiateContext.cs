using System;
using System.Runtime.InteropServices;

namespace SmtpTools.Core.Smtp
{
    /// <summary>The outcome of one step, named as System.Net.Security.NegotiateAuthenticationStatusCode names it.</summary>
    internal enum NegotiateStatus
    {
        Completed,
        ContinueNeeded,
        GenericFailure,
        BadBinding,
        Unsupported,
        MessageAltered,
        ContextExpired,
        CredentialsExpired,
        InvalidCredentials,
        InvalidToken,
        UnknownCredentials,
        QopNotSupported,
        OutOfSequence,
        SecurityQosFailed,
        TargetUnknown,
        ImpersonationValidationFailed,
    }

    /// <summary>What a SASL mechanism asks of the platform's Kerberos and NTLM client.</summary>
    internal sealed class NegotiateRequest
    {
        internal NegotiateRequest(string package, string targetName)
        {
            Package = package;
            TargetName = targetName;
        }

        /// <summary>"Kerberos", "NTLM" or "Negotiate" (SPNEGO: Kerberos, or NTLM where Kerberos cannot be used).</summary>
        internal string Package { get; }

        /// <summary>The service principal name, SERVICE/host.</summary>
        internal string TargetName { get; }

        /// <summary>The account, or null for the current identity (logon session on Windows, ticket cache elsewhere).</summary>
        internal string? UserName { get; set; }

        /// <summary>The account's domain or realm when the user name was given as DOMAIN\user.</summary>
        internal string? Domain { get; set; }

        internal string? Password { get; set; }

        /// <summary>Ask for the server to prove who it is (Kerberos AP-REP).</summary>
        internal bool RequireMutualAuthentication { get; set; }

        /// <summary>Ask for message integrity, which RFC 4752's wrapped security-layer messages need.</summary>
        internal bool RequireIntegrity { get; set; }

        /// <summary>Splits DOMAIN\user, the form Windows users type; user@REALM stays whole.</summary>
        internal static (string? Domain, string User) SplitUserName(string userName)
        {
            int slash = userName.IndexOf('\\');
            return slash > 0 ? (userName.Substring(0, slash), userName.Substring(slash + 1)) : (null, userName);
        }
    }

    /// <summary>
    /// One client security context (Kerberos, NTLM or SPNEGO). PowerShell 7.3+ brings .NET's NegotiateAuthentication
    /// (SSPI on Windows, GSSAPI elsewhere), reached by reflection because this assembly is netstandard2.0; Windows
    /// PowerShell 5.1 (.NET Framework) has no such type, so SSPI is called directly there.
    /// </summary>
    internal abstract class NegotiateContext : IDisposable
    {
        /// <summary>Opens a context for <paramref name="request"/> with what this runtime offers.</summary>
        /// <exception cref="PlatformNotSupportedException">Neither NegotiateAuthentication nor SSPI is available.</exception>
        internal static NegotiateContext Create(NegotiateRequest request)
        {
            if (RuntimeNegotiateContext.IsAvailable) return new RuntimeNegotiateContext(request);
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return new SspiNegotiateContext(request);
            throw new PlatformNotSupportedException(
                "Kerberos and NTLM need PowerShell 7.3 or later (or Windows PowerShell 5.1 on Windows); this runtime is " +
                RuntimeInformation.FrameworkDescription + ".");
        }

        /// <summary>Takes the server's token (null at first) and returns the next one to send, or null for none.</summary>
        internal abstract byte[]? Step(byte[]? incoming, out NegotiateStatus status);

        /// <summary>True once the server proved its identity.</summary>
        internal abstract bool IsMutuallyAuthenticated { get; }

        /// <summary>The package in use: Kerberos or NTLM once SPNEGO has chosen.</summary>
        internal abstract string Package { get; }

        /// <summary>Signs <paramref name="data"/> without encrypting it (gss_wrap with conf_req false).</summary>
        internal abstract byte[]? Wrap(byte[] data, out NegotiateStatus status);

        /// <summary>Checks and unwraps a message from the server.</summary>
        internal abstract byte[]? Unwrap(byte[] data, out NegotiateStatus status);

        /// <summary>The platform's own code for the last failure (an SSPI SECURITY_STATUS), when it gives one.</summary>
        internal int? NativeError { get; private protected set; }

        /// <summary>Frees the native context.</summary>
        public abstract void Dispose();
    }
}
