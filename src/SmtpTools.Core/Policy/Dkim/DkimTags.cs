using System;
using System.Collections.Generic;
using System.Text;

namespace SmtpTools.Core.Policy.Dkim
{
    /// <summary>RFC 6376 §3.2 tag=value lists (DKIM-Signature fields and key records).</summary>
    internal static class DkimTags
    {
        /// <summary>The tags in order of appearance, names as written; null with an error when malformed.</summary>
        internal static Dictionary<string, string>? Parse(string text, out string? error)
        {
            error = null;
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string part in text.Split(';'))
            {
                string item = part.Trim(' ', '\t', '\r', '\n');
                if (item.Length == 0) continue;
                int eq = item.IndexOf('=');
                if (eq <= 0)
                {
                    error = $"'{item}' is not a tag=value pair.";
                    return null;
                }
                string name = item.Substring(0, eq).Trim(' ', '\t', '\r', '\n');
                string value = item.Substring(eq + 1).Trim(' ', '\t', '\r', '\n');
                if (tags.ContainsKey(name))
                {
                    // §3.2: a tag appearing twice makes the whole list invalid.
                    error = $"the tag {name}= appears twice.";
                    return null;
                }
                tags[name] = value;
            }
            return tags;
        }

        /// <summary>A base64 value with the folding whitespace §3.5 allows inside it removed.</summary>
        internal static string StripWhitespace(string value)
        {
            var builder = new StringBuilder(value.Length);
            foreach (char c in value)
            {
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') builder.Append(c);
            }
            return builder.ToString();
        }
    }
}
