using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace SmtpTools.Core.Headers
{
    /// <summary>One Received: field taken apart (RFC 5321 §4.4 "Time-stamp-line") as common MTAs write it.</summary>
    internal sealed class ReceivedField
    {
        private static readonly string[] Keywords = { "from", "by", "via", "with", "id", "for" };

        private static readonly Regex DatePattern = new Regex(
            @"^\s*(?:[a-z]{3}\s*,\s*)?(?<d>\d{1,2})\s+(?<mon>[a-z]{3})[a-z]*\s+(?<y>\d{2,4})\s+" +
            @"(?<h>\d{1,2}):(?<m>\d{2})(?::(?<s>\d{2}))?(?:\.\d+)?\s*(?<zone>[+-]\d{4}|[a-z]{1,5})?",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static readonly string[] Months =
            { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec" };

        private ReceivedField(string value) => Value = value;

        /// <summary>The field's value, unfolded.</summary>
        internal string Value { get; }

        /// <summary>The name in the from clause: the client's HELO argument (for Exim, its reverse name).</summary>
        internal string? From { get; private set; }

        /// <summary>The name the client claimed with HELO.</summary>
        internal string? FromName { get; private set; }

        /// <summary>The reverse-DNS name the receiver recorded, or null ("unknown" or not given).</summary>
        internal string? FromReverseName { get; private set; }

        /// <summary>The client address the receiver recorded.</summary>
        internal IPAddress? FromAddress { get; private set; }

        internal string? By { get; private set; }
        internal string? Via { get; private set; }
        internal string? With { get; private set; }
        internal string? Id { get; private set; }
        internal string? For { get; private set; }

        /// <summary>The date after the last ";", or null when it is missing or unreadable.</summary>
        internal DateTimeOffset? Timestamp { get; private set; }

        /// <summary>The text after the last ";", or null.</summary>
        internal string? DateText { get; private set; }

        /// <summary>Parses an unfolded Received value; never throws, missing parts stay null.</summary>
        internal static ReceivedField Parse(string value)
        {
            // Unfolding (RFC 5322 §2.2.3) and MimeKit's tab-kept folds both end up as single spaces.
            string unfolded = Regex.Replace(value, @"\s+", " ").Trim();
            var field = new ReceivedField(unfolded);
            string clauses = unfolded;
            int semicolon = LastSemicolonOutsideComments(unfolded);
            if (semicolon >= 0)
            {
                clauses = unfolded.Substring(0, semicolon);
                field.DateText = unfolded.Substring(semicolon + 1).Trim();
                field.Timestamp = ParseDate(field.DateText);
            }

            var values = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
            var comments = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            string? current = null;
            bool expectValue = false;
            foreach ((bool isComment, string text) in Tokenize(clauses))
            {
                if (isComment)
                {
                    if (current == null) continue;
                    if (!comments.TryGetValue(current, out List<string>? list))
                    {
                        comments[current] = list = new List<string>();
                    }
                    list.Add(text);
                    continue;
                }
                string lower = text.ToLowerInvariant();
                if (!expectValue && Keywords.Contains(lower) && !values.ContainsKey(lower))
                {
                    current = lower;
                    expectValue = true;
                    continue;
                }
                if (current == null) continue;
                if (expectValue)
                {
                    values[current] = new StringBuilder(text);
                    expectValue = false;
                }
                else
                {
                    // "with Microsoft SMTP Server": extra words belong to the clause they follow.
                    values[current].Append(' ').Append(text);
                }
            }

            string? Get(string key) => values.TryGetValue(key, out StringBuilder? sb) ? sb.ToString() : null;
            string Comment(string key) => comments.TryGetValue(key, out List<string>? list)
                ? string.Join(" ", list)
                : string.Empty;

            field.By = TrimName(Get("by"));
            field.Via = Get("via");
            field.With = Get("with");
            field.Id = Get("id")?.Trim('<', '>');
            field.For = Get("for")?.Trim('<', '>');
            field.ReadFrom(Get("from"), Comment("from"));
            return field;
        }

        private void ReadFrom(string? from, string comment)
        {
            From = from;
            if (from == null) return;
            FromName = TrimName(from);
            IPAddress? literal = ParseLiteral(from);

            // Postfix/Sendmail: "from helo (rdns [ip])"; Exim: "from rdns ([ip] helo=helo)".
            Match bracket = Regex.Match(comment, @"\[(?<a>[^\]]+)\]");
            if (bracket.Success) FromAddress = ParseAddress(bracket.Groups["a"].Value);
            Match helo = Regex.Match(comment, @"\bhelo\s*=\s*(?<h>[^\s)\]]+)", RegexOptions.IgnoreCase);
            if (helo.Success)
            {
                FromName = TrimName(helo.Groups["h"].Value);
                if (literal == null) FromReverseName = TrimName(from);
            }
            else
            {
                string before = bracket.Success ? comment.Substring(0, bracket.Index) : comment;
                string? word = before.Split(new[] { ' ', ',' }, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (word != null && LooksLikeHostName(word) &&
                    !word.Equals("unknown", StringComparison.OrdinalIgnoreCase))
                {
                    FromReverseName = TrimName(word);
                }
            }
            if (FromAddress == null && !bracket.Success)
            {
                // Exchange writes the address bare: "from HOST (2603:10b6:a03::1) by ...".
                foreach (string word in comment.Split(new[] { ' ', ',' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    IPAddress? bare = ParseAddress(word);
                    if (bare != null)
                    {
                        FromAddress = bare;
                        break;
                    }
                }
            }
            if (FromAddress == null) FromAddress = literal;
        }

        /// <summary>True when <paramref name="name"/> is an address literal such as [192.0.2.1].</summary>
        internal static IPAddress? ParseLiteral(string? name) =>
            name != null && name.StartsWith("[", StringComparison.Ordinal) &&
            name.EndsWith("]", StringComparison.Ordinal)
                ? ParseAddress(name.Substring(1, name.Length - 2))
                : null;

        private static IPAddress? ParseAddress(string text)
        {
            string t = text.Trim();
            if (t.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase)) t = t.Substring(5);
            // "192.0.2.1:2525" carries the client port on some servers.
            int colon = t.IndexOf(':');
            if (colon > 0 && t.IndexOf('.') > 0 && t.IndexOf(':', colon + 1) < 0) t = t.Substring(0, colon);
            if (!IPAddress.TryParse(t, out IPAddress? address)) return null;
            if (t.IndexOf(':') < 0 && t.Count(c => c == '.') != 3) return null;
            return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        }

        private static bool LooksLikeHostName(string word) =>
            word.Length > 0 && word.Any(char.IsLetter) &&
            word.All(c => char.IsLetterOrDigit(c) || c == '-' || c == '.' || c == '_');

        private static string? TrimName(string? name) => name?.Trim().TrimEnd('.');

        private static int LastSemicolonOutsideComments(string text)
        {
            int depth = 0;
            int last = -1;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\\') i++;
                else if (c == '(') depth++;
                else if (c == ')' && depth > 0) depth--;
                else if (c == ';' && depth == 0) last = i;
            }
            return last;
        }

        private static IEnumerable<(bool IsComment, string Text)> Tokenize(string text)
        {
            int i = 0;
            while (i < text.Length)
            {
                char c = text[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                    continue;
                }
                if (c == '(')
                {
                    // RFC 5322 §3.2.2: comments nest and may hold quoted pairs.
                    int depth = 0;
                    var sb = new StringBuilder();
                    for (; i < text.Length; i++)
                    {
                        char d = text[i];
                        if (d == '\\' && i + 1 < text.Length)
                        {
                            sb.Append(text[++i]);
                            continue;
                        }
                        if (d == '(' && depth++ == 0) continue;
                        if (d == ')' && --depth == 0)
                        {
                            i++;
                            break;
                        }
                        sb.Append(d);
                    }
                    yield return (true, sb.ToString().Trim());
                    continue;
                }
                char close = c == '[' ? ']' : c == '<' ? '>' : c == '"' ? '"' : '\0';
                int start = i;
                if (close != '\0')
                {
                    int end = text.IndexOf(close, i + 1);
                    i = end < 0 ? text.Length : end + 1;
                }
                else
                {
                    while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != '(') i++;
                }
                yield return (false, text.Substring(start, i - start));
            }
        }

        /// <summary>RFC 5322 §3.3 date-time, with §4.3's obsolete forms (two-digit years, named zones).</summary>
        internal static DateTimeOffset? ParseDate(string text)
        {
            Match m = DatePattern.Match(text);
            if (!m.Success) return null;
            int month = Array.IndexOf(Months, m.Groups["mon"].Value.Substring(0, 3).ToLowerInvariant()) + 1;
            if (month == 0) return null;
            int year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
            if (m.Groups["y"].Value.Length <= 2) year += year < 50 ? 2000 : 1900;
            else if (m.Groups["y"].Value.Length == 3) year += 1900;
            int day = int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture);
            int hour = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
            int minute = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
            int second = m.Groups["s"].Success ? int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture) : 0;
            TimeSpan offset = ZoneOffset(m.Groups["zone"].Success ? m.Groups["zone"].Value : string.Empty);
            if (day > DateTime.DaysInMonth(Math.Max(1, Math.Min(9999, year)), month) || hour > 23 || minute > 59 ||
                second > 60)
            {
                return null;
            }
            try
            {
                // A leap second (":60") is read as the last second of the minute.
                return new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), offset);
            }
            catch (ArgumentOutOfRangeException)
            {
                return null;
            }
        }

        private static TimeSpan ZoneOffset(string zone)
        {
            if (zone.Length == 5 && (zone[0] == '+' || zone[0] == '-'))
            {
                int hours = int.Parse(zone.Substring(1, 2), CultureInfo.InvariantCulture);
                int minutes = int.Parse(zone.Substring(3, 2), CultureInfo.InvariantCulture);
                if (hours > 14 || minutes > 59) return TimeSpan.Zero;
                var span = new TimeSpan(hours, minutes, 0);
                return zone[0] == '-' ? span.Negate() : span;
            }
            // RFC 5322 §4.3: the US zone names; any other name means an unknown zone, read as UTC.
            return zone.ToUpperInvariant() switch
            {
                "EST" => TimeSpan.FromHours(-5),
                "EDT" => TimeSpan.FromHours(-4),
                "CST" => TimeSpan.FromHours(-6),
                "CDT" => TimeSpan.FromHours(-5),
                "MST" => TimeSpan.FromHours(-7),
                "MDT" => TimeSpan.FromHours(-6),
                "PST" => TimeSpan.FromHours(-8),
                "PDT" => TimeSpan.FromHours(-7),
                _ => TimeSpan.Zero,
            };
        }
    }
}
