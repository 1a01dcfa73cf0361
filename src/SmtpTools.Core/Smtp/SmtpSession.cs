using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// One SMTP client connection: connect, greeting, EHLO, TLS, AUTH, any number of mail transactions, QUIT.
    /// Every line on the wire is written to the transcript (secrets redacted where they are produced); every stage
    /// has its own timeout and honours the caller's token. Not thread-safe: one command at a time.
    /// </summary>
    internal sealed class SmtpSession : IDisposable
    {
        internal const string RedactedMarker = "<redacted>";

        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        private readonly SmtpSessionOptions _options;
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        // DateTimeOffset.Now converts to local time on every call (a time-zone lookup): tests/bench found it a tenth
        // of the CPU of a bulk send. One conversion per session, plus the monotonic clock, gives the same instants.
        private readonly DateTimeOffset _openedAt = DateTimeOffset.Now;
        private readonly Dictionary<SmtpStage, TimeSpan> _stageTimes = new Dictionary<SmtpStage, TimeSpan>();
        private TcpClient? _tcp;
        private Stream? _stream;

        /// <summary>The TCP stream under TLS, if any.</summary>
        private Stream? _transport;

        /// <summary>The DATA buffer, kept for the next message of the session.</summary>
        private byte[]? _dataBuffer;
        private SmtpReplyReader? _reader;
        private SmtpReply? _lastReply;
        private bool _disposed;
        private int _handshakeEntries = -1;

        private SmtpSession(SmtpSessionOptions options)
        {
            _options = options;
            Transcript = new SmtpTranscript(options.TranscriptSink);
        }

        /// <summary>The host as the caller gave it.</summary>
        internal string Host => _options.Host;

        /// <summary>The TCP port.</summary>
        internal int Port => _options.Port;

        /// <summary>The address actually connected to.</summary>
        internal IPEndPoint? RemoteEndPoint { get; private set; }

        /// <summary>The server's greeting.</summary>
        internal SmtpReply? Greeting { get; private set; }

        /// <summary>The current capabilities (after TLS when TLS is on).</summary>
        internal SmtpCapabilities? Capabilities { get; private set; }

        /// <summary>The capabilities announced before STARTTLS, or null when STARTTLS was not used.</summary>
        internal SmtpCapabilities? CapabilitiesBeforeTls { get; private set; }

        /// <summary>The TLS session, or null in the clear.</summary>
        internal SmtpTlsInfo? Tls { get; private set; }

        /// <summary>True once TLS is up.</summary>
        internal bool IsEncrypted => Tls != null;

        /// <summary>The mechanism that authenticated the session, or null.</summary>
        internal string? AuthenticatedMechanism { get; private set; }

        /// <summary>The whole conversation so far.</summary>
        internal SmtpTranscript Transcript { get; }

        /// <summary>Time spent in each stage so far.</summary>
        internal IReadOnlyDictionary<SmtpStage, TimeSpan> StageTimes => _stageTimes;

        /// <summary>The last reply received.</summary>
        internal SmtpReply? LastReply => _lastReply;

        /// <summary>Connects, reads the greeting, says EHLO and negotiates TLS as the options ask.</summary>
        internal static async Task<SmtpSession> ConnectAsync(SmtpSessionOptions options,
            CancellationToken cancellationToken)
        {
            var session = new SmtpSession(options);
            try
            {
                await session.OpenAsync(cancellationToken).ConfigureAwait(false);
                return session;
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        private async Task OpenAsync(CancellationToken cancellationToken)
        {
            SmtpTlsMode mode = _options.EffectiveTls;
            await RunAsync(SmtpStage.Connect, _options.Timeouts.Connect, (_, ct) => ConnectTcpAsync(ct),
                cancellationToken).ConfigureAwait(false);
            if (mode == SmtpTlsMode.Implicit)
            {
                await RunAsync(SmtpStage.Connect, _options.Timeouts.TlsHandshake,
                    (_, ct) => HandshakeAsync(SmtpStage.Connect), cancellationToken).ConfigureAwait(false);
            }

            SmtpReply greeting = await RunAsync(SmtpStage.Greeting, _options.Timeouts.Greeting,
                (_, ct) => ReadReplyAsync(ct), cancellationToken).ConfigureAwait(false);
            Greeting = greeting;
            if (greeting.Code != 220)
            {
                // RFC 5321 §3.1: 554 means no SMTP service here; 421 means not now. Either way, say QUIT and leave.
                await TryQuitAsync().ConfigureAwait(false);
                throw Contextualize(new SmtpCommandException(
                    $"the server refused the session in its greeting ({greeting.Code} {greeting.Text}).",
                    SmtpStage.Greeting, greeting), SmtpStage.Greeting);
            }

            await EhloAsync(cancellationToken).ConfigureAwait(false);

            if (mode == SmtpTlsMode.StartTls || mode == SmtpTlsMode.StartTlsWhenAvailable)
            {
                if (Capabilities!.StartTls)
                {
                    await StartTlsAsync(mode == SmtpTlsMode.StartTls, cancellationToken).ConfigureAwait(false);
                }
                else if (mode == SmtpTlsMode.StartTls)
                {
                    await TryQuitAsync().ConfigureAwait(false);
                    throw Contextualize(new SmtpTlsException(
                        "TLS is required but the server does not offer STARTTLS.", SmtpStage.StartTls,
                        new[] { "STARTTLS was not in the EHLO reply." }, null), SmtpStage.StartTls);
                }
                else
                {
                    Info("The server does not offer STARTTLS; continuing without TLS.");
                }
            }
        }

        // ---- connection -------------------------------------------------------------------------------------------

        private async Task<bool> ConnectTcpAsync(CancellationToken cancellationToken)
        {
            string host = _options.Host.Trim();
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
                _tcp = tcp;
                try
                {
                    if (_options.BlockingIo) tcp.Connect(address, _options.Port);
                    else await tcp.ConnectAsync(address, _options.Port).ConfigureAwait(false);
                    RemoteEndPoint = new IPEndPoint(address, _options.Port);
                    _transport = _options.BlockingIo ? new BlockingStream(tcp.GetStream()) : tcp.GetStream();
                    _stream = _transport;
                    _reader = new SmtpReplyReader(_stream);
                    Info($"Connected to {RemoteEndPoint} ({_options.Host}).");
                    return true;
                }
                catch (SocketException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    failures.Add($"{address}: {DescribeSocketError(ex)}");
                    tcp.Dispose();
                    _tcp = null;
                }
            }
            throw new SmtpConnectException(addresses.Length == 1
                ? $"could not connect to {SmtpException.FormatEndpoint(addresses[0].ToString(), _options.Port)}: " +
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

        // ---- TLS ----------------------------------------------------------------------------------------------

        /// <summary>STARTTLS as a user typed it: a refusal is returned, not thrown; on 220, TLS and a new EHLO follow.</summary>
        internal Task<SmtpReply> StartTlsAsync(CancellationToken cancellationToken) =>
            StartTlsAsync(false, cancellationToken);

        private async Task<SmtpReply> StartTlsAsync(bool required, CancellationToken cancellationToken)
        {
            SmtpReply reply = await RunAsync(SmtpStage.StartTls, _options.Timeouts.Command,
                (_, ct) => CommandAsync("STARTTLS", ct), cancellationToken).ConfigureAwait(false);
            if (reply.Code != 220)
            {
                if (required)
                {
                    await TryQuitAsync().ConfigureAwait(false);
                    throw Contextualize(new SmtpTlsException(
                        $"the server refused STARTTLS ({reply.Code} {reply.Text}).", SmtpStage.StartTls,
                        new[] { "STARTTLS was refused with " + reply.Code + "." }, null), SmtpStage.StartTls);
                }
                Info($"STARTTLS was refused ({reply.Code}); continuing without TLS.");
                return reply;
            }

            // RFC 3207 §4 / CVE-2011-0411: nothing sent before the handshake may be read as if it came through TLS.
            int dropped = _reader!.DiscardBuffer();
            if (dropped > 0)
            {
                Info($"Discarded {dropped} bytes the server sent after its STARTTLS reply, before TLS " +
                     "(possible STARTTLS response injection).");
            }

            await RunAsync(SmtpStage.StartTls, _options.Timeouts.TlsHandshake,
                (_, ct) => HandshakeAsync(SmtpStage.StartTls), cancellationToken).ConfigureAwait(false);

            // RFC 3207 §4.2: forget everything learned before TLS and ask again.
            CapabilitiesBeforeTls = Capabilities;
            Capabilities = null;
            await EhloAsync(cancellationToken).ConfigureAwait(false);
            return reply;
        }

        private async Task<bool> HandshakeAsync(SmtpStage stage)
        {
            string serverName = _options.TlsServerName ?? _options.Host.Trim('[', ']');
            var errors = new List<string>();
            X509Certificate2? certificate = null;
            bool accepted = false;

            bool Validate(object sender, X509Certificate? cert, X509Chain? chain, SslPolicyErrors policyErrors)
            {
                if (cert != null) certificate = new X509Certificate2(cert);
                errors.AddRange(DescribeCertificateErrors(policyErrors, chain, serverName));
                if (_options.SkipCertificateCheck) accepted = true;
                else if (_options.CertificateValidation != null)
                    accepted = _options.CertificateValidation(sender, cert, chain, policyErrors);
                else accepted = policyErrors == SslPolicyErrors.None;
                return accepted;
            }

            var ssl = new SslStream(_transport!, false, Validate);
            try
            {
                await ssl.AuthenticateAsClientAsync(serverName, null, SslProtocols.None, false).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException || ex is IOException)
            {
                ssl.Dispose();
                SmtpTlsInfo? partial = certificate == null ? null : DescribeTls(null, certificate, errors, false);
                string reason = certificate != null && !accepted
                    ? $"the server's certificate was refused: {string.Join(" ", errors)}"
                    : $"the TLS handshake failed: {ex.Message}";
                if (!reason.EndsWith(".", StringComparison.Ordinal)) reason += ".";
                throw new SmtpTlsException(reason, stage, errors.Count > 0 ? errors.ToArray() : new[] { ex.Message },
                    partial, ex);
            }

            _stream = ssl;
            _reader!.SetStream(ssl);
            Tls = DescribeTls(ssl, certificate, errors, accepted);
            Info($"TLS established: {Tls.Protocol}, {Tls.CipherSuite}.");
            if (certificate != null)
            {
                Info($"Certificate: subject {Tls.Subject}; issuer {Tls.Issuer}; " +
                     $"names {string.Join(", ", Tls.SubjectAlternativeNames)}; valid " +
                     $"{Tls.NotBefore:yyyy-MM-dd} to {Tls.NotAfter:yyyy-MM-dd}; thumbprint {Tls.Thumbprint}.");
            }
            foreach (string error in errors) Info("Certificate problem: " + error);
            return true;
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

        // ---- EHLO -----------------------------------------------------------------------------------------------

        private async Task EhloAsync(CancellationToken cancellationToken)
        {
            string name = _options.ClientName ?? DefaultClientName();
            SmtpReply reply = await RunAsync(SmtpStage.Ehlo, _options.Timeouts.Command,
                (_, ct) => CommandAsync("EHLO " + name, ct), cancellationToken).ConfigureAwait(false);
            if (reply.Code == 250)
            {
                Capabilities = SmtpCapabilities.Parse(reply, true);
                return;
            }
            // RFC 5321 §3.2 / §4.1.1.1: an old server answers EHLO with 500 or 502; fall back to HELO.
            if (reply.Code == 500 || reply.Code == 502)
            {
                SmtpReply helo = await RunAsync(SmtpStage.Ehlo, _options.Timeouts.Command,
                    (_, ct) => CommandAsync("HELO " + name, ct), cancellationToken).ConfigureAwait(false);
                if (helo.Code == 250)
                {
                    Capabilities = SmtpCapabilities.Parse(helo, false);
                    return;
                }
                reply = helo;
            }
            // RFC 5321 §3.8: 421 is the server shutting the session, not a verdict on the client name.
            throw Contextualize(new SmtpCommandException(reply.Code == 421
                ? $"the server is closing the session ({reply.Code} {reply.Text})."
                : $"the server refused the client name '{name}' ({reply.Code} {reply.Text}).", SmtpStage.Ehlo, reply),
                SmtpStage.Ehlo);
        }

        private string DefaultClientName()
        {
            try
            {
                string host = System.Net.Dns.GetHostName();
                string domain = IPGlobalProperties.GetIPGlobalProperties().DomainName ?? string.Empty;
                string fqdn = host.IndexOf('.') >= 0 || domain.Length == 0 ? host : host + "." + domain.TrimStart('.');
                // RFC 5321 §4.1.1.1: the FQDN if there is one; a bare name is not a domain, so use an address literal.
                bool ldh = fqdn.All(c => c < 128 && (char.IsLetterOrDigit(c) || c == '-' || c == '.'));
                if (fqdn.IndexOf('.') > 0 && ldh)
                {
                    return fqdn;
                }
            }
            catch (Exception ex) when (ex is SocketException || ex is NetworkInformationException)
            {
            }
            IPAddress? local = (_tcp?.Client.LocalEndPoint as IPEndPoint)?.Address;
            if (local == null) return "[127.0.0.1]";
            if (local.IsIPv4MappedToIPv6) local = local.MapToIPv4();
            return local.AddressFamily == AddressFamily.InterNetworkV6 ? "[IPv6:" + local + "]" : "[" + local + "]";
        }

        // ---- AUTH -----------------------------------------------------------------------------------------------

        /// <summary>Authenticates, or throws <see cref="SmtpAuthenticationException"/> with the server's reply.</summary>
        internal async Task<SmtpReply> AuthenticateAsync(SmtpCredential credential, string? mechanism,
            CancellationToken cancellationToken)
        {
            SmtpAuthAttempt attempt = await TryAuthenticateAsync(credential, mechanism, cancellationToken)
                .ConfigureAwait(false);
            if (attempt.Reply.Code == 235) return attempt.Reply;
            throw Contextualize(new SmtpAuthenticationException(
                $"the server rejected {attempt.Mechanism} authentication for '{credential.UserName}' " +
                $"({attempt.Reply.Code} {attempt.Reply.Text}).", attempt.Reply, attempt.Mechanism), SmtpStage.Auth);
        }

        /// <summary>Picks the mechanism for <paramref name="credential"/> among those advertised, or says why none fits.</summary>
        internal string ChooseMechanism(SmtpCredential credential, string? requested)
        {
            IReadOnlyList<string> offered = Capabilities?.AuthMechanisms ?? Array.Empty<string>();
            if (offered.Count == 0)
            {
                string hint = !IsEncrypted && Capabilities?.StartTls == true
                    ? " before TLS; it offers STARTTLS, and many servers only offer AUTH after it"
                    : string.Empty;
                throw Contextualize(new SmtpAuthenticationException(
                    $"the server offers no AUTH mechanism{hint}.", null, requested?.ToUpperInvariant(),
                    SmtpAuthFailure.NotOffered), SmtpStage.Auth);
            }
            bool token = credential.AccessToken != null;
            if (requested != null)
            {
                string name = requested.ToUpperInvariant();
                if (!SaslMechanism.IsSupported(name))
                {
                    throw Contextualize(new SmtpAuthenticationException(
                        $"the SASL mechanism {name} is not supported; use one of " +
                        $"{string.Join(", ", SaslMechanism.PasswordMechanisms.Concat(SaslMechanism.TokenMechanisms))}.",
                        null, name, SmtpAuthFailure.MechanismNotSupported), SmtpStage.Auth);
                }
                if (!offered.Contains(name))
                {
                    throw Contextualize(new SmtpAuthenticationException(
                        $"the server does not offer AUTH {name}; it offers {string.Join(", ", offered)}.", null, name,
                        SmtpAuthFailure.MechanismNotOffered),
                        SmtpStage.Auth);
                }
                if (SaslMechanism.UsesToken(name) != token)
                {
                    throw Contextualize(new SmtpAuthenticationException(token
                        ? $"{name} needs a password, but an access token was given."
                        : $"{name} needs an access token, but a password was given.", null, name,
                        SmtpAuthFailure.CredentialMismatch),
                        SmtpStage.Auth);
                }
                return name;
            }
            string[] preference = token ? SaslMechanism.TokenMechanisms : SaslMechanism.PasswordMechanisms;
            string? chosen = preference.FirstOrDefault(offered.Contains);
            if (chosen == null)
            {
                throw Contextualize(new SmtpAuthenticationException(
                    $"none of the mechanisms the server offers ({string.Join(", ", offered)}) can use " +
                    (token ? "an access token." : "a password."), null, null, SmtpAuthFailure.CredentialMismatch),
                    SmtpStage.Auth);
            }
            return chosen;
        }

        /// <summary>Runs one AUTH exchange and returns its final reply; throws only when AUTH cannot be tried.</summary>
        internal async Task<SmtpAuthAttempt> TryAuthenticateAsync(SmtpCredential credential, string? mechanism,
            CancellationToken cancellationToken)
        {
            string name = ChooseMechanism(credential, mechanism);
            // RFC 4954 §4, §14 and RFC 7628 §5: credentials go only over TLS, unless the caller insists.
            if (!IsEncrypted && !_options.AllowUnencryptedAuthentication)
            {
                throw Contextualize(new SmtpAuthenticationException(
                    $"refusing to send credentials ({name}) over a connection without TLS. Use TLS " +
                    "(-Tls StartTls or Implicit), or allow it explicitly with -AllowUnencryptedAuthentication.",
                    null, name, SmtpAuthFailure.TlsRequired), SmtpStage.Auth);
            }

            SaslMechanism sasl = SaslMechanism.Create(name, credential, _options.Host, _options.Port);
            SmtpReply reply = await RunAsync(SmtpStage.Auth, _options.Timeouts.Command, async (_, ct) =>
            {
                string? initial = sasl.InitialResponse();
                string command = "AUTH " + name + (initial == null ? string.Empty : " " + initial);
                await SendLineAsync(command, initial == null ? command : "AUTH " + name + " " + RedactedMarker, ct)
                    .ConfigureAwait(false);
                SmtpReply r = await ReadReplyAsync(ct).ConfigureAwait(false);
                int rounds = 0;
                while (r.Code == 334 && rounds++ < 10)
                {
                    byte[]? challenge = DecodeBase64(r.Lines[0].Trim());
                    if (challenge == null)
                    {
                        // RFC 4954 §4: a challenge that does not decode must be answered with "*".
                        await SendLineAsync("*", "*", ct).ConfigureAwait(false);
                        SmtpReply cancelled = await ReadReplyAsync(ct).ConfigureAwait(false);
                        throw new SmtpProtocolException(
                            $"the server sent an AUTH challenge that is not valid base64 (\"{r.Lines[0]}\").",
                            SmtpStage.Auth, cancelled);
                    }
                    string answer = sasl.Respond(challenge);
                    if (sasl.ErrorDetails != null) Info($"{name} error from the server: {sasl.ErrorDetails}");
                    await SendLineAsync(answer, answer.Length == 0 || answer == "*" ? answer : RedactedMarker, ct)
                        .ConfigureAwait(false);
                    r = await ReadReplyAsync(ct).ConfigureAwait(false);
                }
                return r;
            }, cancellationToken).ConfigureAwait(false);

            if (sasl.ServerVerificationFailed)
            {
                throw Contextualize(new SmtpAuthenticationException(
                    $"the server's {name} signature is wrong: it does not know the password, so it may not be the " +
                    "server it claims to be. The exchange was cancelled.", reply, name,
                    SmtpAuthFailure.ServerNotVerified),
                    SmtpStage.Auth);
            }
            if (reply.Code == 235) AuthenticatedMechanism = name;
            return new SmtpAuthAttempt(name, reply, sasl.ErrorDetails);
        }

        private static byte[]? DecodeBase64(string text)
        {
            if (text.Length == 0) return Array.Empty<byte>();
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        // ---- mail transaction ----------------------------------------------------------------------------------

        /// <summary>
        /// Runs one mail transaction. Refused recipients are part of the result; a refused MAIL FROM, a 421, or a
        /// broken connection throws. After a transaction that did not complete, RSET leaves the session reusable.
        /// </summary>
        internal async Task<SmtpTransactionResult> SendAsync(SmtpEnvelope envelope, ISmtpMessageContent content,
            CancellationToken cancellationToken)
        {
            SmtpCapabilities caps = Capabilities ?? throw new InvalidOperationException("The session is not open.");
            var started = _clock.Elapsed;
            // One connection may carry thousands of messages: the transcript keeps the handshake (greeting, EHLO,
            // TLS, AUTH) and the current transaction only, so memory stays flat. Failures get a snapshot of it.
            if (_handshakeEntries < 0) _handshakeEntries = Transcript.Count;
            else Transcript.Compact(_handshakeEntries, omitted => Entry(SmtpTranscriptDirection.Info,
                $"({omitted} lines of earlier messages on this connection are not kept here.)"));
            bool utf8 = content.NeedsSmtpUtf8 || !IsAscii(envelope.From) ||
                        envelope.Recipients.Any(r => !IsAscii(r.Address));
            if (utf8 && !caps.SmtpUtf8)
            {
                // RFC 6531 §3.2: without SMTPUTF8 the client must not send UTF-8 addresses or headers.
                throw Contextualize(new SmtpException(
                    "the message has non-ASCII addresses or headers, and the server does not offer SMTPUTF8.",
                    SmtpStage.MailFrom), SmtpStage.MailFrom);
            }
            if (content.Has8BitContent && !caps.EightBitMime)
            {
                // RFC 6152 asks for 7-bit content without 8BITMIME; refusing would strand mail on old servers,
                // so the content goes as is and the transcript says so.
                Info("The message has 8-bit content but the server does not offer 8BITMIME; sending it as is.");
            }
            if (envelope.RequireTls && !(caps.RequireTls && IsEncrypted))
            {
                throw Contextualize(new SmtpException(
                    "REQUIRETLS was asked for, but the server does not offer it over TLS (RFC 8689).",
                    SmtpStage.MailFrom), SmtpStage.MailFrom);
            }

            string mail = BuildMailFrom(envelope, content, caps, utf8);
            string[] rcpts = envelope.Recipients.Select(r => BuildRcptTo(r, caps)).ToArray();
            // Checked before anything is sent, so a bad recipient cannot leave a half-open transaction.
            CheckSingleLine(mail);
            foreach (string rcpt in rcpts) CheckSingleLine(rcpt);
            bool chunking = _options.UseChunking && caps.Chunking;
            bool pipelining = _options.UsePipelining && caps.Pipelining;

            SmtpReply mailReply;
            var recipients = new List<SmtpRecipientResult>();
            SmtpReply? dataCommandReply = null;

            if (pipelining)
            {
                // RFC 2920 §3.1: MAIL, every RCPT and DATA go out in one write; replies are matched by count.
                var batch = new List<string> { mail };
                batch.AddRange(rcpts);
                if (!chunking) batch.Add("DATA");
                mailReply = await RunAsync(SmtpStage.MailFrom, _options.Timeouts.Command, async (_, ct) =>
                {
                    await SendLinesAsync(batch, ct).ConfigureAwait(false);
                    return await ReadReplyAsync(ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                // RFC 5321 §3.8: after 421 the server closes; the replies still due will never come.
                if (mailReply.Code == 421) throw MailFromRefused(envelope, mailReply);
                for (int i = 0; i < rcpts.Length; i++)
                {
                    SmtpReply r = await RunAsync(SmtpStage.RcptTo, _options.Timeouts.Command,
                        (_, ct) => ReadReplyAsync(ct), cancellationToken).ConfigureAwait(false);
                    recipients.Add(new SmtpRecipientResult(envelope.Recipients[i].Address, r));
                    if (r.Code == 421) break;
                }
                if (!chunking && recipients.Count == rcpts.Length && recipients.All(r => r.Reply.Code != 421))
                {
                    dataCommandReply = await RunAsync(SmtpStage.Data, _options.Timeouts.Command,
                        (_, ct) => ReadReplyAsync(ct), cancellationToken).ConfigureAwait(false);
                }
                if (!mailReply.IsSuccess)
                {
                    // A 354 to DATA despite everything must still be ended before the session can go on.
                    if (dataCommandReply?.Code == 354) await EndEmptyDataAsync(cancellationToken).ConfigureAwait(false);
                    throw MailFromRefused(envelope, mailReply);
                }
            }
            else
            {
                mailReply = await RunAsync(SmtpStage.MailFrom, _options.Timeouts.Command,
                    (_, ct) => CommandAsync(mail, ct), cancellationToken).ConfigureAwait(false);
                if (!mailReply.IsSuccess) throw MailFromRefused(envelope, mailReply);
                for (int i = 0; i < rcpts.Length; i++)
                {
                    SmtpReply r = await RunAsync(SmtpStage.RcptTo, _options.Timeouts.Command,
                        (_, ct) => CommandAsync(rcpts[i], ct), cancellationToken).ConfigureAwait(false);
                    recipients.Add(new SmtpRecipientResult(envelope.Recipients[i].Address, r));
                    if (r.Code == 421) break;
                }
            }

            SmtpRecipientResult? closing = recipients.FirstOrDefault(r => r.Reply.Code == 421);
            if (closing != null)
            {
                throw Contextualize(new SmtpCommandException(
                    $"the server is closing the session ({closing.Reply.Code} {closing.Reply.Text}).",
                    SmtpStage.RcptTo, closing.Reply), SmtpStage.RcptTo);
            }

            bool anyAccepted = recipients.Any(r => r.Accepted);
            if (!anyAccepted)
            {
                // RFC 2920 §3.1: a 354 with no valid recipient is ended with a lone ".".
                SmtpReply? ended = dataCommandReply?.Code == 354
                    ? await EndEmptyDataAsync(cancellationToken).ConfigureAwait(false)
                    : null;
                Info("No recipient was accepted; the message was not sent.");
                await RsetQuietlyAsync(cancellationToken).ConfigureAwait(false);
                return new SmtpTransactionResult(envelope.From, mailReply, recipients, ended != null && ended.IsSuccess
                    ? ended : null, 0, 0, pipelining, false, _clock.Elapsed - started);
            }

            SmtpReply dataReply;
            long bytes;
            long lines;
            if (chunking)
            {
                (dataReply, bytes, lines) = await SendBdatAsync(content, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                dataCommandReply ??= await RunAsync(SmtpStage.Data, _options.Timeouts.Command,
                    (_, ct) => CommandAsync("DATA", ct), cancellationToken).ConfigureAwait(false);
                if (dataCommandReply.Code != 354)
                {
                    if (dataCommandReply.Code == 421) throw DataRefused(dataCommandReply);
                    await RsetQuietlyAsync(cancellationToken).ConfigureAwait(false);
                    return new SmtpTransactionResult(envelope.From, mailReply, recipients, dataCommandReply, 0, 0,
                        pipelining, false, _clock.Elapsed - started);
                }
                (dataReply, bytes, lines) = await SendDataAsync(content, cancellationToken).ConfigureAwait(false);
            }
            if (dataReply.Code == 421) throw DataRefused(dataReply);
            if (chunking && !dataReply.IsSuccess) await RsetQuietlyAsync(cancellationToken).ConfigureAwait(false);
            return new SmtpTransactionResult(envelope.From, mailReply, recipients, dataReply, bytes, lines,
                pipelining, chunking, _clock.Elapsed - started);
        }

        private SmtpException MailFromRefused(SmtpEnvelope envelope, SmtpReply reply) => Contextualize(
            new SmtpCommandException(reply.Code == 421
                ? $"the server is closing the session ({reply.Code} {reply.Text})."
                : $"the server refused the sender <{envelope.From}> ({reply.Code} {reply.Text}).", SmtpStage.MailFrom,
                reply), SmtpStage.MailFrom);

        private SmtpException DataRefused(SmtpReply reply) => Contextualize(new SmtpCommandException(
            $"the server is closing the session ({reply.Code} {reply.Text}).", SmtpStage.Data, reply), SmtpStage.Data);

        private string BuildMailFrom(SmtpEnvelope envelope, ISmtpMessageContent content, SmtpCapabilities caps,
            bool utf8)
        {
            var sb = new StringBuilder("MAIL FROM:<").Append(envelope.From).Append('>');
            // RFC 1870 §3: the size estimate, only to a server that announced SIZE.
            if (caps.Size && content.Size.HasValue)
                sb.Append(" SIZE=").Append(content.Size.Value.ToString(CultureInfo.InvariantCulture));
            // RFC 6152 / RFC 6531 §3.4: 8-bit bodies declare BODY=8BITMIME; SMTPUTF8 implies it.
            if ((content.Has8BitContent || utf8) && caps.EightBitMime) sb.Append(" BODY=8BITMIME");
            if (utf8) sb.Append(" SMTPUTF8");
            // RFC 3461 §4: DSN parameters only when the server offers DSN.
            if (caps.Dsn && envelope.Return != SmtpDsnReturn.Default)
                sb.Append(" RET=").Append(envelope.Return == SmtpDsnReturn.Full ? "FULL" : "HDRS");
            if (caps.Dsn && !string.IsNullOrEmpty(envelope.EnvelopeId))
                sb.Append(" ENVID=").Append(XText(envelope.EnvelopeId!));
            if (envelope.RequireTls) sb.Append(" REQUIRETLS");
            return sb.ToString();
        }

        private static string BuildRcptTo(SmtpRecipient recipient, SmtpCapabilities caps)
        {
            var sb = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
            if (caps.Dsn && recipient.Notify != SmtpDsnNotify.Default)
            {
                // RFC 3461 §4.1: NEVER stands alone; otherwise a comma list.
                var parts = new List<string>();
                if ((recipient.Notify & SmtpDsnNotify.Never) != 0) parts.Add("NEVER");
                else
                {
                    if ((recipient.Notify & SmtpDsnNotify.Success) != 0) parts.Add("SUCCESS");
                    if ((recipient.Notify & SmtpDsnNotify.Failure) != 0) parts.Add("FAILURE");
                    if ((recipient.Notify & SmtpDsnNotify.Delay) != 0) parts.Add("DELAY");
                }
                sb.Append(" NOTIFY=").Append(string.Join(",", parts));
            }
            // RFC 3461 §4.2: ORCPT=rfc822;xtext. A non-ASCII address would need RFC 6533's utf-8 type; it is left out.
            if (caps.Dsn && recipient.OriginalRecipient != null && IsAscii(recipient.OriginalRecipient))
                sb.Append(" ORCPT=rfc822;").Append(XText(recipient.OriginalRecipient));
            return sb.ToString();
        }

        /// <summary>RFC 3461 §4: "+", "=" and anything outside "!".."~" become "+XX".</summary>
        internal static string XText(string value)
        {
            var sb = new StringBuilder();
            foreach (byte b in Utf8.GetBytes(value))
            {
                if (b < 0x21 || b > 0x7E || b == (byte)'+' || b == (byte)'=') sb.Append('+').Append(b.ToString("X2"));
                else sb.Append((char)b);
            }
            return sb.ToString();
        }

        private static bool IsAscii(string s) => s.All(c => c < 128);

        /// <summary>After a 354 the caller got itself: sends the message, dot-stuffed, and returns the final reply.</summary>
        internal async Task<SmtpReply> SendDataBodyAsync(ISmtpMessageContent content,
            CancellationToken cancellationToken) =>
            (await SendDataAsync(content, cancellationToken).ConfigureAwait(false)).Reply;

        private async Task<(SmtpReply Reply, long Bytes, long Lines)> SendDataAsync(ISmtpMessageContent content,
            CancellationToken cancellationToken)
        {
            // A large message goes out in 64 KiB writes (just under the large-object heap): a quarter of the socket
            // writes, and of the async completions, of the 16 KiB default; small messages keep the small buffer.
            int bufferSize = content.Size > 256 * 1024 ? 64 * 1024 : 16 * 1024;
            if (_dataBuffer == null || _dataBuffer.Length < bufferSize) _dataBuffer = new byte[bufferSize];
            var writer = new SmtpDataWriter(_stream!, buffer: _dataBuffer);
            SmtpReply reply = await RunAsync(SmtpStage.Data, _options.Timeouts.DataBlock, async (resetTimeout, ct) =>
            {
                EnsureNoReplyOutOfTurn();
                writer.Progress = sent =>
                {
                    // RFC 5321 §4.5.3.2.5: the data-block timer restarts with each write that got through.
                    resetTimeout(_options.Timeouts.DataBlock);
                    Report(SmtpStage.Data, sent, content.Size);
                };
                await WriteContentAsync(content, writer, ct).ConfigureAwait(false);
                await writer.CompleteAsync(ct).ConfigureAwait(false);
                Write(SmtpTranscriptDirection.Client,
                    $"<message: {writer.Lines} lines, {writer.BytesWritten} bytes, ended by \".\">");
                resetTimeout(_options.Timeouts.DataTermination);
                return await ReadReplyAsync(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            return (reply, writer.BytesWritten, writer.Lines);
        }

        private Task WriteContentAsync(ISmtpMessageContent content, Stream writer, CancellationToken cancellationToken)
        {
            if (!_options.BlockingIo) return content.WriteToAsync(writer, cancellationToken);
            content.WriteTo(writer, cancellationToken);
            return Task.CompletedTask;
        }

        private async Task<(SmtpReply Reply, long Bytes, long Lines)> SendBdatAsync(ISmtpMessageContent content,
            CancellationToken cancellationToken)
        {
            SmtpReply? last = null;
            long sent = 0;
            long lines = 0;
            try
            {
                await RunAsync(SmtpStage.Data, _options.Timeouts.DataBlock, async (resetTimeout, ct) =>
                {
                    async Task SendChunk(byte[] chunk, int count, bool isLast, CancellationToken token)
                    {
                        // RFC 3030 §2: "BDAT n [LAST]" and exactly n bytes, no dot-stuffing, one reply per chunk.
                        string command = "BDAT " + count.ToString(CultureInfo.InvariantCulture) +
                                         (isLast ? " LAST" : string.Empty);
                        EnsureNoReplyOutOfTurn();
                        byte[] head = Utf8.GetBytes(command + "\r\n");
                        Write(SmtpTranscriptDirection.Client, command);
                        await _stream!.WriteAsync(head, 0, head.Length, token).ConfigureAwait(false);
                        await _stream.WriteAsync(chunk, 0, count, token).ConfigureAwait(false);
                        await _stream.FlushAsync(token).ConfigureAwait(false);
                        sent += count;
                        Write(SmtpTranscriptDirection.Client, $"<chunk: {count} bytes>");
                        Report(SmtpStage.Data, sent, content.Size);
                        resetTimeout(isLast ? _options.Timeouts.DataTermination : _options.Timeouts.DataBlock);
                        last = await ReadReplyAsync(token).ConfigureAwait(false);
                        if (!last.IsSuccess && !isLast) throw new ChunkRefusedException();
                    }

                    var chunker = new BdatChunkStream(SendChunk, _options.ChunkSize);
                    var writer = new SmtpDataWriter(chunker, dotStuff: false);
                    writer.Progress = _ => resetTimeout(_options.Timeouts.DataBlock);
                    await WriteContentAsync(content, writer, ct).ConfigureAwait(false);
                    await writer.CompleteAsync(ct).ConfigureAwait(false);
                    lines = writer.Lines;
                    await chunker.CompleteAsync(ct).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (ChunkRefusedException)
            {
                // RFC 3030 §2: a refused chunk fails the transaction; the caller sends RSET.
            }
            return (last!, sent, lines);
        }

        private sealed class ChunkRefusedException : Exception
        {
        }

        private async Task<SmtpReply> EndEmptyDataAsync(CancellationToken cancellationToken) =>
            await RunAsync(SmtpStage.Data, _options.Timeouts.DataTermination,
                (_, ct) => CommandAsync(".", ct), cancellationToken).ConfigureAwait(false);

        private async Task RsetQuietlyAsync(CancellationToken cancellationToken)
        {
            SmtpReply reply = await RsetAsync(cancellationToken).ConfigureAwait(false);
            if (!reply.IsSuccess) Info($"RSET was answered with {reply.Code}.");
        }

        // ---- simple commands -----------------------------------------------------------------------------------

        /// <summary>RSET: abort the current transaction.</summary>
        internal Task<SmtpReply> RsetAsync(CancellationToken cancellationToken) =>
            SimpleAsync("RSET", cancellationToken);

        /// <summary>NOOP.</summary>
        internal Task<SmtpReply> NoopAsync(CancellationToken cancellationToken) =>
            SimpleAsync("NOOP", cancellationToken);

        /// <summary>VRFY: ask whether an address or name is known.</summary>
        internal Task<SmtpReply> VerifyAsync(string argument, CancellationToken cancellationToken) =>
            SimpleAsync("VRFY " + argument, cancellationToken);

        /// <summary>EXPN: expand a mailing list.</summary>
        internal Task<SmtpReply> ExpandAsync(string argument, CancellationToken cancellationToken) =>
            SimpleAsync("EXPN " + argument, cancellationToken);

        /// <summary>HELP, with an optional topic.</summary>
        internal Task<SmtpReply> HelpAsync(string? topic, CancellationToken cancellationToken) =>
            SimpleAsync(string.IsNullOrEmpty(topic) ? "HELP" : "HELP " + topic, cancellationToken);

        /// <summary>Sends any one-line command and returns its reply; the line must not contain CR or LF.</summary>
        internal Task<SmtpReply> SendCommandAsync(string command, CancellationToken cancellationToken)
        {
            if (command.IndexOf('\r') >= 0 || command.IndexOf('\n') >= 0)
            {
                throw new ArgumentException("A command must be a single line without CR or LF.", nameof(command));
            }
            return SimpleAsync(command, cancellationToken);
        }

        private Task<SmtpReply> SimpleAsync(string command, CancellationToken cancellationToken) =>
            RunAsync(SmtpStage.Command, _options.Timeouts.Command, (_, ct) => CommandAsync(command, ct),
                cancellationToken);

        /// <summary>QUIT and close. A server that closes before answering is not an error here.</summary>
        internal async Task<SmtpReply?> QuitAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await RunAsync(SmtpStage.Quit, _options.Timeouts.Command, (_, ct) => CommandAsync("QUIT", ct),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpProtocolException ex) when (ex.ConnectionClosed)
            {
                return null;
            }
            finally
            {
                Dispose();
            }
        }

        private async Task TryQuitAsync()
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await SendLineAsync("QUIT", "QUIT", cts.Token).ConfigureAwait(false);
                await ReadReplyAsync(cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ex is SmtpException || ex is OperationCanceledException ||
                                       ex is ObjectDisposedException || ex is SocketException)
            {
                // Leaving politely is best effort; the error being reported matters more.
            }
        }

        // ---- wire -----------------------------------------------------------------------------------------------

        private async Task<SmtpReply> CommandAsync(string line, CancellationToken cancellationToken)
        {
            await SendLineAsync(line, line, cancellationToken).ConfigureAwait(false);
            return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task SendLineAsync(string line, string transcriptText, CancellationToken cancellationToken)
        {
            CheckSingleLine(line);
            EnsureNoReplyOutOfTurn();
            byte[] bytes = Utf8.GetBytes(line + "\r\n");
            Write(SmtpTranscriptDirection.Client, transcriptText);
            await _stream!.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task SendLinesAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
        {
            foreach (string line in lines) CheckSingleLine(line);
            EnsureNoReplyOutOfTurn();
            // One buffer, one write: a pipelined batch must not be split into a packet per command.
            byte[] bytes = Utf8.GetBytes(string.Concat(lines.Select(l => l + "\r\n")));
            foreach (string line in lines) Write(SmtpTranscriptDirection.Client, line);
            await _stream!.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// RFC 5321 §4.1 / RFC 2920 §3.1: a server speaks only in answer to a command, and replies are paired with
        /// commands by order. Bytes already received before the client's next command are replies out of turn: read
        /// later they would answer the wrong command (a stray 250 would pass for the answer to the data), so the
        /// session ends here instead.
        /// </summary>
        private void EnsureNoReplyOutOfTurn()
        {
            int stray = _reader?.BufferedCount ?? 0;
            if (stray == 0) return;
            Abort();
            throw new SmtpProtocolException(
                $"the server sent {stray} bytes out of turn, before the client's next command; replies can no " +
                "longer be matched to commands, so the connection was closed.");
        }

        // A CR or LF inside an address, client name or argument would smuggle a second command onto the wire.
        private static void CheckSingleLine(string line)
        {
            if (line.IndexOf('\r') >= 0 || line.IndexOf('\n') >= 0)
            {
                throw new ArgumentException(
                    "An SMTP command argument (address, client name or parameter) contains a line break: \"" +
                    line.Replace("\r", "\\r").Replace("\n", "\\n") + "\".");
            }
        }

        private async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
        {
            SmtpReply reply = await _reader!.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < reply.RawLines.Count; i++)
            {
                Write(SmtpTranscriptDirection.Server, reply.RawLines[i],
                    i == reply.RawLines.Count - 1 ? reply : null);
            }
            _lastReply = reply;
            return reply;
        }

        private void Write(SmtpTranscriptDirection direction, string text, SmtpReply? reply = null) =>
            Transcript.Write(Entry(direction, text, reply));

        private SmtpTranscriptEntry Entry(SmtpTranscriptDirection direction, string text, SmtpReply? reply = null)
        {
            TimeSpan elapsed = _clock.Elapsed;
            return new SmtpTranscriptEntry(_openedAt + elapsed, elapsed, direction, _stream is SslStream, text, reply);
        }

        private void Info(string text) => Write(SmtpTranscriptDirection.Info, text);

        private void Report(SmtpStage stage, long bytes = 0, long? total = null) =>
            _options.Progress?.Report(new SmtpProgress(stage, _options.Host, _options.Port, bytes, total));

        /// <summary>
        /// Runs one stage under its own timeout, linked to the caller's token. On either, the connection is closed
        /// so that no read can hang (socket reads ignore tokens on .NET Framework). Only the timeout's own firing is
        /// reported as <see cref="SmtpTimeoutException"/>; the caller's cancellation stays OperationCanceledException.
        /// The work gets a function to restart the timer with a new duration (data blocks, data termination).
        /// </summary>
        private async Task<T> RunAsync<T>(SmtpStage stage, TimeSpan timeout,
            Func<Action<TimeSpan>, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(SmtpSession));
            cancellationToken.ThrowIfCancellationRequested();
            Report(stage);
            TimeSpan started = _clock.Elapsed;
            TimeSpan current = timeout;
            using var timer = new CancellationTokenSource(timeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            void Reset(TimeSpan t)
            {
                current = t;
                timer.CancelAfter(t);
            }
            bool finished = false;
            try
            {
                // A timer that fires just as the work completes must not close a connection that is fine.
                using (linked.Token.Register(() => { if (!Volatile.Read(ref finished)) Abort(); }))
                {
                    T result = await work(Reset, linked.Token).ConfigureAwait(false);
                    Volatile.Write(ref finished, true);
                    return result;
                }
            }
            catch (Exception ex) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw Contextualize(new SmtpTimeoutException(stage, current, ex), stage);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The SMTP session was cancelled.", ex, cancellationToken);
            }
            catch (SmtpException ex)
            {
                throw Contextualize(ex, stage);
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException)
            {
                Abort();
                throw Contextualize(new SmtpProtocolException(
                    $"the connection was lost ({(ex.InnerException ?? ex).Message.TrimEnd('.')}).", stage, null, ex,
                    connectionClosed: true), stage);
            }
            finally
            {
                _stageTimes.TryGetValue(stage, out TimeSpan sofar);
                _stageTimes[stage] = sofar + (_clock.Elapsed - started);
            }
        }

        private SmtpException Contextualize(SmtpException ex, SmtpStage stage)
        {
            if (ex is SmtpProtocolException p && p.ConnectionClosed) Abort();
            return ex.WithContext(_options.Host, _options.Port, stage, Transcript.Snapshot(), _lastReply);
        }

        private void Abort()
        {
            try
            {
                _stream?.Dispose();
                _tcp?.Dispose();
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException)
            {
            }
        }

        /// <summary>Closes the connection without QUIT.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Abort();
        }
    }

    /// <summary>The outcome of one AUTH exchange.</summary>
    internal sealed class SmtpAuthAttempt
    {
        internal SmtpAuthAttempt(string mechanism, SmtpReply reply, string? errorDetails)
        {
            Mechanism = mechanism;
            Reply = reply;
            ErrorDetails = errorDetails;
        }

        internal string Mechanism { get; }
        internal SmtpReply Reply { get; }

        /// <summary>The decoded OAuth error JSON, when the server sent one.</summary>
        internal string? ErrorDetails { get; }

        internal bool Succeeded => Reply.Code == 235;
    }
}
