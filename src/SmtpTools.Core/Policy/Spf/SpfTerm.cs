using System.Net;

namespace SmtpTools.Core.Policy.Spf
{
    internal enum SpfMechanism
    {
        All,
        Include,
        A,
        Mx,
        Ptr,
        Ip4,
        Ip6,
        Exists,
    }

    /// <summary>One directive (qualifier + mechanism) of a parsed record (RFC 7208 §4.6.1, §5).</summary>
    internal sealed class SpfDirective
    {
        internal SpfDirective(string text, char qualifier, SpfMechanism mechanism, string? domainSpec,
            IPAddress? network, int cidr4, int cidr6)
        {
            Text = text;
            Qualifier = qualifier;
            Mechanism = mechanism;
            DomainSpec = domainSpec;
            Network = network;
            Cidr4 = cidr4;
            Cidr6 = cidr6;
        }

        /// <summary>The term as written.</summary>
        internal string Text { get; }

        /// <summary>'+', '-', '~' or '?'.</summary>
        internal char Qualifier { get; }

        internal SpfMechanism Mechanism { get; }

        /// <summary>The target as written (macros unexpanded); null when the mechanism uses the current domain.</summary>
        internal string? DomainSpec { get; }

        /// <summary>ip4/ip6 network.</summary>
        internal IPAddress? Network { get; }

        internal int Cidr4 { get; }

        internal int Cidr6 { get; }

        /// <summary>True for the mechanisms that query DNS and so count toward the limit of 10 (RFC 7208 §4.6.4).</summary>
        internal bool QueriesDns =>
            Mechanism == SpfMechanism.Include || Mechanism == SpfMechanism.A || Mechanism == SpfMechanism.Mx ||
            Mechanism == SpfMechanism.Ptr || Mechanism == SpfMechanism.Exists;

        internal SpfResult ResultOnMatch => Qualifier switch
        {
            '-' => SpfResult.Fail,
            '~' => SpfResult.SoftFail,
            '?' => SpfResult.Neutral,
            _ => SpfResult.Pass,
        };
    }
}
