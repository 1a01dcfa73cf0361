using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// A socket stream whose async reads and writes block in the kernel and return completed tasks, so an async
    /// session runs start to end on the thread that drives it.
    /// </summary>
    /// <remarks>
    /// Why: an SMTP exchange is a long chain of short round trips. Awaited for real, every reply wakes a pool thread
    /// and every message hands its result back to the pipeline thread; tests/bench measured those hand-offs as most
    /// of the time of a bulk send (MailKit's synchronous Send blocks on one thread instead). Cancellation and
    /// timeouts still work: SmtpSession closes the connection when either fires, which ends a blocked read.
    /// Only for callers that own a thread to block (the cmdlets); a library caller on a busy pool keeps real async.
    /// </remarks>
    internal sealed class BlockingStream : Stream
    {
        private readonly Stream _inner;
        private Task<int>? _lastRead;

        internal BlockingStream(Stream inner) => _inner = inner;

        public override bool CanRead => _inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => _inner.CanWrite;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<int>(cancellationToken);
            try
            {
                int read = _inner.Read(buffer, offset, count);
                // Reads of the same size are the common case (a full buffer): reuse the completed task.
                Task<int>? last = _lastRead;
                if (last != null && last.Result == read) return last;
                return _lastRead = Task.FromResult(read);
            }
            catch (Exception ex)
            {
                return Task.FromException<int>(ex);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
            try
            {
                _inner.Write(buffer, offset, count);
                return Task.CompletedTask;
            }
            catch (Exception ex)
            {
                return Task.FromException(ex);
            }
        }

        public override void Flush() => _inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            _inner.Flush();
            return Task.CompletedTask;
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
