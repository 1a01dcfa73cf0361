using System;
using System.Collections.Concurrent;
using System.Threading;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The one way work crosses threads in SmtpTools: worker threads post writes (objects, errors, verbose lines,
    /// progress) here, and the pipeline thread, the only one allowed to call Write*, runs them in order. Used by
    /// <see cref="SmtpCmdletBase"/>'s Run for one call, and held for a whole command by cmdlets whose workers
    /// outlive one ProcessRecord (Send-SmtpMessage's delivery engine, Resolve-MailExchanger's resolver).
    /// </summary>
    internal sealed class PostedWrites : IDisposable
    {
        private readonly object _gate = new object();
        // Made on first use: work that never leaves the pipeline thread posts nothing, and a queue per call was a
        // visible share of a bulk run's garbage.
        private BlockingCollection<Action>? _queue;
        private bool _completed;

        /// <summary>True once something was posted (or a wait began).</summary>
        internal bool Created => Volatile.Read(ref _queue) != null;

        /// <summary>True when nothing waits to be run.</summary>
        internal bool IsEmpty
        {
            get
            {
                BlockingCollection<Action>? queue = Volatile.Read(ref _queue);
                return queue == null || queue.Count == 0;
            }
        }

        /// <summary>Queues a write, from any thread. One that comes after <see cref="Complete"/> has nowhere to go
        /// and is dropped.</summary>
        internal void Post(Action write)
        {
            try { Get().Add(write); }
            catch (Exception ex) when (ex is InvalidOperationException || ex is ObjectDisposedException) { }
        }

        /// <summary>Runs the writes queued so far, without waiting for more.</summary>
        internal void WriteQueued()
        {
            BlockingCollection<Action>? queue = Volatile.Read(ref _queue);
            if (queue == null) return;
            while (queue.TryTake(out Action? write)) write();
        }

        /// <summary>Waits for the next write and runs it.</summary>
        /// <returns>False, and nothing run, when the token was cancelled or no write will come any more.</returns>
        internal bool WriteNext(CancellationToken cancellationToken)
        {
            Action write;
            try
            {
                if (!Get().TryTake(out write!, Timeout.Infinite, cancellationToken)) return false;
            }
            catch (OperationCanceledException) { return false; }
            write();
            return true;
        }

        /// <summary>No more writes will come: <see cref="WriteAll"/> ends once the queue is empty.</summary>
        internal void Complete()
        {
            lock (_gate)
            {
                _completed = true;
                try { _queue?.CompleteAdding(); }
                catch (ObjectDisposedException) { }
            }
        }

        /// <summary>Runs every write until <see cref="Complete"/>.</summary>
        internal void WriteAll()
        {
            foreach (Action write in Get().GetConsumingEnumerable()) write();
        }

        private BlockingCollection<Action> Get()
        {
            BlockingCollection<Action>? queue = Volatile.Read(ref _queue);
            if (queue != null) return queue;
            lock (_gate)
            {
                queue = _queue;
                if (queue == null)
                {
                    queue = new BlockingCollection<Action>();
                    if (_completed) queue.CompleteAdding();
                    Volatile.Write(ref _queue, queue);
                }
                return queue;
            }
        }

        public void Dispose() => _queue?.Dispose();
    }
}
