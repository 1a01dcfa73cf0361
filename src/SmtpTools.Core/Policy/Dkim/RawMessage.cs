using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace SmtpTools.Core.Policy.Dkim
{
    /// <summary>
    /// A message as bytes, split into header fields (kept as received, folding included) and body, with bare LF line
    /// ends read as CRLF: files from Maildir and most tools use LF, while DKIM hashes the CRLF form (RFC 6376 §3.4).
    /// </summary>
    internal sealed class RawMessage
    {
        private RawMessage(List<KeyValuePair<string, string>> fields, byte[] body, byte[] bytes)
        {
            Fields = fields;
            Body = body;
            Bytes = bytes;
        }

        /// <summary>Header fields in order: name, and the value after the colon with its folding.</summary>
        internal List<KeyValuePair<string, string>> Fields { get; }

        /// <summary>The body, CRLF line ends.</summary>
        internal byte[] Body { get; }

        /// <summary>The whole message, CRLF line ends.</summary>
        internal byte[] Bytes { get; }

        internal static RawMessage Parse(byte[] input)
        {
            byte[] bytes = ToCrlf(input);
            int end = IndexOf(bytes, new byte[] { 13, 10, 13, 10 });
            int headerLength = end < 0 ? bytes.Length : end + 2;
            int bodyStart = end < 0 ? bytes.Length : end + 4;
            string header = Encoding.UTF8.GetString(bytes, 0, headerLength);
            var fields = new List<KeyValuePair<string, string>>();
            foreach (string line in header.Split(new[] { "\r\n" }, StringSplitOptions.None))
            {
                if (line.Length == 0) continue;
                if ((line[0] == ' ' || line[0] == '\t') && fields.Count > 0)
                {
                    KeyValuePair<string, string> last = fields[fields.Count - 1];
                    fields[fields.Count - 1] = new KeyValuePair<string, string>(last.Key, last.Value + "\r\n" + line);
                    continue;
                }
                int colon = line.IndexOf(':');
                if (colon <= 0) continue;
                fields.Add(new KeyValuePair<string, string>(line.Substring(0, colon).Trim(), line.Substring(colon + 1)));
            }
            var body = new byte[bytes.Length - bodyStart];
            Array.Copy(bytes, bodyStart, body, 0, body.Length);
            return new RawMessage(fields, body, bytes);
        }

        /// <summary>The unfolded values of every field with this name, in order.</summary>
        internal IEnumerable<string> Values(string name)
        {
            foreach (KeyValuePair<string, string> field in Fields)
            {
                if (field.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) yield return Unfold(field.Value);
            }
        }

        internal static string Unfold(string value) => value.Replace("\r\n", string.Empty).Trim();

        private static byte[] ToCrlf(byte[] input)
        {
            using var output = new MemoryStream(input.Length + input.Length / 40);
            for (int i = 0; i < input.Length; i++)
            {
                if (input[i] == 10 && (i == 0 || input[i - 1] != 13)) output.WriteByte(13);
                output.WriteByte(input[i]);
            }
            return output.ToArray();
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }
    }
}
