using System;
using System.Collections.Generic;
using System.Net;

namespace SmtpTools.Core.Dns
{
    /// <summary>The record types the router asks for or reads.</summary>
    internal enum DnsRecordType
    {
        Other,
        A,
        Aaaa,
        Cname,
        Mx,
    }

    /// <summary>One answer record, copied out of DnsClient's types so nothing outside the adapter sees them.</summary>
    internal sealed class DnsRecord
    {
        internal DnsRecord(string name, DnsRecordType type, int ttl, string text, int preference = 0,
            string? target = null, IPAddress? address = null)
        {
            Name = name;
            Type = type;
            Ttl = ttl;
            Text = text;
            Preference = preference;
            Target = target;
            Address = address;
        }

        /// <summary>Owner name, lower case, without the trailing dot.</summary>
        internal string Name { get; }

        internal DnsRecordType Type { get; }

        internal int Ttl { get; }

        /// <summary>The record in zone-file form, for traces; empty when the lookup was made without one.</summary>
        internal string Text { get; }

        /// <summary>MX preference.</summary>
        internal int Preference { get; }

        /// <summary>MX exchange or CNAME target, lower case, no trailing dot; "" for the root (null MX).</summary>
        internal string? Target { get; }

        /// <summary>A or AAAA address.</summary>
        internal IPAddress? Address { get; }
    }

    /// <summary>The outcome of one query: an answer with its response code, or the reason none came.</summary>
    internal sealed class DnsAnswer
    {
        internal DnsAnswer(string queryName, DnsRecordType queryType, int responseCode,
            IReadOnlyList<DnsRecord> records,
            string? nameServer, TimeSpan elapsed, int messageSize, bool truncated, bool overTcp,
            DnsFailureKind? failure = null, string? failureMessage = null)
        {
            QueryName = queryName;
            QueryType = queryType;
            ResponseCode = responseCode;
            Records = records;
            NameServer = nameServer;
            Elapsed = elapsed;
            MessageSize = messageSize;
            Truncated = truncated;
            OverTcp = overTcp;
            Failure = failure;
            FailureMessage = failureMessage;
        }

        internal const int NoError = 0;
        internal const int ServFail = 2;
        internal const int NxDomain = 3;
        internal const int Refused = 5;

        internal string QueryName { get; }

        internal DnsRecordType QueryType { get; }

        /// <summary>RCODE (RFC 1035 §4.1.1); meaningless when <see cref="Failure"/> is set.</summary>
        internal int ResponseCode { get; }

        internal IReadOnlyList<DnsRecord> Records { get; }

        /// <summary>Who answered (address:port), or the servers asked when no answer came.</summary>
        internal string? NameServer { get; }

        internal TimeSpan Elapsed { get; }

        internal int MessageSize { get; }

        /// <summary>The TC bit of the answer kept (only when TCP fallback is off).</summary>
        internal bool Truncated { get; }

        internal bool OverTcp { get; }

        /// <summary>Timeout or Unreachable when no answer came at all; otherwise null.</summary>
        internal DnsFailureKind? Failure { get; }

        internal string? FailureMessage { get; }

        internal string ResponseCodeName => Failure switch
        {
            DnsFailureKind.Timeout => "TIMEOUT",
            DnsFailureKind.Unreachable => "UNREACHABLE",
            _ => RcodeName(ResponseCode),
        };

        internal static string RcodeName(int rcode) => rcode switch
        {
            // RFC 1035 §4.1.1 and RFC 2136 §2.2.
            0 => "NOERROR",
            1 => "FORMERR",
            2 => "SERVFAIL",
            3 => "NXDOMAIN",
            4 => "NOTIMP",
            5 => "REFUSED",
            6 => "YXDOMAIN",
            7 => "YXRRSET",
            8 => "NXRRSET",
            9 => "NOTAUTH",
            10 => "NOTZONE",
            _ => "RCODE" + rcode,
        };

        internal static string TypeName(DnsRecordType type) => type switch
        {
            DnsRecordType.A => "A",
            DnsRecordType.Aaaa => "AAAA",
            DnsRecordType.Cname => "CNAME",
            DnsRecordType.Mx => "MX",
            _ => "OTHER",
        };
    }
}
