using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MimeKit;

namespace SmtpTools.Core.Headers
{
    /// <summary>Reads a message's Received: fields, top (newest) first, from text, a file or a MimeMessage.</summary>
    internal static class HeaderReader
    {
        /// <summary>The Received values in header text; reading stops at the blank line before the body.</summary>
        internal static IReadOnlyList<string> ReceivedFromText(string text)
        {
            using var reader = new StringReader(text);
            return Collect(reader.ReadLine);
        }

        /// <summary>The Received values in an .eml or Maildir file; only the header section is read.</summary>
        internal static async Task<IReadOnlyList<string>> ReceivedFromFileAsync(string path,
            CancellationToken cancellationToken)
        {
            var lines = new List<string>();
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, true))
            using (var reader = new StreamReader(stream, new UTF8Encoding(false), true))
            {
                string? line;
                while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) != null)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (line.Length == 0) break;
                    lines.Add(line);
                }
            }
            int index = 0;
            return Collect(() => index < lines.Count ? lines[index++] : null);
        }

        /// <summary>The Received values of a MimeKit.MimeMessage (typed object so no MimeKit type leaks out).</summary>
        internal static IReadOnlyList<string> ReceivedFromMimeMessage(object message)
        {
            var result = new List<string>();
            foreach (Header header in ((MimeMessage)message).Headers)
            {
                if (header.Id == HeaderId.Received) result.Add(header.Value);
            }
            return result;
        }

        private static IReadOnlyList<string> Collect(Func<string?> readLine)
        {
            // RFC 5322 §2.2.3: a line starting with white space continues the field above it.
            var received = new List<string>();
            StringBuilder? current = null;
            bool first = true;
            string? line;
            while ((line = readLine()) != null)
            {
                if (line.Length == 0 && !first) break;
                if (line.Length == 0) continue;
                first = false;
                if (line[0] == ' ' || line[0] == '\t')
                {
                    current?.Append(' ').Append(line.Trim());
                    continue;
                }
                if (current != null) received.Add(current.ToString());
                current = null;
                int colon = line.IndexOf(':');
                if (colon > 0 && line.Substring(0, colon).Trim().Equals("Received", StringComparison.OrdinalIgnoreCase))
                {
                    current = new StringBuilder(line.Substring(colon + 1).Trim());
                }
            }
            if (current != null) received.Add(current.ToString());
            return received;
        }
    }
}
