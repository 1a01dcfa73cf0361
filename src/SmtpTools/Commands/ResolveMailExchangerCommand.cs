using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Resolve-MailExchanger: where mail for a domain goes, as a sending MTA routes it (RFC 5321 §5.1).
    /// Domains from the pipeline are resolved as they arrive, ThrottleLimit at a time, on a thread of their own, with
    /// one cache per run, so a thousand domains sharing a few exchangers cost a thousand MX queries and a few more.
    /// Results are written from the pipeline thread whenever it gets a turn: at each new domain, and in EndProcessing.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Resolve, "MailExchanger")]
    [OutputType(typeof(MailExchanger))]
    public sealed class ResolveMailExchangerCommand : SmtpCmdletBase
    {
        private MxRouter? _router;
        private BlockingCollection<string>? _domains;
        private PostedWrites? _writes;
        private Task? _resolving;
        // -Ordered: results that came back before an earlier domain's, by input index.
        private readonly Dictionary<int, (MailRoute?, DnsResolutionException?)> _early =
            new Dictionary<int, (MailRoute?, DnsResolutionException?)>();
        private int _nextToWrite;

        /// <summary>Mail domains or e-mail addresses; internationalized names are accepted.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "DomainName")]
        [ValidateNotNullOrEmpty]
        public string[] Domain { get; set; } = Array.Empty<string>();

        /// <summary>DNS servers to ask (ip, name, either with :port); the system's resolvers when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Server { get; set; }

        /// <summary>Which address records to resolve for each exchanger.</summary>
        [Parameter]
        public DnsAddressFamily AddressFamily { get; set; } = DnsAddressFamily.Any;

        /// <summary>Seconds to wait for each DNS answer.</summary>
        [Parameter]
        [ValidateRange(1, 300)]
        public int Timeout { get; set; } = 5;

        /// <summary>How many more times an unanswered query is sent.</summary>
        [Parameter]
        [ValidateRange(0, 10)]
        public int Retry { get; set; } = 2;

        /// <summary>Ask over TCP only.</summary>
        [Parameter]
        public SwitchParameter TcpOnly { get; set; }

        /// <summary>Order exchangers of equal preference by name instead of at random.</summary>
        [Parameter]
        public SwitchParameter NoShuffle { get; set; }

        /// <summary>Write every DNS query and its answer to the information stream.</summary>
        [Parameter]
        public SwitchParameter Trace { get; set; }

        /// <summary>How many domains are resolved at once.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        /// <summary>Emit results in input order rather than as each domain completes.</summary>
        [Parameter]
        public SwitchParameter Ordered { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            MxRouterOptions options = BuildOptions();
            if (Trace) options.Trace = step => _writes!.Post(() => WriteTraceStep(step));
            try
            {
                _router = new MxRouter(options);
            }
            catch (InvalidOperationException ex)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, "DnsServerNotConfigured", ex, null));
                return;
            }

            _domains = new BlockingCollection<string>();
            _writes = new PostedWrites();
            MxRouter router = _router;
            BlockingCollection<string> domains = _domains;
            PostedWrites writes = _writes;
            CancellationToken cancel = CancelToken;
            // A thread of its own: it waits for the next domain from the pipeline, which no pool thread should do.
            _resolving = Task.Factory.StartNew(
                    () => router.ResolveManyAsync(domains.GetConsumingEnumerable(cancel), ThrottleLimit, Completed,
                        cancel),
                    cancel, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .Unwrap();
            // The pipeline thread's last wait (EndProcessing) ends when everything has been posted.
            _resolving.ContinueWith(_ => writes.Complete(), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (_domains == null) return;
            foreach (string domain in Domain) _domains.Add(domain);
            _writes!.WriteQueued();
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (_domains == null) return;
            _domains.CompleteAdding();
            _writes!.WriteAll();
            try
            {
                _resolving!.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                // PowerShell issue #17444: the stop must surface as PipelineStoppedException, not as an error.
                throw new PipelineStoppedException();
            }
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing && _resolving != null)
            {
                // Stopped early (Ctrl+C, an error downstream): the domains in flight are cancelled, not left behind.
                if (!_resolving.IsCompleted) StopProcessing();
                try { _resolving.Wait(); } catch (AggregateException) { }
                _domains!.Dispose();
                _writes!.Dispose();
            }
            if (disposing) _router?.Dispose();
            base.Dispose(disposing);
        }

        // Runs on the resolving threads: everything that writes is handed to the pipeline thread.
        private void Completed(int index, MailRoute? route, DnsResolutionException? error)
        {
            if (!Ordered)
            {
                _writes!.Post(() => Emit(route, error));
                return;
            }
            // Posting under the lock keeps the queue in input order.
            lock (_early)
            {
                _early[index] = (route, error);
                while (_early.TryGetValue(_nextToWrite, out (MailRoute?, DnsResolutionException?) result))
                {
                    _early.Remove(_nextToWrite++);
                    (MailRoute? r, DnsResolutionException? e) = result;
                    _writes!.Post(() => Emit(r, e));
                }
            }
        }

        private MxRouterOptions BuildOptions()
        {
            List<IPEndPoint> servers = DnsServers(Server);
            return new MxRouterOptions
            {
                Servers = servers,
                Timeout = TimeSpan.FromSeconds(Timeout),
                Retries = Retry,
                TcpOnly = TcpOnly,
                AddressFamily = AddressFamily,
                NoShuffle = NoShuffle,
            };
        }

        private void Emit(MailRoute? route, DnsResolutionException? error)
        {
            if (error != null) WriteError(ErrorMapper.Record(this, error));
            if (route == null) return;
            foreach (MailExchanger exchanger in route.Exchangers) WriteObject(exchanger);
        }

        // PSHOST makes the step show like Write-Host output, while -InformationVariable and 6> still capture it.
        private void WriteTraceStep(DnsTraceStep step) =>
            WriteInformation(step, new[] { "PSHOST", "SmtpTools.DnsTrace" });
    }
}
