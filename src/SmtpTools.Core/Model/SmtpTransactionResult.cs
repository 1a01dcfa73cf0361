using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools
{
    /// <summary>Which delivery status notifications to ask for on a recipient (RFC 3461 NOTIFY).</summary>
    [Flags]
    public enum SmtpDsnNotify
    {
        /// <summary>Leave it to the server (usually failures and delays).</summary>
        Default = 0,
        /// <summary>Never send a notification.</summary>
        Never = 1,
        /// <summary>Notify on delivery.</summary>
        Success = 2,
        /// <summary>Notify on failure.</summary>
        Failure = 4,
        /// <summary>Notify on delay.</summary>
        Delay = 8,
    }

    /// <summary>How much of the message a DSN should return (RFC 3461 RET).</summary>
    public enum SmtpDsnReturn
    {
        /// <summary>Leave it to the server.</summary>
        Default,
        /// <summary>The whole message.</summary>
        Full,
        /// <summary>The headers only.</summary>
        Headers,
    }

    /// <summary>The server's answer to one RCPT TO.</summary>
    public sealed class SmtpRecipientResult
    {
        internal SmtpRecipientResult(string address, SmtpReply reply)
        {
            Address = address;
            Reply = reply;
        }

        /// <summary>The recipient address as sent.</summary>
        public string Address { get; }

        /// <summary>The reply to its RCPT TO.</summary>
        public SmtpReply Reply { get; }

        /// <summary>True when the server accepted the recipient (2yz).</summary>
        public bool Accepted => Reply.IsSuccess;

        /// <summary>Address and reply code.</summary>
        public override string ToString() => $"{Address}: {Reply.Code}";
    }

    /// <summary>What happened to one mail transaction (MAIL FROM, RCPT TO..., DATA or BDAT) on one server.</summary>
    public sealed class SmtpTransactionResult
    {
        internal SmtpTransactionResult(string from, SmtpReply mailFromReply, IReadOnlyList<SmtpRecipientResult> recipients,
            SmtpReply? dataReply, long bytesSent, long linesSent, bool usedPipelining, bool usedChunking,
            TimeSpan elapsed)
        {
            From = from;
            MailFromReply = mailFromReply;
            Recipients = recipients;
            DataReply = dataReply;
            BytesSent = bytesSent;
            LinesSent = linesSent;
            UsedPipelining = usedPipelining;
            UsedChunking = usedChunking;
            Elapsed = elapsed;
        }

        /// <summary>The envelope sender; empty for the null sender &lt;&gt;.</summary>
        public string From { get; }

        /// <summary>The reply to MAIL FROM.</summary>
        public SmtpReply MailFromReply { get; }

        /// <summary>Every recipient with its own reply, in the order sent.</summary>
        public IReadOnlyList<SmtpRecipientResult> Recipients { get; }

        /// <summary>The recipients the server accepted.</summary>
        public IReadOnlyList<string> AcceptedRecipients =>
            _accepted ??= Recipients.Where(r => r.Accepted).Select(r => r.Address).ToArray();

        private string[]? _accepted;

        /// <summary>The recipients the server refused, each with its reply.</summary>
        public IReadOnlyList<SmtpRecipientResult> RejectedRecipients => Recipients.Where(r => !r.Accepted).ToArray();

        /// <summary>
        /// The reply that decided the message: to the final "." (DATA), to BDAT ... LAST, or to a refused DATA/BDAT.
        /// Null when no recipient was accepted and no data was sent.
        /// </summary>
        public SmtpReply? DataReply { get; }

        /// <summary>True only when the server took responsibility for the message (250 to the end of data).</summary>
        public bool Delivered => DataReply != null && DataReply.Code == 250 && Recipients.Any(r => r.Accepted);

        /// <summary>Message bytes sent on the wire, line endings and dot-stuffing included.</summary>
        public long BytesSent { get; }

        /// <summary>Message lines sent.</summary>
        public long LinesSent { get; }

        /// <summary>True when MAIL, RCPT and DATA went out as one PIPELINING batch (RFC 2920).</summary>
        public bool UsedPipelining { get; }

        /// <summary>True when the message went as BDAT chunks (RFC 3030) rather than DATA.</summary>
        public bool UsedChunking { get; }

        /// <summary>Time from MAIL FROM to the last reply.</summary>
        public TimeSpan Elapsed { get; }
    }
}
