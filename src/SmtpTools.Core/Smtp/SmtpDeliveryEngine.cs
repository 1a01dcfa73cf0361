using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using SmtpTools.Core.Mime;

namespace SmtpTools.Core.Smtp
{
    /// <summary>What became of one submitted message: its outcomes (one per domain with direct delivery), or the
    /// exception that stopped its delivery (cancellation included).</summary>
    internal sealed class SmtpDeliveryReport
    {
        internal SmtpDeliveryReport(object? tag, IReadOnlyList<SmtpSubmitOutcome>? outcomes, Exception? error)
        {
            Tag = tag;
            Outcomes = outcomes ?? Array.Empty<SmtpSubmitOutcome>();
            Error = error;
        }

        /// <summary>What the caller handed in with the message (the pipeline record).</summary>
        internal object? Tag { get; }

        internal IReadOnlyList<SmtpSubmitOutcome> Outcomes { get; }

        internal Exception? Error { get; }
    }

    /// <summary>
    /// The delivery engine behind Send-SmtpMessage: takes composed messages and delivers each by the options' route
    /// (smart host, the recipients' mail exchangers, or a pickup folder) on worker threads, one connection each, while
    /// the caller goes on composing the next. Each worker keeps its own <see cref="SmtpSubmitter"/> (connection and
    /// login reused between messages) and sends one message at a time; with one worker, reports come in input order.
    /// </summary>
    /// <remarks>
    /// Why threads and not tasks: the submitters run with blocking socket I/O (see BlockingStream), so a worker
    /// holds its thread for the whole exchange; on the thread pool that would starve everything else.
    /// The caller decides how many messages are in flight; the engine only runs what it is given.
    /// </remarks>
    internal sealed class SmtpDeliveryEngine : IDisposable
    {
        private readonly BlockingCollection<Job> _jobs = new BlockingCollection<Job>();
        private readonly Thread[] _threads;
        private readonly CancellationTokenSource _cancel;

        /// <param name="options">Route, connection, retries and sinks (the sinks must take writes from any thread).</param>
        /// <param name="connections">How many connections (and threads).</param>
        /// <param name="cancellationToken">Stops every send and every worker.</param>
        internal SmtpDeliveryEngine(SmtpSubmitOptions options, int connections, CancellationToken cancellationToken)
        {
            if (connections < 1) throw new ArgumentOutOfRangeException(nameof(connections));
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _threads = new Thread[connections];
            for (int i = 0; i < connections; i++)
            {
                var submitter = new SmtpSubmitter(options);
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
        /// report; the content is disposed just before.
        /// </summary>
        internal void Enqueue(MimeMessageContent content, object? tag, Action<SmtpDeliveryReport> completed) =>
            _jobs.Add(new Job(content, tag, completed));

        /// <summary>No more messages: the workers deliver what is queued, close their connections and end.</summary>
        internal void Complete()
        {
            if (!_jobs.IsAddingCompleted) _jobs.CompleteAdding();
        }

        /// <summary>Waits for every worker to end (after <see cref="Complete"/> or cancellation).</summary>
        internal void Join()
        {
            foreach (Thread thread in _threads) thread.Join();
        }

        /// <summary>Cancels whatever is in flight, drops the connections and waits for the workers.</summary>
        public void Dispose()
        {
            Complete();
            // A cancelled stage closes its own connection (SmtpWire.RunAsync), which ends a blocked read.
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
                    IReadOnlyList<SmtpSubmitOutcome>? outcomes = null;
                    Exception? error = null;
                    try
                    {
                        outcomes = submitter.DeliverAsync(job.Content, token).GetAwaiter().GetResult();
                    }
                    catch (Exception ex)
                    {
                        error = ex;
                    }
                    finally
                    {
                        job.Content.Dispose();
                    }
                    job.Completed(new SmtpDeliveryReport(job.Tag, outcomes, error));
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

        // A class, not a struct: see MailboxText.
        private sealed class Job
        {
            internal Job(MimeMessageContent content, object? tag, Action<SmtpDeliveryReport> completed)
            {
                Content = content;
                Tag = tag;
                Completed = completed;
            }

            internal MimeMessageContent Content { get; }
            internal object? Tag { get; }
            internal Action<SmtpDeliveryReport> Completed { get; }
        }
    }
}
