using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SmtpTools.Core.Identity
{
    /// <summary>
    /// The little JSON the identity flows need: token responses, key files and JWT parts. Written here because the
    /// JSON libraries both runtimes could load (Newtonsoft.Json, System.Text.Json) are shipped unisolated by other
    /// modules in other versions, which is the very conflict these flows exist to avoid (STYLE.md §13).
    /// </summary>
    internal static class JsonText
    {
        /// <summary>Parses RFC 8259 JSON: objects become ordinal dictionaries, arrays lists, numbers doubles or
        /// longs, and the rest strings, booleans and null.</summary>
        /// <exception cref="FormatException">The text is not JSON.</exception>
        internal static object? Parse(string text)
        {
            int i = 0;
            object? value = ReadValue(text, ref i, 0);
            SkipSpace(text, ref i);
            if (i != text.Length) throw Error(i, "text after the value");
            return value;
        }

        /// <summary>Parses text that must be a JSON object.</summary>
        internal static Dictionary<string, object?> ParseObject(string text) =>
            Parse(text) as Dictionary<string, object?> ?? throw new FormatException("The JSON is not an object.");

        private static object? ReadValue(string s, ref int i, int depth)
        {
            // Token responses are a few levels deep; a bound keeps hostile input from exhausting the stack.
            if (depth > 64) throw Error(i, "nesting deeper than 64 levels");
            SkipSpace(s, ref i);
            if (i >= s.Length) throw Error(i, "the end of the text");
            char c = s[i];
            switch (c)
            {
                case '{':
                {
                    i++;
                    var obj = new Dictionary<string, object?>(StringComparer.Ordinal);
                    SkipSpace(s, ref i);
                    if (i < s.Length && s[i] == '}') { i++; return obj; }
                    while (true)
                    {
                        SkipSpace(s, ref i);
                        if (i >= s.Length || s[i] != '"') throw Error(i, "a member name");
                        string name = ReadString(s, ref i);
                        SkipSpace(s, ref i);
                        if (i >= s.Length || s[i] != ':') throw Error(i, "':'");
                        i++;
                        obj[name] = ReadValue(s, ref i, depth + 1);
                        SkipSpace(s, ref i);
                        if (i < s.Length && s[i] == ',') { i++; continue; }
                        if (i < s.Length && s[i] == '}') { i++; return obj; }
                        throw Error(i, "',' or '}'");
                    }
                }
                case '[':
                {
                    i++;
                    var list = new List<object?>();
                    SkipSpace(s, ref i);
                    if (i < s.Length && s[i] == ']') { i++; return list; }
                    while (true)
                    {
                        list.Add(ReadValue(s, ref i, depth + 1));
                        SkipSpace(s, ref i);
                        if (i < s.Length && s[i] == ',') { i++; continue; }
                        if (i < s.Length && s[i] == ']') { i++; return list; }
                        throw Error(i, "',' or ']'");
                    }
                }
                case '"':
                    return ReadString(s, ref i);
                case 't':
                    Expect(s, ref i, "true");
                    return true;
                case 'f':
                    Expect(s, ref i, "false");
                    return false;
                case 'n':
                    Expect(s, ref i, "null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber(s, ref i);
                    throw Error(i, "a value");
            }
        }

        private static void Expect(string s, ref int i, string word)
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) throw Error(i, word);
            i += word.Length;
        }

        private static object ReadNumber(string s, ref int i)
        {
            int start = i;
            if (s[i] == '-') i++;
            bool integral = true;
            while (i < s.Length)
            {
                char c = s[i];
                if (c >= '0' && c <= '9') { i++; continue; }
                if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { integral = false; i++; continue; }
                break;
            }
            string text = s.Substring(start, i - start);
            if (integral && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture,
                    out long whole))
            {
                return whole;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                return number;
            }
            throw Error(start, "a number");
        }

        private static string ReadString(string s, ref int i)
        {
            i++; // the opening quote
            var sb = new StringBuilder();
            while (i < s.Length)
            {
                char c = s[i++];
                if (c == '"') return sb.ToString();
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (i >= s.Length) break;
                char e = s[i++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (i + 4 > s.Length || !int.TryParse(s.Substring(i, 4), NumberStyles.HexNumber,
                                CultureInfo.InvariantCulture, out int code))
                        {
                            throw Error(i, "four hex digits after \\u");
                        }
                        sb.Append((char)code);
                        i += 4;
                        break;
                    default: throw Error(i - 1, "a valid escape");
                }
            }
            throw Error(i, "the closing quote of a string");
        }

        private static void SkipSpace(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
        }

        private static FormatException Error(int position, string expected) =>
            new FormatException($"Invalid JSON at character {position}: expected {expected}.");

        /// <summary>Writes a JSON object of strings, numbers, booleans and string arrays, in the order given.</summary>
        internal static string WriteObject(IEnumerable<KeyValuePair<string, object?>> members)
        {
            var sb = new StringBuilder("{");
            bool first = true;
            foreach (KeyValuePair<string, object?> member in members)
            {
                if (!first) sb.Append(',');
                first = false;
                WriteString(sb, member.Key);
                sb.Append(':');
                WriteValue(sb, member.Value);
            }
            return sb.Append('}').ToString();
        }

        private static void WriteValue(StringBuilder sb, object? value)
        {
            switch (value)
            {
                case null: sb.Append("null"); break;
                case string text: WriteString(sb, text); break;
                case bool flag: sb.Append(flag ? "true" : "false"); break;
                case long n: sb.Append(n.ToString(CultureInfo.InvariantCulture)); break;
                case int n: sb.Append(n.ToString(CultureInfo.InvariantCulture)); break;
                case double d: sb.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
                case IEnumerable<string> items:
                    sb.Append('[');
                    bool first = true;
                    foreach (string item in items)
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        WriteString(sb, item);
                    }
                    sb.Append(']');
                    break;
                default: throw new ArgumentException($"Cannot write a {value.GetType().Name} as JSON.");
            }
        }

        private static void WriteString(StringBuilder sb, string text)
        {
            sb.Append('"');
            foreach (char c in text)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        /// <summary>A member as a string, or null when it is missing or not a string.</summary>
        internal static string? GetString(IReadOnlyDictionary<string, object?> obj, string name) =>
            obj.TryGetValue(name, out object? value) ? value as string : null;

        /// <summary>A member as a whole number (also from a numeric string, as some endpoints send
        /// expires_in).</summary>
        internal static long? GetInt64(IReadOnlyDictionary<string, object?> obj, string name)
        {
            if (!obj.TryGetValue(name, out object? value)) return null;
            return value switch
            {
                long n => n,
                double d => (long)d,
                string text when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture,
                    out long parsed) => parsed,
                _ => null,
            };
        }
    }
}
