using System;
using System.Globalization;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// How every cmdlet that talks to a server connects: server, port, TLS, client name, certificate checks, login and
    /// timeout. The one place these become <see cref="SmtpSessionOptions"/>, whichever cmdlet or sender asks.
    /// </summary>
    internal class SmtpConnectionSettings
    {
        internal string Server { get; set; } = string.Empty;
        internal int Port { get; set; } = 25;
        internal SmtpTlsMode Tls { get; set; } = SmtpTlsMode.Auto;
        internal string? ClientName { get; set; }
        internal bool SkipCertificateCheck { get; set; }
        internal bool AllowUnencryptedAuthentication { get; set; }
        internal TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Where each new connection gets its login; null for none.</summary>
        internal ISmtpCredentialSource? Credentials { get; set; }

        /// <summary>A fixed login (password or ready token); sets <see cref="Credentials"/>.</summary>
        internal SmtpCredential? Credential
        {
            set => Credentials = value == null ? null : new FixedCredentialSource(value);
        }

        /// <summary>The SASL mechanism asked for, or null for the strongest offered.</summary>
        internal string? Mechanism { get; set; }

        /// <summary>Block the calling thread on socket I/O instead of awaiting it (see BlockingStream).</summary>
        internal bool BlockingIo { get; set; }

        /// <summary>Decodes every reply with this encoding (-ReplyEncoding); null detects it per reply.</summary>
        internal System.Text.Encoding? ReplyEncoding { get; set; }

        /// <summary>The TLS mode for <see cref="Port"/>: Auto is implicit TLS on 465 and opportunistic STARTTLS
        /// elsewhere.</summary>
        internal SmtpTlsMode EffectiveTls => Tls == SmtpTlsMode.Auto
            ? (Port == 465 ? SmtpTlsMode.Implicit : SmtpTlsMode.StartTlsWhenAvailable)
            : Tls;

        /// <summary>
        /// Session options for one connection. <paramref name="host"/> is where to connect when it differs from
        /// <see cref="Server"/> (an exchanger's address); <paramref name="tlsName"/> the name its certificate must
        /// carry. <paramref name="opportunistic"/>: STARTTLS without a login accepts a certificate it cannot verify
        /// (RFC 7435: better than plain text), and reports its problems.
        /// </summary>
        internal SmtpSessionOptions SessionOptions(string? host = null, string? tlsName = null,
            bool opportunistic = false) => new SmtpSessionOptions(host ?? Server, Port)
        {
            Tls = Tls,
            ClientName = ClientName,
            SkipCertificateCheck = SkipCertificateCheck || opportunistic,
            TlsServerName = tlsName,
            AllowUnencryptedAuthentication = AllowUnencryptedAuthentication,
            Timeouts = SmtpTimeouts.All(Timeout),
            BlockingIo = BlockingIo,
            ReplyEncoding = ReplyEncoding,
        };
    }

    /// <summary>A server written as host, host:port, [IPv6] or [IPv6]:port.</summary>
    internal static class SmtpEndpoint
    {
        /// <summary>Splits off a port; a bare IPv6 address (several colons, no brackets) has none.</summary>
        /// <returns>False when the text after the last colon is not a port number.</returns>
        internal static bool TryParse(string text, out string host, out int? port)
        {
            host = text.Trim();
            port = null;
            int colon = host.LastIndexOf(':');
            if (colon < 0) return true;
            bool bracketed = host.StartsWith("[", StringComparison.Ordinal);
            if (!bracketed && host.IndexOf(':') != colon) return true;   // IPv6 without a port
            if (bracketed && host.LastIndexOf(']') > colon) return true;  // [IPv6] without a port
            string digits = host.Substring(colon + 1);
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ||
                value < 1 || value > 65535)
            {
                return false;
            }
            host = host.Substring(0, colon);
            if (bracketed && host.EndsWith("]", StringComparison.Ordinal) && host.IndexOf(':') < 0)
            {
                host = host.Substring(1, host.Length - 2);  // [192.0.2.1]:25 → 192.0.2.1
            }
            port = value;
            return host.Length > 0;
        }
    }
}
