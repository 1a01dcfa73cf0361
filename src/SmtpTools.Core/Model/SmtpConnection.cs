using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Codes;
using SmtpTools.Core.Smtp;

namespace SmtpTools
{
    /// <summary>An open interactive SMTP session (Connect-SmtpServer): server, TLS, capabilities, transcript.</summary>
    public sealed class SmtpConnection : IDisposable
    {
        private static int _lastId;
        private readonly SmtpSession _session;
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private SmtpCapabilities? _typedCapabilities;
        private int _closed;

        private SmtpConnection(SmtpSession session)
        {
            _session = session;
            Id = Interlocked.Increment(ref _lastId);
            Opened = DateTimeOffset.Now;
        }

        /// <summary>The session number, unique in this process.</summary>
        public int Id { get; }

        /// <summary>The server as given.</summary>
        public string SmtpServer => _session.Host;

        /// <summary>The TCP port.</summary>
        public int Port => _session.Port;

        /// <summary>The IP address actually connected to.</summary>
        public IPAddress? Address => _session.RemoteEndPoint?.Address;

        /// <summary>The server's 220 greeting.</summary>
        public SmtpReply? Greeting => _session.Greeting;

        /// <summary>What the server announced in its latest EHLO (or HELO) reply.</summary>
        public SmtpCapabilities? Capabilities => _typedCapabilities ?? _session.Capabilities;

        /// <summary>The capabilities announced before STARTTLS, or null when STARTTLS was not used.</summary>
        public SmtpCapabilities? CapabilitiesBeforeTls => _session.CapabilitiesBeforeTls;

        /// <summary>True once TLS is up (implicit, or after STARTTLS).</summary>
        public bool IsEncrypted => _session.IsEncrypted;

        /// <summary>The TLS protocol, cipher and certificate, or null in the clear.</summary>
        public SmtpTlsInfo? Tls => _session.Tls;

        /// <summary>The user the session authenticated as, or null.</summary>
        public string? AuthenticatedAs { get; private set; }

        /// <summary>The SASL mechanism that authenticated the session, or null.</summary>
        public string? AuthenticationMechanism => _session.AuthenticatedMechanism;

        /// <summary>False once QUIT was sent, the server closed the connection, or the session was closed.</summary>
        public bool IsOpen => Volatile.Read(ref _closed) == 0;

        /// <summary>When the session was opened.</summary>
        public DateTimeOffset Opened { get; }

        /// <summary>When the session was closed, or null while it is open.</summary>
        public DateTimeOffset? Closed { get; private set; }

        /// <summary>Why the session closed, or null while it is open.</summary>
        public string? CloseReason { get; private set; }

        /// <summary>The last reply received.</summary>
        public SmtpReply? LastReply => _session.LastReply;

        /// <summary>Every line exchanged so far (secrets redacted); it grows as the session goes on.</summary>
        public SmtpTranscript Transcript => _session.Transcript;

        /// <summary>The PowerShell runspace that opened the session, when opened from PowerShell.</summary>
        public Guid? RunspaceId { get; internal set; }

        /// <summary>Number, server and state on one line.</summary>
        public override string ToString() =>
            $"#{Id} {SmtpException.FormatEndpoint(SmtpServer, Port)} ({(IsOpen ? "open" : "closed")})";

        /// <summary>Connects (greeting, EHLO, TLS as asked) and authenticates when given a credential.</summary>
        internal static async Task<SmtpConnection> OpenAsync(SmtpSessionOptions options, SmtpCredential? credential,
            string? mechanism, CancellationToken cancellationToken)
        {
            SmtpSession session = await SmtpSession.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            var connection = new SmtpConnection(session);
            if (credential == null) return connection;
            try
            {
                await session.AuthenticateAsync(credential, mechanism, cancellationToken).ConfigureAwait(false);
                connection.AuthenticatedAs = credential.UserName;
                return connection;
            }
            catch
            {
                await connection.CloseAsync("authentication failed", cancellationToken).ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>
        /// Sends one command as typed and returns its reply with an explanation. Out-of-sequence commands go to the
        /// server unchanged: a 503 is a reply, not an error. DATA sends <paramref name="data"/> after a 354; STARTTLS
        /// upgrades the session; AUTH with <paramref name="credential"/> runs the whole SASL exchange.
        /// </summary>
        internal async Task<SmtpCommandResult> InvokeAsync(string command, ISmtpMessageContent? data,
            SmtpCredential? credential, ReplyLanguage language, CancellationToken cancellationToken)
        {
            string line = command.Trim();
            if (line.Length == 0) throw new ArgumentException("The command is empty.");
            if (line.IndexOf('\r') >= 0 || line.IndexOf('\n') >= 0)
            {
                throw new ArgumentException("A command is one line; send a message body with DATA and -Data.");
            }
            int space = line.IndexOf(' ');
            string verb = (space < 0 ? line : line.Substring(0, space)).ToUpperInvariant();
            string argument = space < 0 ? string.Empty : line.Substring(space + 1).Trim();
            if (verb == "DATA" && data == null)
            {
                throw new ArgumentException(
                    "DATA needs the message: give it with -Data, and it is sent after the server's 354.");
            }
            if (verb == "BDAT")
            {
                // RFC 3030 §2: the chunk's bytes must follow the command at once, which a typed line cannot do.
                throw new ArgumentException("BDAT cannot be typed; send the message with DATA and -Data.");
            }
            string name = $"SMTP session #{Id} to {SmtpException.FormatEndpoint(SmtpServer, Port)}";
            if (!IsOpen) throw new InvalidOperationException($"{name} is closed: {CloseReason?.TrimEnd('.')}.");
            if (!await _gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"{name} is busy with another command.");
            }

            DateTimeOffset started = DateTimeOffset.Now;
            try
            {
                SmtpReply? reply;
                SmtpReply? intermediate = null;
                // A password typed as "AUTH PLAIN <base64>" or as the answer to a 334 is shown redacted here too.
                string sent = SmtpRedaction.TypedLine(line, _session.LastReply);
                switch (verb)
                {
                    case "STARTTLS":
                        reply = await _session.StartTlsAsync(cancellationToken).ConfigureAwait(false);
                        if (reply.Code == 220) _typedCapabilities = null;
                        break;
                    case "QUIT":
                        reply = await _session.QuitAsync(cancellationToken).ConfigureAwait(false);
                        MarkClosed("QUIT was sent");
                        break;
                    case "DATA":
                        reply = await _session.SendCommandAsync(line, cancellationToken).ConfigureAwait(false);
                        if (reply.Code == 354)
                        {
                            intermediate = reply;
                            reply = await _session.SendDataBodyAsync(data!, cancellationToken).ConfigureAwait(false);
                        }
                        break;
                    case "AUTH" when credential != null:
                        string? mechanism = argument.Length == 0 ? null : argument.Split(' ')[0];
                        SmtpAuthAttempt attempt = await _session.TryAuthenticateAsync(credential, mechanism,
                            cancellationToken).ConfigureAwait(false);
                        reply = attempt.Reply;
                        sent = "AUTH " + attempt.Mechanism + " (as " + credential.UserName + ")";
                        if (attempt.Succeeded) AuthenticatedAs = credential.UserName;
                        break;
                    default:
                        reply = await _session.SendCommandAsync(line, cancellationToken).ConfigureAwait(false);
                        if ((verb == "EHLO" || verb == "HELO") && reply.Code == 250)
                        {
                            _typedCapabilities = SmtpCapabilities.Parse(reply, verb == "EHLO");
                        }
                        break;
                }
                // RFC 5321 §3.8: after 421 the server closes the channel.
                if (reply?.Code == 421)
                {
                    MarkClosed("the server closed the session (421)");
                    _session.Dispose();
                }
                SmtpReplyCode? explanation = reply == null ? null : ReplyCodeExplainer.ExplainReply(reply, language);
                return new SmtpCommandResult(Id, sent, reply, intermediate, explanation, IsOpen,
                    DateTimeOffset.Now - started);
            }
            catch (SmtpAuthenticationException ex) when (ex.Reply == null)
            {
                // Refused before anything was sent (no mechanism, no TLS): the session is unchanged.
                throw;
            }
            catch (Exception ex) when (!(ex is ArgumentException))
            {
                // A timeout, a lost connection, a failed handshake or Ctrl+C leave the connection unusable.
                MarkClosed(ex is OperationCanceledException ? "the command was cancelled" : ex.Message);
                _session.Dispose();
                throw;
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Sends QUIT (best effort) and closes; returns QUIT's reply, or null when there was none.</summary>
        internal async Task<SmtpReply?> CloseAsync(string reason, CancellationToken cancellationToken)
        {
            if (!IsOpen) return null;
            MarkClosed(reason);
            try
            {
                return await _session.QuitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _session.Dispose();
            }
        }

        /// <summary>Closes the connection without QUIT.</summary>
        public void Dispose()
        {
            MarkClosed("the session was disposed");
            _session.Dispose();
        }

        private void MarkClosed(string reason)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            Closed = DateTimeOffset.Now;
            CloseReason = reason;
        }
    }

    /// <summary>One command sent by Invoke-SmtpCommand: the reply, and what it means.</summary>
    public sealed class SmtpCommandResult
    {
        internal SmtpCommandResult(int sessionId, string command, SmtpReply? reply, SmtpReply? intermediateReply,
            SmtpReplyCode? explanation, bool sessionOpen, TimeSpan elapsed)
        {
            SessionId = sessionId;
            Command = command;
            Reply = reply;
            IntermediateReply = intermediateReply;
            Explanation = explanation;
            SessionOpen = sessionOpen;
            Elapsed = elapsed;
        }

        /// <summary>The session the command went to.</summary>
        public int SessionId { get; }

        /// <summary>The command as sent (AUTH with -Credential shows mechanism and user, never the secret).</summary>
        public string Command { get; }

        /// <summary>The final reply; null only when the server closed the connection without answering QUIT.</summary>
        public SmtpReply? Reply { get; }

        /// <summary>The 354 that preceded the message for DATA, else null.</summary>
        public SmtpReply? IntermediateReply { get; }

        /// <summary>The reply code.</summary>
        public int? Code => Reply?.Code;

        /// <summary>The RFC 3463 enhanced status code in the reply, if any.</summary>
        public string? EnhancedStatus => Reply?.EnhancedStatus;

        /// <summary>The reply text, lines joined with a line feed.</summary>
        public string? Text => Reply?.Text;

        /// <summary>What the reply means, from the reply-code knowledge (as Get-SmtpReplyCode gives it).</summary>
        public SmtpReplyCode? Explanation { get; }

        /// <summary>The explanation's one-line meaning.</summary>
        public string? Meaning => Explanation?.Meaning;

        /// <summary>True when the reply is 2yz or 3yz.</summary>
        public bool IsPositive => Reply?.IsPositive == true;

        /// <summary>Whether the session is still open after the command.</summary>
        public bool SessionOpen { get; }

        /// <summary>How long the command took.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>The reply as the server sent it.</summary>
        public override string ToString() => Reply?.ToString() ?? "(no reply)";
    }
}
