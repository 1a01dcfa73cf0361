using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>What became of one message (or, with direct delivery, of its copy for one domain).</summary>
    public enum SmtpSendStatus
    {
        /// <summary>The server answered 250 to the data for every recipient: it took responsibility for them all.</summary>
        Sent,
        /// <summary>The server answered 250 to the data, but refused some recipients (see RejectedRecipients).</summary>
        PartiallySent,
        /// <summary>Written as an .eml file into a pickup folder.</summary>
        Written,
        /// <summary>A server refused it for good (sender, every recipient, the data, its size); sending it again
        /// unchanged will not help.</summary>
        Rejected,
        /// <summary>Not sent for now (a 4xx, no connection, a timeout before the data was complete); it may go
        /// through later, and -RetryCount retries it.</summary>
        Deferred,
        /// <summary>
        /// The whole message went out but the server's answer to its end never came: it may or may not have been
        /// delivered, so it is never retried (that could deliver it twice).
        /// </summary>
        Unknown,
        /// <summary>Never offered to a server: TLS or the login failed first, or the command stopped.</summary>
        NotAttempted,
    }

    /// <summary>The outcome of Send-SmtpMessage for one message: recipients, replies, connection and transcript.</summary>
    public sealed class SmtpSendResult
    {
        internal SmtpSendResult(string? messageId, string? domain, string server, int port, string? address,
            SmtpTlsInfo? tls, int sessionId, SmtpSendStatus status, SmtpFailureKind? failureKind, string from,
            IReadOnlyList<string> recipients, IReadOnlyList<string> accepted,
            IReadOnlyList<SmtpRecipientResult> rejected, SmtpReply? dataReply, int attempts, TimeSpan elapsed,
            IReadOnlyList<SmtpTranscriptEntry> transcript, string? path = null, string? error = null)
        {
            MessageId = messageId;
            Domain = domain;
            Server = server;
            Port = port;
            Address = address;
            Tls = tls;
            SessionId = sessionId;
            Status = status;
            FailureKind = failureKind;
            From = from;
            Recipients = recipients;
            AcceptedRecipients = accepted;
            RejectedRecipients = rejected;
            DataReply = dataReply;
            Attempts = attempts;
            Elapsed = elapsed;
            Transcript = transcript;
            Path = path;
            Error = error;
        }

        /// <summary>The Message-Id header, without angle brackets.</summary>
        public string? MessageId { get; }

        /// <summary>With -DirectDelivery, the recipient domain this result is for; otherwise null.</summary>
        public string? Domain { get; }

        /// <summary>The server the message went to (the smart host, or the mail exchanger's name).</summary>
        public string Server { get; }

        /// <summary>The TCP port.</summary>
        public int Port { get; }

        /// <summary>The address actually connected to, as ip:port.</summary>
        public string? Address { get; }

        /// <summary>The TLS session the message went over, or null in the clear.</summary>
        public SmtpTlsInfo? Tls { get; }

        /// <summary>Which connection carried the message: results with the same id shared one connection.</summary>
        public int SessionId { get; }

        /// <summary>Sent, PartiallySent, Written, Rejected, Deferred, Unknown or NotAttempted.</summary>
        public SmtpSendStatus Status { get; }

        /// <summary>Why it was not sent, as the stable error id; null when it was.</summary>
        public SmtpFailureKind? FailureKind { get; }

        /// <summary>True only when the server answered 250 to the data for at least one recipient.</summary>
        public bool Delivered => Status == SmtpSendStatus.Sent || Status == SmtpSendStatus.PartiallySent;

        /// <summary>The server's queue id from its answer to the data ("queued as 4Xk2…"), when it gave one.</summary>
        public string? QueueId => DataReply != null && DataReply.IsPositive ? QueueIds.Find(DataReply.Text) : null;

        /// <summary>The envelope sender (MAIL FROM); empty for the null sender.</summary>
        public string From { get; }

        /// <summary>Every envelope recipient of the message (of this domain, with direct delivery): To, Cc and Bcc.</summary>
        public IReadOnlyList<string> Recipients { get; }

        /// <summary>The recipients the server accepted and the message was delivered to.</summary>
        public IReadOnlyList<string> AcceptedRecipients { get; }

        /// <summary>The recipients the message did not reach, each with the server's reply.</summary>
        public IReadOnlyList<SmtpRecipientResult> RejectedRecipients { get; }

        /// <summary>The server's reply to the end of the data (its queue id), or to a refused DATA.</summary>
        public SmtpReply? DataReply { get; }

        /// <summary>How many attempts it took (1 without retries).</summary>
        public int Attempts { get; }

        /// <summary>Time from the first attempt to the result.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>The conversation that carried this message, secrets redacted.</summary>
        public IReadOnlyList<SmtpTranscriptEntry> Transcript { get; }

        /// <summary>With -PickupDirectory, the .eml file written.</summary>
        public string? Path { get; }

        /// <summary>Why the message was not sent, in words; null when it was.</summary>
        public string? Error { get; }
    }
}

namespace SmtpTools
{
    /// <summary>Finds the queue id in a positive reply to the data, in the forms the common servers use.</summary>
    internal static class QueueIds
    {
        private static readonly System.Text.RegularExpressions.Regex[] Forms =
        {
            // Postfix "Ok: queued as 4Xk2…", Exim "OK id=1abc-…", Sendmail "… Message accepted for delivery",
            // Exchange "[InternalId=…] Queued mail for delivery", Gmail "OK  1712345678 a1-…gsmtp".
            new System.Text.RegularExpressions.Regex(@"queued as ([A-Za-z0-9._-]+)",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase),
            new System.Text.RegularExpressions.Regex(@"\bid=([A-Za-z0-9._-]+)",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase),
            new System.Text.RegularExpressions.Regex(@"InternalId=([0-9]+)"),
            new System.Text.RegularExpressions.Regex(@"^([A-Za-z0-9]{8,}) Message accepted"),
            new System.Text.RegularExpressions.Regex(@"(\S+) - gsmtp"),
        };

        internal static string? Find(string text)
        {
            foreach (var form in Forms)
            {
                var match = form.Match(text);
                if (match.Success) return match.Groups[1].Value;
            }
            return null;
        }
    }
}
