using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>How a session uses TLS.</summary>
    public enum SmtpTlsMode
    {
        /// <summary>Never use TLS.</summary>
        None,
        /// <summary>STARTTLS is required: fail when the server does not offer it (RFC 3207).</summary>
        StartTls,
        /// <summary>Use STARTTLS when the server offers it, otherwise go on in the clear.</summary>
        StartTlsWhenAvailable,
        /// <summary>TLS from the first byte, as on port 465 (RFC 8314).</summary>
        Implicit,
        /// <summary>Implicit on port 465, otherwise StartTlsWhenAvailable.</summary>
        Auto,
    }

    /// <summary>What was negotiated in a TLS session and what the server's certificate says.</summary>
    public sealed class SmtpTlsInfo
    {
        internal SmtpTlsInfo(string protocol, string cipherSuite, string? subject, string? issuer,
            IReadOnlyList<string> subjectAlternativeNames, DateTime? notBefore, DateTime? notAfter, string? thumbprint,
            IReadOnlyList<string> validationErrors, bool certificateAccepted)
        {
            Protocol = protocol;
            CipherSuite = cipherSuite;
            Subject = subject;
            Issuer = issuer;
            SubjectAlternativeNames = subjectAlternativeNames;
            NotBefore = notBefore;
            NotAfter = notAfter;
            Thumbprint = thumbprint;
            ValidationErrors = validationErrors;
            CertificateAccepted = certificateAccepted;
        }

        /// <summary>The protocol version, for example Tls13.</summary>
        public string Protocol { get; }

        /// <summary>The negotiated cipher suite, for example TLS_AES_256_GCM_SHA384.</summary>
        public string CipherSuite { get; }

        /// <summary>The certificate's subject distinguished name.</summary>
        public string? Subject { get; }

        /// <summary>The certificate's issuer distinguished name.</summary>
        public string? Issuer { get; }

        /// <summary>The DNS names and IP addresses in the certificate's subjectAltName extension.</summary>
        public IReadOnlyList<string> SubjectAlternativeNames { get; }

        /// <summary>Start of the certificate's validity, in UTC.</summary>
        public DateTime? NotBefore { get; }

        /// <summary>End of the certificate's validity, in UTC.</summary>
        public DateTime? NotAfter { get; }

        /// <summary>The SHA-1 thumbprint of the certificate, upper-case hex.</summary>
        public string? Thumbprint { get; }

        /// <summary>Why the certificate failed validation, in words; empty when it passed.</summary>
        public IReadOnlyList<string> ValidationErrors { get; }

        /// <summary>True when the certificate passed validation, or the caller chose to accept it anyway.</summary>
        public bool CertificateAccepted { get; }

        /// <summary>
        /// Whether the certificate met the destination's MTA-STS policy and TLSA records (direct delivery); null when
        /// no policy applied to the connection.
        /// </summary>
        public TlsPolicyVerdict? TlsPolicy { get; internal set; }

        /// <summary>Protocol, cipher suite and subject on one line.</summary>
        public override string ToString() => $"{Protocol} {CipherSuite} {Subject}";
    }

    /// <summary>Where a session is, for progress display.</summary>
    public sealed class SmtpProgress
    {
        internal SmtpProgress(SmtpStage stage, string host, int port, long bytesSent = 0, long? bytesTotal = null)
        {
            Stage = stage;
            Host = host;
            Port = port;
            BytesSent = bytesSent;
            BytesTotal = bytesTotal;
        }

        /// <summary>The stage just entered.</summary>
        public SmtpStage Stage { get; }

        /// <summary>The server's host name or address.</summary>
        public string Host { get; }

        /// <summary>The server's port.</summary>
        public int Port { get; }

        /// <summary>Message bytes sent so far during Data.</summary>
        public long BytesSent { get; }

        /// <summary>The message size during Data, when known.</summary>
        public long? BytesTotal { get; }
    }
}
