using System;
using System.Management.Automation;
using SmtpTools.Core.Smtp;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The connection parameters every cmdlet that talks to an SMTP server takes the same way (Send-SmtpMessage,
    /// Test-SmtpAuth, Connect-SmtpServer), and the session options they make.
    /// </summary>
    public abstract partial class SmtpConnectionCmdletBase : SmtpCmdletBase
    {
        /// <summary>How to use TLS; Auto is implicit TLS on port 465 and STARTTLS when offered elsewhere.</summary>
        [Parameter]
        public SmtpTlsMode Tls { get; set; } = SmtpTlsMode.Auto;

        /// <summary>The name to send with EHLO; the machine's FQDN by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ClientName { get; set; }

        /// <summary>Accept any server certificate; its problems are still reported.</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>Allow sending credentials over a connection without TLS.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>Seconds to wait for each step (connect, each reply, TLS handshake).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int Timeout { get; set; } = 60;

        /// <summary>Options for one session with these parameters. The cmdlets own a thread to block, so socket I/O
        /// blocks instead of hopping through the thread pool (see BlockingStream).</summary>
        private protected SmtpSessionOptions SessionOptions(string host, int port) => new SmtpSessionOptions(host, port)
        {
            Tls = Tls,
            ClientName = ClientName,
            SkipCertificateCheck = SkipCertificateCheck,
            AllowUnencryptedAuthentication = AllowUnencryptedAuthentication,
            Timeouts = SmtpTimeouts.All(TimeSpan.FromSeconds(Timeout)),
            BlockingIo = true,
        };
    }
}
