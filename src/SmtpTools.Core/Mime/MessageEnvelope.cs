using System.Collections.Generic;
using System.Net.Mail;

namespace SmtpTools.Core.Mime
{
    /// <summary>What goes into MAIL FROM and RCPT TO for one message (RFC 5321 §3.3), apart from its headers.
    /// Plain data for the SMTP layer's own envelope type.</summary>
    internal sealed class MessageEnvelope
    {
        internal MessageEnvelope(string mailFrom, IReadOnlyList<string> recipients, DeliveryNotificationOptions notify)
        {
            MailFrom = mailFrom;
            Recipients = recipients;
            // RFC 3461 §4.1: NEVER must stand alone, so it wins over any other flag given with it.
            Notify = (notify & DeliveryNotificationOptions.Never) != 0 ? DeliveryNotificationOptions.Never : notify;
        }

        /// <summary>The reverse-path without angle brackets; empty for the null reverse-path <c>&lt;&gt;</c>.</summary>
        public string MailFrom { get; }

        /// <summary>Each forward-path once, without angle brackets, in the order To, Cc, Bcc.</summary>
        public IReadOnlyList<string> Recipients { get; }

        /// <summary>DSN NOTIFY flags for every RCPT (RFC 3461 §4.1); None means send no NOTIFY parameter.</summary>
        public DeliveryNotificationOptions Notify { get; }
    }
}
