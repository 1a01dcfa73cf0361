using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SmtpTools.Internal
{
    /// <summary>
    /// Text for the table and list views in module/*.Format.ps1xml. PowerShell's table writer breaks a long cell at
    /// the column width, mid-word ("accept me / ssage"); a cell that already holds lines no wider than its column is
    /// shown as it is. So every wrapping column of our tables has a fixed width, and its text is broken here, at
    /// spaces, to that width.
    /// </summary>
    public static class ViewText
    {
        private const int MaxListedRecipients = 10;

        /// <summary>The text broken at spaces into lines of at most <paramref name="width"/> characters.</summary>
        /// <remarks>A word longer than the width is cut: nothing else fits. Line breaks in the text are kept.</remarks>
        public static string Wrap(object? text, int width)
        {
            string value = text?.ToString() ?? string.Empty;
            if (width < 1) return value;
            var lines = new List<string>();
            foreach (string line in value.Replace("\r\n", "\n").Split('\n')) WrapLine(line, width, string.Empty, lines);
            return string.Join("\n", lines);
        }

        /// <summary>Each item on a line of its own, each wrapped to <paramref name="width"/>.</summary>
        public static string Lines(object? items, int width)
        {
            var lines = new List<string>();
            foreach (object? item in Items(items)) WrapLine(item?.ToString() ?? string.Empty, width, string.Empty, lines);
            return string.Join("\n", lines);
        }

        /// <summary>"TLS 1.3" for the protocol of a TLS session, "none" for none (the Tls property was null).</summary>
        public static string TlsLabel(object? tls)
        {
            if (tls == null) return "none";
            string protocol = tls is SmtpTlsInfo info ? info.Protocol : tls.ToString() ?? string.Empty;
            switch (protocol)
            {
                case "Tls13": return "TLS 1.3";
                case "Tls12": return "TLS 1.2";
                case "Tls11": return "TLS 1.1";
                case "Tls": return "TLS 1.0";
                case "Ssl3": return "SSL 3";
                default: return protocol;
            }
        }

        /// <summary>A reply's code and text on one line, without the enhanced status code when a column shows it.</summary>
        public static string ReplyText(SmtpReply? reply, bool withCode, bool withEnhanced)
        {
            if (reply == null) return string.Empty;
            var text = new StringBuilder();
            for (int i = 0; i < reply.Lines.Count; i++)
            {
                string line = reply.Lines[i];
                if (!withEnhanced && reply.EnhancedStatus != null &&
                    line.StartsWith(reply.EnhancedStatus, StringComparison.Ordinal))
                {
                    line = line.Substring(reply.EnhancedStatus.Length).TrimStart();
                }
                if (text.Length > 0 && line.Length > 0) text.Append(' ');
                text.Append(line);
            }
            return withCode ? (reply.Code.ToString(CultureInfo.InvariantCulture) + " " + text).TrimEnd()
                : text.ToString();
        }

        /// <summary>
        /// The recipients of a send, one a line: the accepted as they are, the refused with the server's code, at
        /// most ten lines (the properties keep them all).
        /// </summary>
        public static string Recipients(SmtpSendResult result, int width)
        {
            var entries = new List<string>();
            foreach (string accepted in result.AcceptedRecipients) entries.Add(accepted);
            foreach (SmtpRecipientResult rejected in result.RejectedRecipients)
            {
                entries.Add($"{rejected.Address} refused {ReplyCode(rejected.Reply)}");
            }
            if (entries.Count > MaxListedRecipients)
            {
                int more = entries.Count - (MaxListedRecipients - 1);
                entries.RemoveRange(MaxListedRecipients - 1, entries.Count - (MaxListedRecipients - 1));
                entries.Add($"(and {more} more)");
            }
            var lines = new List<string>();
            foreach (string entry in entries) WrapLine(entry, width, "  ", lines);
            return string.Join("\n", lines);
        }

        /// <summary>
        /// One column of a transcript shown as a table: "Elapsed", "Glyph" or "Text". Each entry's text is wrapped
        /// to <paramref name="textWidth"/>, and the other columns get blank lines for its continuation lines, so the
        /// three cells of the one row line up as the conversation.
        /// </summary>
        public static string TranscriptColumn(object? entries, string column, int textWidth)
        {
            var lines = new List<string>();
            var wrapped = new List<string>();
            foreach (object? item in Items(entries))
            {
                if (!(item is SmtpTranscriptEntry entry)) continue;
                wrapped.Clear();
                WrapLine(entry.Text, textWidth, "  ", wrapped);
                for (int i = 0; i < wrapped.Count; i++)
                {
                    switch (column)
                    {
                        case "Elapsed": lines.Add(i == 0 ? Elapsed(entry) : string.Empty); break;
                        case "Glyph": lines.Add(i == 0 ? entry.Glyph : string.Empty); break;
                        default: lines.Add(wrapped[i]); break;
                    }
                }
            }
            return string.Join("\n", lines);
        }

        /// <summary>
        /// A transcript as swaks prints it, one entry a line after its elapsed time, wrapped to
        /// <paramref name="width"/> with continuation lines indented under the text (for list views).
        /// </summary>
        public static string Conversation(object? entries, int width)
        {
            var lines = new List<string>();
            foreach (object? item in Items(entries))
            {
                if (!(item is SmtpTranscriptEntry entry)) continue;
                string prefix = Elapsed(entry) + " " + entry.Glyph.PadRight(3) + " ";
                WrapLine(prefix + entry.Text, width, new string(' ', prefix.Length), lines);
            }
            return string.Join("\n", lines);
        }

        /// <summary>The entry's time since the connection was opened, as "0.024s".</summary>
        public static string Elapsed(SmtpTranscriptEntry entry) =>
            entry.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + "s";

        private static string ReplyCode(SmtpReply reply) =>
            reply.EnhancedStatus == null
                ? reply.Code.ToString(CultureInfo.InvariantCulture)
                : reply.Code.ToString(CultureInfo.InvariantCulture) + " " + reply.EnhancedStatus;

        private static IEnumerable Items(object? items)
        {
            if (items is SmtpTranscript transcript) return transcript.Entries;
            if (items is string || items == null) return new[] { items };
            return items as IEnumerable ?? new[] { items };
        }

        // Breaks one line at spaces; continuation lines start with the indent, which counts toward the width.
        private static void WrapLine(string line, int width, string indent, List<string> into)
        {
            line = line.TrimEnd();
            if (line.Length <= width)
            {
                into.Add(line);
                return;
            }
            string prefix = string.Empty;
            int start = 0;
            while (start < line.Length)
            {
                int room = Math.Max(1, width - prefix.Length);
                if (line.Length - start <= room)
                {
                    into.Add(prefix + line.Substring(start));
                    return;
                }
                int cut = line.LastIndexOf(' ', start + room, room);
                int next;
                if (cut > start)
                {
                    next = cut + 1;
                }
                else
                {
                    // A word longer than the column: cut it, since nothing else fits.
                    cut = start + room;
                    next = cut;
                }
                into.Add(prefix + line.Substring(start, cut - start).TrimEnd());
                while (next < line.Length && line[next] == ' ') next++;
                start = next;
                prefix = indent;
            }
        }
    }
}
