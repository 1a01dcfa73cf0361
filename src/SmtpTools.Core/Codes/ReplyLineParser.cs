using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools.Core.Codes
{
    /// <summary>
    /// Turns reply text pasted by a person (from a log, a bounce or a transcript) into <see cref="SmtpReply"/> objects.
    /// It is lenient where people are sloppy (spacing, tabs, line endings, transcript glyphs, a missing final line)
    /// and strict where the meaning would change (a line without a code, lines with different codes). This is not the
    /// wire reader: that one reads a stream and enforces the grammar; this one reads a string.
    /// </summary>
    internal static class ReplyLineParser
    {
        /// <summary>What a valid reply line looks like, for error messages.</summary>
        internal const string Expected =
            "A reply line starts with a three-digit code from 200 to 599, followed by a space (last line) or a " +
            "hyphen (more lines follow) and the text, for example '550 5.1.1 <bob@example.com>: Recipient address " +
            "rejected' or '250-mail.example.com' then '250 OK'.";

        /// <summary>One line split into its code, separator and text.</summary>
        internal readonly struct ReplyLine
        {
            internal ReplyLine(string raw, int code, bool isLast, string text)
            {
                Raw = raw;
                Code = code;
                IsLast = isLast;
                Text = text;
            }

            internal string Raw { get; }
            internal int Code { get; }
            internal bool IsLast { get; }
            internal string Text { get; }
        }

        /// <summary>Splits text into lines on CR LF, LF or CR and drops blank lines.</summary>
        internal static IEnumerable<string> SplitLines(string text)
        {
            foreach (string line in text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n'))
            {
                if (line.Trim().Length > 0) yield return line;
            }
        }

        /// <summary>Parses one line; false when it does not start with a reply code.</summary>
        internal static bool TryParseLine(string line, out ReplyLine parsed)
        {
            parsed = default;
            string s = StripGlyph(line.Trim());
            // RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39. The second digit is not checked here, so that
            // vendor codes such as 559 can still be explained by their first digit.
            if (s.Length < 3 || s[0] < '2' || s[0] > '5' || !IsDigit(s[1]) || !IsDigit(s[2])) return false;
            if (s.Length > 3 && IsDigit(s[3])) return false;
            int code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
            bool isLast = true;
            string text = string.Empty;
            if (s.Length > 3)
            {
                char separator = s[3];
                // RFC 5321 §4.2.1: a hyphen after the code means more lines follow; a space marks the last line.
                if (separator == '-') isLast = false;
                else if (separator != ' ' && separator != '\t') return false;
                text = s.Substring(4).Trim();
            }
            parsed = new ReplyLine(line.Trim(), code, isLast, text);
            return true;
        }

        /// <summary>
        /// Parses one or more lines into complete replies. A reply ends at its last line (code and space); lines after
        /// it start the next reply. A reply whose last line is missing is still returned.
        /// </summary>
        /// <exception cref="FormatException">A line is no reply line, or one reply's lines differ in code.</exception>
        internal static IReadOnlyList<SmtpReply> Parse(IEnumerable<string> input) => ParseEach(input).ToList();

        /// <summary>
        /// <see cref="Parse"/>, one reply at a time as its last line is read: a hundred thousand lines are explained
        /// without first holding a hundred thousand replies. The exception comes when the enumeration reaches the bad
        /// line (or the end, for empty input).
        /// </summary>
        internal static IEnumerable<SmtpReply> ParseEach(IEnumerable<string> input)
        {
            int count = 0;
            var pending = new List<ReplyLine>();
            foreach (string chunk in input)
            {
                if (chunk == null) continue;
                foreach (string line in SplitLines(chunk))
                {
                    if (!TryParseLine(line, out ReplyLine parsed))
                        throw new FormatException("'" + line.Trim() + "' is not an SMTP reply line. " + Expected);
                    if (pending.Count > 0 && pending[0].Code != parsed.Code)
                    {
                        // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code.
                        throw new FormatException("The line '" + line.Trim() + "' has code " + parsed.Code +
                            " but the reply it continues has code " + pending[0].Code + ". Every line of a " +
                            "multi-line reply repeats the same code.");
                    }
                    pending.Add(parsed);
                    if (parsed.IsLast)
                    {
                        count++;
                        yield return Build(pending);
                        pending.Clear();
                    }
                }
            }
            if (pending.Count > 0)
            {
                count++;
                yield return Build(pending);
            }
            if (count == 0) throw new FormatException("The reply is empty. " + Expected);
        }

        private static readonly char[] EnhancedCodePunctuation = { ':', ',', ';' };

        /// <summary>Finds the enhanced status code starting the text, when its class matches the reply code.</summary>
        internal static string? FindEnhanced(int code, string text)
        {
            int end = 0;
            while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
            string candidate = text.Substring(0, end);
            // Some servers end the code with punctuation ("5.1.1:"); the registry never does.
            candidate = candidate.TrimEnd(EnhancedCodePunctuation);
            if (!EnhancedStatusCode.IsValid(candidate)) return null;
            // RFC 3463 §2: the class of the enhanced code repeats the first digit of the basic code.
            return candidate[0] - '0' == code / 100 ? candidate : null;
        }

        private static SmtpReply Build(List<ReplyLine> lines)
        {
            var texts = new string[lines.Count];
            var raw = new string[lines.Count];
            for (int i = 0; i < lines.Count; i++)
            {
                texts[i] = lines[i].Text;
                raw[i] = lines[i].Raw;
            }
            int code = lines[0].Code;
            return new SmtpReply(code, texts, FindEnhanced(code, texts[0]), raw);
        }

        // Transcripts from swaks and from our own cmdlets mark server lines with "<-", "<~" or "<**".
        private static string StripGlyph(string s)
        {
            if (s.Length == 0 || s[0] != '<') return s;
            int i = 1;
            while (i < s.Length && (s[i] == '-' || s[i] == '~' || s[i] == '*')) i++;
            return i > 1 ? s.Substring(i).TrimStart() : s;
        }

        private static bool IsDigit(char c) => c >= '0' && c <= '9';
    }
}
