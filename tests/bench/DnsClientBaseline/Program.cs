using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using DnsClient;
using DnsClient.Protocol;

// The DnsClient baseline of tests/bench: the queries Resolve-MailExchanger makes (MX of each domain, then A and AAAA of
// each exchanger), as a raw DnsClient 1.8.0 loop with at most <concurrency> lookups in flight.
//   DnsClientBaseline <server ip:port> <domain list file> <concurrency>
// Prints one line: "seconds=<time around the lookups> cpu=<CPU seconds of the process over that time> domains=<n>
// queries=<n> addresses=<n>".
internal static class Program
{
    private static int _queries;
    private static int _addresses;

    private static async Task<int> Main(string[] args)
    {
        string[] server = args[0].Split(':');
        string[] domains = File.ReadAllLines(args[1]).Where(l => l.Length > 0).ToArray();
        int concurrency = int.Parse(args[2]);
        var options = new LookupClientOptions(new NameServer(IPAddress.Parse(server[0]), int.Parse(server[1])))
        {
            UseCache = false,
            Recursion = true,
            Timeout = TimeSpan.FromSeconds(5),
            Retries = 2,
            ContinueOnDnsError = false,
        };
        var client = new LookupClient(options);
        using var gate = new SemaphoreSlim(concurrency, concurrency);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();

        async Task<IDnsQueryResponse> QueryAsync(string name, QueryType type)
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                Interlocked.Increment(ref _queries);
                return await client.QueryAsync(name, type).ConfigureAwait(false);
            }
            finally { gate.Release(); }
        }

        async Task ResolveAsync(string domain)
        {
            IDnsQueryResponse mx = await QueryAsync(domain, QueryType.MX).ConfigureAwait(false);
            var lookups = new List<Task<IDnsQueryResponse>>();
            foreach (MxRecord record in mx.Answers.MxRecords())
            {
                string exchange = record.Exchange.Value;
                lookups.Add(QueryAsync(exchange, QueryType.A));
                lookups.Add(QueryAsync(exchange, QueryType.AAAA));
            }
            foreach (IDnsQueryResponse answer in await Task.WhenAll(lookups).ConfigureAwait(false))
            {
                Interlocked.Add(ref _addresses, answer.Answers.ARecords().Count() + answer.Answers.AaaaRecords().Count());
            }
        }

        await Task.WhenAll(domains.Select(ResolveAsync)).ConfigureAwait(false);
        clock.Stop();
        Console.WriteLine(FormattableString.Invariant(
            $"seconds={clock.Elapsed.TotalSeconds:F6} cpu={(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F6} domains={domains.Length} queries={_queries} addresses={_addresses}"));
        return 0;
    }
}
