using System;

namespace SmtpTools
{
    /// <summary>One DNS query made while routing a mail domain: what was asked, who answered, what, how fast.</summary>
    public sealed class DnsTraceStep
    {
        internal DnsTraceStep(string domain, string queryName, string queryType, string? nameServer,
            string responseCode, string[] answer, TimeSpan elapsed, string transport, int messageSize, bool fromCache)
        {
            Domain = domain;
            QueryName = queryName;
            QueryType = queryType;
            NameServer = nameServer;
            ResponseCode = responseCode;
            Answer = answer;
            Elapsed = elapsed;
            Transport = transport;
            MessageSize = messageSize;
            FromCache = fromCache;
        }

        /// <summary>The mail domain being routed.</summary>
        public string Domain { get; }

        /// <summary>The name asked about.</summary>
        public string QueryName { get; }

        /// <summary>MX, A, AAAA.</summary>
        public string QueryType { get; }

        /// <summary>The server that answered (address:port), or the servers asked when none did.</summary>
        public string? NameServer { get; }

        /// <summary>NOERROR, NXDOMAIN, SERVFAIL, REFUSED…, or TIMEOUT / UNREACHABLE when no answer came.</summary>
        public string ResponseCode { get; }

        /// <summary>The answer records in zone-file form.</summary>
        public string[] Answer { get; }

        /// <summary>How long the query took; zero when the answer came from this run's cache.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>UDP, or TCP (asked with -TcpOnly, or retried after a truncated UDP answer).</summary>
        public string Transport { get; }

        /// <summary>Size of the DNS response in bytes.</summary>
        public int MessageSize { get; }

        /// <summary>True when an earlier query of the same run already had this answer.</summary>
        public bool FromCache { get; }

        /// <summary>The step on one line, like a dig walk-through.</summary>
        public override string ToString()
        {
            string source = FromCache ? "cache" : $"{NameServer} {Transport} {Elapsed.TotalMilliseconds:0} ms";
            string answer = Answer.Length == 0 ? "(no records)" : string.Join("; ", Answer);
            return $"{Domain}: {QueryName} {QueryType} @{source} {ResponseCode}: {answer}";
        }
    }
}
