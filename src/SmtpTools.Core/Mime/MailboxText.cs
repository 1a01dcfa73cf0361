using System;
using System.Collections.Generic;
using System.Globalization;
using MimeKit;

namespace SmtpTools.Core.Mime
{
    /// <summary>A mailbox as plain strings: the decoded display name (or null) and the addr-spec.</summary>
    // A class, not a struct: List<T> and LINQ over a reference type run the framework's precompiled shared code, where
    // a struct has each generic method compiled at run time on first use.
    internal sealed class MailboxText
    {
        internal MailboxText(string? name, string address)
        {
            Name = name;
            Address = address;
        }

        /// <summary>The display name, decoded; null when none was given.</summary>
        public string? Name { get; }

        /// <summary>The addr-spec (local-part@domain) as the user wrote it.</summary>
        public string Address { get; }

        /// <summary>The domain part, after the last '@'.</summary>
        public string Domain => Address.Substring(Address.LastIndexOf('@') + 1);

        /// <summary>The local part, before the last '@'.</summary>
        public string LocalPart => Address.Substring(0, Address.LastIndexOf('@'));
    }

    /// <summary>Parses and checks mailboxes as users type them; MimeKit is used only inside the method
    /// bodies.</summary>
    internal static class MailboxParser
    {
        // RFC 5322 §3.2.3 atext, plus any non-ASCII character (RFC 6531 §3.3 UTF8-non-ascii).
        private const string AtextSpecials = "!#$%&'*+-/=?^_`{|}~";

        /// <summary>Parses one string that may hold several comma-separated mailboxes.</summary>
        /// <exception cref="SmtpMessageException">HeaderInjection or InvalidAddress, naming the value.</exception>
        internal static List<MailboxText> ParseList(string text, string parameter)
        {
            if (text is null) throw MessageErrors.InvalidAddress(parameter, string.Empty, "the value is empty.");
            if (ContainsLineBreakOrNul(text)) throw MessageErrors.HeaderInjection(parameter, text);
            if (text.Trim().Length == 0) throw MessageErrors.InvalidAddress(parameter, text, "the value is empty.");

            var options = new ParserOptions
            {
                AllowAddressesWithoutDomain = false,
                AddressParserComplianceMode = RfcComplianceMode.Loose,
            };
            if (!InternetAddressList.TryParse(options, text, out InternetAddressList? list) || list is null ||
                list.Count == 0)
                throw MessageErrors.InvalidAddress(parameter, text, "it cannot be read as an address.");

            var result = new List<MailboxText>(list.Count);
            foreach (InternetAddress item in list)
            {
                if (!(item is MailboxAddress mailbox))
                    throw MessageErrors.InvalidAddress(parameter, text, "a group (name: ...;) cannot be used here.");

                string? name = string.IsNullOrEmpty(mailbox.Name) ? null : mailbox.Name;
                // An encoded-word can smuggle a line break into the decoded name.
                if (name != null && ContainsLineBreakOrNul(name)) throw MessageErrors.HeaderInjection(parameter, text);
                string address = mailbox.Address;
                CheckAddrSpec(address, parameter, text);
                result.Add(new MailboxText(name, address));
            }

            return result;
        }

        /// <summary>Parses a value that must be exactly one mailbox.</summary>
        internal static MailboxText ParseSingle(string text, string parameter)
        {
            List<MailboxText> list = ParseList(text, parameter);
            if (list.Count != 1)
                throw MessageErrors.InvalidAddress(parameter, text, "exactly one address is expected here.");
            return list[0];
        }

        /// <summary>Parses a bare reverse-path for MAIL FROM: <c>a@b</c>, <c>&lt;a@b&gt;</c>, or
        /// <c>&lt;&gt;</c>/empty.</summary>
        /// <returns>The addr-spec, or an empty string for the null reverse-path.</returns>
        internal static string ParseReversePath(string text, string parameter)
        {
            if (ContainsLineBreakOrNul(text)) throw MessageErrors.HeaderInjection(parameter, text);
            string value = text.Trim();
            // "Name <a@b>" as in -From: only the address goes into the envelope.
            if (!value.StartsWith("<", StringComparison.Ordinal) && value.IndexOf('<') > 0)
                return ParseSingle(value, parameter).Address;
            if (value.StartsWith("<", StringComparison.Ordinal) && value.EndsWith(">", StringComparison.Ordinal))
                value = value.Substring(1, value.Length - 2).Trim();
            // RFC 5321 §4.5.5: the null reverse-path, for bounces and auto-replies.
            if (value.Length == 0) return string.Empty;
            CheckAddrSpec(value, parameter, text);
            return value;
        }

        /// <summary>True for CR, LF or NUL, the characters that can end or cut a header line.</summary>
        internal static bool ContainsLineBreakOrNul(string value) =>
            value.IndexOf('\r') >= 0 || value.IndexOf('\n') >= 0 || value.IndexOf('\0') >= 0;

        /// <summary>Checks an addr-spec against RFC 5321 §4.1.2 and the §4.5.3.1 length limits.</summary>
        internal static void CheckAddrSpec(string address, string parameter, string original)
        {
            int at = address.LastIndexOf('@');
            if (at <= 0 || at == address.Length - 1)
                throw MessageErrors.InvalidAddress(parameter, original, "it needs a local part, '@' and a domain.");

            string local = address.Substring(0, at);
            string domain = address.Substring(at + 1);
            foreach (char c in address)
            {
                if (c < 0x20 || c == 0x7F)
                    throw MessageErrors.InvalidAddress(parameter, original, "it contains a control character.");
            }

            if (!IsDotAtom(local) && !IsQuotedString(local))
                throw MessageErrors.InvalidAddress(parameter, original,
                    $"the local part '{MessageErrors.Visible(local)}' has characters that need quoting.");
            if (System.Text.Encoding.UTF8.GetByteCount(local) > 64)
                throw MessageErrors.InvalidAddress(parameter, original, "the local part is longer than 64 octets.");
            if (!IsDomain(domain))
                throw MessageErrors.InvalidAddress(parameter, original,
                    $"the domain '{MessageErrors.Visible(domain)}' is not a host name or [address literal].");
            if (System.Text.Encoding.UTF8.GetByteCount(domain) > 255)
                throw MessageErrors.InvalidAddress(parameter, original, "the domain is longer than 255 octets.");
        }

        /// <summary>The address as it goes into MAIL FROM/RCPT TO: the domain in A-labels when it can be.</summary>
        internal static string ToEnvelope(string address)
        {
            int at = address.LastIndexOf('@');
            if (at < 0) return address;
            string domain = address.Substring(at + 1);
            string? ascii = TryIdnEncode(domain);
            return ascii is null ? address : address.Substring(0, at + 1) + ascii;
        }

        /// <summary>True when the address can only travel with SMTPUTF8 (RFC 6531): a non-ASCII local part, or a
        /// non-ASCII domain that IDNA cannot turn into A-labels.</summary>
        internal static bool NeedsSmtpUtf8(string address)
        {
            int at = address.LastIndexOf('@');
            if (at < 0) return !IsAscii(address);
            return !IsAscii(address.Substring(0, at)) || TryIdnEncode(address.Substring(at + 1)) is null;
        }

        /// <summary>The domain in A-labels (RFC 5890), itself when already ASCII, or null when it cannot be
        /// encoded.</summary>
        internal static string? TryIdnEncode(string domain)
        {
            if (IsAscii(domain)) return domain;
            if (domain.StartsWith("[", StringComparison.Ordinal)) return null;
            try
            {
                return new IdnMapping { UseStd3AsciiRules = true }.GetAscii(domain);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        internal static bool IsAscii(string value)
        {
            foreach (char c in value)
            {
                if (c > 0x7F) return false;
            }

            return true;
        }

        private static bool IsAtext(char c) =>
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            AtextSpecials.IndexOf(c) >= 0 || c > 0x7F;

        private static bool IsDotAtom(string value)
        {
            if (value.Length == 0 || value[0] == '.' || value[value.Length - 1] == '.') return false;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == '.')
                {
                    if (value[i - 1] == '.') return false;
                }
                else if (!IsAtext(c))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsQuotedString(string value)
        {
            if (value.Length < 2 || value[0] != '"' || value[value.Length - 1] != '"') return false;
            for (int i = 1; i < value.Length - 1; i++)
            {
                char c = value[i];
                if (c == '\\')
                {
                    i++;
                    if (i >= value.Length - 1) return false;
                }
                else if (c == '"')
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsDomain(string value)
        {
            if (value.StartsWith("[", StringComparison.Ordinal))
            {
                // RFC 5321 §4.1.3 address literal: the inside is checked loosely, brackets and escapes are not allowed.
                return value.Length > 2 && value.EndsWith("]", StringComparison.Ordinal) &&
                    value.IndexOfAny(new[] { '[', ']', '\\', ' ' }, 1, value.Length - 2) < 0;
            }

            foreach (string label in value.Split('.'))
            {
                if (label.Length == 0 || label.Length > 63 && IsAscii(label)) return false;
                if (label[0] == '-' || label[label.Length - 1] == '-') return false;
                foreach (char c in label)
                {
                    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c > 0x7F;
                    if (!ok) return false;
                }
            }

            return true;
        }
    }
}
