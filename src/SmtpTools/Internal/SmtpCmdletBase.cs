using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;

namespace SmtpTools.Internal
{
    /// <summary>
    /// Plumbing shared by the cmdlets: a cancel token tied to Ctrl+C, and a way to run async core work on a worker
    /// while everything it reports is written from the pipeline thread, the only thread allowed to call Write*.
    /// </summary>
    public abstract class SmtpCmdletBase : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancelToken => _cancel.Token;

        /// <inheritdoc />
        protected override void StopProcessing() => _cancel.Cancel();

        /// <summary>Disposes the cancel source.</summary>
        public void Dispose()
        {
            _cancel.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>A password login for the core: the password leaves its SecureString only here.</summary>
        private protected static SmtpCredential PasswordCredential(PSCredential credential) =>
            new SmtpCredential(credential.UserName, credential.GetNetworkCredential().Password);

        /// <summary>An OAuth 2 login (XOAUTH2, OAUTHBEARER) for the core.</summary>
        private protected static SmtpCredential TokenCredential(string userName, SecureString token) =>
            new SmtpCredential(userName, null, SecureStringTransformationAttribute.Reveal(token));

        /// <summary>Writes transcript lines to -Verbose, swaks-style, through <paramref name="post"/> (see Run).</summary>
        protected Action<SmtpTranscriptEntry> VerboseWriter(Action<Action> post) =>
            entry =>
            {
                string line = entry.ToString();
                post(() => WriteVerbose(line));
            };

        /// <summary>The same as a sink the core can write to.</summary>
        protected ITranscriptSink VerboseTranscript(Action<Action> post) => new DelegateSink(VerboseWriter(post));

        private sealed class DelegateSink : ITranscriptSink
        {
            private readonly Action<SmtpTranscriptEntry> _write;

            internal DelegateSink(Action<SmtpTranscriptEntry> write) => _write = write;

            public void Write(SmtpTranscriptEntry entry) => _write(entry);
        }

        /// <summary>
        /// Runs <paramref name="work"/>: its synchronous start on this thread, the rest on workers. It receives a
        /// posting function: actions posted there run on the pipeline thread, in order, while the work goes on
        /// (verbose lines, progress, objects).
        /// </summary>
        protected T Run<T>(Func<Action<Action>, CancellationToken, Task<T>> work)
        {
            using var queue = new BlockingCollection<Action>();
            void Post(Action write)
            {
                // A late event after completion has nowhere to go; dropping it beats throwing on a worker.
                try { queue.Add(write); } catch (InvalidOperationException) { }
            }

            async Task<T> StartAsync()
            {
                try { return await work(Post, CancelToken).ConfigureAwait(false); }
                finally { queue.CompleteAdding(); }
            }

            // Started here rather than through Task.Run: the part before the first real await (composing a message,
            // writing a command) then costs no hand-off to a pool thread and back. tests/bench measured those
            // hand-offs as most of the per-message time of a bulk send on a busy machine. Without a
            // SynchronizationContext, so no continuation can ever wait for this thread, which is busy below.
            SynchronizationContext? context = SynchronizationContext.Current;
            Task<T> task;
            try
            {
                SynchronizationContext.SetSynchronizationContext(null);
                task = StartAsync();
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(context);
            }

            try
            {
                foreach (Action write in queue.GetConsumingEnumerable()) write();
            }
            catch
            {
                // Write* threw (the pipeline is stopping): cancel and let the worker finish before leaving.
                _cancel.Cancel();
                try { task.GetAwaiter().GetResult(); } catch { }
                throw;
            }

            try { return task.GetAwaiter().GetResult(); }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                // PowerShell issue #17444: the stop must surface as PipelineStoppedException, not as an error.
                throw new PipelineStoppedException();
            }
        }
    }
}
