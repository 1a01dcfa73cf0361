using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// The wire under one SMTP session: the socket and the stream on it (plain, then TLS), commands out and replies in,
    /// the transcript of both, and the per-stage timeouts. It knows nothing of what the commands mean; the session,
    /// its AUTH exchange and its mail transactions speak through it.
    /// </summary>
    internal sealed class SmtpWire : IDisposable
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        private readonly SmtpSessionOptions _options;

        // One clock for the whole conversation: every entry's time and elapsed come from one reading of it, so they
        // never go backwards. DateTimeOffset.Now converts to local time on every call (a time-zone lookup, a tenth of
        // a bulk send's CPU in tests/bench); one conversion per connection plus the monotonic clock gives the same
        // instants.
        private readonly SmtpClock _clock;
        // Ticks per stage, -1 for a stage not run. An array, not a Dictionary<SmtpStage, TimeSpan>: a dictionary keyed
        // by an enum had its generic code compiled at run time on every first send (see MailboxText).
        private readonly long[] _stageTicks = NoStages();
        private TcpClient? _tcp;
        private Stream? _stream;
        private SmtpReplyReader? _reader;
        private SmtpReply? _lastReply;
        private bool _disposed;
        private bool _broken;

        internal SmtpWire(SmtpSessionOptions options)
        {
            _options = options;
            _clock = options.Clock ?? new SmtpClock();
            Transcript = new SmtpTranscript(options.TranscriptSink);
        }

        private static readonly int StageCount = Enum.GetValues(typeof(SmtpStage)).Length;

        private static long[] NoStages()
        {
            var ticks = new long[StageCount];
            for (int i = 0; i < ticks.Length; i++) ticks[i] = -1;
            return ticks;
        }

        /// <summary>The whole conversation so far.</summary>
        internal SmtpTranscript Transcript { get; }

        /// <summary>Time spent in each stage so far.</summary>
        internal IReadOnlyDictionary<SmtpStage, TimeSpan> StageTimes
        {
            get
            {
                var times = new Dictionary<SmtpStage, TimeSpan>();
                for (int i = 0; i < _stageTicks.Length; i++)
                {
                    if (_stageTicks[i] >= 0) times[(SmtpStage)i] = TimeSpan.FromTicks(_stageTicks[i]);
                }
                return times;
            }
        }

        /// <summary>The last reply received.</summary>
        internal SmtpReply? LastReply => _lastReply;

        /// <summary>The address connected to.</summary>
        internal IPEndPoint? RemoteEndPoint { get; private set; }

        /// <summary>The local end of the connection, for the EHLO address literal.</summary>
        internal IPEndPoint? LocalEndPoint => _tcp?.Client.LocalEndPoint as IPEndPoint;

        /// <summary>True once the stream is TLS.</summary>
        internal bool IsTls => _stream is SslStream;

        /// <summary>The stream under TLS (the socket's), which a TLS handshake wraps.</summary>
        internal Stream? Transport { get; private set; }

        /// <summary>Bytes received and not yet read as a reply.</summary>
        internal int BufferedCount => _reader?.BufferedCount ?? 0;

        internal bool IsDisposed => _disposed;

        /// <summary>True once the connection was closed (Abort or Dispose): nothing more can be said on it.</summary>
        internal bool IsBroken => _broken || _disposed;

        /// <summary>Time on the conversation's clock.</summary>
        internal TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>Takes over a connected socket.</summary>
        internal void Attach(TcpClient tcp, IPEndPoint remote)
        {
            _tcp = tcp;
            RemoteEndPoint = remote;
            Transport = _options.BlockingIo ? new BlockingStream(tcp.GetStream()) : tcp.GetStream();
            _stream = Transport;
            _reader = new SmtpReplyReader(_stream, _options.ReplyEncoding);
        }

        /// <summary>From now on everything goes through <paramref name="tls"/>.</summary>
        internal void UpgradeTo(SslStream tls)
        {
            _stream = tls;
            _reader!.SetStream(tls);
        }

        /// <summary>Drops what the server sent before the TLS handshake (RFC 3207 §4); returns how many bytes.</summary>
        internal int DiscardBuffer() => _reader!.DiscardBuffer();

        // ---- commands and replies -------------------------------------------------------------------------------

        internal async Task<SmtpReply> CommandAsync(string line, CancellationToken cancellationToken) =>
            await CommandAsync(line, line, cancellationToken).ConfigureAwait(false);

        internal async Task<SmtpReply> CommandAsync(string line, string transcriptText,
            CancellationToken cancellationToken)
        {
            await SendLineAsync(line, transcriptText, cancellationToken).ConfigureAwait(false);
            return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        }

        internal async Task SendLineAsync(string line, string transcriptText, CancellationToken cancellationToken)
        {
            CheckSingleLine(line);
            EnsureNoReplyOutOfTurn();
            byte[] bytes = Utf8.GetBytes(line + "\r\n");
            Write(SmtpTranscriptDirection.Client, transcriptText);
            await _stream!.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        internal async Task SendLinesAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
        {
            foreach (string line in lines) CheckSingleLine(line);
            EnsureNoReplyOutOfTurn();
            // One buffer, one write: a pipelined batch must not be split into a packet per command.
            byte[] bytes = Utf8.GetBytes(string.Concat(lines.Select(l => l + "\r\n")));
            foreach (string line in lines) Write(SmtpTranscriptDirection.Client, line);
            await _stream!.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Writes raw bytes (a BDAT head and chunk, or message data through a writer).</summary>
        internal Stream DataStream => _stream!;

        internal static byte[] Ascii(string line) => Utf8.GetBytes(line);

        /// <summary>
        /// RFC 5321 §4.1 / RFC 2920 §3.1: a server speaks only in answer to a command, and replies are paired with
        /// commands by order. Bytes already received before the client's next command are replies out of turn: read
        /// later they would answer the wrong command (a stray 250 would pass for the answer to the data), so the
        /// session ends here instead.
        /// </summary>
        internal void EnsureNoReplyOutOfTurn()
        {
            int stray = _reader?.BufferedCount ?? 0;
            if (stray == 0) return;
            Abort();
            throw new SmtpProtocolException(
                $"the server sent {stray} bytes out of turn, before the client's next command; replies can no " +
                "longer be matched to commands, so the connection was closed.");
        }

        // A CR or LF inside an address, client name or argument would smuggle a second command onto the wire.
        internal static void CheckSingleLine(string line)
        {
            if (line.IndexOf('\r') >= 0 || line.IndexOf('\n') >= 0)
            {
                throw new ArgumentException(
                    "An SMTP command argument (address, client name or parameter) contains a line break: \"" +
                    line.Replace("\r", "\\r").Replace("\n", "\\n") + "\".");
            }
        }

        internal async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
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

        // ---- transcript and progress ----------------------------------------------------------------------------

        internal void Write(SmtpTranscriptDirection direction, string text, SmtpReply? reply = null) =>
            Transcript.Write(Entry(direction, text, reply));

        internal SmtpTranscriptEntry Entry(SmtpTranscriptDirection direction, string text, SmtpReply? reply = null) =>
            _clock.Entry(direction, IsTls, text, reply);

        internal void Info(string text) => Write(SmtpTranscriptDirection.Info, text);

        internal void Report(SmtpStage stage, long bytes = 0, long? total = null) =>
            _options.Progress?.Report(new SmtpProgress(stage, _options.Host, _options.Port, bytes, total));

        // ---- stages ---------------------------------------------------------------------------------------------

        /// <summary>
        /// Runs one stage under its own timeout, linked to the caller's token. On either, the connection is closed
        /// so that no read can hang (socket reads ignore tokens on .NET Framework). Only the timeout's own firing is
        /// reported as <see cref="SmtpTimeoutException"/>; the caller's cancellation stays OperationCanceledException.
        /// The work gets a function to restart the timer with a new duration (data blocks, data termination).
        /// </summary>
        internal async Task<T> RunAsync<T>(SmtpStage stage, TimeSpan timeout,
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
                long ticks = (_clock.Elapsed - started).Ticks;
                _stageTicks[(int)stage] = Math.Max(_stageTicks[(int)stage], 0) + ticks;
            }
        }

        /// <summary>Names the server, stage, transcript and last reply on <paramref name="ex"/>.</summary>
        internal SmtpException Contextualize(SmtpException ex, SmtpStage stage)
        {
            if (ex is SmtpProtocolException p && p.ConnectionClosed) Abort();
            return ex.WithContext(_options.Host, _options.Port, stage, Transcript.Snapshot(), _lastReply);
        }

        /// <summary>Closes the connection at once; any blocked read or write ends.</summary>
        internal void Abort()
        {
            _broken = true;
            try
            {
                _stream?.Dispose();
                _tcp?.Dispose();
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Abort();
        }
    }

    /// <summary>
    /// The clock of a conversation: timestamps and elapsed times from one monotonic reading each, so that no entry
    /// is ever older than the one before it, even when several writers (the session, the sender) share it.
    /// </summary>
    internal sealed class SmtpClock
    {
        private readonly DateTimeOffset _start = DateTimeOffset.Now;
        private readonly Stopwatch _watch = Stopwatch.StartNew();

        internal TimeSpan Elapsed => _watch.Elapsed;

        internal DateTimeOffset Now => _start + _watch.Elapsed;

        internal SmtpTranscriptEntry Entry(SmtpTranscriptDirection direction, bool isTls, string text,
            SmtpReply? reply = null)
        {
            TimeSpan elapsed = _watch.Elapsed;
            return new SmtpTranscriptEntry(_start + elapsed, elapsed, direction, isTls,
                SmtpTranscriptWording.Apply(text), reply);
        }
    }

    /// <summary>
    /// A test seam: rewords every transcript line of the current flow, to prove that no decision is read from the
    /// transcript's wording (a delivery outcome once was). Null, and free, outside those tests.
    /// </summary>
    internal static class SmtpTranscriptWording
    {
        internal static readonly AsyncLocal<Func<string, string>?> Rewrite = new AsyncLocal<Func<string, string>?>();

        internal static string Apply(string text)
        {
            Func<string, string>? rewrite = Rewrite.Value;
            return rewrite == null ? text : rewrite(text);
        }
    }
}
