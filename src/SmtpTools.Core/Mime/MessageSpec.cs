using System.Collections.Generic;
using System.Net.Mail;

namespace SmtpTools.Core.Mime
{
    /// <summary>
    /// A message as the user described it, in plain .NET types (Send-MailMessage's parameters plus ours).
    /// Nothing here is validated; <see cref="MessageComposer"/> does that before any connection is made.
    /// </summary>
    internal sealed class MessageSpec
    {
        /// <summary>The From: mailbox as typed: <c>a@b</c>, <c>"Name" &lt;a@b&gt;</c>, <c>Name
        /// &lt;a@b&gt;</c>.</summary>
        public string? From { get; set; }

        /// <summary>To: recipients; one string may hold a comma-separated list, as MailAddressCollection.Add
        /// allows.</summary>
        public IList<string> To { get; set; } = new List<string>();

        /// <summary>Cc: recipients.</summary>
        public IList<string> Cc { get; set; } = new List<string>();

        /// <summary>Bcc: recipients; they go into the envelope only, never into a header.</summary>
        public IList<string> Bcc { get; set; } = new List<string>();

        /// <summary>Reply-To: addresses.</summary>
        public IList<string> ReplyTo { get; set; } = new List<string>();

        /// <summary>The Sender: mailbox, when someone sends on behalf of From.</summary>
        public string? Sender { get; set; }

        /// <summary>The Subject: text.</summary>
        public string? Subject { get; set; }

        /// <summary>Send-MailMessage's -Body: text/plain, or text/html with <see cref="BodyAsHtml"/>.</summary>
        public string? Body { get; set; }

        /// <summary>Makes <see cref="Body"/> the HTML part.</summary>
        public bool BodyAsHtml { get; set; }

        /// <summary>The text/plain part; with <see cref="HtmlBody"/> both go into multipart/alternative.</summary>
        public string? TextBody { get; set; }

        /// <summary>The text/html part.</summary>
        public string? HtmlBody { get; set; }

        /// <summary>Paths of files to attach; each is streamed from disk when the message is written.</summary>
        public IList<string> Attachments { get; set; } = new List<string>();

        /// <summary>Content-Id (with or without angle brackets) → file path, for <c>cid:</c> references in the
        /// HTML.</summary>
        public IDictionary<string, string> InlineAttachments { get; set; } = new Dictionary<string, string>();

        /// <summary>Extra header fields, in order; a name may repeat.</summary>
        public IList<KeyValuePair<string, string>> Headers { get; set; } = new List<KeyValuePair<string, string>>();

        /// <summary>A System.Text.Encoding or an encoding name (<c>utf-8</c>, <c>gb2312</c>, <c>iso-2022-jp</c>,
        /// <c>ascii</c>, PowerShell's <c>utf8NoBOM</c>…); null means UTF-8.</summary>
        public object? Encoding { get; set; }

        /// <summary>Normal, High or Low; written as X-Priority, Priority and Importance as System.Net.Mail
        /// does.</summary>
        public MailPriority Priority { get; set; } = MailPriority.Normal;

        /// <summary>DSN flags for RCPT NOTIFY= (RFC 3461); the SMTP layer turns them into parameters.</summary>
        public DeliveryNotificationOptions DeliveryNotificationOption { get; set; } = DeliveryNotificationOptions.None;

        /// <summary>MAIL FROM when it differs from Sender/From; <c>&lt;&gt;</c> or an empty string is the null
        /// path.</summary>
        public string? EnvelopeFrom { get; set; }
    }
}
