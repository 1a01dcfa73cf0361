using System;
using System.IO;
using System.Text;

namespace SmtpTools.Core.Mime
{
    /// <summary>
    /// Reads a file as MIME base64 (RFC 2045 §6.8): 76-character lines, each ended by CRLF, the last one too. The
    /// bytes are exactly what MimeKit's own base64 encoder writes, so an attachment given to MimeKit already
    /// encoded goes out unchanged and <see cref="MimeMessageContent.Base64Length"/> still gives its size.
    /// </summary>
    /// <remarks>
    /// Why not let MimeKit encode: its encoder walks the file three bytes at a time in 4 KiB pieces, while
    /// <see cref="Convert.ToBase64CharArray(byte[], int, int, char[], int)"/> and <see cref="Encoding.ASCII"/> are the
    /// runtime's own (precompiled, and vectorized on .NET Core), over 57 KiB at a time. A large attachment is mostly
    /// this encoding, and on the first send of a session MimeKit's loop still runs unoptimized code.
    /// Seeking back to the start (MimeKit does so before each write: a retry or the next mail exchanger) starts over.
    /// </remarks>
    internal sealed class Base64LineStream : Stream
    {
        private const int BytesPerLine = 57;  // 57 bytes → 76 characters
        private const int CharsPerLine = 76;
        private const int LinesPerBlock = 1024;

        private readonly Stream _source;
        private readonly long _sourceLength;
        // One block: 1,024 lines in, 1,024 lines out (about 57 KiB and 78 KiB).
        private readonly byte[] _input = new byte[BytesPerLine * LinesPerBlock];
        private readonly char[] _chars = new char[CharsPerLine * LinesPerBlock];
        private readonly byte[] _encoded = new byte[(CharsPerLine + 2) * LinesPerBlock];
        private int _encodedStart;
        private int _encodedEnd;
        private long _position;
        private bool _sourceDone;

        /// <param name="source">The file, positioned at its start; read once per pass, front to back.</param>
        internal Base64LineStream(Stream source)
        {
            _source = source ?? throw new ArgumentNullException(nameof(source));
            _sourceLength = source.Length;
        }

        /// <summary>The length of the file before encoding.</summary>
        internal long SourceLength => _sourceLength;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => MimeMessageContent.Base64Length(_sourceLength);

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (buffer is null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset + count > buffer.Length)
                throw new ArgumentOutOfRangeException(nameof(count));
            if (_encodedStart == _encodedEnd && !Fill()) return 0;
            int n = Math.Min(count, _encodedEnd - _encodedStart);
            Buffer.BlockCopy(_encoded, _encodedStart, buffer, offset, n);
            _encodedStart += n;
            _position += n;
            return n;
        }

        /// <summary>Only a rewind to the start is supported: that is all a re-send needs.</summary>
        public override long Seek(long offset, SeekOrigin origin)
        {
            long target = origin == SeekOrigin.Begin ? offset
                : origin == SeekOrigin.Current ? _position + offset
                : Length + offset;
            if (target == _position) return _position;
            if (target != 0)
                throw new NotSupportedException("A base64 attachment can only be read again from the start.");
            _source.Seek(0, SeekOrigin.Begin);
            _encodedStart = _encodedEnd = 0;
            _position = 0;
            _sourceDone = false;
            return 0;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _source.Dispose();
            base.Dispose(disposing);
        }

        // Encodes the next block: whole 57-byte lines, and a shorter last line only at the end of the file.
        private bool Fill()
        {
            if (_sourceDone) return false;
            int read = 0;
            while (read < _input.Length)
            {
                int n = _source.Read(_input, read, _input.Length - read);
                if (n == 0)
                {
                    _sourceDone = true;
                    break;
                }
                read += n;
            }

            if (read == 0) return false;
            int chars = Convert.ToBase64CharArray(_input, 0, read, _chars, 0);
            int written = 0;
            for (int start = 0; start < chars; start += CharsPerLine)
            {
                int lineChars = Math.Min(CharsPerLine, chars - start);
                written += Encoding.ASCII.GetBytes(_chars, start, lineChars, _encoded, written);
                _encoded[written++] = (byte)'\r';
                _encoded[written++] = (byte)'\n';
            }

            _encodedStart = 0;
            _encodedEnd = written;
            return true;
        }
    }
}
