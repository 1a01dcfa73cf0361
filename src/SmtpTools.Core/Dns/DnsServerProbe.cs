using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Dns
{
    /// <summary>
    /// Finds out at once when a DNS server's host says nothing listens on its port, instead of waiting out every
    /// try's timeout. The host answers a datagram to a closed port with ICMP "port unreachable", but the operating
    /// system reports that only on a connected UDP socket, and DnsClient's sockets are not connected (on Linux they
    /// never hear it). So the first query of a run also sends one small query per server on a connected socket of its
    /// own; a server whose probe is refused is dropped from the query, and when none is left the query fails as
    /// unreachable. A probe that hears nothing changes nothing: the query's own timeout decides.
    /// </summary>
    internal sealed class DnsServerProbe : IDisposable
    {
        private readonly IPEndPoint[] _servers;
        private readonly TimeSpan _window;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly object _gate = new object();
        // Per server: true when its host refused the probe. Started by the first query.
        private Task<bool>[]? _refused;

        internal DnsServerProbe(IPEndPoint[] servers, TimeSpan window)
        {
            _servers = servers;
            _window = window;
        }

        /// <summary>
        /// Runs <paramref name="query"/> against the servers not known to be refused; when one of them turns out to
        /// be refused while the query runs, asks the others again.
        /// </summary>
        /// <exception cref="DnsServerUnreachableException">Every server's host refused the probe.</exception>
        internal async Task<T> RunAsync<T>(Func<IReadOnlyList<IPEndPoint>, CancellationToken, Task<T>> query,
            CancellationToken cancellationToken)
        {
            Task<bool>[] refused = Start();
            if (Array.TrueForAll(refused, r => r.IsCompleted && !r.Result))
            {
                // Every server answered its probe (or stayed silent past the window): nothing to watch.
                return await query(_servers, cancellationToken).ConfigureAwait(false);
            }
            while (true)
            {
                var live = new List<IPEndPoint>();
                var pending = new List<Task>();
                for (int i = 0; i < _servers.Length; i++)
                {
                    if (refused[i].IsCompleted && refused[i].Result) continue;
                    live.Add(_servers[i]);
                    if (!refused[i].IsCompleted) pending.Add(refused[i]);
                }
                if (live.Count == 0) throw new DnsServerUnreachableException();

                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                Task<T> running = query(live, attempt.Token);
                bool oneRefused = false;
                while (!oneRefused)
                {
                    pending.Add(running);
                    Task done = await Task.WhenAny(pending).ConfigureAwait(false);
                    pending.Remove(running);
                    if (done == running) return await running.ConfigureAwait(false);
                    pending.Remove(done);
                    oneRefused = ((Task<bool>)done).Result;
                }
                attempt.Cancel();
                try
                {
                    await running.ConfigureAwait(false);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // Abandoned in favour of the servers that are still there.
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }

        private Task<bool>[] Start()
        {
            lock (_gate)
            {
                if (_refused != null) return _refused;
                var probes = new Task<bool>[_servers.Length];
                CancellationToken stop = _stop.Token;
                for (int i = 0; i < probes.Length; i++)
                {
                    IPEndPoint server = _servers[i];
                    probes[i] = Task.Run(() => IsRefusedAsync(server, stop), CancellationToken.None);
                }
                return _refused = probes;
            }
        }

        private async Task<bool> IsRefusedAsync(IPEndPoint server, CancellationToken stop)
        {
            try
            {
                using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                // Connecting a UDP socket sends nothing; it makes the system report ICMP errors for this peer.
                socket.Connect(server);
                await socket.SendAsync(new ArraySegment<byte>(RootQuery()), SocketFlags.None).ConfigureAwait(false);
                Task<int> answer = socket.ReceiveAsync(new ArraySegment<byte>(new byte[512]), SocketFlags.None);
                Task waited = await Task.WhenAny(answer, Task.Delay(_window, stop)).ConfigureAwait(false);
                if (waited != answer)
                {
                    // Silence: the server may be slow, or a firewall drops the datagram; the query's timeout decides.
                    Observe(answer);
                    return false;
                }
                await answer.ConfigureAwait(false);
                return false;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused ||
                                             ex.SocketErrorCode == SocketError.ConnectionReset ||
                                             ex.SocketErrorCode == SocketError.HostUnreachable ||
                                             ex.SocketErrorCode == SocketError.NetworkUnreachable)
            {
                // ECONNREFUSED on Unix, WSAECONNRESET on Windows: ICMP port unreachable. Or no route at all.
                return true;
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException ||
                                       ex is OperationCanceledException)
            {
                return false;
            }
        }

        // The pending receive fails when its socket is disposed; nobody waits for it any more.
        private static void Observe(Task task) =>
            task.ContinueWith(t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);

        // RFC 1035 §4.1: a query for the root's NS records, recursion not desired. Any answer, even REFUSED, shows
        // that something listens.
        private static byte[] RootQuery()
        {
            var id = new byte[2];
            lock (Random) Random.NextBytes(id);
            return new byte[] { id[0], id[1], 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1 };
        }

        private static readonly Random Random = new Random();
    }

    /// <summary>Every DNS server's host reported its port closed (ICMP port unreachable) or had no route.</summary>
    internal sealed class DnsServerUnreachableException : SocketException
    {
        internal DnsServerUnreachableException()
            : base((int)SocketError.ConnectionRefused)
        {
        }

        /// <summary>What the host said, for the error message that names the servers.</summary>
        public override string Message =>
            "its host reports that nothing listens on that UDP port (ICMP port unreachable), or there is no route to it.";
    }
}
