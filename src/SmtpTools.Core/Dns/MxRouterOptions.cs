using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;

namespace SmtpTools.Core.Dns
{
    /// <summary>How <see cref="MxRouter"/> asks DNS: servers, timeout, transport, address family, ordering.</summary>
    internal sealed class MxRouterOptions
    {
        /// <summary>DNS servers to ask, in order; empty for the system's resolvers.</summary>
        internal IReadOnlyList<IPEndPoint> Servers { get; set; } = Array.Empty<IPEndPoint>();

        /// <summary>Time to wait for one answer from one server.</summary>
        internal TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>How many more times an unanswered query is sent to the same server.</summary>
        internal int Retries { get; set; } = 2;

        /// <summary>Ask over TCP only.</summary>
        internal bool TcpOnly { get; set; }

        /// <summary>Retry a truncated UDP answer over TCP (RFC 7766); off only in tests of truncation.</summary>
        internal bool TcpFallback { get; set; } = true;

        /// <summary>EDNS UDP payload size advertised.</summary>
        internal int UdpPayloadSize { get; set; } = DnsLookup.DefaultUdpPayloadSize;

        /// <summary>Which address records to resolve for each exchanger.</summary>
        internal DnsAddressFamily AddressFamily { get; set; } = DnsAddressFamily.Any;

        /// <summary>Order exchangers of equal preference by name instead of at random (RFC 5321 §5.1).</summary>
        internal bool NoShuffle { get; set; }

        /// <summary>Longest CNAME chain followed (RFC 1034 gives no number).</summary>
        internal int MaxCnameChain { get; set; } = 8;

        /// <summary>Queries in flight at once, across all domains of a run.</summary>
        internal int MaxConcurrentQueries { get; set; } = 64;

        /// <summary>Called for every query made, from any thread.</summary>
        internal Action<DnsTraceStep>? Trace { get; set; }

        /// <summary>Source of the equal-preference shuffle; a seeded one makes tests repeatable.</summary>
        internal Random? Random { get; set; }

        /// <summary>Parses "ip" or "ip:port" (IPv6 as "[ip]:port" or bare); port 53 when none is given.</summary>
        /// <exception cref="FormatException">Not an IP address with an optional port.</exception>
        internal static IPEndPoint ParseServer(string text)
        {
            string value = (text ?? string.Empty).Trim();
            string host = value;
            int port = 53;
            if (value.StartsWith("[", StringComparison.Ordinal))
            {
                int close = value.IndexOf(']');
                if (close < 0) throw BadServer(text);
                host = value.Substring(1, close - 1);
                string rest = value.Substring(close + 1);
                if (rest.Length > 0 && (!rest.StartsWith(":", StringComparison.Ordinal) ||
                    !TryParsePort(rest.Substring(1), out port)))
                {
                    throw BadServer(text);
                }
            }
            else if (value.IndexOf(':') >= 0 && value.IndexOf(':') == value.LastIndexOf(':'))
            {
                int colon = value.IndexOf(':');
                host = value.Substring(0, colon);
                if (!TryParsePort(value.Substring(colon + 1), out port)) throw BadServer(text);
            }
            if (!IPAddress.TryParse(host, out IPAddress? address)) throw BadServer(text);
            return new IPEndPoint(address, port);
        }

        private static bool TryParsePort(string text, out int port) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port > 0 && port < 65536;

        private static FormatException BadServer(string? text) =>
            new FormatException($"'{text}' is not a DNS server address: use an IP address, optionally with :port.");
    }
}
