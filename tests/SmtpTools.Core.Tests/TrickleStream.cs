using System;
using System.IO;
using System.Text;

namespace SmtpTools.Core.Tests
{
    /// <summary>A read-only stream that hands out at most a few bytes per read, to exercise buffer boundaries.</summary>
    internal sealed class TrickleStream : Stream
    {
        private readonly byte[] _data;
        private readonly int _maxRead;
        private int _position;

        internal TrickleStream(byte[] data, int maxRead)
        {
            _data = data;
            _maxRead = maxRead;
        }

        internal TrickleStream(string text, int maxRead) : this(Encoding.UTF8.GetBytes(text), maxRead)
        {
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, _maxRead), _data.Length - _position);
            Buffer.BlockCopy(_data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
