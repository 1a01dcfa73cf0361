using System;
using System.Collections.Concurrent;
using System.Threading;
using SmtpTools.Core.Mime;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// Sends messages on worker threads, one connection each, while the caller goes on composing the next ones.
    /// Each worker keeps its own <see cref="SmtpSubmitter"/> (connection and login reused between messages) and
    /// sends one message at a time; <see cref="Complete"/> lets them finish, say QUIT and end.
    /// </summary>
    /// <remarks>
    /// Why threads and not tasks: the submitters run with blocking socket I/O (see BlockingStream), so a worker
    /// holds its thread for the whole exchange; on the thread pool that would starve everything else.
    /// The caller decides how many messages are in flight; this class only runs what it is given.
    /// </remarks>
    internal sealed class SmtpSendWorkers : IDisposable
    {
        private readonly BlockingCollection<Job> _jobs = new BlockingCollection<Job>();
        private readonly Thread[] _threads;
        private readonly CancellationTokenSource _cancel;

        /// <param name="count">How many connections (and threads).</param>
        /// <param name="createOptions">Options for the submitter of worker i (each needs its own sinks).</param>
        /// <param name="cancellationToken">Stops every send and every worker.</param>
        internal SmtpSendWorkers(int count, Func<int, SmtpSubmitOptions> createOptions,
            CancellationToken cancellationToken)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count));
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _threads = new Thread[count];
            for (int i = 0; i < count; i++)
            {
                var submitter = new SmtpSubmitter(createOptions(i));
                _threads[i] = new Thread(() => Work(submitter))
                {
                    IsBackground = true,
                    Name = "SmtpTools sender " + (i + 1),
                };
                _threads[i].Start();
            }
        }

        /// <summary>
        /// Queues a message for the next free worker. <paramref name="completed"/> runs on that worker with the
        /// outcome, or with the exception that stopped the send (cancellation included); the content is disposed
        /// just before.
        /// </summary>
        internal void Enqueue(MimeMessageContent content, Action<SmtpSubmitOutcome?, Exception?> completed) =>
            _jobs.Add(new Job(content, completed));

        /// <summary>No more messages: the workers send what is queued, close their connections and end.</summary>
        internal void Complete() => _jobs.CompleteAdding();

        /// <summary>Waits for every worker to end (after <see cref="Complete"/> or cancellation).</summary>
        internal void Join()
        {
            foreach (Thread thread in _threads) thread.Join();
        }

        /// <summary>Cancels whatever is in flight, drops the connections and waits for the workers.</summary>
        public void Dispose()
        {
            if (!_jobs.IsAddingCompleted) _jobs.CompleteAdding();
            // A cancelled stage closes its own connection (SmtpSession.RunAsync), which ends a blocked read.
            _cancel.Cancel();
            Join();
            // Messages that no worker took any more still hold their attachment files open.
            while (_jobs.TryTake(out Job job)) job.Content.Dispose();
            _jobs.Dispose();
            _cancel.Dispose();
        }

        private void Work(SmtpSubmitter submitter)
        {
            CancellationToken token = _cancel.Token;
            try
            {
                foreach (Job job in _jobs.GetConsumingEnumerable(token))
                {
                    SmtpSubmitOutcome? outcome = null;
                    Exception? error = null;
                    try
                    {
                        outcome = submitter.SendAsync(job.Content, token).GetAwaiter().GetResult();
                    }
                    catch (Exception ex)
                    {
                        error = ex;
                    }
                    finally
                    {
                        job.Content.Dispose();
                    }
                    job.Completed(outcome, error);
                }
                // QUIT is a courtesy: the messages are all reported already, so nothing about it can matter now.
                try { submitter.CloseAsync(token).GetAwaiter().GetResult(); }
                catch (Exception ex) when (!(ex is OperationCanceledException)) { }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopped (Ctrl+C or Dispose): the connection is dropped by Dispose, without QUIT.
            }
            finally
            {
                submitter.Dispose();
            }
        }

        private readonly struct Job
        {
            internal Job(MimeMessageContent content, Action<SmtpSubmitOutcome?, Exception?> completed)
            {
                Content = content;
                Completed = completed;
            }

            internal MimeMessageContent Content { get; }
            internal Action<SmtpSubmitOutcome?, Exception?> Completed { get; }
        }
    }
}
