using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// A write-only stream that turns message bytes into SMTP DATA: every line ends in CRLF, lines starting with "."
    /// are dot-stuffed, and <see cref="CompleteAsync"/> ends the data with CRLF.CRLF. It streams through a small
    /// buffer, never holding the whole message.
    /// </summary>
    /// <remarks>
    /// RFC 5321 §2.3.8 forbids a bare CR or LF; turning both into CRLF before dot-stuffing means no input can
    /// produce a premature end of data such as LF.LF or LF.CRLF, so the client can never be used for SMTP smuggling.
    /// With <c>dotStuff: false</c> it only normalises line endings, as BDAT needs (RFC 3030 §2).
    /// </remarks>
    internal sealed class SmtpDataWriter : Stream
    {
        private const byte Cr = (byte)'\r';
        private const byte Lf = (byte)'\n';
        private const byte Dot = (byte)'.';

        private readonly Stream _inner;
        private readonly bool _dotStuff;
        private readonly bool _leaveOpen;
        private readonly byte[] _output;
        private int _count;
        private bool _atLineStart = true;
        private bool _pendingCr;
        private bool _completed;

        internal SmtpDataWriter(Stream inner, bool dotStuff = true, int bufferSize = 16 * 1024, bool leaveOpen = true,
            byte[]? buffer = null)
        {
            _inner = inner;
            _dotStuff = dotStuff;
            _leaveOpen = leaveOpen;
            // Room for the worst case of one input byte: a pending CRLF plus a stuffed dot and the byte. A caller
            // that sends many messages lends its own buffer, so a bulk send does not allocate one per message.
            _output = buffer != null && buffer.Length >= 16 ? buffer : new byte[Math.Max(bufferSize, 16)];
        }

        /// <summary>Bytes handed to the inner stream so far, line endings and stuffing included.</summary>
        internal long BytesWritten { get; private set; }

        /// <summary>Lines written so far (each ended by CRLF).</summary>
        internal long Lines { get; private set; }

        /// <summary>Raised after each flush to the inner stream with the running <see cref="BytesWritten"/>.</summary>
        internal Action<long>? Progress { get; set; }

        /// <inheritdoc />
        public override bool CanRead => false;

        /// <inheritdoc />
        public override bool CanSeek => false;

        /// <inheritdoc />
        public override bool CanWrite => !_completed;

        /// <inheritdoc />
        public override long Length => throw new NotSupportedException();

        /// <inheritdoc />
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        /// <inheritdoc />
        public override void Write(byte[] buffer, int offset, int count)
        {
            CheckArguments(buffer, offset, count);
            int end = offset + count;
            while (offset < end)
            {
                offset = Fill(buffer, offset, end);
                if (_count > _output.Length - 4) FlushOutput();
            }
        }

        /// <inheritdoc />
        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            CheckArguments(buffer, offset, count);
            int end = offset + count;
            while (offset < end)
            {
                offset = Fill(buffer, offset, end);
                if (_count > _output.Length - 4) await FlushOutputAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Ends the last line if needed, writes the "." terminator when dot-stuffing, and flushes.</summary>
        internal async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (_completed) return;
            // The ending needs up to five bytes; the buffer only guarantees four after a write. When they fit, the
            // last data and the terminator leave in one write (one packet for a small message).
            if (_count > _output.Length - 5) await FlushOutputAsync(cancellationToken).ConfigureAwait(false);
            // RFC 5321 §4.1.1.4: content that does not end in CRLF gets one before the terminating ".".
            if (_pendingCr || !_atLineStart) EndLine();
            _pendingCr = false;
            if (_dotStuff)
            {
                _output[_count++] = Dot;
                _output[_count++] = Cr;
                _output[_count++] = Lf;
            }
            _completed = true;
            await FlushOutputAsync(cancellationToken).ConfigureAwait(false);
            await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <inheritdoc />
        public override void Flush()
        {
            FlushOutput();
            _inner.Flush();
        }

        /// <inheritdoc />
        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await FlushOutputAsync(cancellationToken).ConfigureAwait(false);
            await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <inheritdoc />
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        /// <inheritdoc />
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        /// <inheritdoc />
        public override void SetLength(long value) => throw new NotSupportedException();

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing && !_leaveOpen) _inner.Dispose();
            base.Dispose(disposing);
        }

        // Copies input into the output buffer until it is nearly full; returns where it stopped.
        private int Fill(byte[] buffer, int offset, int end)
        {
            int limit = _output.Length - 4;
            while (offset < end && _count <= limit)
            {
                if (!_pendingCr && !_atLineStart)
                {
                    // Inside a line only CR and LF need care: copy the run before the next one in one block (most
                    // of a base64 attachment is such runs).
                    int max = Math.Min(end - offset, limit + 1 - _count);
                    int run = 0;
                    while (run < max)
                    {
                        byte c = buffer[offset + run];
                        if (c == Cr || c == Lf) break;
                        run++;
                    }
                    if (run > 0)
                    {
                        Buffer.BlockCopy(buffer, offset, _output, _count, run);
                        _count += run;
                        offset += run;
                        continue;
                    }
                }
                byte b = buffer[offset++];
                if (_pendingCr)
                {
                    _pendingCr = false;
                    EndLine();
                    if (b == Lf) continue;
                    // A bare CR became CRLF above; the byte after it starts a new line.
                }
                if (b == Cr)
                {
                    _pendingCr = true;
                    continue;
                }
                if (b == Lf)
                {
                    EndLine();
                    continue;
                }
                // RFC 5321 §4.5.2: a line that starts with "." gets one more.
                if (_atLineStart && _dotStuff && b == Dot) _output[_count++] = Dot;
                _output[_count++] = b;
                _atLineStart = false;
            }
            return offset;
        }

        private void EndLine()
        {
            _output[_count++] = Cr;
            _output[_count++] = Lf;
            _atLineStart = true;
            Lines++;
        }

        private void FlushOutput()
        {
            if (_count == 0) return;
            _inner.Write(_output, 0, _count);
            Advance();
        }

        private async Task FlushOutputAsync(CancellationToken cancellationToken)
        {
            if (_count == 0) return;
            await _inner.WriteAsync(_output, 0, _count, cancellationToken).ConfigureAwait(false);
            Advance();
        }

        private void Advance()
        {
            BytesWritten += _count;
            _count = 0;
            Progress?.Invoke(BytesWritten);
        }

        private void CheckArguments(byte[] buffer, int offset, int count)
        {
            if (_completed) throw new InvalidOperationException("The message data has already been completed.");
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset + count > buffer.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }
        }
    }
}
