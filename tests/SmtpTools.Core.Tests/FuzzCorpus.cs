using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace SmtpTools.Core.Tests
{
    /// <summary>
    /// The seeded fuzz budget and the corpus in Corpus/: a short run in CI, a long one with build.ps1 -Long
    /// (SMTPTOOLS_LONG_TESTS=1). Seeds are fixed, so a failure reproduces; the failing input is in the message.
    /// </summary>
    internal static class FuzzCorpus
    {
        internal static bool Long => Environment.GetEnvironmentVariable("SMTPTOOLS_LONG_TESTS") == "1";

        /// <summary>Mutated inputs per test: <paramref name="ci"/> normally, 40 times as many with -Long.</summary>
        internal static int Budget(int ci) => Long ? ci * 40 : ci;

        private static readonly byte[] Interesting =
            Encoding.ASCII.GetBytes("\r\n.- 0123456789").Concat(new byte[] { 0, 0xFF, 0xC3, 0x80, 0xE2 }).ToArray();

        /// <summary>The seeds of one corpus folder (replies or data), unescaped.</summary>
        internal static IReadOnlyList<(string Name, byte[] Bytes)> Seeds(string folder) =>
            Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus", folder), "*.txt")
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => (Path.GetFileName(f), Unescape(File.ReadAllText(f))))
                .ToList();

        /// <summary>One to four random edits of <paramref name="seed"/>.</summary>
        internal static byte[] Mutate(byte[] seed, Random random)
        {
            var bytes = new List<byte>(seed);
            int edits = 1 + random.Next(4);
            for (int e = 0; e < edits; e++)
            {
                int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
                switch (random.Next(6))
                {
                    case 0 when bytes.Count > 0:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        bytes.Insert(at, Interesting[random.Next(Interesting.Length)]);
                        break;
                    case 2 when bytes.Count > 0:
                        bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                        break;
                    case 3 when bytes.Count > 0:
                        int length = Math.Min(bytes.Count - at, 1 + random.Next(32));
                        bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                        break;
                    case 4 when bytes.Count > 0:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                    default:
                        bytes.Insert(at, (byte)random.Next(256));
                        break;
                }
            }
            return bytes.ToArray();
        }

        /// <summary>The input as C-style escaped text, for failure messages.</summary>
        internal static string Show(byte[] bytes)
        {
            var sb = new StringBuilder();
            foreach (byte b in bytes.Take(400))
            {
                if (b == '\r') sb.Append("\\r");
                else if (b == '\n') sb.Append("\\n");
                else if (b == '\\') sb.Append("\\\\");
                else if (b < 0x20 || b > 0x7E) sb.Append("\\x").Append(b.ToString("X2", CultureInfo.InvariantCulture));
                else sb.Append((char)b);
            }
            return sb.ToString();
        }

        private static byte[] Unescape(string text)
        {
            var bytes = new List<byte>();
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c != '\\' || i + 1 >= text.Length)
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                    continue;
                }
                char e = text[++i];
                switch (e)
                {
                    case 'r': bytes.Add((byte)'\r'); break;
                    case 'n': bytes.Add((byte)'\n'); break;
                    case 't': bytes.Add((byte)'\t'); break;
                    case '\\': bytes.Add((byte)'\\'); break;
                    case 'x':
                        bytes.Add(byte.Parse(text.Substring(i + 1, 2), NumberStyles.HexNumber,
                            CultureInfo.InvariantCulture));
                        i += 2;
                        break;
                    default: bytes.Add((byte)'\\'); bytes.Add((byte)e); break;
                }
            }
            return bytes.ToArray();
        }
    }
}
