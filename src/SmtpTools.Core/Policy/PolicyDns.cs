using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Policy
{
    /// <summary>The record types the mail-policy checks (SPF, DKIM, DMARC, MTA-STS, TLS-RPT, DANE) ask for.</summary>
    internal enum PolicyRecordType
    {
        A,
        Aaaa,
        Mx,
        Txt,
        Ptr,
        Tlsa,
    }

    /// <summary>One answer record, copied out of DnsClient's types.</summary>
    internal sealed class PolicyRecord
    {
        internal PolicyRecord(string name, PolicyRecordType? type, int ttl, IReadOnlyList<string>? strings = null,
            string? target = null, int preference = 0, IPAddress? address = null, TlsaData? tlsa = null)
        {
            Name = name;
            Type = type;
            Ttl = ttl;
            Strings = strings ?? Array.Empty<string>();
            Target = target;
            Preference = preference;
            Address = address;
            Tlsa = tlsa;
        }

        /// <summary>Owner name, lower case, no trailing dot.</summary>
        internal string Name { get; }

        /// <summary>Null for a record of another type in the answer (a CNAME on the way, an RRSIG).</summary>
        internal PolicyRecordType? Type { get; }

        internal int Ttl { get; }

        /// <summary>TXT: the character-strings, in order (RFC 7208 §3.3: a reader joins them without spaces).</summary>
        internal IReadOnlyList<string> Strings { get; }

        /// <summary>TXT: the character-strings joined.</summary>
        internal string Text => Strings.Count == 1 ? Strings[0] : string.Concat(Strings);

        /// <summary>MX exchange or PTR target, lower case, no trailing dot.</summary>
        internal string? Target { get; }

        internal int Preference { get; }

        internal IPAddress? Address { get; }

        internal TlsaData? Tlsa { get; }
    }

    /// <summary>The four fields of a TLSA record (RFC 6698 §2.1).</summary>
    internal sealed class TlsaData
    {
        internal TlsaData(int usage, int selector, int matchingType, byte[] data)
        {
            Usage = usage;
            Selector = selector;
            MatchingType = matchingType;
            Data = data;
        }

        internal int Usage { get; }
        internal int Selector { get; }
        internal int MatchingType { get; }
        internal byte[] Data { get; }
    }

    /// <summary>The outcome of one policy query: records and response code, or why no answer came.</summary>
    internal sealed class PolicyDnsAnswer
    {
        internal PolicyDnsAnswer(string name, PolicyRecordType type, int responseCode, IReadOnlyList<PolicyRecord> records,
            bool authenticData, string? nameServer, string? failureMessage = null, DnsFailureKind? failure = null)
        {
            Name = name;
            Type = type;
            ResponseCode = responseCode;
            Records = records;
            AuthenticData = authenticData;
            NameServer = nameServer;
            FailureMessage = failureMessage;
            Failure = failure;
        }

        internal string Name { get; }
        internal PolicyRecordType Type { get; }

        /// <summary>RCODE; -1 when no answer came.</summary>
        internal int ResponseCode { get; }

        internal IReadOnlyList<PolicyRecord> Records { get; }

        /// <summary>The AD bit: the resolver validated the answer with DNSSEC (RFC 4035 §3.2.3).</summary>
        internal bool AuthenticData { get; }

        internal string? NameServer { get; }

        /// <summary>Timeout or Unreachable when no answer came at all.</summary>
        internal DnsFailureKind? Failure { get; }

        internal string? FailureMessage { get; }

        /// <summary>NXDOMAIN.</summary>
        internal bool IsNameError => Failure == null && ResponseCode == 3;

        /// <summary>No answer, or an RCODE other than NOERROR and NXDOMAIN: a temporary failure to a policy check.</summary>
        internal bool IsError => Failure != null || (ResponseCode != 0 && ResponseCode != 3);

        /// <summary>Records of the type asked for.</summary>
        internal IEnumerable<PolicyRecord> OfType()
        {
            foreach (PolicyRecord record in Records)
            {
                if (record.Type == Type) yield return record;
            }
        }

        /// <summary>NOERROR with no record of the type asked, or NXDOMAIN (RFC 7208 §4.6.4 calls both "void").</summary>
        internal bool IsVoid
        {
            get
            {
                if (IsError) return false;
                foreach (PolicyRecord _ in OfType()) return false;
                return true;
            }
        }

        /// <summary>What went wrong, in words, for a reason text.</summary>
        internal string Describe() =>
            FailureMessage ?? $"{Name} {TypeName(Type)}: {Dns.DnsAnswer.RcodeName(ResponseCode)} from {NameServer}";

        internal static string TypeName(PolicyRecordType type) => type switch
        {
            PolicyRecordType.A => "A",
            PolicyRecordType.Aaaa => "AAAA",
            PolicyRecordType.Mx => "MX",
            PolicyRecordType.Txt => "TXT",
            PolicyRecordType.Ptr => "PTR",
            _ => "TLSA",
        };
    }

    /// <summary>
    /// The DNS the policy checks use: the module's resolver (DnsLookup) in the product, a scripted zone in the SPF
    /// conformance tests. One instance is one run, with one cache.
    /// </summary>
    internal interface IPolicyDns
    {
        /// <summary>Asks for one name and type; never throws for a DNS failure (the answer says it).</summary>
        Task<PolicyDnsAnswer> QueryPolicyAsync(string name, PolicyRecordType type, CancellationToken cancellationToken);

        /// <summary>The servers asked, for messages.</summary>
        string ServerList { get; }
    }
}
