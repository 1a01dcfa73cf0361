using System;
using System.Management.Automation;
using SmtpTools.Core.Smtp;

namespace SmtpTools.Internal
{
    /// <summary>Integrated Windows authentication (Kerberos and NTLM) with the identity the command runs as.</summary>
    public abstract partial class SmtpConnectionCmdletBase
    {
        /// <summary>
        /// Authenticate as the identity this command runs as (GSSAPI/Kerberos or NTLM, no password); -UseDefaultCredentials:$false
        /// never does. Without the switch, Send-SmtpMessage and Test-SmtpAuth use it when no credential is given and
        /// the server offers GSSAPI or NTLM, as Send-MailMessage does.
        /// </summary>
        [Parameter]
        public SwitchParameter UseDefaultCredentials { get; set; }

        /// <summary>The server's Kerberos service principal name; SMTP/ and the server's host name by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("Spn")]
        public string? ServicePrincipalName { get; set; }

        /// <summary>True when -UseDefaultCredentials was given as $false.</summary>
        private protected bool DefaultCredentialsRefused =>
            MyInvocation.BoundParameters.ContainsKey(nameof(UseDefaultCredentials)) && !UseDefaultCredentials;

        /// <summary>
        /// The current identity for a command given no credential: explicit with -UseDefaultCredentials, optional
        /// (only when the server offers GSSAPI or NTLM) when <paramref name="implicitly"/>, else none.
        /// </summary>
        private protected SmtpCredential? CurrentIdentityCredential(bool implicitly)
        {
            if (DefaultCredentialsRefused) return null;
            if (!UseDefaultCredentials && !implicitly) return null;
            return SmtpCredential.CurrentIdentity(optional: !UseDefaultCredentials, ServicePrincipalName);
        }

        /// <summary>Gives a password credential the -ServicePrincipalName, for Kerberos with that account.</summary>
        private protected SmtpCredential WithServicePrincipal(SmtpCredential credential)
        {
            if (ServicePrincipalName != null) credential.ServicePrincipalName = ServicePrincipalName;
            return credential;
        }

        /// <summary>Stops the command when -UseDefaultCredentials comes with a credential or token.</summary>
        private protected void ThrowIfConflictingDefaultCredentials(bool credentialGiven)
        {
            if (!UseDefaultCredentials || !credentialGiven) return;
            ThrowTerminatingError(ErrorMapper.Record(this, "DefaultCredentialsWithCredential", new ArgumentException(
                "-UseDefaultCredentials asks for the identity this command runs as, but a credential or access " +
                "token was given too."), null));
        }
    }
}
