using System;

namespace SmtpTools
{
    /// <summary>
    /// Why something the core did failed, as one stable name: each is also the ErrorRecord id the cmdlets write, and
    /// the <see cref="SmtpSendResult.FailureKind"/> of a message that was not sent. about_SmtpTools lists them all.
    /// </summary>
    public enum SmtpFailureKind
    {
        /// <summary>The TCP connection could not be opened (refused, unreachable, name not resolved).</summary>
        SmtpConnectFailed,
        /// <summary>The server did not answer a stage within its timeout.</summary>
        SmtpTimeout,
        /// <summary>The TLS handshake failed or the certificate was refused.</summary>
        SmtpTlsFailed,
        /// <summary>TLS mode and port disagree: plain text to an implicit-TLS port, or implicit TLS to plain SMTP.</summary>
        SmtpTlsModeMismatch,
        /// <summary>The conversation broke: malformed reply, reply out of turn, connection lost.</summary>
        SmtpProtocolViolation,
        /// <summary>The server refused the login (535 and friends).</summary>
        SmtpAuthRejected,
        /// <summary>The server wants authentication (or TLS) first (530).</summary>
        SmtpAuthRequired,
        /// <summary>Credentials were not sent because the connection has no TLS.</summary>
        SmtpAuthWithoutTls,
        /// <summary>The server offers no AUTH at all.</summary>
        SmtpAuthNotOffered,
        /// <summary>The requested SASL mechanism is not offered by the server.</summary>
        SmtpAuthMechanismNotOffered,
        /// <summary>The requested SASL mechanism is not implemented.</summary>
        SmtpAuthMechanismNotSupported,
        /// <summary>The mechanism needs a password and got a token, or the other way round.</summary>
        SmtpAuthCredentialMismatch,
        /// <summary>SCRAM: the server could not prove it knows the password; Kerberos: no mutual authentication.</summary>
        SmtpAuthServerNotVerified,
        /// <summary>Kerberos/NTLM: the current identity has no ticket or logon to use (no kinit, not in a domain).</summary>
        SmtpAuthNoTicket,
        /// <summary>Kerberos: the ticket (or the password behind -Credential) has expired.</summary>
        SmtpAuthTicketExpired,
        /// <summary>Kerberos: this machine's clock and the KDC's differ by more than the allowed skew.</summary>
        SmtpAuthClockSkew,
        /// <summary>Kerberos: the KDC knows no service principal of that name (-ServicePrincipalName).</summary>
        SmtpAuthUnknownSpn,
        /// <summary>NTLM is blocked by policy or not available on this machine.</summary>
        SmtpAuthNtlmDisabled,
        /// <summary>The current identity was asked for, and the server offers only password mechanisms.</summary>
        SmtpAuthPasswordMechanismsOnly,
        /// <summary>Kerberos/NTLM with -Credential: the KDC or the domain refused the user name or password.</summary>
        SmtpAuthLogonDenied,
        /// <summary>This runtime has no Kerberos/NTLM client (PowerShell 7.2 or older, or no GSSAPI library).</summary>
        SmtpAuthIntegratedUnavailable,
        /// <summary>Kerberos/NTLM failed on this machine for another reason, in the library's words.</summary>
        SmtpAuthIntegratedFailed,
        /// <summary>A 4xx: the server asks to try again later.</summary>
        SmtpTransientFailure,
        /// <summary>A 5xx to a command other than RCPT or the data (the greeting, MAIL FROM, EHLO).</summary>
        SmtpCommandRejected,
        /// <summary>A 5xx to one recipient; the others may still have the message.</summary>
        SmtpRecipientRejected,
        /// <summary>Every recipient was refused, so no data was sent.</summary>
        SmtpNoRecipientAccepted,
        /// <summary>The server refused the message after its data (5xx, or 4xx after the last retry).</summary>
        SmtpDataRejected,
        /// <summary>The whole message went out but no answer came: it may or may not have been delivered.</summary>
        SmtpDeliveryUnknown,
        /// <summary>The message is larger than the SIZE the server announced.</summary>
        SmtpMessageTooLarge,
        /// <summary>The message needs SMTPUTF8 and the server does not offer it.</summary>
        SmtpUtf8NotOffered,
        /// <summary>REQUIRETLS was asked for and the server does not offer it over TLS.</summary>
        RequireTlsNotOffered,
        /// <summary>Any other SMTP failure.</summary>
        SmtpFailed,
        /// <summary>The input is not a valid domain name or address.</summary>
        InvalidDomainName,
        /// <summary>The domain does not exist (NXDOMAIN).</summary>
        DomainNotFound,
        /// <summary>The domain has neither MX nor address records.</summary>
        MailExchangerNotFound,
        /// <summary>The domain publishes a null MX (RFC 7505): it accepts no mail.</summary>
        MailExchangerNullMx,
        /// <summary>The domain's CNAME chain loops.</summary>
        DnsCnameLoop,
        /// <summary>The domain's CNAME chain is too long.</summary>
        DnsCnameChainTooLong,
        /// <summary>The DNS server answered SERVFAIL or another error.</summary>
        DnsServerFailure,
        /// <summary>The DNS server answered REFUSED.</summary>
        DnsRefused,
        /// <summary>No DNS server answered in time.</summary>
        DnsTimeout,
        /// <summary>The DNS server could not be reached.</summary>
        DnsServerUnreachable,
        /// <summary>The operation was cancelled (Ctrl+C) before it finished.</summary>
        Cancelled,
    }

    /// <summary>Sorts any failure the core raises into its <see cref="SmtpFailureKind"/>.</summary>
    internal static class SmtpFailures
    {
        /// <summary>The kind of <paramref name="ex"/>; message input errors are not kinds here (see SmtpMessageError).</summary>
        internal static SmtpFailureKind Classify(Exception ex) => ex switch
        {
            SmtpException s when s.Kind.HasValue => s.Kind.Value,
            SmtpException s when s.MessageMayHaveBeenDelivered => SmtpFailureKind.SmtpDeliveryUnknown,
            SmtpConnectException _ => SmtpFailureKind.SmtpConnectFailed,
            SmtpTimeoutException _ => SmtpFailureKind.SmtpTimeout,
            SmtpTlsException t when t.PlainTextServer => SmtpFailureKind.SmtpTlsModeMismatch,
            SmtpTlsException _ => SmtpFailureKind.SmtpTlsFailed,
            SmtpProtocolException _ => SmtpFailureKind.SmtpProtocolViolation,
            SmtpAuthenticationException a => Auth(a),
            SmtpCommandException c when c.Reply.Code == 530 => SmtpFailureKind.SmtpAuthRequired,
            SmtpCommandException c when c.Reply.IsTransient => SmtpFailureKind.SmtpTransientFailure,
            SmtpCommandException _ => SmtpFailureKind.SmtpCommandRejected,
            SmtpException _ => SmtpFailureKind.SmtpFailed,
            DnsResolutionException d => Dns(d.Kind),
            OperationCanceledException _ => SmtpFailureKind.Cancelled,
            _ => SmtpFailureKind.SmtpFailed,
        };

        internal static SmtpFailureKind Dns(DnsFailureKind kind) => kind switch
        {
            DnsFailureKind.InvalidName => SmtpFailureKind.InvalidDomainName,
            DnsFailureKind.NonExistentDomain => SmtpFailureKind.DomainNotFound,
            DnsFailureKind.NoMailRecords => SmtpFailureKind.MailExchangerNotFound,
            DnsFailureKind.CnameLoop => SmtpFailureKind.DnsCnameLoop,
            DnsFailureKind.CnameChainTooLong => SmtpFailureKind.DnsCnameChainTooLong,
            DnsFailureKind.Refused => SmtpFailureKind.DnsRefused,
            DnsFailureKind.Timeout => SmtpFailureKind.DnsTimeout,
            DnsFailureKind.Unreachable => SmtpFailureKind.DnsServerUnreachable,
            _ => SmtpFailureKind.DnsServerFailure,
        };

        private static SmtpFailureKind Auth(SmtpAuthenticationException ex) => ex.Failure switch
        {
            SmtpAuthFailure.TlsRequired => SmtpFailureKind.SmtpAuthWithoutTls,
            SmtpAuthFailure.NotOffered => SmtpFailureKind.SmtpAuthNotOffered,
            SmtpAuthFailure.MechanismNotOffered => SmtpFailureKind.SmtpAuthMechanismNotOffered,
            SmtpAuthFailure.MechanismNotSupported => SmtpFailureKind.SmtpAuthMechanismNotSupported,
            SmtpAuthFailure.CredentialMismatch => SmtpFailureKind.SmtpAuthCredentialMismatch,
            SmtpAuthFailure.ServerNotVerified => SmtpFailureKind.SmtpAuthServerNotVerified,
            SmtpAuthFailure.NoTicket => SmtpFailureKind.SmtpAuthNoTicket,
            SmtpAuthFailure.TicketExpired => SmtpFailureKind.SmtpAuthTicketExpired,
            SmtpAuthFailure.ClockSkew => SmtpFailureKind.SmtpAuthClockSkew,
            SmtpAuthFailure.UnknownServicePrincipal => SmtpFailureKind.SmtpAuthUnknownSpn,
            SmtpAuthFailure.NtlmDisabled => SmtpFailureKind.SmtpAuthNtlmDisabled,
            SmtpAuthFailure.PasswordMechanismsOnly => SmtpFailureKind.SmtpAuthPasswordMechanismsOnly,
            SmtpAuthFailure.LogonDenied => SmtpFailureKind.SmtpAuthLogonDenied,
            SmtpAuthFailure.IntegratedUnavailable => SmtpFailureKind.SmtpAuthIntegratedUnavailable,
            SmtpAuthFailure.IntegratedFailed => SmtpFailureKind.SmtpAuthIntegratedFailed,
            _ when ex.Reply?.Code == 530 => SmtpFailureKind.SmtpAuthRequired,
            _ => SmtpFailureKind.SmtpAuthRejected,
        };
    }
}
