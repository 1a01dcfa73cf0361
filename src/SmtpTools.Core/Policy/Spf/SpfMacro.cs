using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpTools.Core.Policy.Spf
{
    /// <summary>The values macros expand to (RFC 7208 §7.3).</summary>
    internal sealed class SpfMacroContext
    {
        internal string Sender { get; set; } = string.Empty;
        internal string LocalPart { get; set; } = string.Empty;
        internal string SenderDomain { get; set; } = string.Empty;
        internal string Domain { get; set; } = string.Empty;
        internal IPAddress Address { get; set; } = IPAddress.None;
        internal string Helo { get; set; } = string.Empty;

        /// <summary>The "p" macro: validated name of the address, or "unknown"; filled in before expansion.</summary>
        internal string? ValidatedName { get; set; }

        /// <summary>The "r" macro: the checking host's name.</summary>
        internal string Receiver { get; set; } = "unknown";

        internal DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;
    }

    /// <summary>RFC 7208 §7 macros: syntax check and expansion.</summary>
    internal static class SpfMacro
    {
        private const string Delimiters = ".-+,/_=";

        /// <summary>Null when <paramref name="text"/> is a valid macro-string; otherwise what is wrong.</summary>
        /// <param name="text">The macro-string.</param>
        /// <param name="inExp">True for explanation text, where c, r and t are allowed (§7.1).</param>
        internal static string? Validate(string text, bool inExp)
        {
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c != '%')
                {
                    if (!inExp && (c < 0x21 || c > 0x7E)) return $"'{c}' is not allowed in a domain.";
                    continue;
                }
                if (i + 1 >= text.Length) return "a '%' at the end must be written '%%' (§7.1).";
                char next = text[i + 1];
                if (next == '%' || next == '_' || next == '-')
                {
                    i++;
                    continue;
                }
                if (next != '{') return $"'%{next}' is not a macro: write %{{letter}}, %%, %_ or %- (§7.1).";
                int close = text.IndexOf('}', i + 2);
                if (close < 0) return "a '%{' macro is not closed with '}'.";
                string body = text.Substring(i + 2, close - i - 2);
                string? error = ValidateBody(body, inExp);
                if (error != null) return error;
                i = close;
            }
            return null;
        }

        private static string? ValidateBody(string body, bool inExp)
        {
            if (body.Length == 0) return "'%{}' names no macro letter.";
            char letter = char.ToLowerInvariant(body[0]);
            if ("slodiphv".IndexOf(letter) < 0 && (!inExp || "crt".IndexOf(letter) < 0))
            {
                return "crt".IndexOf(letter) >= 0
                    ? $"the macro %{{{body[0]}}} is allowed only in exp= text (§7.1)."
                    : $"'{body[0]}' is not a macro letter (s l o d i p h v, and c r t in exp= text).";
            }
            int i = 1;
            int digitsStart = i;
            while (i < body.Length && char.IsDigit(body[i])) i++;
            if (i > digitsStart)
            {
                string digits = body.Substring(digitsStart, i - digitsStart);
                if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n == 0)
                {
                    return $"'%{{{body}}}': the number of parts to keep must be 1 or more.";
                }
            }
            if (i < body.Length && (body[i] == 'r' || body[i] == 'R')) i++;
            for (; i < body.Length; i++)
            {
                if (Delimiters.IndexOf(body[i]) < 0) return $"'%{{{body}}}': '{body[i]}' is not a delimiter (.-+,/_=).";
            }
            return null;
        }

        /// <summary>True when expanding <paramref name="text"/> needs the "p" macro (a DNS look-up).</summary>
        internal static bool UsesValidatedName(string text)
        {
            for (int i = 0; i + 2 < text.Length; i++)
            {
                if (text[i] == '%' && text[i + 1] == '%') { i++; continue; }
                if (text[i] == '%' && text[i + 1] == '{' && (text[i + 2] == 'p' || text[i + 2] == 'P')) return true;
            }
            return false;
        }

        /// <summary>Expands a macro-string already checked by <see cref="Validate"/>.</summary>
        internal static string Expand(string text, SpfMacroContext context)
        {
            if (text.IndexOf('%') < 0) return text;
            var result = new StringBuilder(text.Length + 32);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c != '%')
                {
                    result.Append(c);
                    continue;
                }
                char next = text[++i];
                if (next == '%') { result.Append('%'); continue; }
                if (next == '_') { result.Append(' '); continue; }
                if (next == '-') { result.Append("%20"); continue; }
                int close = text.IndexOf('}', i);
                string body = text.Substring(i + 1, close - i - 1);
                i = close;
                result.Append(ExpandOne(body, context));
            }
            return result.ToString();
        }

        private static string ExpandOne(string body, SpfMacroContext context)
        {
            char letter = body[0];
            string value = char.ToLowerInvariant(letter) switch
            {
                's' => context.Sender,
                'l' => context.LocalPart,
                'o' => context.SenderDomain,
                'd' => context.Domain,
                'i' => DottedAddress(context.Address),
                'p' => context.ValidatedName ?? "unknown",
                'v' => context.Address.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
                'h' => context.Helo,
                'c' => context.Address.ToString(),
                'r' => context.Receiver,
                _ => context.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            };
            int i = 1;
            int keep = 0;
            while (i < body.Length && char.IsDigit(body[i])) keep = Math.Min(keep * 10 + (body[i++] - '0'), 1000);
            bool reverse = false;
            if (i < body.Length && (body[i] == 'r' || body[i] == 'R'))
            {
                reverse = true;
                i++;
            }
            string delimiters = i < body.Length ? body.Substring(i) : ".";

            // §7.3: split on the delimiters, reverse if asked, keep the rightmost parts, join with dots.
            if (keep > 0 || reverse || delimiters != ".")
            {
                var parts = new List<string>(value.Split(delimiters.ToCharArray()));
                if (reverse) parts.Reverse();
                if (keep > 0 && keep < parts.Count) parts.RemoveRange(0, parts.Count - keep);
                value = string.Join(".", parts);
            }
            // §7.3: an upper-case macro letter means URL-escape the value.
            return char.IsUpper(letter) ? UrlEscape(value) : value;
        }

        /// <summary>IPv4 dotted; IPv6 as dot-separated nibbles (§7.3), as used for in-addr/ip6.arpa names.</summary>
        internal static string DottedAddress(IPAddress address)
        {
            if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
            byte[] bytes = address.GetAddressBytes();
            var builder = new StringBuilder(63);
            foreach (byte b in bytes)
            {
                if (builder.Length > 0) builder.Append('.');
                builder.Append("0123456789abcdef"[b >> 4]).Append('.').Append("0123456789abcdef"[b & 0xF]);
            }
            return builder.ToString();
        }

        private static string UrlEscape(string value)
        {
            var builder = new StringBuilder(value.Length * 2);
            foreach (byte b in Encoding.UTF8.GetBytes(value))
            {
                char c = (char)b;
                bool unreserved = SpfRecordParser.IsAsciiLetterOrDigit(c) || c == '-' || c == '.' || c == '_' ||
                    c == '~';
                if (unreserved) builder.Append(c);
                else builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return builder.ToString();
        }
    }
}
