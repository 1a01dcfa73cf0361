using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
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

        /// <summary>Disposes the cancel source and whatever the cmdlet holds.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases what the cmdlet holds; PowerShell calls Dispose after the last block, even on errors.</summary>
        protected virtual void Dispose(bool disposing)
        {
            if (disposing) _cancel.Dispose();
        }

        /// <summary>
        /// The DNS servers given to -Server or -DnsServer: IP addresses, or names resolved once with the system
        /// resolver, as Resolve-DnsName takes them. No domain can be resolved against a server that cannot even be
        /// found, so a bad one stops the command.
        /// </summary>
        private protected List<IPEndPoint> DnsServers(IEnumerable<string>? given)
        {
            var servers = new List<IPEndPoint>();
            foreach (string server in given ?? Array.Empty<string>())
            {
                try
                {
                    servers.AddRange(MxRouterOptions.ResolveServer(server));
                }
                catch (FormatException ex)
                {
                    ThrowTerminatingError(ErrorMapper.Record(this, "InvalidDnsServer", ex, server));
                }
                catch (DnsServerNameException ex)
                {
                    ThrowTerminatingError(ErrorMapper.Record(this, "DnsServerNotFound", ex, server));
                }
            }
            return servers;
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
        /// Runs <paramref name="work"/>: its synchronous part on this thread, the rest on workers. It receives a
        /// posting function: actions posted there run on the pipeline thread, in order, while the work goes on
        /// (verbose lines, progress, objects) — at once when the work is on the pipeline thread itself.
        /// </summary>
        protected T Run<T>(Func<Action<Action>, CancellationToken, Task<T>> work)
        {
            using var writes = new PostedWrites();
            int pipelineThread = Environment.CurrentManagedThreadId;
            ExceptionDispatchInfo? inlineWriteFailure = null;
            void Post(Action write)
            {
                // Work that runs on the pipeline thread (blocking socket I/O does, start to end) writes at once, so
                // -Verbose stays live; anything already queued goes first to keep the order.
                if (Environment.CurrentManagedThreadId == pipelineThread && writes.IsEmpty)
                {
                    if (inlineWriteFailure != null) return;
                    try { write(); }
                    catch (Exception ex)
                    {
                        // Write* threw (the pipeline is stopping): stop the work; the exception surfaces below.
                        inlineWriteFailure = ExceptionDispatchInfo.Capture(ex);
                        _cancel.Cancel();
                    }
                    return;
                }
                writes.Post(write);
            }

            async Task<T> StartAsync()
            {
                try { return await work(Post, CancelToken).ConfigureAwait(false); }
                finally { writes.Complete(); }
            }

            // Started here rather than through Task.Run: the part before the first real await (composing a message,
            // writing a command) then costs no hand-off to a pool thread and back. Without a
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
                // Work that finished on this thread without posting from elsewhere has nothing queued.
                if (!task.IsCompleted || writes.Created) writes.WriteAll();
            }
            catch
            {
                // Write* threw (the pipeline is stopping): cancel and let the worker finish before leaving.
                _cancel.Cancel();
                try { task.GetAwaiter().GetResult(); } catch { }
                throw;
            }

            if (inlineWriteFailure != null)
            {
                try { task.GetAwaiter().GetResult(); } catch { }
                inlineWriteFailure.Throw();
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
