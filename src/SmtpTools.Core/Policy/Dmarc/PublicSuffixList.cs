using System;
using System.Collections.Generic;
using System.IO;

namespace SmtpTools.Core.Policy.Dmarc
{
    /// <summary>
    /// The Public Suffix List (publicsuffix.org format: rules, "*." wildcards, "!" exceptions), which RFC 7489 §3.2
    /// uses to find a domain's organizational domain. The module ships none: it reads the file the system has (Debian's
    /// publicsuffix package) or the one the user names; without one, the DMARCbis tree walk alone decides.
    /// </summary>
    internal sealed class PublicSuffixList
    {
        /// <summary>Where Debian and most Linux distributions keep the list.</summary>
        internal const string SystemPath = "/usr/share/publicsuffix/public_suffix_list.dat";

        private readonly HashSet<string> _rules = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _wildcards = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _exceptions = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        private PublicSuffixList(string path) => Path = path;

        /// <summary>The file read.</summary>
        internal string Path { get; }

        /// <exception cref="IOException">The file cannot be read.</exception>
        internal static PublicSuffixList Load(string path)
        {
            var list = new PublicSuffixList(path);
            foreach (string raw in File.ReadLines(path))
            {
                string line = raw.Trim();
                int space = line.IndexOf(' ');
                if (space > 0) line = line.Substring(0, space);
                if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
                line = ToAscii(line);
                if (line.StartsWith("!", StringComparison.Ordinal)) list._exceptions.Add(line.Substring(1));
                else if (line.StartsWith("*.", StringComparison.Ordinal)) list._wildcards.Add(line.Substring(2));
                else list._rules.Add(line);
            }
            return list;
        }

        /// <summary>The system's list, or null when the system has none.</summary>
        internal static PublicSuffixList? LoadSystem()
        {
            try
            {
                return File.Exists(SystemPath) ? Load(SystemPath) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>The public suffix of <paramref name="domain"/> (psl.org algorithm; "*" for unknown TLDs).</summary>
        internal string PublicSuffix(string domain)
        {
            string[] labels = domain.ToLowerInvariant().Split('.');
            for (int i = 0; i < labels.Length; i++)
            {
                string candidate = string.Join(".", labels, i, labels.Length - i);
                if (_exceptions.Contains(candidate)) return string.Join(".", labels, i + 1, labels.Length - i - 1);
                if (_rules.Contains(candidate)) return candidate;
                string parent = i + 1 < labels.Length ? string.Join(".", labels, i + 1, labels.Length - i - 1) : string.Empty;
                if (parent.Length > 0 && _wildcards.Contains(parent)) return candidate;
            }
            return labels[labels.Length - 1];
        }

        /// <summary>RFC 7489 §3.2: the public suffix plus one label; the domain itself when it is a public suffix.</summary>
        internal string OrganizationalDomain(string domain)
        {
            string suffix = PublicSuffix(domain);
            if (domain.Length <= suffix.Length) return domain;
            string rest = domain.Substring(0, domain.Length - suffix.Length - 1);
            int dot = rest.LastIndexOf('.');
            return (dot < 0 ? rest : rest.Substring(dot + 1)) + "." + suffix;
        }

        private static string ToAscii(string label)
        {
            foreach (char c in label)
            {
                if (c > 0x7F)
                {
                    try
                    {
                        bool wildcard = label.StartsWith("*.", StringComparison.Ordinal);
                        bool exception = label.StartsWith("!", StringComparison.Ordinal);
                        string body = wildcard ? label.Substring(2) : exception ? label.Substring(1) : label;
                        string ascii = new System.Globalization.IdnMapping().GetAscii(body);
                        return (wildcard ? "*." : exception ? "!" : string.Empty) + ascii;
                    }
                    catch (ArgumentException)
                    {
                        return label;
                    }
                }
            }
            return label;
        }
    }
}
