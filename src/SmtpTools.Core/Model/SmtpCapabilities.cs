using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SmtpTools
{
    /// <summary>The service extensions a server announced in its EHLO reply (RFC 5321 §4.1.1.1).</summary>
    public sealed class SmtpCapabilities
    {
        private static readonly string[] Known =
        {
            "SIZE", "PIPELINING", "8BITMIME", "BINARYMIME", "SMTPUTF8", "CHUNKING", "DSN", "ENHANCEDSTATUSCODES",
            "STARTTLS", "AUTH", "REQUIRETLS",
        };

        private SmtpCapabilities(string domain, bool isExtended)
        {
            Domain = domain;
            IsExtended = isExtended;
        }

        /// <summary>The server name from the first line of the EHLO/HELO reply.</summary>
        public string Domain { get; }

        /// <summary>False when EHLO was refused and HELO was used: no extensions at all.</summary>
        public bool IsExtended { get; }

        /// <summary>SIZE (RFC 1870) was announced.</summary>
        public bool Size { get; private set; }

        /// <summary>The SIZE limit in bytes; 0 means no fixed limit, null means none was given.</summary>
        public long? SizeLimit { get; private set; }

        /// <summary>PIPELINING (RFC 2920).</summary>
        public bool Pipelining { get; private set; }

        /// <summary>8BITMIME (RFC 6152).</summary>
        public bool EightBitMime { get; private set; }

        /// <summary>BINARYMIME (RFC 3030).</summary>
        public bool BinaryMime { get; private set; }

        /// <summary>SMTPUTF8 (RFC 6531).</summary>
        public bool SmtpUtf8 { get; private set; }

        /// <summary>CHUNKING, that is BDAT (RFC 3030).</summary>
        public bool Chunking { get; private set; }

        /// <summary>DSN (RFC 3461).</summary>
        public bool Dsn { get; private set; }

        /// <summary>ENHANCEDSTATUSCODES (RFC 2034).</summary>
        public bool EnhancedStatusCodes { get; private set; }

        /// <summary>STARTTLS (RFC 3207).</summary>
        public bool StartTls { get; private set; }

        /// <summary>REQUIRETLS (RFC 8689).</summary>
        public bool RequireTls { get; private set; }

        /// <summary>The SASL mechanisms from AUTH (and the old AUTH= form), upper case, in announced order.</summary>
        public IReadOnlyList<string> AuthMechanisms { get; private set; } = Array.Empty<string>();

        /// <summary>Every other keyword line, verbatim (for example "VRFY", "ETRN", "XCLIENT NAME ADDR").</summary>
        public IReadOnlyList<string> Other { get; private set; } = Array.Empty<string>();

        /// <summary>All keyword lines as the server sent them.</summary>
        public IReadOnlyList<string> Keywords { get; private set; } = Array.Empty<string>();

        /// <summary>The keywords, space separated.</summary>
        public override string ToString() => string.Join(" ", Keywords.Select(k => k.Split(' ')[0]));

        /// <summary>Builds the capabilities from an EHLO reply (true) or a HELO reply (false).</summary>
        internal static SmtpCapabilities Parse(SmtpReply reply, bool isExtended)
        {
            string first = reply.Lines.Count > 0 ? reply.Lines[0] : string.Empty;
            int space = first.IndexOf(' ');
            var caps = new SmtpCapabilities(space < 0 ? first : first.Substring(0, space), isExtended);
            if (!isExtended) return caps;

            var mechanisms = new List<string>();
            var other = new List<string>();
            var keywords = new List<string>();
            foreach (string line in reply.Lines.Skip(1))
            {
                string trimmed = line.Trim();
                if (trimmed.Length == 0) continue;
                keywords.Add(trimmed);
                string[] parts = trimmed.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                string keyword = parts[0].ToUpperInvariant();
                string[] args = parts.Skip(1).ToArray();

                // Old servers (pre RFC 4954) write "AUTH=LOGIN PLAIN"; read it as AUTH.
                if (keyword.StartsWith("AUTH=", StringComparison.Ordinal))
                {
                    args = new[] { keyword.Substring(5) }.Concat(args).ToArray();
                    keyword = "AUTH";
                }

                switch (keyword)
                {
                    case "SIZE":
                        caps.Size = true;
                        if (args.Length > 0 && long.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture,
                                out long limit))
                        {
                            caps.SizeLimit = limit;
                        }
                        break;
                    case "PIPELINING": caps.Pipelining = true; break;
                    case "8BITMIME": caps.EightBitMime = true; break;
                    case "BINARYMIME": caps.BinaryMime = true; break;
                    case "SMTPUTF8": caps.SmtpUtf8 = true; break;
                    case "CHUNKING": caps.Chunking = true; break;
                    case "DSN": caps.Dsn = true; break;
                    case "ENHANCEDSTATUSCODES": caps.EnhancedStatusCodes = true; break;
                    case "STARTTLS": caps.StartTls = true; break;
                    case "REQUIRETLS": caps.RequireTls = true; break;
                    case "AUTH":
                        foreach (string m in args)
                        {
                            string upper = m.ToUpperInvariant();
                            if (upper.Length > 0 && !mechanisms.Contains(upper)) mechanisms.Add(upper);
                        }
                        break;
                    default:
                        if (Array.IndexOf(Known, keyword) < 0) other.Add(trimmed);
                        break;
                }
            }
            caps.AuthMechanisms = mechanisms.ToArray();
            caps.Other = other.ToArray();
            caps.Keywords = keywords.ToArray();
            return caps;
        }

        /// <summary>True when <paramref name="mechanism"/> was announced under AUTH (case-insensitive).</summary>
        public bool SupportsAuth(string mechanism) =>
            AuthMechanisms.Contains(mechanism.ToUpperInvariant());
    }
}
