using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Policy.Transport
{
    /// <summary>The outcome of one policy fetch.</summary>
    internal sealed class HttpsFetch
    {
        internal int Status;
        internal string? ContentType;
        internal string? Location;
        internal string? Body;
        internal X509Certificate2? Certificate;
        internal string? Error;
    }

    /// <summary>
    /// One HTTPS GET, written on a socket and SslStream so the address connected to can differ from the host name
    /// (a test's loopback server, or a split-horizon address) while SNI, Host: and the certificate check all use the
    /// host name. The certificate is always validated: against the system's trust, plus any roots the caller adds
    /// for a private CA. Redirects are reported, never followed (RFC 8461 §3.3).
    /// </summary>
    internal static class HttpsPolicyClient
    {
        // RFC 8461 §3.3: senders may cap the policy at 64 KiB.
        internal const int MaxBody = 64 * 1024;

        internal static async Task<HttpsFetch> GetAsync(string host, string path, IPEndPoint endPoint,
            X509Certificate2Collection? extraRoots, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var fetch = new HttpsFetch();
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            using var client = new TcpClient(endPoint.AddressFamily);
            // Sockets ignore tokens on .NET Framework: closing the client is what stops a pending read.
            using CancellationTokenRegistration closeOnCancel = limit.Token.Register(() => client.Dispose());
            string? certificateError = null;
            try
            {
                await client.ConnectAsync(endPoint.Address, endPoint.Port).ConfigureAwait(false);
                using var ssl = new SslStream(client.GetStream(), false, (sender, certificate, chain, errors) =>
                {
                    if (certificate != null) fetch.Certificate = new X509Certificate2(certificate);
                    certificateError = CertificateValidation.Check(host, fetch.Certificate, chain, errors, extraRoots);
                    return certificateError == null;
                });
                await ssl.AuthenticateAsClientAsync(host).ConfigureAwait(false);
                byte[] request = Encoding.ASCII.GetBytes(
                    $"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: SmtpTools\r\nAccept: text/plain\r\n" +
                    "Connection: close\r\n\r\n");
                await ssl.WriteAsync(request, 0, request.Length, limit.Token).ConfigureAwait(false);
                using var response = new MemoryStream();
                var buffer = new byte[8192];
                int read;
                while ((read = await ssl.ReadAsync(buffer, 0, buffer.Length, limit.Token).ConfigureAwait(false)) > 0)
                {
                    response.Write(buffer, 0, read);
                    if (response.Length > MaxBody + 16384)
                    {
                        fetch.Error = $"The policy is larger than {MaxBody / 1024} KiB (RFC 8461 §3.3).";
                        return fetch;
                    }
                }
                Parse(response.ToArray(), fetch);
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException ||
                ex is System.Security.Authentication.AuthenticationException || ex is OperationCanceledException)
            {
                if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                string target = $"https://{host}{path} ({DnsFormat(endPoint)})";
                fetch.Error = certificateError != null
                    ? $"The certificate of {host} is not valid: {certificateError}"
                    : limit.IsCancellationRequested
                        ? $"No answer from {target} within {timeout.TotalSeconds:0} s."
                        : $"{target} could not be fetched: {ex.Message}";
            }
            return fetch;
        }

        private static string DnsFormat(IPEndPoint endPoint) => Dns.DnsLookup.FormatEndPoint(endPoint);

        private static void Parse(byte[] data, HttpsFetch fetch)
        {
            string text = Encoding.UTF8.GetString(data);
            int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headerEnd < 0)
            {
                fetch.Error = "The server's HTTP response has no end of headers.";
                return;
            }
            string[] lines = text.Substring(0, headerEnd).Split(new[] { "\r\n" }, StringSplitOptions.None);
            string[] status = lines[0].Split(' ');
            if (status.Length < 2 || !status[0].StartsWith("HTTP/", StringComparison.Ordinal) ||
                !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out fetch.Status))
            {
                fetch.Error = $"'{lines[0]}' is not an HTTP status line.";
                return;
            }
            bool chunked = false;
            for (int i = 1; i < lines.Length; i++)
            {
                int colon = lines[i].IndexOf(':');
                if (colon <= 0) continue;
                string name = lines[i].Substring(0, colon).Trim();
                string value = lines[i].Substring(colon + 1).Trim();
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) fetch.ContentType = value;
                else if (name.Equals("Location", StringComparison.OrdinalIgnoreCase)) fetch.Location = value;
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) &&
                    value.IndexOf("chunked", StringComparison.OrdinalIgnoreCase) >= 0) chunked = true;
            }
            string body = text.Substring(headerEnd + 4);
            fetch.Body = chunked ? Dechunk(body) : body;
        }

        private static string Dechunk(string body)
        {
            var result = new StringBuilder(body.Length);
            int position = 0;
            while (position < body.Length)
            {
                int lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
                if (lineEnd < 0) break;
                string sizeText = body.Substring(position, lineEnd - position).Split(';')[0].Trim();
                if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int size) ||
                    size == 0) break;
                int start = lineEnd + 2;
                if (start + size > body.Length) size = body.Length - start;
                result.Append(body, start, size);
                position = start + size + 2;
            }
            return result.ToString();
        }
    }

    /// <summary>Certificate checks shared by the policy fetch and the per-connection verdicts.</summary>
    internal static class CertificateValidation
    {
        /// <summary>
        /// Null when the certificate is valid for <paramref name="host"/>: the platform's verdict, or, for a chain
        /// that ends in one of <paramref name="extraRoots"/> (a private CA the caller trusts), the same chain built
        /// again with that root, every other check kept. Otherwise what is wrong, in words.
        /// </summary>
        internal static string? Check(string host, X509Certificate2? certificate, X509Chain? chain,
            SslPolicyErrors errors, X509Certificate2Collection? extraRoots)
        {
            if (certificate == null) return "the server presented no certificate.";
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return $"it does not name {host} (subject {certificate.Subject}).";
            }
            if (errors == SslPolicyErrors.None) return null;
            if (extraRoots != null && extraRoots.Count > 0 && errors == SslPolicyErrors.RemoteCertificateChainErrors)
            {
                using var own = new X509Chain();
                own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                own.ChainPolicy.ExtraStore.AddRange(extraRoots);
                if (chain != null)
                {
                    foreach (X509ChainElement element in chain.ChainElements) own.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
                // The one flag that lets a chain end in a root the system does not know; the root is then required
                // to be one the caller named, and every other status (expiry, usage, signature) still fails it.
                own.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                bool built = own.Build(certificate);
                X509Certificate2 root = own.ChainElements[own.ChainElements.Count - 1].Certificate;
                bool rootTrusted = false;
                foreach (X509Certificate2 trusted in extraRoots)
                {
                    if (trusted.Thumbprint == root.Thumbprint) rootTrusted = true;
                }
                bool otherProblems = false;
                foreach (X509ChainStatus status in own.ChainStatus)
                {
                    if (status.Status != X509ChainStatusFlags.UntrustedRoot && status.Status != X509ChainStatusFlags.NoError)
                    {
                        otherProblems = true;
                    }
                }
                if (built && rootTrusted && !otherProblems) return null;
            }
            var words = new StringBuilder();
            if (chain != null)
            {
                foreach (X509ChainStatus status in chain.ChainStatus)
                {
                    if (words.Length > 0) words.Append("; ");
                    words.Append(status.StatusInformation.Trim());
                }
            }
            return words.Length > 0 ? words + "." : $"{errors}.";
        }

        /// <summary>RFC 6125 name matching as RFC 8461 §4.1 asks: a dNSName, "*." covering one left-most label.</summary>
        internal static bool Names(X509Certificate2 certificate, string host)
        {
            foreach (string name in DnsNames(certificate))
            {
                if (HostMatches(name, host)) return true;
            }
            return false;
        }

        internal static bool HostMatches(string pattern, string host)
        {
            pattern = pattern.TrimEnd('.').ToLowerInvariant();
            host = host.TrimEnd('.').ToLowerInvariant();
            if (!pattern.StartsWith("*.", StringComparison.Ordinal)) return pattern == host;
            int dot = host.IndexOf('.');
            return dot > 0 && host.Substring(dot + 1) == pattern.Substring(2);
        }

        /// <summary>The subjectAltName dNSName entries (OID 2.5.29.17), read from the DER.</summary>
        internal static string[] DnsNames(X509Certificate2 certificate)
        {
            var names = new System.Collections.Generic.List<string>();
            foreach (X509Extension extension in certificate.Extensions)
            {
                if (extension.Oid?.Value != "2.5.29.17") continue;
                byte[] raw = extension.RawData;
                // SEQUENCE { [2] IA5String ... }: walk the context-tagged entries and keep the dNSName ones.
                int position = 0;
                if (raw.Length < 2 || raw[position++] != 0x30) continue;
                int length = ReadLength(raw, ref position);
                int end = Math.Min(raw.Length, position + length);
                while (position < end)
                {
                    byte tag = raw[position++];
                    int itemLength = ReadLength(raw, ref position);
                    if (tag == 0x82 && position + itemLength <= raw.Length)
                    {
                        names.Add(Encoding.ASCII.GetString(raw, position, itemLength));
                    }
                    position += itemLength;
                }
            }
            return names.ToArray();
        }

        private static int ReadLength(byte[] data, ref int position)
        {
            if (position >= data.Length) return 0;
            int first = data[position++];
            if (first < 0x80) return first;
            int count = first & 0x7F;
            int length = 0;
            for (int i = 0; i < count && position < data.Length; i++) length = (length << 8) | data[position++];
            return length;
        }
    }
}
