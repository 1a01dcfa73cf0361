using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>The step of an SMTP session in which something happened.</summary>
    public enum SmtpStage
    {
        /// <summary>Looking up where to connect (MX or host name).</summary>
        Resolve,
        /// <summary>Opening the TCP connection (and the TLS handshake in implicit TLS mode).</summary>
        Connect,
        /// <summary>Waiting for the server's 220 greeting.</summary>
        Greeting,
        /// <summary>EHLO, or HELO after a refused EHLO.</summary>
        Ehlo,
        /// <summary>STARTTLS and the TLS handshake that follows it.</summary>
        StartTls,
        /// <summary>AUTH and its challenges.</summary>
        Auth,
        /// <summary>MAIL FROM.</summary>
        MailFrom,
        /// <summary>RCPT TO.</summary>
        RcptTo,
        /// <summary>DATA or BDAT and the message content.</summary>
        Data,
        /// <summary>QUIT.</summary>
        Quit,
        /// <summary>Any other command: RSET, NOOP, VRFY, EXPN, HELP or a raw command.</summary>
        Command,
    }

    /// <summary>Base of every SMTP failure: carries the stage, the server, the last reply and the transcript so far.</summary>
    public class SmtpException : Exception
    {
        private readonly string _reason;

        internal SmtpException(string reason, SmtpStage stage, SmtpReply? lastReply = null, Exception? inner = null)
            : base(reason, inner)
        {
            _reason = reason;
            Stage = stage;
            LastReply = lastReply;
        }

        /// <summary>The stage in which the session failed.</summary>
        public SmtpStage Stage { get; private set; }

        /// <summary>The server's host name or address as given by the caller, when known.</summary>
        public string? Host { get; private set; }

        /// <summary>The server's TCP port, when known.</summary>
        public int Port { get; private set; }

        /// <summary>The last complete reply received before the failure, or null.</summary>
        public SmtpReply? LastReply { get; private set; }

        /// <summary>The conversation up to the failure, secrets redacted; null when no session was started.</summary>
        public SmtpTranscript? Transcript { get; private set; }

        /// <summary>The reason without the server and stage.</summary>
        public string Reason => _reason;

        /// <summary>
        /// True when the failure came after the whole message was on the wire (the final dot, or BDAT LAST and its
        /// chunk) and before the server's answer: the server may have the message, so it must not be sent again.
        /// Set by the session when it happens, never worked out from the transcript's text.
        /// </summary>
        public bool MessageMayHaveBeenDelivered { get; internal set; }

        /// <summary>The kind, when the place that raised it knew better than the exception's type.</summary>
        internal SmtpFailureKind? Kind { get; set; }

        /// <summary>What went wrong, as a stable name (also the error id).</summary>
        public SmtpFailureKind FailureKind => SmtpFailures.Classify(this);

        /// <summary>A sentence naming the server, the stage and the reason.</summary>
        public override string Message => Host == null
            ? _reason
            : $"SMTP with {FormatEndpoint(Host, Port)} failed at stage {Stage}: {_reason}";

        internal bool HasContext => Host != null;

        /// <summary>Fills in where the failure happened; keeps what an inner layer already knew.</summary>
        internal SmtpException WithContext(string host, int port, SmtpStage stage, SmtpTranscript? transcript,
            SmtpReply? lastReply)
        {
            if (Host == null)
            {
                Host = host;
                Port = port;
                Stage = stage;
            }
            Transcript ??= transcript;
            LastReply ??= lastReply;
            return this;
        }

        internal static string FormatEndpoint(string host, int port) =>
            host.IndexOf(':') >= 0 && !host.StartsWith("[", StringComparison.Ordinal)
                ? "[" + host + "]:" + port
                : host + ":" + port;
    }

    /// <summary>The conversation broke: a malformed reply, a reply too long, or the server closed the connection.</summary>
    public sealed class SmtpProtocolException : SmtpException
    {
        internal SmtpProtocolException(string reason, SmtpStage stage = SmtpStage.Command, SmtpReply? lastReply = null,
            Exception? inner = null, bool connectionClosed = false)
            : base(reason, stage, lastReply, inner)
        {
            ConnectionClosed = connectionClosed;
        }

        /// <summary>True when the server closed or reset the connection.</summary>
        public bool ConnectionClosed { get; }
    }

    /// <summary>The server answered a command with a well-formed negative reply.</summary>
    public sealed class SmtpCommandException : SmtpException
    {
        internal SmtpCommandException(string reason, SmtpStage stage, SmtpReply reply)
            : base(reason, stage, reply)
        {
            Reply = reply;
        }

        /// <summary>The negative reply.</summary>
        public SmtpReply Reply { get; }
    }

    /// <summary>A stage took longer than its timeout; cancellation by the caller is never reported this way.</summary>
    public sealed class SmtpTimeoutException : SmtpException
    {
        internal SmtpTimeoutException(SmtpStage stage, TimeSpan timeout, Exception? inner = null)
            : base($"the server did not answer within {timeout.TotalSeconds:0.###} seconds.", stage, null, inner)
        {
            Timeout = timeout;
        }

        /// <summary>The timeout that expired.</summary>
        public TimeSpan Timeout { get; }
    }

    /// <summary>The TCP connection could not be opened: refused, unreachable, or the host name did not resolve.</summary>
    public sealed class SmtpConnectException : SmtpException
    {
        internal SmtpConnectException(string reason, Exception? inner = null)
            : base(reason, SmtpStage.Connect, null, inner)
        {
        }
    }

    /// <summary>The TLS handshake failed or the server's certificate was not accepted.</summary>
    public sealed class SmtpTlsException : SmtpException
    {
        internal SmtpTlsException(string reason, SmtpStage stage, IReadOnlyList<string> errors, SmtpTlsInfo? tls,
            Exception? inner = null)
            : base(reason, stage, null, inner)
        {
            Errors = errors;
            Tls = tls;
        }

        /// <summary>The certificate or handshake problems, in words.</summary>
        public IReadOnlyList<string> Errors { get; }

        /// <summary>What was learned about the TLS session before it was refused, when anything was.</summary>
        public SmtpTlsInfo? Tls { get; }

        /// <summary>True when the server answered the handshake in plain SMTP (implicit TLS to a plain port).</summary>
        public bool PlainTextServer { get; internal set; }
    }

    /// <summary>Why authentication failed or was not attempted; lets callers pick a stable error id.</summary>
    internal enum SmtpAuthFailure
    {
        /// <summary>The server answered AUTH with a negative reply.</summary>
        Rejected,
        /// <summary>The server advertises no AUTH at all.</summary>
        NotOffered,
        /// <summary>The requested mechanism is not advertised.</summary>
        MechanismNotOffered,
        /// <summary>The requested mechanism is not implemented here.</summary>
        MechanismNotSupported,
        /// <summary>The mechanism needs a password and got a token, or the other way round.</summary>
        CredentialMismatch,
        /// <summary>Refused to send credentials without TLS.</summary>
        TlsRequired,
        /// <summary>SCRAM: the server's signature was wrong, so it does not know the password.</summary>
        ServerNotVerified,
        /// <summary>Kerberos/NTLM: the current identity has no ticket or logon credentials (no kinit, not in a domain).</summary>
        NoTicket,
        /// <summary>Kerberos: the ticket (or the password behind it) has expired.</summary>
        TicketExpired,
        /// <summary>Kerberos: this machine's clock and the KDC's or the server's differ by more than allowed.</summary>
        ClockSkew,
        /// <summary>Kerberos: the KDC knows no service principal of that name.</summary>
        UnknownServicePrincipal,
        /// <summary>NTLM is blocked by policy or not available on this machine.</summary>
        NtlmDisabled,
        /// <summary>The current identity was asked for, and the server offers only mechanisms that need a password.</summary>
        PasswordMechanismsOnly,
        /// <summary>Kerberos/NTLM with -Credential: the KDC or domain refused the user name or password.</summary>
        LogonDenied,
        /// <summary>This runtime has no Kerberos/NTLM client (PowerShell 7.2 or older, or no GSSAPI library).</summary>
        IntegratedUnavailable,
        /// <summary>Kerberos/NTLM failed on this machine for another reason; the message has the library's words.</summary>
        IntegratedFailed,
    }

    /// <summary>Authentication was refused, or could not be attempted (no suitable mechanism, no TLS).</summary>
    public sealed class SmtpAuthenticationException : SmtpException
    {
        internal SmtpAuthenticationException(string reason, SmtpReply? reply = null, string? mechanism = null,
            SmtpAuthFailure failure = SmtpAuthFailure.Rejected)
            : base(reason, SmtpStage.Auth, reply)
        {
            Reply = reply;
            Mechanism = mechanism;
            Failure = failure;
        }

        internal SmtpAuthFailure Failure { get; }

        /// <summary>The server's final reply to AUTH, or null when AUTH was never sent.</summary>
        public SmtpReply? Reply { get; }

        /// <summary>The SASL mechanism that was tried, or null.</summary>
        public string? Mechanism { get; }
    }
}
