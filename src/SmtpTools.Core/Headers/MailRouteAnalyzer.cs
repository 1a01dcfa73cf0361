using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace SmtpTools.Core.Headers
{
    /// <summary>A host of -ExpectedPath: its name and, when given, the addresses it sends from.</summary>
    internal sealed class ExpectedHost
    {
        internal ExpectedHost(string name, IReadOnlyList<IPAddress> addresses)
        {
            Name = name;
            Addresses = addresses;
        }

        internal string Name { get; }
        internal IReadOnlyList<IPAddress> Addresses { get; }

        internal string Display => Addresses.Count == 0
            ? Name
            : Name + " [" + string.Join(", ", Addresses.Select(a => a.ToString())) + "]";
    }

    /// <summary>What Get-MailRoute trusts and tolerates.</summary>
    internal sealed class MailRouteOptions
    {
        /// <summary>Host names (or "*.domain", or addresses) whose Received lines are trusted: your own MTAs.</summary>
        internal IReadOnlyList<string> TrustedHosts { get; set; } = Array.Empty<string>();

        /// <summary>Hosts that pass mail straight to each other (two firewalls): none may come between.</summary>
        internal IReadOnlyList<ExpectedHost> ExpectedPath { get; set; } = Array.Empty<ExpectedHost>();

        /// <summary>How far clocks may disagree before a timestamp counts as backwards or in the future.</summary>
        internal TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The present, for the "in the future" check.</summary>
        internal DateTimeOffset Now { get; set; } = DateTimeOffset.Now;
    }

    /// <summary>
    /// Turns a message's Received lines into hops, oldest first, and flags what suggests forgery. Each MTA prepends
    /// its line (RFC 5321 §4.4), so the check runs from the top (your own server) down: each server records the
    /// client that handed it the message (its address, and the reverse name if it looked one up), and the line below
    /// must have been written by that client. The first line that names someone else, or only the name the client
    /// claimed in HELO when the recorded identity says otherwise, is where the sender's own lines begin.
    /// </summary>
    internal static class MailRouteAnalyzer
    {
        private enum Link
        {
            /// <summary>The line below names the recorded client (reverse name, address, same organization).</summary>
            Confirmed,
            /// <summary>Only the HELO name ties them: no reverse name was recorded to contradict it.</summary>
            Claimed,
            /// <summary>Nothing to compare: a line without "by", a hop without a recorded client.</summary>
            Unverifiable,
            /// <summary>The line below names another host than the recorded client.</summary>
            Broken,
            /// <summary>The line below names what the client only claimed, and the record says otherwise.</summary>
            Contradicted,
        }

        /// <summary>Analyzes Received values given in header order (newest first); the hops, oldest first.</summary>
        internal static IReadOnlyList<MailRouteHop> Analyze(IReadOnlyList<string> receivedNewestFirst,
            MailRouteOptions options, string? source) => AnalyzeRoute(receivedNewestFirst, options, source).Hops;

        /// <summary>Analyzes Received values given in header order (newest first): the verdict with the hops.</summary>
        internal static MailRouteSummary AnalyzeRoute(IReadOnlyList<string> receivedNewestFirst,
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

            // From the top down: the first broken link is where the sender's own lines begin.
            int boundary = -1;
            int claimedLinks = 0;
            var unverifiable = new List<int>();
            for (int i = n - 1; i >= 1; i--)
            {
                ReceivedField lower = fields[i - 1];
                ReceivedField upper = fields[i];
                // Your own servers' lines are taken as they are; checking starts where mail came in.
                if (trusted[i - 1]) continue;
                Link link = Classify(lower, upper, options, out string? why);
                if (link == Link.Claimed) claimedLinks++;
                if (link == Link.Unverifiable) unverifiable.Add(i);
                if (link != Link.Broken && link != Link.Contradicted) continue;
                flags[i - 1].Add(new MailRouteFlag(i, MailRouteFlagKind.BrokenChain, why!));
                boundary = i;
                break;
            }
            string? realClient = boundary > 0 ? Identity(fields[boundary]) : null;
            if (boundary > 0)
            {
                for (int i = 0; i < boundary; i++)
                {
                    flags[i].Add(new MailRouteFlag(i + 1, MailRouteFlagKind.AddedBySender,
                        $"It is below hop {boundary + 1}, where the real client was {realClient}; these lines were " +
                        "written by the sender and prove nothing."));
                }
            }

            List<string> detours = CheckExpectedPath(fields, options.ExpectedPath, flags);
            CheckTrust(fields, trusted, options, flags);
            CheckPrivateAfterPublic(fields, trusted, flags);

            string text;
            MailRouteVerdict verdict = Judge(fields, trusted, flags, options, boundary, realClient, detours,
                claimedLinks, unverifiable, out text);

            var hops = new List<MailRouteHop>(n);
            for (int i = 0; i < n; i++)
            {
                ReceivedField f = fields[i];
                TimeSpan? delay = i > 0 && f.Timestamp.HasValue && fields[i - 1].Timestamp.HasValue
                    ? f.Timestamp.Value - fields[i - 1].Timestamp!.Value
                    : (TimeSpan?)null;
                hops.Add(new MailRouteHop(i + 1, f.FromName, f.FromReverseName, f.FromAddress?.ToString(), f.By,
                    f.Via, f.With, f.Id, f.For, f.Timestamp, delay, trusted[i], flags[i], f.Value, source, verdict,
                    text));
            }
            int[] bySender = boundary > 0 ? Enumerable.Range(1, boundary).ToArray() : Array.Empty<int>();
            return new MailRouteSummary(verdict, text, boundary > 0 ? boundary + 1 : (int?)null, bySender, realClient,
                hops, source);
        }

        private static MailRouteVerdict Judge(List<ReceivedField> fields, bool[] trusted, List<MailRouteFlag>[] flags,
            MailRouteOptions options, int boundary, string? realClient, List<string> detours, int claimedLinks,
            List<int> unverifiable, out string text)
        {
            int n = fields.Count;
            if (options.TrustedHosts.Count > 0 && !trusted.Contains(true))
            {
                text = $"Unverifiable: no Received line was written by a trusted host " +
                    $"({string.Join(", ", options.TrustedHosts)}), so the sender could have written any of them.";
                return MailRouteVerdict.Unverifiable;
            }
            if (boundary > 0 || detours.Count > 0)
            {
                var parts = new List<string>();
                if (boundary > 0)
                {
                    string below = boundary == 1 ? "hop 1 was" : $"hops 1-{boundary} were";
                    parts.Add($"Forged below hop {boundary + 1}: its server recorded the client as {realClient}, " +
                        $"and {below} written by the sender and prove nothing.");
                }
                if (detours.Count > 0)
                {
                    parts.Add((boundary > 0 ? string.Empty : "Forged: ") + string.Join(" ", detours));
                }
                text = string.Join(" ", parts);
                return MailRouteVerdict.Forged;
            }
            if (fields.All(f => f.FromAddress == null && f.FromReverseName == null))
            {
                text = n == 1
                    ? "Unverifiable: the server did not record the address of its client."
                    : "Unverifiable: no server recorded the address of its client, so the hops chain only on names " +
                      "the senders chose.";
                return MailRouteVerdict.Unverifiable;
            }
            var flagged = new List<string>();
            for (int i = 0; i < n; i++)
            {
                string[] kinds = flags[i].Where(f => f.Kind != MailRouteFlagKind.Untrusted)
                    .Select(f => f.Kind.ToString()).Distinct().ToArray();
                if (kinds.Length > 0) flagged.Add($"hop {i + 1} ({string.Join(", ", kinds)})");
            }
            string untrusted = UntrustedNote(trusted, options);
            if (flagged.Count > 0)
            {
                text = (n == 1 ? "Suspicious: " : "Suspicious: the hops chain, but ") + string.Join(", ", flagged) +
                    (flagged.Count == 1 ? " is flagged." : " are flagged.") + untrusted;
                return MailRouteVerdict.Suspicious;
            }
            if (n == 1)
            {
                text = $"Consistent: one hop; {fields[0].By ?? "the server"} recorded its client as " +
                    $"{Identity(fields[0])}.{untrusted}";
                return MailRouteVerdict.Consistent;
            }
            var notes = new List<string>();
            if (claimedLinks > 0)
            {
                notes.Add(claimedLinks == 1
                    ? "one link rests on the name its client gave, as no reverse name was recorded"
                    : $"{claimedLinks} links rest on the names their clients gave, as no reverse names were recorded");
            }
            if (unverifiable.Count > 0)
            {
                notes.Add("below hop " + string.Join(" and hop ", unverifiable.Select(i => (i + 1).ToString(
                    CultureInfo.InvariantCulture))) + " nothing was recorded to check against");
            }
            text = $"Consistent: each of the {n} hops chains to the client the next server recorded" +
                (notes.Count > 0 ? " (" + string.Join("; ", notes) + ")." : ".") + untrusted;
            return MailRouteVerdict.Consistent;
        }

        private static string UntrustedNote(bool[] trusted, MailRouteOptions options)
        {
            if (options.TrustedHosts.Count == 0) return string.Empty;
            int entry = Array.LastIndexOf(trusted, true);
            while (entry > 0 && trusted[entry - 1]) entry--;
            if (entry <= 0) return string.Empty;
            string below = entry == 1 ? "Hop 1 was" : $"Hops 1-{entry} were";
            return $" {below} written before your first trusted host (hop {entry + 1}) and cannot be proven.";
        }

        /// <summary>How the client that <paramref name="upper"/>'s server recorded relates to the line below.</summary>
        private static Link Classify(ReceivedField lower, ReceivedField upper, MailRouteOptions options,
            out string? why)
        {
            why = null;
            string? by = lower.By;
            if (by == null || upper.From == null) return Link.Unverifiable;
            string identity = Identity(upper);
            string upperBy = upper.By ?? "the next server";
            IPAddress? byAddress = ReceivedField.ParseLiteral(by) ?? ParseBareAddress(by);

            // A host handing mail to itself over loopback (a content filter, a list server re-injecting).
            if (upper.FromAddress != null && IPAddress.IsLoopback(upper.FromAddress) && SameHost(by, upper.By))
                return Link.Confirmed;
            if (byAddress != null)
            {
                // Servers that name themselves by address (Gmail's "by 2002:a05:...") say nothing checkable about
                // their other interfaces.
                return upper.FromAddress != null && byAddress.Equals(upper.FromAddress)
                    ? Link.Confirmed
                    : Link.Unverifiable;
            }
            ExpectedHost? known =
                options.ExpectedPath.FirstOrDefault(h => h.Addresses.Count > 0 && SameHost(h.Name, by));
            if (known != null && upper.FromAddress != null)
            {
                if (known.Addresses.Any(a => a.Equals(upper.FromAddress))) return Link.Confirmed;
                why = $"It says it was received by '{by}', whose address is {string.Join(", ", known.Addresses)}, " +
                    $"but the server of the hop above ('{upperBy}') recorded its client as {identity}.";
                return Link.Contradicted;
            }
            if (upper.FromReverseName != null)
            {
                if (SameHost(by, upper.FromReverseName) || SameOrganization(by, upper.FromReverseName))
                    return Link.Confirmed;
                if (SameHost(by, upper.FromName))
                {
                    why = $"It says it was received by '{by}', the name the client of the hop above only claimed " +
                        $"(HELO); '{upperBy}' recorded that client as {identity}. A line naming the claimed host " +
                        "instead of the recorded one was written by the sender.";
                    return Link.Contradicted;
                }
            }
            else
            {
                if (SameHost(by, upper.FromName) || SameOrganization(by, upper.FromName)) return Link.Claimed;
                // A client that named itself only by an address literal gives no name to compare.
                if (ReceivedField.ParseLiteral(upper.FromName) != null) return Link.Unverifiable;
            }
            why = $"It says it was received by '{by}', but the server of the hop above ('{upperBy}') recorded its " +
                $"client as {identity}: the chain breaks here, so this line was not written by that client.";
            return Link.Broken;
        }

        /// <summary>The recorded client of a hop in words: "turmeric.com [104.128.23.115]".</summary>
        private static string Identity(ReceivedField f)
        {
            string address = f.FromAddress == null ? string.Empty : "[" + f.FromAddress + "]";
            if (f.FromReverseName != null) return (f.FromReverseName + " " + address).Trim();
            string claimed = f.FromName ?? f.From ?? "?";
            if (address.Length == 0) return $"'{claimed}' (no address recorded)";
            return ReceivedField.ParseLiteral(claimed) != null
                ? address
                : $"{address} (no reverse name recorded; it said it was '{claimed}')";
        }

        /// <summary>Firewalls A and B pass mail straight to each other: a host between them is a forged line.</summary>
        private static List<string> CheckExpectedPath(List<ReceivedField> fields, IReadOnlyList<ExpectedHost> path,
            List<MailRouteFlag>[] flags)
        {
            var detours = new List<string>();
            if (path.Count < 2) return detours;
            int n = fields.Count;
            // Position 0 is hop 1's client; position p (1..n) is hop p's server, which is also hop p+1's client.
            var matched = new ExpectedHost?[n + 1];
            for (int p = 0; p <= n; p++) matched[p] = path.FirstOrDefault(h => AtPosition(fields, p, h));
            int first = Array.FindIndex(matched, m => m != null);
            int last = Array.FindLastIndex(matched, m => m != null);
            if (first < 0 || matched[first] == matched[last]) return detours;
            for (int p = first + 1; p < last; p++)
            {
                if (matched[p] != null) continue;
                string host = fields[p - 1].By ?? Identity(fields[p]);
                string reason = $"Mail between {matched[first]!.Display} and {matched[last]!.Display} passes " +
                    $"directly (-ExpectedPath), yet this line has it pass through '{host}': the line was forged, " +
                    "or the path is not what you expect.";
                flags[p - 1].Add(new MailRouteFlag(p, MailRouteFlagKind.UnexpectedHost, reason));
                if (p < n) flags[p].Add(new MailRouteFlag(p + 1, MailRouteFlagKind.UnexpectedHost, reason));
                detours.Add($"Mail between {matched[first]!.Name} and {matched[last]!.Name} passed through " +
                    $"'{host}' (hop {p}{(p < n ? " and " + (p + 1) : string.Empty)}), which -ExpectedPath rules out.");
            }
            return detours;
        }

        private static bool AtPosition(List<ReceivedField> fields, int p, ExpectedHost host)
        {
            if (p >= 1)
            {
                string? by = fields[p - 1].By;
                if (SameHost(by, host.Name)) return true;
                IPAddress? byAddress = ReceivedField.ParseLiteral(by) ?? ParseBareAddress(by);
                if (byAddress != null && host.Addresses.Any(a => a.Equals(byAddress))) return true;
            }
            if (p >= fields.Count) return false;
            ReceivedField client = fields[p];
            if (client.FromAddress != null && host.Addresses.Any(a => a.Equals(client.FromAddress))) return true;
            if (SameHost(client.FromReverseName, host.Name)) return true;
            return host.Addresses.Count == 0 && client.FromReverseName == null && SameHost(client.FromName, host.Name);
        }

        private static IPAddress? ParseBareAddress(string? text)
        {
            if (text == null || text.IndexOf('.') < 0 && text.IndexOf(':') < 0) return null;
            if (!IPAddress.TryParse(text, out IPAddress? address)) return null;
            // IPAddress.TryParse takes "1" or "1.2" as IPv4; a host name never parses, a partial number must not.
            return text.IndexOf(':') >= 0 || text.Count(c => c == '.') == 3 ? address : null;
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
            if (f.FromReverseName == null || SameHost(f.FromName, f.FromReverseName) ||
                SameOrganization(f.FromName, f.FromReverseName))
            {
                return;
            }
            // A server handing mail to itself over loopback says its own name; the address is "localhost".
            if (f.FromAddress != null && IPAddress.IsLoopback(f.FromAddress) && SameHost(f.FromName, f.By)) return;
            string address = f.FromAddress == null ? "its address" : $"its address {f.FromAddress}";
            flags.Add(new MailRouteFlag(hop, MailRouteFlagKind.NameMismatch,
                $"The client claimed to be '{f.FromName}' (HELO), but {address} was recorded as " +
                $"'{f.FromReverseName}' by {f.By ?? "the receiving server"}: the claimed name is not the sender's."));
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
                // A server handing the message to itself (content filter, list server) over loopback.
                if (IPAddress.IsLoopback(address) && i > 0 && SameHost(fields[i].By, fields[i - 1].By)) continue;
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

        // Second-level labels under which registries sell names (example.co.uk, example.com.cn).
        private static readonly HashSet<string> PublicSecondLevel = new HashSet<string>(
            new[] { "co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go" },
            StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// Both names end in the same registered domain (mail-am6eur05on2041.outbound.protection.outlook.com and
        /// AM6PR04MB5678.eurprd04.prod.outlook.com): large providers name the two sides of one hop differently.
        /// </summary>
        private static bool SameOrganization(string? a, string? b)
        {
            string? x = RegisteredDomain(a);
            return x != null && string.Equals(x, RegisteredDomain(b), StringComparison.OrdinalIgnoreCase);
        }

        private static string? RegisteredDomain(string? name)
        {
            if (name == null || name.StartsWith("[", StringComparison.Ordinal)) return null;
            string[] labels = name.Trim().TrimEnd('.').Split('.');
            if (labels.Length < 2 || labels.Any(l => l.Length == 0)) return null;
            int take = labels.Length >= 3 && labels[labels.Length - 1].Length == 2 &&
                PublicSecondLevel.Contains(labels[labels.Length - 2]) ? 3 : 2;
            if (labels.Length < take) return null;
            return string.Join(".", labels, labels.Length - take, take);
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
