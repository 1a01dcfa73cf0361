using System.Collections.Generic;
using System.Net.Mail;

namespace SmtpTools.Core.Mime
{
    /// <summary>What goes into MAIL FROM and RCPT TO for one message (RFC 5321 §3.3), apart from its headers.</summary>
    internal sealed class SmtpEnvelope
    {
        internal SmtpEnvelope(string mailFrom, IReadOnlyList<string> recipients, DeliveryNotificationOptions notify)
        {
            MailFrom = mailFrom;
            Recipients = recipients;
            Notify = notify;
        }

        /// <summary>The reverse-path without angle brackets; empty for the null reverse-path <c>&lt;&gt;</c>.</summary>
        public string MailFrom { get; }

        /// <summary>Each forward-path once, without angle brackets, in the order To, Cc, Bcc.</summary>
        public IReadOnlyList<string> Recipients { get; }

        /// <summary>DSN NOTIFY flags for every RCPT (RFC 3461 §4.1); None means send no NOTIFY parameter.</summary>
        public DeliveryNotificationOptions Notify { get; }
    }
}
