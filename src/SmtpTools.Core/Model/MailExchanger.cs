using System;
using System.Collections.Generic;
using System.Net;

namespace SmtpTools
{
    /// <summary>What is notable about one mail exchanger of a route.</summary>
    [Flags]
    public enum MailExchangerFlags
    {
        /// <summary>An ordinary MX record whose host has an address.</summary>
        None = 0,
        /// <summary>No MX records: the domain's own address acts as one MX of preference 0 (RFC 5321 §5.1).</summary>
        Implicit = 1,
        /// <summary>A null MX (RFC 7505, "MX 0 ."): the domain accepts no mail.</summary>
        NullMx = 2,
        /// <summary>The MX target is an alias (CNAME), which RFC 2181 §10.3 forbids; it was resolved anyway.</summary>
        CnameTarget = 4,
        /// <summary>The MX target looks like an IP address, not a name (RFC 5321 §5.1); never used as one.</summary>
        IpLiteral = 8,
        /// <summary>The exchanger has no address of the requested family, so mail cannot be delivered to it.</summary>
        NoAddress = 16,
        /// <summary>The mail domain was an address literal such as [192.0.2.1]: used directly, no DNS asked.</summary>
        AddressLiteral = 32,
    }

    /// <summary>Which address records to resolve for each exchanger.</summary>
    public enum DnsAddressFamily
    {
        /// <summary>A and AAAA.</summary>
        Any,
        /// <summary>A only.</summary>
        IPv4,
        /// <summary>AAAA only.</summary>
        IPv6,
    }

    /// <summary>A host that accepts mail for a domain, in the order a sending MTA tries it (RFC 5321 §5.1).</summary>
    public sealed class MailExchanger
    {
        internal MailExchanger(string domain, string domainUnicode, int order, int preference, string host,
            IPAddress[] addresses, int ttl, MailExchangerFlags flags, string[] cnameChain, string? hostCanonicalName,
            string? addressError, string? nameServer)
        {
            Domain = domain;
            DomainUnicode = domainUnicode;
            Order = order;
            Preference = preference;
            Host = host;
            Addresses = addresses;
            Ttl = ttl;
            Flags = flags;
            CnameChain = cnameChain;
            HostCanonicalName = hostCanonicalName;
            AddressError = addressError;
            NameServer = nameServer;
        }

        /// <summary>The mail domain as asked, in A-label (ASCII) form, without the trailing dot.</summary>
        public string Domain { get; }

        /// <summary>The mail domain in Unicode (U-label) form; equal to Domain for an ASCII name.</summary>
        public string DomainUnicode { get; }

        /// <summary>1 for the exchanger to try first, then 2, 3 and so on.</summary>
        public int Order { get; }

        /// <summary>The MX preference: lower is tried first; 0 for an implicit or null MX.</summary>
        public int Preference { get; }

        /// <summary>The exchanger's host name (the MX target), without the trailing dot; "." for a null MX.</summary>
        public string Host { get; }

        /// <summary>The host's addresses, IPv4 first, each family in the order the server returned them.</summary>
        public IPAddress[] Addresses { get; }

        /// <summary>Time to live of the MX record in seconds (of the address records for an implicit MX).</summary>
        public int Ttl { get; }

        /// <summary>What is notable about this exchanger; None for an ordinary one.</summary>
        public MailExchangerFlags Flags { get; }

        /// <summary>The aliases followed from the domain to the name holding the MX records; empty if none.</summary>
        public string[] CnameChain { get; }

        /// <summary>For an MX target that is an alias, the name it leads to; otherwise null.</summary>
        public string? HostCanonicalName { get; }

        /// <summary>Why the host has no address when a lookup failed (NXDOMAIN, REFUSED, timeout); else null.</summary>
        public string? AddressError { get; }

        /// <summary>The DNS server that answered the MX query, as address:port; null for an address literal.</summary>
        public string? NameServer { get; }

        /// <summary>True when the domain has no MX records and its own address stands in for one.</summary>
        public bool IsImplicit => (Flags & MailExchangerFlags.Implicit) != 0;

        /// <summary>True for a null MX: the domain accepts no mail (RFC 7505).</summary>
        public bool IsNullMx => (Flags & MailExchangerFlags.NullMx) != 0;

        /// <summary>True when the MX target is an alias (CNAME).</summary>
        public bool IsCnameTarget => (Flags & MailExchangerFlags.CnameTarget) != 0;

        /// <summary>True when the MX target looks like an IP address.</summary>
        public bool IsIpLiteral => (Flags & MailExchangerFlags.IpLiteral) != 0;

        /// <summary>True when the exchanger has no usable address.</summary>
        public bool HasNoAddress => (Flags & MailExchangerFlags.NoAddress) != 0;

        /// <summary>The host, its preference and its addresses on one line.</summary>
        public override string ToString()
        {
            var addresses = new List<string>();
            foreach (IPAddress address in Addresses) addresses.Add(address.ToString());
            return $"{Domain} {Order}: {Preference} {Host} [{string.Join(", ", addresses)}]";
        }
    }
}
