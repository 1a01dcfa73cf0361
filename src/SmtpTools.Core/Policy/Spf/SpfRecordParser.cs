using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SmtpTools.Core.Policy.Spf
{
    /// <summary>A record parsed by <see cref="SpfRecordParser"/>: its directives in order and its modifiers.</summary>
    internal sealed class SpfParsedRecord
    {
        internal SpfParsedRecord(string text, List<SpfDirective> directives, string? redirect, string? exp,
            List<string> terms, List<string> unknownModifiers)
        {
            Text = text;
            Directives = directives;
            Redirect = redirect;
            Exp = exp;
            Terms = terms;
            UnknownModifiers = unknownModifiers;
        }

        internal string Text { get; }
        internal List<SpfDirective> Directives { get; }

        /// <summary>redirect= domain-spec, unexpanded.</summary>
        internal string? Redirect { get; }

        /// <summary>exp= domain-spec, unexpanded.</summary>
        internal string? Exp { get; }

        /// <summary>Every term as written, in order.</summary>
        internal List<string> Terms { get; }

        internal List<string> UnknownModifiers { get; }
    }

    /// <summary>RFC 7208 record selection (§4.5) and syntax (§4.6, §12).</summary>
    internal static class SpfRecordParser
    {
        private static readonly Regex TrailingCidr = new Regex(@"(/[0-9]+)?(//[0-9]+)?$",
            RegexOptions.CultureInvariant | RegexOptions.RightToLeft);

        private static readonly Regex ModifierName = new Regex(@"^[A-Za-z][A-Za-z0-9\-_.]*=",
            RegexOptions.CultureInvariant);

        /// <summary>True when a TXT record is an SPF record: "v=spf1" then a space or its end (§4.5).</summary>
        internal static bool IsSpfRecord(string text) =>
            text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) &&
            (text.Length == 6 || text[6] == ' ');

        /// <summary>Parses a whole record; any syntax error anywhere is a permerror (§4.6).</summary>
        /// <returns>The record, or null with <paramref name="error"/> saying what is wrong.</returns>
        internal static SpfParsedRecord? Parse(string text, out string? error)
        {
            error = null;
            var directives = new List<SpfDirective>();
            var terms = new List<string>();
            var unknown = new List<string>();
            string? redirect = null;
            string? exp = null;
            // §12: terms are separated by one or more SP; nothing else (tab, CR, LF) separates them.
            string[] parts = text.Substring(6).Split(' ');
            foreach (string term in parts)
            {
                if (term.Length == 0) continue;
                terms.Add(term);
                foreach (char c in term)
                {
                    if (c < 0x21 || c > 0x7E)
                    {
                        error = $"the term '{Printable(term)}' contains a character not allowed in SPF " +
                            $"(U+{(int)c:X4}); only visible ASCII characters separated by spaces are.";
                        return null;
                    }
                }
                Match modifier = ModifierName.Match(term);
                if (modifier.Success)
                {
                    string name = term.Substring(0, modifier.Length - 1);
                    string value = term.Substring(modifier.Length);
                    if (name.Equals("redirect", StringComparison.OrdinalIgnoreCase))
                    {
                        if (redirect != null) { error = "the record has more than one redirect= (§6)."; return null; }
                        if (!ValidDomainSpec(value, out error, term)) return null;
                        redirect = value;
                    }
                    else if (name.Equals("exp", StringComparison.OrdinalIgnoreCase))
                    {
                        if (exp != null) { error = "the record has more than one exp= (§6)."; return null; }
                        if (!ValidDomainSpec(value, out error, term)) return null;
                        exp = value;
                    }
                    else
                    {
                        // §6: unknown modifiers are ignored, but must still be valid macro-strings.
                        string? macroError = SpfMacro.Validate(value, false);
                        if (macroError != null) { error = $"in '{term}': {macroError}"; return null; }
                        unknown.Add(term);
                    }
                    continue;
                }
                SpfDirective? directive = ParseDirective(term, out error);
                if (directive == null) return null;
                directives.Add(directive);
            }
            return new SpfParsedRecord(text, directives, redirect, exp, terms, unknown);
        }

        private static SpfDirective? ParseDirective(string term, out string? error)
        {
            error = null;
            int i = 0;
            char qualifier = '+';
            if ("+-~?".IndexOf(term[0]) >= 0)
            {
                qualifier = term[0];
                i = 1;
            }
            int nameStart = i;
            while (i < term.Length && IsAsciiLetterOrDigit(term[i])) i++;
            string name = term.Substring(nameStart, i - nameStart).ToLowerInvariant();
            string rest = term.Substring(i);
            SpfMechanism mechanism;
            switch (name)
            {
                case "all": mechanism = SpfMechanism.All; break;
                case "include": mechanism = SpfMechanism.Include; break;
                case "a": mechanism = SpfMechanism.A; break;
                case "mx": mechanism = SpfMechanism.Mx; break;
                case "ptr": mechanism = SpfMechanism.Ptr; break;
                case "ip4": mechanism = SpfMechanism.Ip4; break;
                case "ip6": mechanism = SpfMechanism.Ip6; break;
                case "exists": mechanism = SpfMechanism.Exists; break;
                default:
                    error = $"'{term}' is not a mechanism SPF knows (all, include, a, mx, ptr, ip4, ip6, exists) " +
                        "nor a modifier (name=value).";
                    return null;
            }

            string? domainSpec = null;
            int cidr4 = 32;
            int cidr6 = 128;
            IPAddress? network = null;
            switch (mechanism)
            {
                case SpfMechanism.All:
                    if (rest.Length > 0) { error = $"'{term}': all takes no argument."; return null; }
                    break;
                case SpfMechanism.Include:
                case SpfMechanism.Exists:
                    if (!rest.StartsWith(":", StringComparison.Ordinal) || rest.Length == 1)
                    {
                        error = $"'{term}': {name} needs a domain ({name}:example.com).";
                        return null;
                    }
                    domainSpec = rest.Substring(1);
                    if (!ValidDomainSpec(domainSpec, out error, term)) return null;
                    break;
                case SpfMechanism.A:
                case SpfMechanism.Mx:
                case SpfMechanism.Ptr:
                {
                    string spec = rest;
                    string cidr = string.Empty;
                    if (mechanism != SpfMechanism.Ptr)
                    {
                        // The prefix lengths are digits at the very end: the domain itself may hold a '/' or ':'
                        // (a:foo:bar/baz.example.com is a domain, RFC 7208 §5.3), as pyspf's driver reads it too.
                        Match dual = TrailingCidr.Match(rest);
                        spec = rest.Substring(0, dual.Index);
                        cidr = dual.Value;
                    }
                    if (spec.Length > 0)
                    {
                        if (!spec.StartsWith(":", StringComparison.Ordinal) || spec.Length == 1)
                        {
                            error = $"'{term}': expected {name}, {name}:domain" +
                                (mechanism == SpfMechanism.Ptr ? "." : $" or {name}:domain/prefix.");
                            return null;
                        }
                        domainSpec = spec.Substring(1);
                        if (!ValidDomainSpec(domainSpec, out error, term)) return null;
                    }
                    if (cidr.Length > 0 && !ParseDualCidr(cidr, out cidr4, out cidr6))
                    {
                        error = $"'{term}': '{cidr}' is not a valid prefix length (/0-32 for IPv4, //0-128 for IPv6).";
                        return null;
                    }
                    break;
                }
                case SpfMechanism.Ip4:
                case SpfMechanism.Ip6:
                {
                    if (!rest.StartsWith(":", StringComparison.Ordinal))
                    {
                        error = $"'{term}': {name} needs a network ({name}:address or {name}:address/prefix).";
                        return null;
                    }
                    string value = rest.Substring(1);
                    int slash = value.IndexOf('/');
                    string address = slash < 0 ? value : value.Substring(0, slash);
                    bool v4 = mechanism == SpfMechanism.Ip4;
                    network = v4 ? ParseIp4(address) : ParseIp6(address);
                    if (network == null)
                    {
                        error = $"'{term}': '{address}' is not an {(v4 ? "IPv4" : "IPv6")} address.";
                        return null;
                    }
                    if (slash >= 0)
                    {
                        if (!ParseCidr(value.Substring(slash + 1), v4 ? 32 : 128, out int length))
                        {
                            error = $"'{term}': '{value.Substring(slash)}' is not a valid prefix length " +
                                $"(/0-{(v4 ? 32 : 128)}, no leading zeros).";
                            return null;
                        }
                        if (v4) cidr4 = length; else cidr6 = length;
                    }
                    break;
                }
            }
            return new SpfDirective(term, qualifier, mechanism, domainSpec, network, cidr4, cidr6);
        }

        // §12: dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
        private static bool ParseDualCidr(string text, out int cidr4, out int cidr6)
        {
            cidr4 = 32;
            cidr6 = 128;
            int doubleSlash = text.IndexOf("//", StringComparison.Ordinal);
            string v4 = doubleSlash < 0 ? text : text.Substring(0, doubleSlash);
            string v6 = doubleSlash < 0 ? string.Empty : text.Substring(doubleSlash + 2);
            if (v4.Length > 0)
            {
                if (v4[0] != '/' || !ParseCidr(v4.Substring(1), 32, out cidr4)) return false;
            }
            if (doubleSlash >= 0 && !ParseCidr(v6, 128, out cidr6)) return false;
            return true;
        }

        private static bool ParseCidr(string text, int max, out int value)
        {
            value = 0;
            if (text.Length == 0 || text.Length > 3 || (text.Length > 1 && text[0] == '0')) return false;
            foreach (char c in text) if (c < '0' || c > '9') return false;
            value = int.Parse(text, CultureInfo.InvariantCulture);
            return value <= max;
        }

        // §12: ip4-network = qnum "." qnum "." qnum "." qnum, qnum 0-255 without leading zeros.
        private static IPAddress? ParseIp4(string text)
        {
            string[] parts = text.Split('.');
            if (parts.Length != 4) return null;
            var bytes = new byte[4];
            for (int i = 0; i < 4; i++)
            {
                if (!ParseCidr(parts[i], 255, out int value)) return null;
                bytes[i] = (byte)value;
            }
            return new IPAddress(bytes);
        }

        private static IPAddress? ParseIp6(string text)
        {
            if (text.IndexOf(':') < 0 || text.IndexOf('%') >= 0 || text.IndexOf('[') >= 0) return null;
            return IPAddress.TryParse(text, out IPAddress? address) &&
                address.AddressFamily == AddressFamily.InterNetworkV6 ? address : null;
        }

        /// <summary>§12 domain-spec: a valid macro-string that ends in "." toplabel [ "." ] or in a macro.</summary>
        internal static bool ValidDomainSpec(string spec, out string? error, string term)
        {
            error = null;
            if (spec.Length == 0)
            {
                error = $"'{term}' has an empty domain.";
                return false;
            }
            string? macroError = SpfMacro.Validate(spec, false);
            if (macroError != null)
            {
                error = $"in '{term}': {macroError}";
                return false;
            }
            if (spec.EndsWith("}", StringComparison.Ordinal) || spec.EndsWith("%%", StringComparison.Ordinal) ||
                spec.EndsWith("%_", StringComparison.Ordinal) || spec.EndsWith("%-", StringComparison.Ordinal))
            {
                return true;
            }
            string trimmed = spec.EndsWith(".", StringComparison.Ordinal) ? spec.Substring(0, spec.Length - 1) : spec;
            int dot = trimmed.LastIndexOf('.');
            if (dot < 0 || !IsTopLabel(trimmed.Substring(dot + 1)))
            {
                error = $"'{term}': the domain '{spec}' must end in a dot and a top-level label such as .com " +
                    "(a label of letters, digits and hyphens that is not all digits), or in a macro (RFC 7208 §7.1).";
                return false;
            }
            return true;
        }

        // toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
        private static bool IsTopLabel(string label)
        {
            if (label.Length == 0) return false;
            bool letter = false;
            foreach (char c in label)
            {
                if (!IsAsciiLetterOrDigit(c) && c != '-') return false;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letter = true;
            }
            if (label[0] == '-' || label[label.Length - 1] == '-') return false;
            return letter || label.IndexOf('-') > 0;
        }

        internal static bool IsAsciiLetterOrDigit(char c) =>
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

        internal static string Printable(string text)
        {
            var builder = new System.Text.StringBuilder(text.Length);
            foreach (char c in text)
            {
                if (c < 0x20 || c == 0x7F) builder.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                else builder.Append(c);
            }
            return builder.ToString();
        }
    }
}
