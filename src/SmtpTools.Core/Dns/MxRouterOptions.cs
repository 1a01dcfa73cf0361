using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

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

        /// <summary>
        /// The server(s) <paramref name="text"/> names: an IP address as <see cref="ParseServer"/> reads it, or a host
        /// name with an optional :port, resolved once with the system resolver (every address it has, in the order
        /// the system prefers), as Resolve-DnsName -Server takes it.
        /// </summary>
        /// <exception cref="FormatException">Neither an IP address nor a host name, or a bad port.</exception>
        /// <exception cref="DnsServerNameException">The name does not resolve.</exception>
        internal static IReadOnlyList<IPEndPoint> ResolveServer(string text,
            Func<string, IPAddress[]>? resolve = null)
        {
            string value = (text ?? string.Empty).Trim();
            try
            {
                return new[] { ParseServer(value) };
            }
            catch (FormatException) when (LooksLikeHostName(value))
            {
            }
            string host = value;
            int port = 53;
            int colon = value.IndexOf(':');
            if (colon >= 0)
            {
                host = value.Substring(0, colon);
                if (!TryParsePort(value.Substring(colon + 1), out port)) throw BadServer(text);
            }
            if (DomainName.ImpossibleCharacter(host) != null) throw BadServer(text);
            IPAddress[] addresses;
            try
            {
                addresses = (resolve ?? System.Net.Dns.GetHostAddresses)(host);
            }
            catch (SocketException ex)
            {
                throw new DnsServerNameException(host, ex.Message, ex);
            }
            if (addresses.Length == 0) throw new DnsServerNameException(host, "it has no address", null);
            var servers = new List<IPEndPoint>();
            foreach (IPAddress address in addresses)
            {
                var endPoint = new IPEndPoint(address, port);
                if (!servers.Contains(endPoint)) servers.Add(endPoint);
            }
            return servers;
        }

        // "dns1.contoso.local" or "dns1:5353": one colon at most and a letter somewhere; "1.2.3" is a bad address.
        private static bool LooksLikeHostName(string value)
        {
            if (value.Length == 0 || value.IndexOf(':') != value.LastIndexOf(':') ||
                value.StartsWith("[", StringComparison.Ordinal))
            {
                return false;
            }
            string host = value.IndexOf(':') >= 0 ? value.Substring(0, value.IndexOf(':')) : value;
            foreach (char c in host)
            {
                if (char.IsLetter(c)) return true;
            }
            return false;
        }

        private static bool TryParsePort(string text, out int port) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port > 0 && port < 65536;

        private static FormatException BadServer(string? text) =>
            new FormatException(
                $"'{text}' is not a DNS server address: use an IP address or a host name, optionally with :port.");
    }
}

namespace SmtpTools.Core.Dns
{
    /// <summary>A DNS server given by name (-Server dns1.contoso.local) whose name the system resolver cannot resolve.</summary>
    internal sealed class DnsServerNameException : Exception
    {
        internal DnsServerNameException(string host, string reason, Exception? inner)
            : base($"The DNS server name '{host}' could not be resolved with the system resolver: " +
                   $"{reason.TrimEnd('.')}.", inner)
        {
            Host = host;
        }

        /// <summary>The name as given.</summary>
        internal string Host { get; }
    }
}
