using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace SmtpTools.Core.Headers
{
    /// <summary>What Get-MailRoute trusts and tolerates.</summary>
    internal sealed class MailRouteOptions
    {
        /// <summary>Host names (or "*.domain", or addresses) whose Received lines are trusted: your own MTAs.</summary>
        internal IReadOnlyList<string> TrustedHosts { get; set; } = Array.Empty<string>();

        /// <summary>How far clocks may disagree before a timestamp counts as backwards or in the future.</summary>
        internal TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The present, for the "in the future" check.</summary>
        internal DateTimeOffset Now { get; set; } = DateTimeOffset.Now;
    }

    /// <summary>
    /// Turns a message's Received lines into hops, oldest first, and flags what suggests forgery: each MTA prepends
    /// its line (RFC 5321 §4.4), so only the lines written by your own hosts are known to be true, and the lines below
    /// them must chain (each "from" is the previous "by") with dates that move forward.
    /// </summary>
    internal static class MailRouteAnalyzer
    {
        /// <summary>Analyzes Received values given in header order (newest first).</summary>
        internal static IReadOnlyList<MailRouteHop> Analyze(IReadOnlyList<string> receivedNewestFirst,
            MailRouteOptions options, string? source)
        {
            List<ReceivedField> fields = receivedNewestFirst.Reverse().Select(ReceivedField.Parse).ToList();
            int n = fields.Count;
            var flags = new List<MailRouteFlag>[n];
            for (int i = 0; i < n; i++) flags[i] = new List<MailRouteFlag>();
            bool[] trusted = fields.Select(f => IsTrusted(f.By, options.TrustedHosts)).ToArray();

            for (int i = 0; i < n; i++)
            {
                ReceivedField f = fields[i];
                int hop = i + 1;
                if (f.From == null && f.By == null)
                {
                    flags[i].Add(new MailRouteFlag(hop, MailRouteFlagKind.Malformed,
                        "The line has neither a \"from\" nor a \"by\" clause, so it does not say where the message " +
                        "came from or who received it; a real MTA does not write such a line (RFC 5321 §4.4)."));
                }
                if (f.Timestamp == null)
                {
                    flags[i].Add(new MailRouteFlag(hop, MailRouteFlagKind.Malformed, f.DateText == null
                        ? "The line has no date after \";\", which RFC 5321 §4.4 requires of every Received line."
                        : $"The date \"{f.DateText}\" is not a valid RFC 5322 date."));
                }
                CheckName(f, hop, flags[i]);
                if (f.Timestamp.HasValue && f.Timestamp.Value > options.Now + options.ClockSkew)
                {
                    flags[i].Add(new MailRouteFlag(hop, MailRouteFlagKind.FutureTimestamp,
                        $"It is dated {Format(f.Timestamp.Value)}, {Describe(f.Timestamp.Value - options.Now)} in " +
                        "the future: the receiving server's clock is wrong, or the line was made up."));
                }
            }

            for (int i = 1; i < n; i++)
            {
                CheckChain(fields[i - 1], fields[i], i + 1, flags[i]);
                DateTimeOffset? previous = fields[i - 1].Timestamp;
                DateTimeOffset? current = fields[i].Timestamp;
                if (previous.HasValue && current.HasValue && current.Value < previous.Value - options.ClockSkew)
                {
                    flags[i].Add(new MailRouteFlag(i + 1, MailRouteFlagKind.TimeReversed,
                        $"It is dated {Format(current.Value)}, {Describe(previous.Value - current.Value)} before " +
                        $"hop {i} ({Format(previous.Value)}), although it was added later: a clock is wrong, or the " +
                        "older line was forged."));
                }
            }

            CheckTrust(fields, trusted, options, flags);
            CheckPrivateAfterPublic(fields, trusted, flags);

            var hops = new List<MailRouteHop>(n);
            for (int i = 0; i < n; i++)
            {
                ReceivedField f = fields[i];
                TimeSpan? delay = i > 0 && f.Timestamp.HasValue && fields[i - 1].Timestamp.HasValue
                    ? f.Timestamp.Value - fields[i - 1].Timestamp!.Value
                    : (TimeSpan?)null;
                hops.Add(new MailRouteHop(i + 1, f.FromName, f.FromReverseName, f.FromAddress?.ToString(), f.By,
                    f.Via, f.With, f.Id, f.For, f.Timestamp, delay, trusted[i], flags[i], f.Value, source));
            }
            return hops;
        }

        private static void CheckName(ReceivedField f, int hop, List<MailRouteFlag> flags)
        {
            if (f.FromName == null) return;
            IPAddress? claimedLiteral = ReceivedField.ParseLiteral(f.FromName);
            if (claimedLiteral != null)
            {
                if (f.FromAddress != null && !claimedLiteral.Equals(f.FromAddress))
                {
                    flags.Add(new MailRouteFlag(hop, MailRouteFlagKind.NameMismatch,
                        $"The client claimed to be {f.FromName}, but it connected from {f.FromAddress}."));
                }
                return;
            }
            if (f.FromReverseName == null || SameHost(f.FromName, f.FromReverseName)) return;
            string address = f.FromAddress == null ? "its address" : $"its address {f.FromAddress}";
            flags.Add(new MailRouteFlag(hop, MailRouteFlagKind.NameMismatch,
                $"The client claimed to be '{f.FromName}' (HELO), but {address} was recorded as " +
                $"'{f.FromReverseName}' by {f.By ?? "the receiving server"}: the claimed name is not the sender's."));
        }

        private static void CheckChain(ReceivedField previous, ReceivedField current, int hop,
            List<MailRouteFlag> flags)
        {
            if (previous.By == null || current.From == null) return;
            IPAddress? byLiteral = ReceivedField.ParseLiteral(previous.By);
            bool chained = SameHost(previous.By, current.FromName) || SameHost(previous.By, current.FromReverseName) ||
                           SameHost(previous.By, current.From) ||
                           (byLiteral != null && byLiteral.Equals(current.FromAddress));
            if (chained) return;
            string claimed = current.FromReverseName != null && !SameHost(current.FromReverseName, current.FromName)
                ? $"'{current.FromName}' (recorded as '{current.FromReverseName}')"
                : $"'{current.FromName ?? current.From}'";
            flags.Add(new MailRouteFlag(hop, MailRouteFlagKind.BrokenChain,
                $"It says the message came from {claimed}, but hop {hop - 1} says it was received by " +
                $"'{previous.By}': the chain is broken, so a hop is missing or one of the two lines was forged."));
        }

        private static void CheckTrust(List<ReceivedField> fields, bool[] trusted, MailRouteOptions options,
            List<MailRouteFlag>[] flags)
        {
            if (options.TrustedHosts.Count == 0) return;
            int newestTrusted = Array.LastIndexOf(trusted, true);
            string hosts = string.Join(", ", options.TrustedHosts);
            if (newestTrusted < 0)
            {
                for (int i = 0; i < fields.Count; i++)
                {
                    flags[i].Add(new MailRouteFlag(i + 1, MailRouteFlagKind.Untrusted,
                        $"No Received line was written by a trusted host ({hosts}), so none of them can be " +
                        "verified: any of them could have been written by the sender."));
                }
                return;
            }
            // The trusted hosts' own lines run down from the newest; the lowest of them is where mail came in.
            int entry = newestTrusted;
            while (entry > 0 && trusted[entry - 1]) entry--;
            ReceivedField gate = fields[entry];
            string recorded = gate.FromAddress == null ? "the client" : $"{gate.FromAddress}";
            for (int i = 0; i < entry; i++)
            {
                flags[i].Add(new MailRouteFlag(i + 1, MailRouteFlagKind.Untrusted,
                    $"It is below the first trusted hop (hop {entry + 1}, by '{gate.By}'), so it was already in the " +
                    $"message when {recorded} handed it over: the sender could have forged it. Only hop " +
                    $"{entry + 1}'s record of its client can be relied on."));
            }
        }

        private static void CheckPrivateAfterPublic(List<ReceivedField> fields, bool[] trusted,
            List<MailRouteFlag>[] flags)
        {
            int firstPublic = -1;
            for (int i = 0; i < fields.Count; i++)
            {
                IPAddress? address = fields[i].FromAddress;
                if (address == null) continue;
                bool isPrivate = IsPrivate(address);
                if (!isPrivate && firstPublic < 0)
                {
                    firstPublic = i;
                    continue;
                }
                if (!isPrivate || firstPublic < 0 || trusted[i]) continue;
                flags[i].Add(new MailRouteFlag(i + 1, MailRouteFlagKind.PrivateAfterPublic,
                    $"It came from the private address {address}, yet hop {firstPublic + 1} already came from the " +
                    $"public address {fields[firstPublic].FromAddress}: a private address is not reachable across " +
                    "the internet, so the line was forged or belongs to your own internal relay (name that host " +
                    "with -TrustedHost)."));
            }
        }

        /// <summary>RFC 1918, loopback, link-local, shared (RFC 6598) and unique-local (RFC 4193) addresses.</summary>
        internal static bool IsPrivate(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            if (IPAddress.IsLoopback(address)) return true;
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                byte[] b = address.GetAddressBytes();
                return b[0] == 10 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168) ||
                       (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) || b[0] == 0;
            }
            byte[] v6 = address.GetAddressBytes();
            return (v6[0] & 0xFE) == 0xFC || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal;
        }

        private static bool IsTrusted(string? by, IReadOnlyList<string> trustedHosts)
        {
            if (by == null) return false;
            foreach (string pattern in trustedHosts)
            {
                string p = pattern.Trim().TrimEnd('.');
                if (p.StartsWith("*.", StringComparison.Ordinal))
                {
                    if (by.TrimEnd('.').EndsWith(p.Substring(1), StringComparison.OrdinalIgnoreCase)) return true;
                }
                else if (SameHost(by, p) || SameHost(by, "[" + p + "]"))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Same host name (case and a final dot ignored), or a short name and its full name.</summary>
        private static bool SameHost(string? a, string? b)
        {
            if (a == null || b == null) return false;
            string x = a.Trim().TrimEnd('.');
            string y = b.Trim().TrimEnd('.');
            if (x.Length == 0 || y.Length == 0) return false;
            if (string.Equals(x, y, StringComparison.OrdinalIgnoreCase)) return true;
            if (x.StartsWith("[", StringComparison.Ordinal) || y.StartsWith("[", StringComparison.Ordinal))
            {
                return false;
            }
            return (x.IndexOf('.') < 0 && y.StartsWith(x + ".", StringComparison.OrdinalIgnoreCase)) ||
                   (y.IndexOf('.') < 0 && x.StartsWith(y + ".", StringComparison.OrdinalIgnoreCase));
        }

        private static string Format(DateTimeOffset t) =>
            t.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

        private static string Describe(TimeSpan span)
        {
            span = span.Duration();
            if (span.TotalDays >= 2) return $"{Math.Floor(span.TotalDays):0} days";
            if (span.TotalHours >= 2) return $"{Math.Floor(span.TotalHours):0} hours";
            if (span.TotalMinutes >= 2) return $"{Math.Floor(span.TotalMinutes):0} minutes";
            return $"{Math.Floor(span.TotalSeconds):0} seconds";
        }
    }
}
