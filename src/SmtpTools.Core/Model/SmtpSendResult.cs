using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>What became of one message (or, with direct delivery, of its copy for one domain).</summary>
    public enum SmtpSendStatus
    {
        /// <summary>The server answered 250 to the data: it took responsibility for the message.</summary>
        Sent,
        /// <summary>Written as an .eml file into a pickup folder.</summary>
        Written,
        /// <summary>Not sent: refused, or no connection could carry it.</summary>
        Failed,
        /// <summary>
        /// The whole message went out but the server's answer to its end never came: it may or may not have been
        /// delivered, so it is not retried (that could deliver it twice).
        /// </summary>
        Unknown,
    }

    /// <summary>The outcome of Send-SmtpMessage for one message: recipients, replies, connection and transcript.</summary>
    public sealed class SmtpSendResult
    {
        internal SmtpSendResult(string? messageId, string? domain, string server, int port, string? address,
            SmtpTlsInfo? tls, int sessionId, SmtpSendStatus status, string from, IReadOnlyList<string> accepted,
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
            From = from;
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

        /// <summary>Sent, Written, Failed or Unknown.</summary>
        public SmtpSendStatus Status { get; }

        /// <summary>True only when the server answered 250 to the data for at least one recipient.</summary>
        public bool Delivered => Status == SmtpSendStatus.Sent;

        /// <summary>The envelope sender (MAIL FROM); empty for the null sender.</summary>
        public string From { get; }

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
