using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The sessions opened by Connect-SmtpServer in this process. Sessions left open are closed (QUIT, best effort)
    /// when the module is removed or when the runspace that opened them closes.
    /// </summary>
    internal static class SmtpSessionRegistry
    {
        private static readonly TimeSpan QuitTimeout = TimeSpan.FromSeconds(5);
        private static readonly ConcurrentDictionary<int, SmtpConnection> Sessions =
            new ConcurrentDictionary<int, SmtpConnection>();
        private static readonly ConcurrentDictionary<Guid, Runspace> Watched =
            new ConcurrentDictionary<Guid, Runspace>();
        private static readonly ConcurrentDictionary<int, RelayTranscriptSink> Sinks =
            new ConcurrentDictionary<int, RelayTranscriptSink>();

        /// <summary>Remembers a session; closes it when <paramref name="runspace"/> closes.</summary>
        internal static void Add(SmtpConnection connection, Runspace? runspace, RelayTranscriptSink sink)
        {
            Sinks[connection.Id] = sink;
            if (runspace != null)
            {
                connection.RunspaceId = runspace.InstanceId;
                if (Watched.TryAdd(runspace.InstanceId, runspace)) runspace.StateChanged += OnRunspaceStateChanged;
            }
            Sessions[connection.Id] = connection;
        }

        /// <summary>Forgets a session (after Disconnect-SmtpServer).</summary>
        internal static void Remove(SmtpConnection connection)
        {
            Sessions.TryRemove(connection.Id, out _);
            Sinks.TryRemove(connection.Id, out _);
        }

        /// <summary>The relay that shows the session's transcript as verbose output of the running cmdlet.</summary>
        internal static RelayTranscriptSink? SinkFor(SmtpConnection connection) =>
            Sinks.TryGetValue(connection.Id, out RelayTranscriptSink? sink) ? sink : null;

        /// <summary>The open sessions, oldest first; closed ones are forgotten on the way.</summary>
        internal static IReadOnlyList<SmtpConnection> Open()
        {
            foreach (SmtpConnection closed in Sessions.Values.Where(s => !s.IsOpen).ToList()) Remove(closed);
            return Sessions.Values.Where(s => s.IsOpen).OrderBy(s => s.Id).ToList();
        }

        /// <summary>The session with this number, open or not, if it is still known.</summary>
        internal static SmtpConnection? Find(int id) => Sessions.TryGetValue(id, out SmtpConnection? s) ? s : null;

        /// <summary>Closes every session (module removal).</summary>
        internal static void CloseAll(string reason)
        {
            foreach (KeyValuePair<Guid, Runspace> watched in Watched.ToList())
            {
                watched.Value.StateChanged -= OnRunspaceStateChanged;
                Watched.TryRemove(watched.Key, out _);
            }
            CloseWhere(_ => true, reason);
        }

        private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            if (!(sender is Runspace runspace)) return;
            RunspaceState state = e.RunspaceStateInfo.State;
            if (state != RunspaceState.Closing && state != RunspaceState.Closed && state != RunspaceState.Broken)
            {
                return;
            }
            runspace.StateChanged -= OnRunspaceStateChanged;
            Watched.TryRemove(runspace.InstanceId, out _);
            Guid id = runspace.InstanceId;
            CloseWhere(s => s.RunspaceId == id, "the runspace that opened it closed");
        }

        private static void CloseWhere(Func<SmtpConnection, bool> predicate, string reason)
        {
            List<SmtpConnection> closing = Sessions.Values.Where(predicate).ToList();
            foreach (SmtpConnection session in closing) Remove(session);
            if (closing.Count == 0) return;
            // Leaving politely is best effort and bounded: module removal must not hang on a silent server.
            using var cts = new CancellationTokenSource(QuitTimeout);
            Task all = Task.WhenAll(closing.Select(s => QuitQuietlyAsync(s, reason, cts.Token)));
            try
            {
                all.Wait(QuitTimeout + TimeSpan.FromSeconds(1));
            }
            catch (AggregateException)
            {
            }
            foreach (SmtpConnection session in closing) session.Dispose();
        }

        private static async Task QuitQuietlyAsync(SmtpConnection session, string reason, CancellationToken token)
        {
            try
            {
                await Task.Run(() => session.CloseAsync(reason, token), token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SmtpException || ex is OperationCanceledException ||
                                       ex is ObjectDisposedException || ex is InvalidOperationException)
            {
            }
        }
    }

    /// <summary>
    /// Forwards a long-lived session's transcript lines to whichever cmdlet is using the session right now, so each
    /// command's exchange shows with -Verbose; between commands the lines only go to the session's own transcript.
    /// </summary>
    internal sealed class RelayTranscriptSink : ITranscriptSink
    {
        private volatile Action<SmtpTranscriptEntry>? _target;

        /// <summary>Starts forwarding to <paramref name="target"/>; dispose the result to stop.</summary>
        internal IDisposable Attach(Action<SmtpTranscriptEntry> target)
        {
            _target = target;
            return new Detacher(this);
        }

        public void Write(SmtpTranscriptEntry entry) => _target?.Invoke(entry);

        private sealed class Detacher : IDisposable
        {
            private readonly RelayTranscriptSink _sink;

            internal Detacher(RelayTranscriptSink sink) => _sink = sink;

            public void Dispose() => _sink._target = null;
        }
    }
}
