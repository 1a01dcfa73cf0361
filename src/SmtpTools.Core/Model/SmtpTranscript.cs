using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>Who wrote a transcript line.</summary>
    public enum SmtpTranscriptDirection
    {
        /// <summary>Sent by us to the server.</summary>
        Client,
        /// <summary>Received from the server.</summary>
        Server,
        /// <summary>A note about the session (connected, TLS established, certificate).</summary>
        Info,
    }

    /// <summary>One line of an SMTP conversation, or a note about it.</summary>
    public sealed class SmtpTranscriptEntry
    {
        internal SmtpTranscriptEntry(DateTimeOffset timestamp, TimeSpan elapsed, SmtpTranscriptDirection direction,
            bool isTls, string text, SmtpReply? reply = null)
        {
            Timestamp = timestamp;
            Elapsed = elapsed;
            Direction = direction;
            IsTls = isTls;
            Text = text;
            Reply = reply;
        }

        /// <summary>When the line was sent or received.</summary>
        public DateTimeOffset Timestamp { get; }

        /// <summary>Time since the connection was opened.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>Client, Server or Info.</summary>
        public SmtpTranscriptDirection Direction { get; }

        /// <summary>True when the line travelled inside TLS.</summary>
        public bool IsTls { get; }

        /// <summary>The line as sent or received, with secrets replaced by a marker.</summary>
        public string Text { get; }

        /// <summary>For the last line of a server reply, the whole reply it completes; otherwise null.</summary>
        public SmtpReply? Reply { get; }

        /// <summary>The swaks-style glyph: -&gt; and &lt;- in the clear, ~&gt; and &lt;~ inside TLS, === for notes.</summary>
        public string Glyph => Direction switch
        {
            SmtpTranscriptDirection.Client => IsTls ? "~>" : "->",
            SmtpTranscriptDirection.Server => IsTls ? "<~" : "<-",
            _ => "===",
        };

        /// <summary>The line as swaks would print it.</summary>
        public override string ToString() => Glyph + " " + Text;
    }

    /// <summary>Receives transcript entries as the conversation happens; called from any thread.</summary>
    public interface ITranscriptSink
    {
        /// <summary>Records one entry.</summary>
        void Write(SmtpTranscriptEntry entry);
    }

    /// <summary>The whole conversation of one session, in order.</summary>
    public sealed class SmtpTranscript : ITranscriptSink
    {
        private readonly List<SmtpTranscriptEntry> _entries = new List<SmtpTranscriptEntry>();
        private readonly ITranscriptSink? _forward;
        private int _omitted;
        private bool _hasNote;

        internal SmtpTranscript(ITranscriptSink? forward = null) => _forward = forward;

        /// <summary>The entries so far.</summary>
        public IReadOnlyList<SmtpTranscriptEntry> Entries
        {
            get { lock (_entries) return _entries.ToArray(); }
        }

        /// <summary>Appends an entry and forwards it to the live sink, if any.</summary>
        public void Write(SmtpTranscriptEntry entry)
        {
            lock (_entries) _entries.Add(entry);
            _forward?.Write(entry);
        }

        internal int Count
        {
            get { lock (_entries) return _entries.Count; }
        }

        /// <summary>
        /// Keeps the first <paramref name="keep"/> entries and replaces the rest with one note saying how many lines
        /// were dropped so far, so that a connection carrying thousands of messages holds a bounded transcript. The
        /// live sink already received every dropped entry.
        /// </summary>
        internal void Compact(int keep, Func<int, SmtpTranscriptEntry> note)
        {
            lock (_entries)
            {
                int removed = _entries.Count - keep - (_hasNote ? 1 : 0);
                if (removed <= 0) return;
                _omitted += removed;
                _entries.RemoveRange(keep, _entries.Count - keep);
                _entries.Add(note(_omitted));
                _hasNote = true;
            }
        }

        /// <summary>A copy of the entries so far, untouched by later writes and compaction (for exceptions).</summary>
        internal SmtpTranscript Snapshot()
        {
            var copy = new SmtpTranscript();
            lock (_entries) copy._entries.AddRange(_entries);
            return copy;
        }

        /// <summary>The transcript as swaks-style text, one entry a line.</summary>
        public override string ToString()
        {
            lock (_entries) return string.Join(Environment.NewLine, _entries);
        }
    }
}
