using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>The transport under a session: the TCP connection to the first address that answers, and TLS.</summary>
    internal static class SmtpTransport
    {
        /// <summary>Resolves the host (unless it is an address) and connects to its addresses in turn.</summary>
        /// <exception cref="SmtpConnectException">No address could be resolved or reached.</exception>
        internal static async Task<bool> ConnectAsync(SmtpWire wire, SmtpSessionOptions options,
            CancellationToken cancellationToken)
        {
            string host = options.Host.Trim();
            if (host.StartsWith("[", StringComparison.Ordinal) && host.EndsWith("]", StringComparison.Ordinal))
            {
                host = host.Substring(1, host.Length - 2);
            }

            IPAddress[] addresses;
            if (IPAddress.TryParse(host, out IPAddress? literal))
            {
                addresses = new[] { literal };
            }
            else
            {
                try
                {
                    addresses = await WithCancellation(System.Net.Dns.GetHostAddressesAsync(host), cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    throw new SmtpConnectException(
                        $"the host name '{host}' could not be resolved ({DescribeSocketError(ex)}).", ex);
                }
                if (addresses.Length == 0)
                {
                    throw new SmtpConnectException($"the host name '{host}' has no IPv4 or IPv6 address.");
                }
            }

            var failures = new List<string>();
            foreach (IPAddress address in addresses)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tcp = new TcpClient(address.AddressFamily) { NoDelay = true };
                // Registered before the connect so that Ctrl+C or the stage timeout can end a blocking connect.
                using (cancellationToken.Register(() => tcp.Dispose()))
                {
                    try
                    {
                        if (options.BlockingIo) tcp.Connect(address, options.Port);
                        else await tcp.ConnectAsync(address, options.Port).ConfigureAwait(false);
                        var remote = new IPEndPoint(address, options.Port);
                        wire.Attach(tcp, remote);
                        wire.Info($"Connected to {remote} ({options.Host}).");
                        return true;
                    }
                    catch (Exception ex) when ((ex is SocketException || ex is ObjectDisposedException) &&
                                               !cancellationToken.IsCancellationRequested)
                    {
                        failures.Add($"{address}: " + (ex is SocketException s ? DescribeSocketError(s) : ex.Message));
                        tcp.Dispose();
                    }
                }
            }
            throw new SmtpConnectException(addresses.Length == 1
                ? $"could not connect to {SmtpException.FormatEndpoint(addresses[0].ToString(), options.Port)}: " +
                  $"{failures[0].Substring(failures[0].IndexOf(": ", StringComparison.Ordinal) + 2)}."
                : $"could not connect to any address of '{host}' ({string.Join("; ", failures)}).");
        }

        private static string DescribeSocketError(SocketException ex) => ex.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused: nothing listens on that port",
            SocketError.HostUnreachable => "host unreachable",
            SocketError.NetworkUnreachable => "network unreachable",
            SocketError.TimedOut => "timed out",
            SocketError.HostNotFound => "no such host",
            SocketError.TryAgain => "temporary DNS failure",
            SocketError.NoData => "no address records",
            _ => ex.Message,
        };

        private static async Task<T> WithCancellation<T>(Task<T> task, CancellationToken cancellationToken)
        {
            // Dns.GetHostAddressesAsync takes no token on netstandard2.0: stop waiting for it instead.
            var cancelled = new TaskCompletionSource<bool>();
            using (cancellationToken.Register(() => cancelled.TrySetResult(true)))
            {
                if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }
            return await task.ConfigureAwait(false);
        }

        /// <summary>The TLS handshake over the wire's transport; on success the wire speaks TLS.</summary>
        /// <exception cref="SmtpTlsException">The handshake failed or the certificate was refused.</exception>
        internal static async Task<SmtpTlsInfo> HandshakeAsync(SmtpWire wire, SmtpSessionOptions options,
            SmtpStage stage)
        {
            string serverName = options.TlsServerName ?? options.Host.Trim('[', ']');
            var errors = new List<string>();
            X509Certificate2? certificate = null;
            bool accepted = false;
            TlsPolicyVerdict? verdict = null;

            bool Validate(object sender, X509Certificate? cert, X509Chain? chain, SslPolicyErrors policyErrors)
            {
                if (cert != null) certificate = new X509Certificate2(cert);
                errors.AddRange(DescribeCertificateErrors(policyErrors, chain, serverName));
                if (options.SkipCertificateCheck) accepted = true;
                else if (options.CertificateValidation != null)
                    accepted = options.CertificateValidation(sender, cert, chain, policyErrors);
                else accepted = policyErrors == SslPolicyErrors.None;
                if (options.TlsPolicy != null && certificate != null)
                {
                    verdict = options.TlsPolicy(certificate, ChainOf(certificate, chain),
                        policyErrors == SslPolicyErrors.None);
                    // A validated DANE match authenticates a server PKIX cannot (RFC 7672 §3.1.1); a policy that
                    // requires more than the certificate gives refuses it when the caller asked for that.
                    if (verdict.Required && verdict.Satisfied) accepted = true;
                    else if (verdict.Required && options.RequireTlsPolicy)
                    {
                        accepted = false;
                        errors.Add("The destination's TLS policy is not met: " + verdict.Reason);
                    }
                }
                return accepted;
            }

            // Keeps the first bytes the server sends, so a server that answers the handshake in plain SMTP can be
            // named as such instead of "the handshake failed".
            var first = new FirstBytesStream(wire.Transport!);
            var ssl = new SslStream(first, false, Validate);
            try
            {
                await ssl.AuthenticateAsClientAsync(serverName, null, SslProtocols.None, false).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException || ex is IOException)
            {
                ssl.Dispose();
                SmtpTlsInfo? partial = certificate == null ? null : DescribeTls(null, certificate, errors, false);
                string? plain = first.PlainSmtpGreeting();
                string reason = plain != null
                    ? $"the server answered the TLS handshake in plain text (\"{plain}\"): this port speaks plain " +
                      "SMTP, with STARTTLS if offered, not implicit TLS."
                    : certificate != null && !accepted
                        ? $"the server's certificate was refused: {string.Join(" ", errors)}"
                        : $"the TLS handshake failed: {ex.Message}";
                if (!reason.EndsWith(".", StringComparison.Ordinal)) reason += ".";
                throw new SmtpTlsException(reason, stage, errors.Count > 0 ? errors.ToArray() : new[] { ex.Message },
                    partial, ex) { PlainTextServer = plain != null };
            }

            wire.UpgradeTo(ssl);
            SmtpTlsInfo tls = DescribeTls(ssl, certificate, errors, accepted);
            tls.TlsPolicy = verdict;
            wire.Info($"TLS established: {tls.Protocol}, {tls.CipherSuite}.");
            if (certificate != null)
            {
                string names = tls.SubjectAlternativeNames.Count == 0
                    ? "no alternative names"
                    : "names " + string.Join(", ", tls.SubjectAlternativeNames);
                wire.Info($"Certificate: subject {tls.Subject}; issuer {tls.Issuer}; {names}; valid " +
                          $"{tls.NotBefore:yyyy-MM-dd} to {tls.NotAfter:yyyy-MM-dd}; thumbprint {tls.Thumbprint}.");
            }
            foreach (string error in errors) wire.Info("Certificate problem: " + error);
            if (verdict != null) wire.Info("TLS policy: " + verdict.Reason);
            return tls;
        }

        // The chain as the server presented it (leaf first), copied out before the callback's chain is disposed.
        private static IReadOnlyList<X509Certificate2> ChainOf(X509Certificate2 leaf, X509Chain? chain)
        {
            var certificates = new List<X509Certificate2> { leaf };
            if (chain == null) return certificates;
            foreach (X509ChainElement element in chain.ChainElements)
            {
                if (element.Certificate.Thumbprint != leaf.Thumbprint) certificates.Add(new X509Certificate2(element.Certificate));
            }
            return certificates;
        }

        private static SmtpTlsInfo DescribeTls(SslStream? ssl, X509Certificate2? cert, List<string> errors,
            bool accepted)
        {
            string protocol = ssl?.SslProtocol.ToString() ?? "None";
            string cipher = "unknown";
            if (ssl != null)
            {
                // NegotiatedCipherSuite exists from .NET Core 3.0 on, but not in netstandard2.0's surface.
                object? suite = ssl.GetType().GetProperty("NegotiatedCipherSuite")?.GetValue(ssl);
                cipher = suite?.ToString() ?? $"{ssl.CipherAlgorithm} {ssl.CipherStrength}-bit";
            }
            return new SmtpTlsInfo(protocol, cipher, cert?.Subject, cert?.Issuer,
                cert == null ? Array.Empty<string>() : CertificateNames.SubjectAlternativeNames(cert),
                cert?.NotBefore.ToUniversalTime(), cert?.NotAfter.ToUniversalTime(), cert?.Thumbprint,
                errors.ToArray(), accepted);
        }

        private static IEnumerable<string> DescribeCertificateErrors(SslPolicyErrors errors, X509Chain? chain,
            string serverName)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                yield return "The server sent no certificate.";
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                yield return $"The certificate does not match the name '{serverName}'.";
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                var statuses = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).ToArray();
                if (statuses == null || statuses.Length == 0)
                {
                    yield return "The certificate chain could not be validated.";
                }
                else
                {
                    foreach (var s in statuses.GroupBy(s => s.Status).Select(g => g.First()))
                    {
                        string text = (s.StatusInformation ?? string.Empty).Trim();
                        yield return s.Status switch
                        {
                            X509ChainStatusFlags.UntrustedRoot =>
                                "The certificate chain ends in a root that is not trusted (for example, self-signed).",
                            X509ChainStatusFlags.PartialChain =>
                                "The certificate chain is incomplete: an issuer certificate could not be found.",
                            X509ChainStatusFlags.NotTimeValid =>
                                "The certificate has expired or is not yet valid.",
                            X509ChainStatusFlags.Revoked => "The certificate has been revoked.",
                            _ => text.Length > 0 ? $"{s.Status}: {text.TrimEnd('.')}." : s.Status + ".",
                        };
                    }
                }
            }
        }

        /// <summary>Passes everything through and keeps the first bytes read, for the error message.</summary>
        private sealed class FirstBytesStream : Stream
        {
            private readonly Stream _inner;
            private readonly byte[] _first = new byte[64];
            private int _kept;

            internal FirstBytesStream(Stream inner) => _inner = inner;

            /// <summary>The first line when the server spoke SMTP ("220 ..."), else null.</summary>
            internal string? PlainSmtpGreeting()
            {
                if (_kept < 4 || !char.IsDigit((char)_first[0]) || !char.IsDigit((char)_first[1]) ||
                    !char.IsDigit((char)_first[2]) || (_first[3] != ' ' && _first[3] != '-'))
                {
                    return null;
                }
                int end = 0;
                while (end < _kept && _first[end] != '\r' && _first[end] != '\n' && _first[end] >= 0x20 &&
                       _first[end] < 0x7F)
                {
                    end++;
                }
                return System.Text.Encoding.ASCII.GetString(_first, 0, end);
            }

            private int Keep(byte[] buffer, int offset, int read)
            {
                int take = Math.Min(read, _first.Length - _kept);
                if (take > 0)
                {
                    Buffer.BlockCopy(buffer, offset, _first, _kept, take);
                    _kept += take;
                }
                return read;
            }

            public override int Read(byte[] buffer, int offset, int count) =>
                Keep(buffer, offset, _inner.Read(buffer, offset, count));

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count,
                CancellationToken cancellationToken) =>
                Keep(buffer, offset, await _inner.ReadAsync(buffer, offset, count, cancellationToken)
                    .ConfigureAwait(false));

            public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

            public override Task WriteAsync(byte[] buffer, int offset, int count,
                CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

            public override void Flush() => _inner.Flush();

            public override Task FlushAsync(CancellationToken cancellationToken) =>
                _inner.FlushAsync(cancellationToken);

            public override bool CanRead => _inner.CanRead;
            public override bool CanSeek => false;
            public override bool CanWrite => _inner.CanWrite;
            public override long Length => throw new NotSupportedException();

            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
