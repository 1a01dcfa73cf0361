using System;
using System.Management.Automation;
using SmtpTools.Core.Smtp;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The connection parameters every cmdlet that talks to an SMTP server takes the same way (Send-SmtpMessage,
    /// Test-SmtpAuth, Connect-SmtpServer), and the one place they become connection settings.
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

        /// <summary>
        /// Fills <paramref name="settings"/> from these parameters; <paramref name="tls"/> overrides -Tls (as
        /// Send-SmtpMessage's -UseSsl does). The cmdlets own a thread to block, so socket I/O blocks instead of
        /// hopping through the thread pool (see BlockingStream): that choice is made here, once.
        /// </summary>
        private protected T Settings<T>(T settings, string server, int port, SmtpTlsMode? tls = null)
            where T : SmtpConnectionSettings
        {
            settings.Server = server;
            settings.Port = port;
            settings.Tls = tls ?? Tls;
            settings.ClientName = ClientName;
            settings.SkipCertificateCheck = SkipCertificateCheck;
            settings.AllowUnencryptedAuthentication = AllowUnencryptedAuthentication;
            settings.Timeout = TimeSpan.FromSeconds(Timeout);
            settings.BlockingIo = true;
            settings.ReplyEncoding = ResolveReplyEncoding();
            return settings;
        }

        /// <summary>Session options for one session with these parameters.</summary>
        private protected SmtpSessionOptions SessionOptions(string host, int port) =>
            Settings(new SmtpConnectionSettings(), host, port).SessionOptions();

        /// <summary>
        /// Splits "host:port" or "[IPv6]:port" given as the server; the port in it wins over the default of -Port, and
        /// must agree with a -Port given too.
        /// </summary>
        /// <exception cref="ArgumentException">Not a server name, or two different ports.</exception>
        private protected (string Host, int Port, string? ErrorId) SplitServer(string server, int port)
        {
            if (!SmtpEndpoint.TryParse(server, out string host, out int? inline))
            {
                return (server, port, "InvalidSmtpServer");
            }
            if (inline == null) return (host, port, null);
            if (MyInvocation.BoundParameters.ContainsKey("Port") && inline.Value != port)
            {
                return (server, port, "ConflictingPort");
            }
            return (host, inline.Value, null);
        }

        /// <summary>The error for a server SplitServer refused.</summary>
        private protected ErrorRecord ServerError(string id, string server, int port) => ErrorMapper.Record(this, id,
            new ArgumentException(id == "ConflictingPort"
                ? $"The server '{server}' names a port, and -Port {port} names another."
                : $"'{server}' is not a server name: the part after the last ':' is not a port number from 1 to " +
                  "65535."), server);
    }
}
