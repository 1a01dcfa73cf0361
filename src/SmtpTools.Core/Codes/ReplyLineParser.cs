using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

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
            "rejected' or '250-mail.example.com' then '250 OK', or a bounce line that holds one, such as 'host " +
            "mx.example.com[192.0.2.1] said: 550 5.1.1 ...' or 'Remote Server returned '550 5.1.1 ...''.";

        /// <summary>One line split into its code, separator and text.</summary>
        // A class, not a struct: see MailboxText.
        internal sealed class ReplyLine
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

        /// <summary>
        /// Parses one line; null when it holds no reply. A reply inside a bounce line, as admins paste them, is
        /// found too: Exchange's "Remote Server returned '550 5.1.1 ...'", Outlook's "#550 5.1.1 ... ##", Postfix's
        /// "host mx.example.com[192.0.2.1] said: 550 ... (in reply to RCPT TO command)", Exim's "SMTP error from
        /// remote mail server after RCPT TO:&lt;x&gt;: 550 ..." and a DSN's "Diagnostic-Code: smtp; 550 ...".
        /// </summary>
        internal static ReplyLine? ParseLine(string line)
        {
            ReplyLine? parsed = ParseBare(line);
            if (parsed != null) return parsed;
            string? embedded = FindEmbedded(line.Trim());
            ReplyLine? inner = embedded == null ? null : ParseBare(embedded);
            // The bounce holds the whole reply on one line, so it is complete even after a "550-".
            return inner == null ? null : new ReplyLine(line.Trim(), inner.Code, true, inner.Text);
        }

        private static readonly Regex InReplyTo = new Regex(@"\s*\(in reply to [^)]*\)\s*$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>The reply inside a bounce line, cleaned of the wrapper around it, or null.</summary>
        private static string? FindEmbedded(string line)
        {
            for (int i = 1; i + 3 <= line.Length; i++)
            {
                if (line[i] < '2' || line[i] > '5' || !IsDigit(line[i + 1]) || !IsDigit(line[i + 2])) continue;
                if (i + 3 < line.Length && line[i + 3] != ' ' && line[i + 3] != '-') continue;
                char before = line[i - 1];
                if (IsDigit(before) || before == '.') continue;
                int j = i - 1;
                while (j >= 0 && line[j] == ' ') j--;
                char opener = j < 0 ? ' ' : line[j];
                if (opener != '#' && opener != '\'' && opener != '"' && opener != ':' && opener != ';') continue;
                string reply = line.Substring(i);
                if (opener == '\'' || opener == '"')
                {
                    int close = reply.LastIndexOf(opener);
                    if (close > 0) reply = reply.Substring(0, close);
                }
                reply = InReplyTo.Replace(reply, string.Empty).TrimEnd('#', '>', ' ');
                return JoinFlattened(reply);
            }
            return null;
        }

        /// <summary>
        /// Postfix puts a multi-line reply on one line with each line's code: "550-5.7.26 This mail ... 550-5.7.26
        /// sender ... 550 5.7.26 ... - gsmtp". The repeated codes go; the text stays.
        /// </summary>
        private static string JoinFlattened(string reply)
        {
            if (reply.Length < 4 || reply[3] != '-') return reply;
            string code = reply.Substring(0, 3);
            string rest = reply.Substring(4);
            string? enhanced = FindEnhanced(int.Parse(code, System.Globalization.CultureInfo.InvariantCulture), rest);
            string repeat = @"\s" + code + "[ -]" + (enhanced == null ? string.Empty : Regex.Escape(enhanced) + @"\s");
            return code + " " + Regex.Replace(rest, repeat, " ");
        }

        private static ReplyLine? ParseBare(string line)
        {
            string s = StripGlyph(line.Trim());
            // RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39. The second digit is not checked here, so that
            // vendor codes such as 559 can still be explained by their first digit.
            if (s.Length < 3 || s[0] < '2' || s[0] > '5' || !IsDigit(s[1]) || !IsDigit(s[2])) return null;
            if (s.Length > 3 && IsDigit(s[3])) return null;
            int code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
            bool isLast = true;
            string text = string.Empty;
            if (s.Length > 3)
            {
                char separator = s[3];
                // RFC 5321 §4.2.1: a hyphen after the code means more lines follow; a space marks the last line.
                if (separator == '-') isLast = false;
                else if (separator != ' ' && separator != '\t') return null;
                text = s.Substring(4).Trim();
            }
            return new ReplyLine(line.Trim(), code, isLast, text);
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
                    ReplyLine parsed = ParseLine(line) ??
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

        /// <summary>The reply of one line that is complete on its own (its <see cref="ReplyLine.IsLast"/> is true):
        /// what <see cref="ParseEach"/> makes of that line alone.</summary>
        internal static SmtpReply FromLine(ReplyLine line) =>
            new SmtpReply(line.Code, new[] { line.Text }, FindEnhanced(line.Code, line.Text), new[] { line.Raw });

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
