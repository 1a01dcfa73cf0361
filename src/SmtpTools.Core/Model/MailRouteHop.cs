using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>What is suspicious about a Received line.</summary>
    public enum MailRouteFlagKind
    {
        /// <summary>The line could not be read as a Received field (no from/by, or no date).</summary>
        Malformed,

        /// <summary>The name the client claimed (HELO) is not what its address was recorded as.</summary>
        NameMismatch,

        /// <summary>This hop's "from" is not the previous hop's "by".</summary>
        BrokenChain,

        /// <summary>The timestamp is earlier than the previous hop's.</summary>
        TimeReversed,

        /// <summary>The timestamp lies in the future.</summary>
        FutureTimestamp,

        /// <summary>Written before the message reached a trusted host, so the sender could have forged it.</summary>
        Untrusted,

        /// <summary>A private address appears after the message already came from a public one.</summary>
        PrivateAfterPublic,

        /// <summary>
        /// Below the hop where the chain breaks or a recorded identity contradicts a claim: written by the sender.
        /// </summary>
        AddedBySender,

        /// <summary>The line names a host between two hosts of -ExpectedPath, which exchange mail directly.</summary>
        UnexpectedHost,
    }

    /// <summary>What the Received lines of one message prove, read from your own servers down.</summary>
    public enum MailRouteVerdict
    {
        /// <summary>Every hop chains to the client the next server recorded, and nothing is flagged.</summary>
        Consistent,

        /// <summary>The hops chain, but some are flagged (dates, names, addresses).</summary>
        Suspicious,

        /// <summary>Lines below some hop were written by the sender, or the path passes a host it cannot.</summary>
        Forged,

        /// <summary>Nothing can be checked: no trusted line, or no server recorded its client.</summary>
        Unverifiable,
    }

    /// <summary>One finding about one hop, with the reason in words.</summary>
    public sealed class MailRouteFlag
    {
        internal MailRouteFlag(int hop, MailRouteFlagKind kind, string reason)
        {
            Hop = hop;
            Kind = kind;
            Reason = reason;
        }

        /// <summary>The hop the finding is about (1 = oldest).</summary>
        public int Hop { get; }

        /// <summary>What kind of finding it is.</summary>
        public MailRouteFlagKind Kind { get; }

        /// <summary>Why the hop is flagged, in words.</summary>
        public string Reason { get; }

        /// <summary>The kind and the reason.</summary>
        public override string ToString() => Kind + ": " + Reason;
    }

    /// <summary>One Received: header as a hop of the message's path (Get-MailRoute), oldest hop first.</summary>
    public sealed class MailRouteHop
    {
        internal MailRouteHop(int hop, string? fromName, string? fromReverseName, string? fromAddress, string? byName,
            string? via, string? with, string? id, string? @for, DateTimeOffset? timestamp, TimeSpan? delay,
            bool isTrusted, IReadOnlyList<MailRouteFlag> flags, string received, string? source,
            MailRouteVerdict verdict, string verdictText)
        {
            Hop = hop;
            FromName = fromName;
            FromReverseName = fromReverseName;
            FromAddress = fromAddress;
            ByName = byName;
            Via = via;
            With = with;
            Id = id;
            For = @for;
            Timestamp = timestamp;
            Delay = delay;
            IsTrusted = isTrusted;
            Flags = flags;
            Received = received;
            Source = source;
            Verdict = verdict;
            VerdictText = verdictText;
        }

        /// <summary>The hop's number, 1 for the oldest (the bottom Received line).</summary>
        public int Hop { get; }

        /// <summary>The name the sending client claimed (its HELO/EHLO argument).</summary>
        public string? FromName { get; }

        /// <summary>The name the receiver found for the client's address (reverse DNS), when it recorded one.</summary>
        public string? FromReverseName { get; }

        /// <summary>The client's IP address as the receiving server recorded it.</summary>
        public string? FromAddress { get; }

        /// <summary>The server that received the message and wrote this line.</summary>
        public string? ByName { get; }

        /// <summary>The "via" clause (link type), if any.</summary>
        public string? Via { get; }

        /// <summary>The protocol, such as ESMTP, ESMTPS or ESMTPSA (RFC 3848).</summary>
        public string? With { get; }

        /// <summary>The receiving server's queue or message id.</summary>
        public string? Id { get; }

        /// <summary>The recipient the line was written for, if given.</summary>
        public string? For { get; }

        /// <summary>When the receiving server got the message.</summary>
        public DateTimeOffset? Timestamp { get; }

        /// <summary>The time since the previous hop's timestamp; null for the first hop or a missing date.</summary>
        public TimeSpan? Delay { get; }

        /// <summary>True when the line was written by a host named in -TrustedHost.</summary>
        public bool IsTrusted { get; }

        /// <summary>Everything suspicious about the hop, each with its reason.</summary>
        public IReadOnlyList<MailRouteFlag> Flags { get; }

        /// <summary>True when the hop has at least one flag.</summary>
        public bool IsSuspicious => Flags.Count > 0;

        /// <summary>True when the line lies below the hop where the forgery shows: the sender wrote it.</summary>
        public bool AddedBySender
        {
            get
            {
                foreach (MailRouteFlag flag in Flags) if (flag.Kind == MailRouteFlagKind.AddedBySender) return true;
                return false;
            }
        }

        /// <summary>The verdict on the whole route this hop belongs to (the same for every hop of a message).</summary>
        public MailRouteVerdict Verdict { get; }

        /// <summary>The verdict on the whole route in one line of words, to read before the hops.</summary>
        public string VerdictText { get; }

        /// <summary>The Received field's value, unfolded.</summary>
        public string Received { get; }

        /// <summary>The file or input the header came from, if known.</summary>
        public string? Source { get; }

        /// <summary>From, by and date on one line.</summary>
        public override string ToString() =>
            $"{Hop}: from {FromName ?? "?"} [{FromAddress ?? "?"}] by {ByName ?? "?"}" +
            (Timestamp.HasValue
                ? "; " + Timestamp.Value.ToString("u", System.Globalization.CultureInfo.InvariantCulture)
                : string.Empty);
    }

    /// <summary>The verdict on one message's route (Get-MailRoute -Summary), with its hops.</summary>
    public sealed class MailRouteSummary
    {
        internal MailRouteSummary(MailRouteVerdict verdict, string text, int? forgedBelowHop,
            IReadOnlyList<int> addedBySenderHops, string? realClient, IReadOnlyList<MailRouteHop> hops,
            string? source)
        {
            Verdict = verdict;
            Text = text;
            ForgedBelowHop = forgedBelowHop;
            AddedBySenderHops = addedBySenderHops;
            RealClient = realClient;
            Hops = hops;
            Source = source;
        }

        /// <summary>What the route proves.</summary>
        public MailRouteVerdict Verdict { get; }

        /// <summary>The verdict in one line of words.</summary>
        public string Text { get; }

        /// <summary>The hop whose server's record shows the forgery; the sender wrote every hop below it.</summary>
        public int? ForgedBelowHop { get; }

        /// <summary>The hops written by the sender (1 = oldest), empty when none are.</summary>
        public IReadOnlyList<int> AddedBySenderHops { get; }

        /// <summary>The client that handed the message over at <see cref="ForgedBelowHop"/>, as recorded.</summary>
        public string? RealClient { get; }

        /// <summary>The number of Received lines.</summary>
        public int HopCount => Hops.Count;

        /// <summary>The hops, oldest first.</summary>
        public IReadOnlyList<MailRouteHop> Hops { get; }

        /// <summary>The file or input the header came from, if known.</summary>
        public string? Source { get; }

        /// <summary>The verdict in words.</summary>
        public override string ToString() => Text;
    }
}
