using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SmtpTools.Core.Policy.Dmarc
{
    /// <summary>A DMARC record's tags (RFC 7489 §6.3, DMARCbis), and what is wrong with them.</summary>
    internal sealed class DmarcRecord
    {
        internal string Text = string.Empty;
        internal string? Policy;
        internal string? SubdomainPolicy;
        internal string? NonExistentPolicy;
        internal int Percent = 100;
        internal string Adkim = "r";
        internal string Aspf = "r";
        internal string[] Rua = Array.Empty<string>();
        internal string[] Ruf = Array.Empty<string>();
        internal string? Fo;
        internal bool Testing;
        internal string? Psd;

        /// <summary>Mistakes that make receivers ignore or weaken the record.</summary>
        internal readonly List<string> Errors = new List<string>();

        /// <summary>Tags receivers ignore.</summary>
        internal readonly List<string> Warnings = new List<string>();
    }

    internal static class DmarcRecordParser
    {
        private static readonly string[] Policies = { "none", "quarantine", "reject" };

        /// <summary>RFC 7489 §6.6.3: a record starts with "v=DMARC1" (spaces allowed around '=').</summary>
        internal static bool IsDmarcRecord(string text)
        {
            string t = text.TrimStart();
            if (!t.StartsWith("v", StringComparison.Ordinal)) return false;
            t = t.Substring(1).TrimStart();
            if (!t.StartsWith("=", StringComparison.Ordinal)) return false;
            t = t.Substring(1).TrimStart();
            return t.StartsWith("DMARC1", StringComparison.Ordinal) &&
                (t.Length == 6 || t[6] == ';' || t[6] == ' ' || t[6] == '\t');
        }

        internal static DmarcRecord Parse(string text)
        {
            var record = new DmarcRecord { Text = text };
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            bool first = true;
            foreach (string part in text.Split(';'))
            {
                string item = part.Trim();
                if (item.Length == 0) continue;
                int eq = item.IndexOf('=');
                if (eq <= 0)
                {
                    record.Errors.Add($"'{item}' is not a tag=value pair.");
                    continue;
                }
                string name = item.Substring(0, eq).Trim().ToLowerInvariant();
                string value = item.Substring(eq + 1).Trim();
                if (first)
                {
                    first = false;
                    continue; // v=DMARC1, already checked
                }
                if (!seen.Add(name)) record.Warnings.Add($"The tag {name}= appears twice; receivers use the first.");
                switch (name)
                {
                    case "p":
                        record.Policy = PolicyValue(value, "p", record);
                        break;
                    case "sp":
                        record.SubdomainPolicy = PolicyValue(value, "sp", record);
                        break;
                    case "np":
                        record.NonExistentPolicy = PolicyValue(value, "np", record);
                        break;
                    case "pct":
                        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int pct) && pct <= 100)
                        {
                            record.Percent = pct;
                        }
                        else
                        {
                            record.Errors.Add($"pct={value} is not a number from 0 to 100.");
                        }
                        break;
                    case "adkim":
                    case "aspf":
                        string mode = value.ToLowerInvariant();
                        if (mode != "r" && mode != "s") record.Errors.Add($"{name}={value} must be r (relaxed) or s (strict).");
                        else if (name == "adkim") record.Adkim = mode;
                        else record.Aspf = mode;
                        break;
                    case "rua":
                    case "ruf":
                        string[] uris = value.Split(',').Select(u => u.Trim()).Where(u => u.Length > 0).ToArray();
                        foreach (string uri in uris)
                        {
                            if (!uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) || uri.IndexOf('@') < 0)
                            {
                                record.Warnings.Add($"{name}={uri} is not a mailto: address; receivers send reports only by mail.");
                            }
                        }
                        if (name == "rua") record.Rua = uris; else record.Ruf = uris;
                        break;
                    case "fo":
                        record.Fo = value;
                        break;
                    case "t":
                        record.Testing = value.Equals("y", StringComparison.OrdinalIgnoreCase);
                        break;
                    case "psd":
                        record.Psd = value.ToLowerInvariant();
                        break;
                    case "rf":
                    case "ri":
                        break;
                    default:
                        record.Warnings.Add($"The tag {name}= is not a DMARC tag; receivers ignore it.");
                        break;
                }
            }
            if (record.Policy == null && !record.Errors.Any(e => e.StartsWith("p=", StringComparison.Ordinal)))
            {
                record.Errors.Add("The record has no p= tag; receivers treat it as p=none, or ignore it.");
            }
            return record;
        }

        private static string? PolicyValue(string value, string tag, DmarcRecord record)
        {
            string policy = value.ToLowerInvariant();
            if (Array.IndexOf(Policies, policy) >= 0) return policy;
            record.Errors.Add($"{tag}={value} is not none, quarantine or reject; receivers treat the policy as none.");
            return null;
        }
    }
}
