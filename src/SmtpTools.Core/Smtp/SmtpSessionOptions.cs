using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// Per-stage timeouts. Defaults are shorter than RFC 5321 §4.5.3.2's minimums (5 min greeting/MAIL/RCPT, 2 min DATA
    /// initiation, 3 min per data block, 10 min after the final dot) because this is an interactive tool; the wait
    /// after the final dot keeps the RFC's 10 minutes, since giving up there risks a duplicate delivery.
    /// </summary>
    internal sealed class SmtpTimeouts
    {
        /// <summary>Opening the TCP connection, all addresses together. Default 30 s.</summary>
        internal TimeSpan Connect { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>The 220 greeting. Default 60 s.</summary>
        internal TimeSpan Greeting { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>A TLS handshake. Default 30 s.</summary>
        internal TimeSpan TlsHandshake { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Each command's reply (EHLO, AUTH, MAIL, RCPT, DATA, RSET, QUIT...). Default 60 s.</summary>
        internal TimeSpan Command { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Each write of message data (a data block). Default 180 s, as RFC 5321 §4.5.3.2.5.</summary>
        internal TimeSpan DataBlock { get; set; } = TimeSpan.FromSeconds(180);

        /// <summary>The reply after the final "." or BDAT LAST. Default 600 s, as RFC 5321 §4.5.3.2.6.</summary>
        internal TimeSpan DataTermination { get; set; } = TimeSpan.FromSeconds(600);

        /// <summary>Every timeout, the wait after the final dot included, set to one value (a cmdlet's -Timeout).</summary>
        internal static SmtpTimeouts All(TimeSpan timeout) => new SmtpTimeouts
        {
            Connect = timeout,
            Greeting = timeout,
            TlsHandshake = timeout,
            Command = timeout,
            DataBlock = timeout,
            DataTermination = timeout,
        };
    }

    /// <summary>Where and how to connect.</summary>
    internal sealed class SmtpSessionOptions
    {
        internal SmtpSessionOptions(string host, int port)
        {
            Host = host;
            Port = port;
        }

        /// <summary>Host name, IPv4 or IPv6 address (brackets allowed).</summary>
        internal string Host { get; }

        /// <summary>TCP port.</summary>
        internal int Port { get; }

        /// <summary>TLS mode; Auto by default.</summary>
        internal SmtpTlsMode Tls { get; set; } = SmtpTlsMode.Auto;

        /// <summary>The EHLO argument; null means the machine's FQDN, else an address literal.</summary>
        internal string? ClientName { get; set; }

        /// <summary>Accept any server certificate (the result still lists its problems).</summary>
        internal bool SkipCertificateCheck { get; set; }

        /// <summary>A caller's certificate decision; replaces the default one (errors = none) when set.</summary>
        internal RemoteCertificateValidationCallback? CertificateValidation { get; set; }

        /// <summary>
        /// The transport-policy check (MTA-STS, DANE) of the certificate presented: leaf, chain (leaf first) and
        /// whether PKIX validation passed, to a verdict; null when no policy applies.
        /// </summary>
        internal Func<X509Certificate2, IReadOnlyList<X509Certificate2>, bool, TlsPolicyVerdict>? TlsPolicy { get; set; }

        /// <summary>Refuse the TLS session when <see cref="TlsPolicy"/> requires authentication it does not get.</summary>
        internal bool RequireTlsPolicy { get; set; }

        /// <summary>The name the certificate must match; defaults to <see cref="Host"/>.</summary>
        internal string? TlsServerName { get; set; }

        /// <summary>Allow AUTH on a connection without TLS.</summary>
        internal bool AllowUnencryptedAuthentication { get; set; }

        /// <summary>Per-stage timeouts.</summary>
        internal SmtpTimeouts Timeouts { get; set; } = new SmtpTimeouts();

        /// <summary>Decodes every reply with this encoding; null detects UTF-8, GB18030 or Latin-1 per reply.</summary>
        internal System.Text.Encoding? ReplyEncoding { get; set; }

        /// <summary>Receives transcript entries live (the session keeps its own full transcript too).</summary>
        internal ITranscriptSink? TranscriptSink { get; set; }

        /// <summary>Receives stage and byte progress.</summary>
        internal IProgress<SmtpProgress>? Progress { get; set; }

        /// <summary>Size of each BDAT chunk.</summary>
        internal int ChunkSize { get; set; } = 64 * 1024;

        /// <summary>Use BDAT when the server offers CHUNKING.</summary>
        internal bool UseChunking { get; set; } = true;

        /// <summary>Use PIPELINING when the server offers it.</summary>
        internal bool UsePipelining { get; set; } = true;

        /// <summary>Block the calling thread on socket I/O instead of awaiting it (see BlockingStream).</summary>
        internal bool BlockingIo { get; set; }

        /// <summary>The clock transcript entries are stamped with; shared by a sender and its sessions, so that
        /// one result's transcript never goes back in time. A new one per session when null.</summary>
        internal SmtpClock? Clock { get; set; }

        /// <summary>The effective TLS mode: Auto resolved by port.</summary>
        internal SmtpTlsMode EffectiveTls => Tls == SmtpTlsMode.Auto
            ? (Port == 465 ? SmtpTlsMode.Implicit : SmtpTlsMode.StartTlsWhenAvailable)
            : Tls;
    }

    /// <summary>Who to authenticate as: a password, an OAuth access token, or the current identity.</summary>
    internal sealed class SmtpCredential
    {
        private readonly Func<string>? _describeCurrent;
        private string? _userName;

        internal SmtpCredential(string userName, string? password, string? accessToken = null)
        {
            _userName = userName;
            Password = password;
            AccessToken = accessToken;
        }

        private SmtpCredential(Func<string> describeCurrent, bool optional)
        {
            _describeCurrent = describeCurrent;
            IsOptional = optional;
        }

        /// <summary>
        /// The identity this process runs as: the logon session on Windows, the Kerberos ticket cache (kinit)
        /// elsewhere; it authenticates with GSSAPI or NTLM only. Optional means Send-MailMessage's rule: use it only
        /// when the server offers such a mechanism, and otherwise send without AUTH.
        /// </summary>
        internal static SmtpCredential CurrentIdentity(bool optional = false, string? servicePrincipalName = null) =>
            new SmtpCredential(IntegratedIdentity.Describe, optional) { ServicePrincipalName = servicePrincipalName };

        /// <summary>The SASL authentication identity; for the current identity, its principal or account name.</summary>
        internal string UserName => _userName ??= _describeCurrent!();

        /// <summary>The password, for PLAIN, LOGIN and CRAM-MD5.</summary>
        internal string? Password { get; }

        /// <summary>The OAuth 2 bearer token, for XOAUTH2 and OAUTHBEARER.</summary>
        internal string? AccessToken { get; }

        /// <summary>True for the current identity (no password, no token).</summary>
        internal bool IsCurrentIdentity => _describeCurrent != null;

        /// <summary>The current identity is used only when the server offers GSSAPI or NTLM.</summary>
        internal bool IsOptional { get; }

        /// <summary>The Kerberos service principal (SERVICE/host); null means SMTP/ and the server's host name.</summary>
        internal string? ServicePrincipalName { get; set; }

        /// <summary>Never shows the secret.</summary>
        public override string ToString() => UserName;
    }

    /// <summary>One RCPT TO with its DSN options.</summary>
    internal sealed class SmtpRecipient
    {
        internal SmtpRecipient(string address, SmtpDsnNotify notify = SmtpDsnNotify.Default,
            string? originalRecipient = null)
        {
            Address = address;
            Notify = notify;
            OriginalRecipient = originalRecipient;
        }

        internal string Address { get; }
        internal SmtpDsnNotify Notify { get; }

        /// <summary>The ORCPT address (RFC 3461 §4.2); sent as rfc822 type when the server supports DSN.</summary>
        internal string? OriginalRecipient { get; }
    }

    /// <summary>MAIL FROM and RCPT TO for one transaction.</summary>
    internal sealed class SmtpEnvelope
    {
        internal SmtpEnvelope(string from, IReadOnlyList<SmtpRecipient> recipients)
        {
            From = from;
            Recipients = recipients;
        }

        /// <summary>The reverse-path; empty for the null sender &lt;&gt;.</summary>
        internal string From { get; }

        internal IReadOnlyList<SmtpRecipient> Recipients { get; }

        /// <summary>RET= (RFC 3461), sent only when the server offers DSN.</summary>
        internal SmtpDsnReturn Return { get; set; }

        /// <summary>ENVID= (RFC 3461), sent only when the server offers DSN.</summary>
        internal string? EnvelopeId { get; set; }

        /// <summary>REQUIRETLS (RFC 8689): refused before sending unless the server offers it over TLS.</summary>
        internal bool RequireTls { get; set; }
    }
}
