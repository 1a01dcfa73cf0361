using System;
using System.Collections.Generic;
using System.Globalization;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The SMTP servers used in this process (Send-SmtpMessage, Test-SmtpAuth, Connect-SmtpServer), most recent
    /// first, with the ports used, so that -SmtpServer can complete them.
    /// </summary>
    internal static class SmtpServerHistory
    {
        // Enough for anyone's session; the oldest go first.
        private const int Capacity = 64;
        private static readonly List<Entry> Entries = new List<Entry>();

        /// <summary>Remembers that <paramref name="server"/> was used on <paramref name="port"/>.</summary>
        internal static void Record(string? server, int port)
        {
            if (string.IsNullOrWhiteSpace(server)) return;
            string name = server!.Trim();
            lock (Entries)
            {
                int index = Entries.FindIndex(e => string.Equals(e.Server, name, StringComparison.OrdinalIgnoreCase));
                Entry entry = index >= 0 ? Entries[index] : new Entry(name);
                if (index >= 0) Entries.RemoveAt(index);
                entry.Ports.Remove(port);
                entry.Ports.Insert(0, port);
                Entries.Insert(0, entry);
                if (Entries.Count > Capacity) Entries.RemoveAt(Entries.Count - 1);
            }
        }

        /// <summary>The servers used so far, most recent first, each with its ports ("587, 25").</summary>
        internal static IReadOnlyList<(string Server, string Ports)> Used()
        {
            lock (Entries)
            {
                var used = new List<(string, string)>(Entries.Count);
                foreach (Entry entry in Entries)
                {
                    used.Add((entry.Server, string.Join(", ",
                        entry.Ports.ConvertAll(p => p.ToString(CultureInfo.InvariantCulture)))));
                }
                return used;
            }
        }

        private sealed class Entry
        {
            internal Entry(string server) => Server = server;

            internal string Server { get; }

            internal List<int> Ports { get; } = new List<int>();
        }
    }
}
