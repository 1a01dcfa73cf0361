using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>
    /// The real Postfix + Dovecot peers started by tests/peers/Start-Peers.ps1, found through the SMTPTOOLS_*
    /// environment variables or, failing that, the run folder recorded in out/peers/current.
    /// </summary>
    public sealed class PeersFixture
    {
        private const string NotRunning =
            "peers not running: start tests/peers/Start-Peers.ps1 (dot-source it, or run it once so " +
            "out/peers/current points at a live run folder).";

        public PeersFixture()
        {
            Dictionary<string, string> values = Load();
            string Get(string name) =>
                values.TryGetValue(name, out string? v) && !string.IsNullOrEmpty(v)
                    ? v
                    : throw new InvalidOperationException($"{NotRunning} ({name} is not set)");

            SmtpPort = int.Parse(Get("SMTPTOOLS_SMTP_PORT"));
            SmtpsPort = int.Parse(Get("SMTPTOOLS_SMTPS_PORT"));
            SubmissionPort = int.Parse(Get("SMTPTOOLS_SUBMISSION_PORT"));
            UserName = Get("SMTPTOOLS_TEST_USER");
            Password = Get("SMTPTOOLS_TEST_PASSWORD");
            Maildir = Get("SMTPTOOLS_MAILDIR");
            Certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Get("SMTPTOOLS_CERT_FILE")));
            string? Optional(string name) =>
                Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v
                : values.TryGetValue(name, out string? f) ? f : null;
            OAuthSubmissionPort = int.TryParse(Optional("SMTPTOOLS_OAUTH_SUBMISSION_PORT"), out int oauthPort) ? oauthPort : 0;
            OAuthSigningKeyFile = Optional("SMTPTOOLS_OAUTH_SIGNING_KEY");
            OAuthKeyId = Optional("SMTPTOOLS_OAUTH_KEY_ID");
            using var probe = new System.Net.Sockets.TcpClient();
            try
            {
                probe.Connect("127.0.0.1", SmtpPort);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                throw new InvalidOperationException($"{NotRunning} (nothing answers on port {SmtpPort})", ex);
            }
        }

        public string Host => "127.0.0.1";
        public int SmtpPort { get; }
        public int SmtpsPort { get; }
        public int SubmissionPort { get; }
        public string UserName { get; }
        public string Password { get; }
        public string Maildir { get; }
        public X509Certificate2 Certificate { get; }

        /// <summary>The submission port whose Dovecot validates OAuth tokens (tests/peers/dovecot-oauth2.ps1).</summary>
        public int OAuthSubmissionPort { get; }

        /// <summary>The private key (PEM) that server trusts token signatures from, and its key id.</summary>
        public string? OAuthSigningKeyFile { get; }
        public string? OAuthKeyId { get; }

        /// <summary>Trusts exactly the peers' self-signed certificate, still requiring the host name to match.</summary>
        public bool TrustPeerCertificate(object sender, X509Certificate? cert, X509Chain? chain, SslPolicyErrors errors) =>
            cert != null && cert.GetCertHashString() == Certificate.Thumbprint &&
            (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;

        /// <summary>Waits for the delivered file that contains <paramref name="marker"/> and returns its bytes.</summary>
        public async Task<byte[]> WaitForMessageAsync(string marker)
        {
            string dir = Path.Combine(Maildir, "new");
            byte[] needle = Encoding.UTF8.GetBytes(marker);
            for (int i = 0; i < 200; i++)
            {
                if (Directory.Exists(dir))
                {
                    foreach (string file in Directory.GetFiles(dir))
                    {
                        byte[] bytes = await File.ReadAllBytesAsync(file);
                        if (IndexOf(bytes, needle) >= 0) return bytes;
                    }
                }
                await Task.Delay(100);
            }
            throw new InvalidOperationException($"No message containing '{marker}' arrived in {dir}.");
        }

        public static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        private static Dictionary<string, string> Load()
        {
            var values = new Dictionary<string, string>();
            foreach (string key in new[]
                     {
                         "SMTPTOOLS_SMTP_PORT", "SMTPTOOLS_SMTPS_PORT", "SMTPTOOLS_SUBMISSION_PORT", "SMTPTOOLS_TEST_USER",
                         "SMTPTOOLS_TEST_PASSWORD", "SMTPTOOLS_MAILDIR", "SMTPTOOLS_CERT_FILE",
                     })
            {
                string? v = Environment.GetEnvironmentVariable(key);
                if (!string.IsNullOrEmpty(v)) values[key] = v;
            }
            if (values.Count == 7) return values;

            string? runDir = Environment.GetEnvironmentVariable("SMTPTOOLS_PEERS_DIR");
            if (string.IsNullOrEmpty(runDir))
            {
                for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                {
                    string state = Path.Combine(dir.FullName, "out", "peers", "current");
                    if (File.Exists(state))
                    {
                        runDir = File.ReadAllText(state).Trim();
                        break;
                    }
                }
            }
            string envFile = Path.Combine(runDir ?? string.Empty, "peers.env");
            if (string.IsNullOrEmpty(runDir) || !File.Exists(envFile)) return values;
            foreach (string line in File.ReadAllLines(envFile))
            {
                int eq = line.IndexOf('=');
                if (eq > 0 && !values.ContainsKey(line.Substring(0, eq))) values[line.Substring(0, eq)] = line.Substring(eq + 1);
            }
            return values;
        }
    }

    [CollectionDefinition("Peers")]
    public sealed class PeersCollection : ICollectionFixture<PeersFixture>
    {
    }
}
