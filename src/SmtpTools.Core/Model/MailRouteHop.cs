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
            bool isTrusted, IReadOnlyList<MailRouteFlag> flags, string received, string? source)
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
}
