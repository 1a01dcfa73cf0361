using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>Where a session stands; every transition is made by the session itself, in one place each.</summary>
    internal enum SmtpSessionState
    {
        /// <summary>Connecting, TLS (implicit), waiting for the greeting, EHLO and STARTTLS.</summary>
        Opening,
        /// <summary>Greeted and EHLO done: ready for AUTH or a mail transaction.</summary>
        Ready,
        /// <summary>A mail transaction is under way (MAIL FROM sent, data not yet answered).</summary>
        InTransaction,
        /// <summary>Closed: after QUIT, a lost connection, a timeout or Dispose.</summary>
        Closed,
    }

    /// <summary>
    /// One SMTP client connection: connect, greeting, EHLO, TLS, AUTH, any number of mail transactions, QUIT.
    /// The work is split along the protocol's seams: <see cref="SmtpWire"/> (socket, lines, replies, transcript,
    /// per-stage timeouts), <see cref="SmtpTransport"/> (TCP and TLS), <see cref="SmtpHello"/> (EHLO/HELO),
    /// <see cref="SmtpAuthExchange"/> (AUTH), <see cref="SmtpMailTransaction"/> (MAIL/RCPT/pipelining) and
    /// <see cref="SmtpDataTransfer"/> (DATA/BDAT). Not thread-safe: one command at a time.
    /// </summary>
    internal sealed class SmtpSession : IDisposable
    {
        internal const string RedactedMarker = SmtpRedaction.Marker;

        private readonly SmtpSessionOptions _options;
        private readonly SmtpWire _wire;
        private readonly SmtpMailTransaction _transaction;
        private int _handshakeEntries = -1;

        private SmtpSession(SmtpSessionOptions options)
        {
            _options = options;
            _wire = new SmtpWire(options);
            _transaction = new SmtpMailTransaction(_wire, options);
        }

        /// <summary>Where the session stands.</summary>
        internal SmtpSessionState State { get; private set; } = SmtpSessionState.Opening;

        /// <summary>The host as the caller gave it.</summary>
        internal string Host => _options.Host;

        /// <summary>The TCP port.</summary>
        internal int Port => _options.Port;

        /// <summary>The address actually connected to.</summary>
        internal IPEndPoint? RemoteEndPoint => _wire.RemoteEndPoint;

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
        internal SmtpTranscript Transcript => _wire.Transcript;

        /// <summary>Time spent in each stage so far.</summary>
        internal IReadOnlyDictionary<SmtpStage, TimeSpan> StageTimes => _wire.StageTimes;

        /// <summary>The last reply received.</summary>
        internal SmtpReply? LastReply => _wire.LastReply;

        /// <summary>Connects, reads the greeting, says EHLO and negotiates TLS as the options ask.</summary>
        /// <exception cref="SmtpException">The connection, greeting, EHLO or TLS failed.</exception>
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
            await _wire.RunAsync(SmtpStage.Connect, _options.Timeouts.Connect,
                (_, ct) => SmtpTransport.ConnectAsync(_wire, _options, ct), cancellationToken).ConfigureAwait(false);
            if (mode == SmtpTlsMode.Implicit)
            {
                Tls = await _wire.RunAsync(SmtpStage.Connect, _options.Timeouts.TlsHandshake,
                    (_, ct) => SmtpTransport.HandshakeAsync(_wire, _options, SmtpStage.Connect), cancellationToken)
                    .ConfigureAwait(false);
            }

            SmtpReply greeting = await ReadGreetingAsync(mode, cancellationToken).ConfigureAwait(false);
            Greeting = greeting;
            if (greeting.Code != 220)
            {
                // RFC 5321 §3.1: 554 means no SMTP service here; 421 means not now. Either way, say QUIT and leave.
                await TryQuitAsync().ConfigureAwait(false);
                throw _wire.Contextualize(new SmtpCommandException(
                    $"the server refused the session in its greeting ({greeting.Code} {greeting.Text}).",
                    SmtpStage.Greeting, greeting), SmtpStage.Greeting);
            }

            Capabilities = await SmtpHello.EhloAsync(_wire, _options, cancellationToken).ConfigureAwait(false);

            if (mode == SmtpTlsMode.StartTls || mode == SmtpTlsMode.StartTlsWhenAvailable)
            {
                if (Capabilities.StartTls)
                {
                    await StartTlsAsync(mode == SmtpTlsMode.StartTls, cancellationToken).ConfigureAwait(false);
                }
                else if (mode == SmtpTlsMode.StartTls)
                {
                    await TryQuitAsync().ConfigureAwait(false);
                    throw _wire.Contextualize(new SmtpTlsException(
                        "TLS is required but the server does not offer STARTTLS.", SmtpStage.StartTls,
                        new[] { "STARTTLS was not in the EHLO reply." }, null), SmtpStage.StartTls);
                }
                else
                {
                    _wire.Info("The server does not offer STARTTLS; continuing without TLS.");
                }
            }
            State = SmtpSessionState.Ready;
        }

        private async Task<SmtpReply> ReadGreetingAsync(SmtpTlsMode mode, CancellationToken cancellationToken)
        {
            // Port 465 is submission over implicit TLS (RFC 8314 §7.3): a server there waits for a TLS ClientHello
            // and says nothing to a plain-text client. Waiting the whole timeout for a greeting that cannot come
            // only to advise a longer timeout helped nobody, so that wait is short and the error says why.
            bool tlsPort = _options.Port == 465 && mode != SmtpTlsMode.Implicit;
            TimeSpan timeout = tlsPort && _options.Timeouts.Greeting > TlsPortGreetingWait
                ? TlsPortGreetingWait
                : _options.Timeouts.Greeting;
            try
            {
                return await _wire.RunAsync(SmtpStage.Greeting, timeout, (_, ct) => _wire.ReadReplyAsync(ct),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpTimeoutException ex) when (tlsPort)
            {
                throw new SmtpException(
                    $"the server said nothing for {timeout.TotalSeconds:0.#} seconds after the connection: port " +
                    "465 speaks implicit TLS, which waits for the client to start TLS first.", SmtpStage.Greeting,
                    null, ex) { Kind = SmtpFailureKind.SmtpTlsModeMismatch }
                    .WithContext(_options.Host, _options.Port, SmtpStage.Greeting, Transcript.Snapshot(), null);
            }
        }

        private static readonly TimeSpan TlsPortGreetingWait = TimeSpan.FromSeconds(5);

        /// <summary>STARTTLS as a user typed it: a refusal is returned, not thrown; on 220, TLS and a new EHLO follow.</summary>
        internal Task<SmtpReply> StartTlsAsync(CancellationToken cancellationToken) =>
            StartTlsAsync(false, cancellationToken);

        private async Task<SmtpReply> StartTlsAsync(bool required, CancellationToken cancellationToken)
        {
            SmtpReply reply = await _wire.RunAsync(SmtpStage.StartTls, _options.Timeouts.Command,
                (_, ct) => _wire.CommandAsync("STARTTLS", ct), cancellationToken).ConfigureAwait(false);
            if (reply.Code != 220)
            {
                if (required)
                {
                    await TryQuitAsync().ConfigureAwait(false);
                    throw _wire.Contextualize(new SmtpTlsException(
                        $"the server refused STARTTLS ({reply.Code} {reply.Text}).", SmtpStage.StartTls,
                        new[] { "STARTTLS was refused with " + reply.Code + "." }, null), SmtpStage.StartTls);
                }
                _wire.Info($"STARTTLS was refused ({reply.Code}); continuing without TLS.");
                return reply;
            }

            // RFC 3207 §4 / CVE-2011-0411: nothing sent before the handshake may be read as if it came through TLS.
            int dropped = _wire.DiscardBuffer();
            if (dropped > 0)
            {
                _wire.Info($"Discarded {dropped} bytes the server sent after its STARTTLS reply, before TLS " +
                           "(possible STARTTLS response injection).");
            }

            Tls = await _wire.RunAsync(SmtpStage.StartTls, _options.Timeouts.TlsHandshake,
                (_, ct) => SmtpTransport.HandshakeAsync(_wire, _options, SmtpStage.StartTls), cancellationToken)
                .ConfigureAwait(false);

            // RFC 3207 §4.2: forget everything learned before TLS and ask again.
            CapabilitiesBeforeTls = Capabilities;
            Capabilities = null;
            Capabilities = await SmtpHello.EhloAsync(_wire, _options, cancellationToken).ConfigureAwait(false);
            return reply;
        }

        // ---- AUTH -----------------------------------------------------------------------------------------------

        /// <summary>Authenticates, or throws <see cref="SmtpAuthenticationException"/> with the server's reply.</summary>
        internal async Task<SmtpReply> AuthenticateAsync(SmtpCredential credential, string? mechanism,
            CancellationToken cancellationToken)
        {
            SmtpAuthAttempt attempt = await TryAuthenticateAsync(credential, mechanism, cancellationToken)
                .ConfigureAwait(false);
            if (attempt.Reply.Code == 235) return attempt.Reply;
            throw LoginRefused(attempt, credential);
        }

        /// <summary>The error for an AUTH exchange the server answered with a refusal.</summary>
        internal SmtpException LoginRefused(SmtpAuthAttempt attempt, SmtpCredential credential) =>
            _wire.Contextualize(new SmtpAuthenticationException(
                $"the server rejected {attempt.Mechanism} authentication for '{credential.UserName}' " +
                $"({attempt.Reply.Code} {attempt.Reply.Text}).", attempt.Reply, attempt.Mechanism), SmtpStage.Auth);

        /// <summary>Picks the mechanism for <paramref name="credential"/> among those advertised, or says why none fits.</summary>
        internal string ChooseMechanism(SmtpCredential credential, string? requested)
        {
            try
            {
                return SmtpAuthExchange.ChooseMechanism(Capabilities, IsEncrypted, credential, requested);
            }
            catch (SmtpException ex)
            {
                throw _wire.Contextualize(ex, SmtpStage.Auth);
            }
        }

        /// <summary>Runs one AUTH exchange and returns its final reply; throws only when AUTH cannot be tried.</summary>
        internal async Task<SmtpAuthAttempt> TryAuthenticateAsync(SmtpCredential credential, string? mechanism,
            CancellationToken cancellationToken)
        {
            string name = ChooseMechanism(credential, mechanism);
            SmtpAuthAttempt attempt;
            try
            {
                attempt = await SmtpAuthExchange.RunAsync(_wire, _options, name, credential, IsEncrypted,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpException ex)
            {
                throw _wire.Contextualize(ex, SmtpStage.Auth);
            }
            if (attempt.Succeeded) AuthenticatedMechanism = name;
            return attempt;
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
            // One connection may carry thousands of messages: the transcript keeps the handshake (greeting, EHLO,
            // TLS, AUTH) and the current transaction only, so memory stays flat. Failures get a snapshot of it.
            if (_handshakeEntries < 0) _handshakeEntries = Transcript.Count;
            else Transcript.Compact(_handshakeEntries, omitted => _wire.Entry(SmtpTranscriptDirection.Info,
                $"({omitted} lines of earlier messages on this connection are not kept here.)"));
            State = SmtpSessionState.InTransaction;
            try
            {
                SmtpTransactionResult result = await _transaction.RunAsync(envelope, content, caps, IsEncrypted,
                    cancellationToken).ConfigureAwait(false);
                State = SmtpSessionState.Ready;
                return result;
            }
            catch (SmtpException ex) when (ex.Kind.HasValue ||
                                           (ex is SmtpCommandException c && c.Reply.Code != 421 && !_wire.IsBroken))
            {
                // Refused before any command (size, SMTPUTF8) or by a clean reply: the connection goes on.
                State = SmtpSessionState.Ready;
                throw;
            }
            catch
            {
                // A timeout, a lost connection or a broken conversation leave it unusable.
                State = SmtpSessionState.Closed;
                throw;
            }
        }

        /// <summary>After a 354 the caller got itself: sends the message, dot-stuffed, and returns the final reply.</summary>
        internal async Task<SmtpReply> SendDataBodyAsync(ISmtpMessageContent content,
            CancellationToken cancellationToken) =>
            (await _transaction.Data.SendDataAsync(content, cancellationToken).ConfigureAwait(false)).Reply;

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

        /// <summary>
        /// Sends any one-line command as typed and returns its reply; the line must not contain CR or LF. AUTH
        /// arguments and answers to a 334 are redacted in the transcript, as for the session's own AUTH.
        /// </summary>
        internal Task<SmtpReply> SendCommandAsync(string command, CancellationToken cancellationToken)
        {
            if (command.IndexOf('\r') >= 0 || command.IndexOf('\n') >= 0)
            {
                throw new ArgumentException("A command must be a single line without CR or LF.", nameof(command));
            }
            string shown = SmtpRedaction.TypedLine(command, _wire.LastReply);
            return _wire.RunAsync(SmtpStage.Command, _options.Timeouts.Command,
                (_, ct) => _wire.CommandAsync(command, shown, ct), cancellationToken);
        }

        private Task<SmtpReply> SimpleAsync(string command, CancellationToken cancellationToken) =>
            _wire.RunAsync(SmtpStage.Command, _options.Timeouts.Command, (_, ct) => _wire.CommandAsync(command, ct),
                cancellationToken);

        /// <summary>QUIT and close. A server that closes before answering is not an error here.</summary>
        internal async Task<SmtpReply?> QuitAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await _wire.RunAsync(SmtpStage.Quit, _options.Timeouts.Command,
                    (_, ct) => _wire.CommandAsync("QUIT", ct), cancellationToken).ConfigureAwait(false);
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
                await _wire.CommandAsync("QUIT", cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is SmtpException ||
                                       ex is OperationCanceledException || ex is ObjectDisposedException ||
                                       ex is System.Net.Sockets.SocketException)
            {
                // Leaving politely is best effort; the error being reported matters more.
            }
        }

        /// <summary>Closes the connection without QUIT.</summary>
        public void Dispose()
        {
            State = SmtpSessionState.Closed;
            _wire.Dispose();
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
