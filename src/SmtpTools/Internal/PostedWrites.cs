using System;
using System.Collections.Concurrent;
using System.Threading;

namespace SmtpTools.Internal
{
    /// <summary>
    /// Writes that worker threads hand to the pipeline thread, the only one allowed to call Write*, for a cmdlet
    /// whose workers outlive one ProcessRecord call (the queue of <see cref="SmtpCmdletBase"/>'s Run lives for one
    /// call only). The cmdlet runs them whenever it has the pipeline thread.
    /// </summary>
    internal sealed class PostedWrites : IDisposable
    {
        private readonly BlockingCollection<Action> _queue = new BlockingCollection<Action>();

        /// <summary>Queues a write, from any thread. One that comes after the cmdlet has ended has nowhere to go and
        /// is dropped.</summary>
        internal void Post(Action write)
        {
            try { _queue.Add(write); }
            catch (Exception ex) when (ex is InvalidOperationException || ex is ObjectDisposedException) { }
        }

        /// <summary>Runs the writes queued so far, without waiting for more.</summary>
        internal void WriteQueued()
        {
            while (_queue.TryTake(out Action? write)) write();
        }

        /// <summary>Waits for the next write and runs it.</summary>
        /// <returns>False, and nothing run, when the token was cancelled while waiting.</returns>
        internal bool WriteNext(CancellationToken cancellationToken)
        {
            Action write;
            try { write = _queue.Take(cancellationToken); }
            catch (OperationCanceledException) { return false; }
            write();
            return true;
        }

        /// <summary>No more writes will come: <see cref="WriteAll"/> ends once the queue is empty.</summary>
        internal void Complete()
        {
            try { _queue.CompleteAdding(); }
            catch (ObjectDisposedException) { }
        }

        /// <summary>Runs every write until <see cref="Complete"/>.</summary>
        internal void WriteAll()
        {
            foreach (Action write in _queue.GetConsumingEnumerable()) write();
        }

        public void Dispose() => _queue.Dispose();
    }
}
