using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools
{
    /// <summary>The broad meaning of a reply, from the first digit of its code (RFC 5321 §4.2.1).</summary>
    public enum SmtpReplyClass
    {
        /// <summary>2yz: the requested action was completed.</summary>
        PositiveCompletion = 2,
        /// <summary>3yz: accepted, the server waits for more (354 after DATA, 334 during AUTH).</summary>
        PositiveIntermediate = 3,
        /// <summary>4yz: not done this time; the same command may succeed later.</summary>
        TransientNegative = 4,
        /// <summary>5yz: not done, and repeating the same command will not help.</summary>
        PermanentNegative = 5,
    }

    /// <summary>One complete SMTP reply: a code, an optional enhanced status code and its text lines.</summary>
    public sealed class SmtpReply
    {
        private readonly byte[]? _rawBytes;

        internal SmtpReply(int code, IReadOnlyList<string> lines, string? enhancedStatus = null,
            IReadOnlyList<string>? rawLines = null)
            : this(code, lines, enhancedStatus, rawLines, null, null)
        {
        }

        /// <summary>A reply read from the wire: its bytes, and the encoding its text was decoded with.</summary>
        internal SmtpReply(int code, IReadOnlyList<string> lines, string? enhancedStatus,
            IReadOnlyList<string>? rawLines, byte[]? rawBytes, string? textEncoding)
        {
            if (code < 200 || code > 599) throw new ArgumentOutOfRangeException(nameof(code));
            Code = code;
            Lines = lines;
            RawLines = rawLines ?? lines.Select((l, i) =>
                code.ToString() + (i == lines.Count - 1 ? " " : "-") + l).ToArray();
            EnhancedStatus = enhancedStatus ?? EnhancedStatusCode.Find(code, lines);
            _rawBytes = rawBytes;
            TextEncoding = textEncoding;
        }

        /// <summary>
        /// The encoding the text was decoded with: "utf-8", "GB18030" (GBK and GB2312 included) or "iso-8859-1" as
        /// detected, or the one -ReplyEncoding forced; null for a reply that was never bytes (parsed from text).
        /// </summary>
        public string? TextEncoding { get; }

        /// <summary>The reply's bytes as the server sent them, lines ending in CR LF; a copy on each call.</summary>
        public byte[] RawBytes => _rawBytes != null
            ? (byte[])_rawBytes.Clone()
            : System.Text.Encoding.UTF8.GetBytes(string.Join("\r\n", RawLines) + "\r\n");

        /// <summary>
        /// The bytes as text, one character per byte (Latin-1), so nothing is lost and any other decoding can be
        /// tried: [Text.Encoding]::GetEncoding('big5').GetString([Text.Encoding]::Latin1.GetBytes($reply.RawText)).
        /// </summary>
        public string RawText
        {
            get
            {
                byte[] bytes = RawBytes;
                var chars = new char[bytes.Length];
                for (int i = 0; i < bytes.Length; i++) chars[i] = (char)bytes[i];
                return new string(chars);
            }
        }

        /// <summary>The three-digit reply code, kept as a number even when no standard names it.</summary>
        public int Code { get; }

        /// <summary>The RFC 3463 enhanced status code at the start of the text (for example "5.7.8"), or null.</summary>
        public string? EnhancedStatus { get; }

        /// <summary>The text of each line, without the code, the separator or the line ending.</summary>
        public IReadOnlyList<string> Lines { get; }

        /// <summary>The lines exactly as they came from the server, without line endings.</summary>
        public IReadOnlyList<string> RawLines { get; }

        /// <summary>All text lines joined with a line feed.</summary>
        public string Text => string.Join("\n", Lines);

        /// <summary>The class named by the first digit.</summary>
        public SmtpReplyClass Class => (SmtpReplyClass)(Code / 100);

        /// <summary>True for 2yz and 3yz replies.</summary>
        public bool IsPositive => Code < 400;

        /// <summary>True for 2yz replies only.</summary>
        public bool IsSuccess => Code < 300;

        /// <summary>True for 4yz: trying again later may work.</summary>
        public bool IsTransient => Code >= 400 && Code < 500;

        /// <summary>True for 5yz: the same command will fail again.</summary>
        public bool IsPermanent => Code >= 500;

        /// <summary>The reply as it appeared on the wire, lines joined with a line feed.</summary>
        public override string ToString() => string.Join("\n", RawLines);
    }

    /// <summary>Finds RFC 3463 enhanced status codes in reply text.</summary>
    internal static class EnhancedStatusCode
    {
        /// <summary>Returns the enhanced code that starts the first line, when its class digit matches the reply's.</summary>
        internal static string? Find(int code, IReadOnlyList<string> lines)
        {
            if (lines.Count == 0) return null;
            string first = lines[0];
            int end = 0;
            while (end < first.Length && first[end] != ' ') end++;
            string candidate = first.Substring(0, end);
            if (!IsValid(candidate)) return null;
            // RFC 3463 §2: the class of the enhanced code repeats the first digit of the basic code.
            return candidate[0] - '0' == code / 100 ? candidate : null;
        }

        /// <summary>True for class.subject.detail with class 2, 4 or 5 and 1–3 digit subject and detail.</summary>
        internal static bool IsValid(string s)
        {
            // Scanned in place: every parsed reply line and every log line explained comes through here.
            if (s.Length < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
            int i = 2;
            return DigitRun(s, ref i) && i < s.Length && s[i++] == '.' && DigitRun(s, ref i) && i == s.Length;
        }

        // One to three digits from i on; i ends after them.
        private static bool DigitRun(string s, ref int i)
        {
            int start = i;
            while (i < s.Length && i - start <= 3 && s[i] >= '0' && s[i] <= '9') i++;
            return i > start && i - start <= 3;
        }
    }
}
