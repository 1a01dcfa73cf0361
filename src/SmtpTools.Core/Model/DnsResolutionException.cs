using System;

namespace SmtpTools
{
    /// <summary>Why a mail domain could not be routed.</summary>
    public enum DnsFailureKind
    {
        /// <summary>The input is not a valid domain name or e-mail address.</summary>
        InvalidName,
        /// <summary>The domain does not exist (NXDOMAIN).</summary>
        NonExistentDomain,
        /// <summary>The domain exists but has neither MX nor address records.</summary>
        NoMailRecords,
        /// <summary>The domain's CNAME chain leads back to a name already seen.</summary>
        CnameLoop,
        /// <summary>The domain's CNAME chain is longer than the limit.</summary>
        CnameChainTooLong,
        /// <summary>The server answered SERVFAIL or another error code.</summary>
        ServerFailure,
        /// <summary>The server answered REFUSED.</summary>
        Refused,
        /// <summary>No server answered within the timeout.</summary>
        Timeout,
        /// <summary>The server could not be reached (port unreachable, network error).</summary>
        Unreachable,
    }

    /// <summary>A mail domain could not be routed: the domain, what went wrong and which DNS server said so.</summary>
    public sealed class DnsResolutionException : Exception
    {
        internal DnsResolutionException(string domain, DnsFailureKind kind, string message, string? responseCode = null,
            string? nameServer = null, string[]? cnameChain = null, string? queryName = null)
            : base(message)
        {
            Domain = domain;
            Kind = kind;
            ResponseCode = responseCode;
            NameServer = nameServer;
            CnameChain = cnameChain ?? Array.Empty<string>();
            QueryName = queryName ?? domain;
        }

        /// <summary>The mail domain being routed (A-label form when it could be parsed).</summary>
        public string Domain { get; }

        /// <summary>What went wrong.</summary>
        public DnsFailureKind Kind { get; }

        /// <summary>The DNS response code (NXDOMAIN, SERVFAIL, REFUSED…), or null when no answer came.</summary>
        public string? ResponseCode { get; }

        /// <summary>The server that answered, or the servers that did not (address:port, comma separated).</summary>
        public string? NameServer { get; }

        /// <summary>The aliases followed before the failure; empty when none.</summary>
        public string[] CnameChain { get; }

        /// <summary>The name whose query failed: the domain, or the end of its CNAME chain.</summary>
        public string QueryName { get; }
    }
}
