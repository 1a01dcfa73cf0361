using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SmtpTools.Core.Dns
{
    /// <summary>Turns what a user typed (domain, e-mail address, IDN) into the name DNS is asked about.</summary>
    internal static class DomainName
    {
        private static readonly IdnMapping Idn = new IdnMapping();
        private static readonly Regex DottedQuad = new Regex(@"^\d{1,3}(\.\d{1,3}){3}$", RegexOptions.CultureInvariant);

        /// <summary>
        /// The mail domain of <paramref name="input"/>: the part after the last '@' of an address, in A-label form
        /// (RFC 5890; lookups use A-labels, RFC 6531 §3.7.1) and in Unicode, or an address literal like [192.0.2.1].
        /// </summary>
        /// <exception cref="DnsResolutionException">Kind InvalidName: empty or not a valid domain name.</exception>
        internal static (string Ascii, string Unicode, IPAddress? Literal) ParseMailDomain(string input)
        {
            string text = (input ?? string.Empty).Trim();
            if (text.StartsWith("<", StringComparison.Ordinal) && text.EndsWith(">", StringComparison.Ordinal))
            {
                text = text.Substring(1, text.Length - 2).Trim();
            }
            int at = text.LastIndexOf('@');
            if (at >= 0) text = text.Substring(at + 1);
            if (text.EndsWith(".", StringComparison.Ordinal)) text = text.Substring(0, text.Length - 1);
            if (text.Length == 0) throw Invalid(input, "it is empty");

            // RFC 5321 §4.1.3: an address literal is [IPv4] or [IPv6:address].
            if (text.StartsWith("[", StringComparison.Ordinal) && text.EndsWith("]", StringComparison.Ordinal))
            {
                string inner = text.Substring(1, text.Length - 2);
                bool isV6 = inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase);
                if (isV6) inner = inner.Substring(5);
                if (IPAddress.TryParse(inner, out IPAddress? literal) &&
                    (isV6 ? literal.AddressFamily == AddressFamily.InterNetworkV6 : DottedQuad.IsMatch(inner)))
                {
                    return (text, text, literal);
                }
                throw Invalid(input, "the address literal is not [IPv4] or [IPv6:address]");
            }

            string? impossible = ImpossibleCharacter(text);
            if (impossible != null) throw Invalid(input, impossible);

            string ascii;
            try
            {
                ascii = Idn.GetAscii(text).ToLowerInvariant();
            }
            catch (ArgumentException ex)
            {
                throw Invalid(input, ex.Message);
            }
            if (ascii.Length > 253) throw Invalid(input, "it is longer than 253 characters");
            string unicode;
            try
            {
                unicode = Idn.GetUnicode(ascii);
            }
            catch (ArgumentException)
            {
                // An ASCII name with an invalid "xn--" label: ask DNS as typed, show it as typed.
                unicode = ascii;
            }
            return (ascii, unicode, null);
        }

        /// <summary>
        /// True when an MX target looks like an IP address rather than a host name (RFC 5321 §5.1 requires a name).
        /// IPAddress.TryParse alone would also accept "1" or "10.1"; a target like that is a (strange) name.
        /// </summary>
        internal static bool LooksLikeIpAddress(string host) =>
            DottedQuad.IsMatch(host) || (host.IndexOf(':') >= 0 && IPAddress.TryParse(host, out _));

        /// <summary>
        /// Why <paramref name="domain"/> cannot be a domain name, naming the first character that cannot appear in
        /// one, or null. RFC 5321 §4.1.2: labels of letters, digits and inner hyphens; underscores are let through,
        /// since DNS holds such names. Letters beyond ASCII are for IDNA to judge.
        /// </summary>
        internal static string? ImpossibleCharacter(string domain)
        {
            int labelStart = 0;
            for (int i = 0; i <= domain.Length; i++)
            {
                char c = i < domain.Length ? domain[i] : '.';
                if (c == '.')
                {
                    if (i > labelStart && domain[labelStart] == '-') return Hyphen(domain, labelStart, "start");
                    if (i > labelStart && domain[i - 1] == '-') return Hyphen(domain, i - 1, "end");
                    labelStart = i + 1;
                    continue;
                }
                bool allowed = c > 0x7F
                    ? !char.IsWhiteSpace(c) && !char.IsControl(c)
                    : (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
                if (allowed) continue;
                string name = c == ' ' ? "a space"
                    : char.IsWhiteSpace(c) || char.IsControl(c) ? $"the character U+{(int)c:X4}"
                    : $"'{c}'";
                return $"{name} (character {i + 1} of '{domain}') cannot appear in a domain name, which has only " +
                    "letters, digits, hyphens and dots";
            }
            return null;
        }

        private static string Hyphen(string domain, int index, string where) =>
            $"a label cannot {where} with a hyphen (character {index + 1} of '{domain}')";

        private static DnsResolutionException Invalid(string? input, string reason) =>
            new DnsResolutionException(input ?? string.Empty, DnsFailureKind.InvalidName,
                $"'{input}' is not a valid mail domain or e-mail address: {reason}.");
    }
}
