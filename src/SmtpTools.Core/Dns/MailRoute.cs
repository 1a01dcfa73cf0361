using System.Collections.Generic;

namespace SmtpTools.Core.Dns
{
    /// <summary>Where mail for one domain goes: its exchangers in delivery order, and how DNS said so.</summary>
    internal sealed class MailRoute
    {
        internal MailRoute(string domain, string domainUnicode, string canonicalName, string[] cnameChain,
            IReadOnlyList<MailExchanger> exchangers, IReadOnlyList<DnsTraceStep> trace)
        {
            Domain = domain;
            DomainUnicode = domainUnicode;
            CanonicalName = canonicalName;
            CnameChain = cnameChain;
            Exchangers = exchangers;
            Trace = trace;
        }

        /// <summary>The mail domain in A-label form.</summary>
        internal string Domain { get; }

        internal string DomainUnicode { get; }

        /// <summary>The name at the end of the domain's CNAME chain (the domain itself when there is none).</summary>
        internal string CanonicalName { get; }

        internal string[] CnameChain { get; }

        /// <summary>In the order to try them; for a null MX, the one null exchanger.</summary>
        internal IReadOnlyList<MailExchanger> Exchangers { get; }

        /// <summary>Every query made for this domain, in order, when the run is traced
        /// (MxRouterOptions.Trace); empty otherwise.</summary>
        internal IReadOnlyList<DnsTraceStep> Trace { get; }

        /// <summary>True when the domain publishes a null MX and accepts no mail (RFC 7505).</summary>
        internal bool IsNullMx => Exchangers.Count == 1 && Exchangers[0].IsNullMx;
    }
}
