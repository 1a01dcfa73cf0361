using System;
using System.IO;
using System.Security.Cryptography;

namespace SmtpTools.Core.Policy.Dkim
{
    /// <summary>RFC 6376 §3.4.3-3.4.5 body canonicalization and the body hash (bh=).</summary>
    internal static class DkimBodyHash
    {
        internal static byte[] Canonicalize(byte[] body, bool relaxed)
        {
            // Lines without their CRLF; a body always ends with one after ToCrlf, unless it is empty.
            using var output = new MemoryStream(body.Length);
            int pendingEmptyLines = 0;
            bool any = false;
            int start = 0;
            while (start < body.Length)
            {
                int end = start;
                while (end + 1 < body.Length && !(body[end] == 13 && body[end + 1] == 10)) end++;
                bool hasCrlf = end + 1 < body.Length;
                int lineEnd = hasCrlf ? end : body.Length;
                byte[] line = relaxed ? RelaxLine(body, start, lineEnd) : Slice(body, start, lineEnd);
                if (line.Length == 0)
                {
                    // §3.4.3/§3.4.4: empty lines at the end are ignored; in the middle they count.
                    pendingEmptyLines++;
                }
                else
                {
                    for (; pendingEmptyLines > 0; pendingEmptyLines--) output.Write(new byte[] { 13, 10 }, 0, 2);
                    output.Write(line, 0, line.Length);
                    output.Write(new byte[] { 13, 10 }, 0, 2);
                    any = true;
                }
                start = hasCrlf ? end + 2 : body.Length;
            }
            // §3.4.3: an empty body is one CRLF under simple, nothing under relaxed.
            if (!any && !relaxed) return new byte[] { 13, 10 };
            return output.ToArray();
        }

        private static byte[] Slice(byte[] data, int start, int end)
        {
            var result = new byte[end - start];
            Array.Copy(data, start, result, 0, result.Length);
            return result;
        }

        // §3.4.4: runs of WSP become one SP, WSP at the end of the line goes.
        private static byte[] RelaxLine(byte[] data, int start, int end)
        {
            using var line = new MemoryStream(end - start);
            bool inSpace = false;
            for (int i = start; i < end; i++)
            {
                byte b = data[i];
                if (b == 32 || b == 9)
                {
                    inSpace = true;
                    continue;
                }
                if (inSpace) line.WriteByte(32);
                inSpace = false;
                line.WriteByte(b);
            }
            return line.ToArray();
        }

        /// <summary>The base64 body hash for algorithm a= (sha256 or sha1) over at most l= bytes.</summary>
        internal static string Compute(byte[] body, bool relaxed, bool sha1, long? length)
        {
            byte[] canonical = Canonicalize(body, relaxed);
            int count = length.HasValue ? (int)Math.Min(length.Value, canonical.Length) : canonical.Length;
            using HashAlgorithm hash = sha1 ? SHA1.Create() : (HashAlgorithm)SHA256.Create();
            return Convert.ToBase64String(hash.ComputeHash(canonical, 0, count));
        }
    }
}
