using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// A write-only stream that cuts what it receives into BDAT chunks of a fixed size (RFC 3030 §2) and hands each
    /// full chunk to a sender; <see cref="CompleteAsync"/> sends the rest as the LAST chunk. Holds one chunk at most.
    /// </summary>
    internal sealed class BdatChunkStream : Stream
    {
        /// <summary>Sends one chunk: the bytes, how many, and whether it is the LAST one.</summary>
        internal delegate Task ChunkSender(byte[] chunk, int count, bool last, CancellationToken cancellationToken);

        private readonly ChunkSender _send;
        private readonly byte[] _chunk;
        private int _count;
        private bool _completed;

        internal BdatChunkStream(ChunkSender send, int chunkSize = 64 * 1024)
        {
            if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize));
            _send = send;
            _chunk = new byte[chunkSize];
        }

        /// <summary>The number of chunks sent so far.</summary>
        internal int ChunksSent { get; private set; }

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
        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        /// <inheritdoc />
        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (_completed) throw new InvalidOperationException("The last BDAT chunk has already been sent.");
            while (count > 0)
            {
                // A full chunk goes out only once more bytes arrive, so the LAST chunk is empty only for an empty
                // message.
                if (_count == _chunk.Length) await SendAsync(false, cancellationToken).ConfigureAwait(false);
                int take = Math.Min(count, _chunk.Length - _count);
                Buffer.BlockCopy(buffer, offset, _chunk, _count, take);
                _count += take;
                offset += take;
                count -= take;
            }
        }

        /// <summary>Sends whatever is held as the LAST chunk (BDAT 0 LAST for an empty message).</summary>
        internal async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (_completed) return;
            _completed = true;
            await SendAsync(true, cancellationToken).ConfigureAwait(false);
        }

        /// <inheritdoc />
        public override void Flush()
        {
        }

        /// <inheritdoc />
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <inheritdoc />
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        /// <inheritdoc />
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        /// <inheritdoc />
        public override void SetLength(long value) => throw new NotSupportedException();

        private async Task SendAsync(bool last, CancellationToken cancellationToken)
        {
            int count = _count;
            _count = 0;
            ChunksSent++;
            await _send(_chunk, count, last, cancellationToken).ConfigureAwait(false);
        }
    }
}
