using System;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// The message itself: DATA's dot-stuffed body and final dot (RFC 5321 §4.1.1.4), or BDAT chunks (RFC 3030).
    /// Marks the moment the whole message is on the wire, after which its fate is the server's.
    /// </summary>
    internal sealed class SmtpDataTransfer
    {
        private readonly SmtpWire _wire;
        private readonly SmtpSessionOptions _options;

        /// <summary>The DATA buffer, kept for the next message of the session.</summary>
        private byte[]? _buffer;

        internal SmtpDataTransfer(SmtpWire wire, SmtpSessionOptions options)
        {
            _wire = wire;
            _options = options;
        }

        /// <summary>Set when the final dot, or the head of BDAT LAST and its chunk, has been written.</summary>
        internal bool MessageComplete { get; private set; }

        /// <summary>After a 354: sends the message, dot-stuffed, and returns the final reply.</summary>
        internal async Task<(SmtpReply Reply, long Bytes, long Lines)> SendDataAsync(ISmtpMessageContent content,
            CancellationToken cancellationToken)
        {
            MessageComplete = false;
            // A large message goes out in 64 KiB writes (just under the large-object heap): a quarter of the socket
            // writes, and of the async completions, of the 16 KiB default; small messages keep the small buffer.
            int bufferSize = content.Size > 256 * 1024 ? 64 * 1024 : 16 * 1024;
            if (_buffer == null || _buffer.Length < bufferSize) _buffer = new byte[bufferSize];
            var writer = new SmtpDataWriter(_wire.DataStream, buffer: _buffer);
            SmtpReply reply = await _wire.RunAsync(SmtpStage.Data, _options.Timeouts.DataBlock,
                async (resetTimeout, ct) =>
                {
                    _wire.EnsureNoReplyOutOfTurn();
                    writer.Progress = sent =>
                    {
                        // RFC 5321 §4.5.3.2.5: the data-block timer restarts with each write that got through.
                        resetTimeout(_options.Timeouts.DataBlock);
                        _wire.Report(SmtpStage.Data, sent, content.Size);
                    };
                    await WriteContentAsync(content, writer, ct).ConfigureAwait(false);
                    await writer.CompleteAsync(ct).ConfigureAwait(false);
                    MessageComplete = true;
                    _wire.Write(SmtpTranscriptDirection.Client,
                        $"<message: {writer.Lines} lines, {writer.BytesWritten} bytes, ended by \".\">");
                    resetTimeout(_options.Timeouts.DataTermination);
                    return await _wire.ReadReplyAsync(ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            return (reply, writer.BytesWritten, writer.Lines);
        }

        /// <summary>Sends the message in BDAT chunks; a refused chunk ends it (the caller sends RSET).</summary>
        internal async Task<(SmtpReply Reply, long Bytes, long Lines)> SendBdatAsync(ISmtpMessageContent content,
            CancellationToken cancellationToken)
        {
            MessageComplete = false;
            SmtpReply? last = null;
            long sent = 0;
            long lines = 0;
            try
            {
                await _wire.RunAsync(SmtpStage.Data, _options.Timeouts.DataBlock, async (resetTimeout, ct) =>
                {
                    async Task SendChunk(byte[] chunk, int count, bool isLast, CancellationToken token)
                    {
                        // RFC 3030 §2: "BDAT n [LAST]" and exactly n bytes, no dot-stuffing, one reply per chunk.
                        string command = "BDAT " + count.ToString(CultureInfo.InvariantCulture) +
                                         (isLast ? " LAST" : string.Empty);
                        _wire.EnsureNoReplyOutOfTurn();
                        byte[] head = SmtpWire.Ascii(command + "\r\n");
                        _wire.Write(SmtpTranscriptDirection.Client, command);
                        Stream stream = _wire.DataStream;
                        await stream.WriteAsync(head, 0, head.Length, token).ConfigureAwait(false);
                        await stream.WriteAsync(chunk, 0, count, token).ConfigureAwait(false);
                        await stream.FlushAsync(token).ConfigureAwait(false);
                        sent += count;
                        if (isLast) MessageComplete = true;
                        _wire.Write(SmtpTranscriptDirection.Client, $"<chunk: {count} bytes>");
                        _wire.Report(SmtpStage.Data, sent, content.Size);
                        resetTimeout(isLast ? _options.Timeouts.DataTermination : _options.Timeouts.DataBlock);
                        last = await _wire.ReadReplyAsync(token).ConfigureAwait(false);
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

        /// <summary>RFC 2920 §3.1: a 354 with no valid recipient is ended with a lone ".".</summary>
        internal Task<SmtpReply> EndEmptyDataAsync(CancellationToken cancellationToken) =>
            _wire.RunAsync(SmtpStage.Data, _options.Timeouts.DataTermination,
                (_, ct) => _wire.CommandAsync(".", ct), cancellationToken);

        private Task WriteContentAsync(ISmtpMessageContent content, Stream writer, CancellationToken cancellationToken)
        {
            if (!_options.BlockingIo) return content.WriteToAsync(writer, cancellationToken);
            content.WriteTo(writer, cancellationToken);
            return Task.CompletedTask;
        }

        private sealed class ChunkRefusedException : Exception
        {
        }
    }
}
