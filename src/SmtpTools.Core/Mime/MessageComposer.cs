using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Mail;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using MimeKit;
using MimeKit.Utils;
using ContentDisposition = MimeKit.ContentDisposition;
using ContentType = MimeKit.ContentType;

namespace SmtpTools.Core.Mime
{
    /// <summary>
    /// Checks a message before any connection and builds it with MimeKit: from a <see cref="MessageSpec"/>, an .eml
    /// file or a MimeMessage object. Every mistake is a <see cref="SmtpMessageException"/> that says what to fix.
    /// </summary>
    internal static class MessageComposer
    {
        /// <summary>An .eml up to this many bytes is measured for SIZE= by writing it once; a larger one reports no
        /// size rather than being read twice.</summary>
        internal const long MeasureLimit = 32L * 1024 * 1024;

        // Headers that have their own parameter or define the MIME structure: setting them by -Header would
        // contradict the parameter or break the message.
        private static readonly HashSet<string> ReservedHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "MIME-Version",
            "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-Id", "Content-Length",
        };

        /// <summary>Validates the spec, opens the attachments and builds the message; nothing touches the network.
        /// The exact size for SIZE= is computed without reading the attachment files.</summary>
        /// <exception cref="SmtpMessageException">The first problem found, naming the value to fix.</exception>
        internal static Task<MimeMessageContent> ComposeAsync(MessageSpec spec, CancellationToken cancellationToken)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            cancellationToken.ThrowIfCancellationRequested();
            MessageEncoding.EnsureCodePages();
            MimeMessageContent content = Build(spec);
            try
            {
                content.ComputeSizeFromFileLengths();
                return Task.FromResult(content);
            }
            catch
            {
                content.Dispose();
                throw;
            }
        }

        /// <summary>Checks everything that needs no file to be opened: addresses, header values, encoding,
        /// bodies.</summary>
        /// <exception cref="SmtpMessageException">The first problem found.</exception>
        internal static void Validate(MessageSpec spec)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            MessageEncoding.EnsureCodePages();
            Check(spec);
        }

        private sealed class CheckedSpec
        {
            public Encoding Encoding = new UTF8Encoding(false);
            public MailboxText From = null!; // set first thing by Check, which throws when there is none
            public MailboxText? Sender;
            public List<MailboxText> To = new List<MailboxText>();
            public List<MailboxText> Cc = new List<MailboxText>();
            public List<MailboxText> Bcc = new List<MailboxText>();
            public List<MailboxText> ReplyTo = new List<MailboxText>();
            public string MailFrom = string.Empty;
            public List<string> Recipients = new List<string>();
            public bool NeedsSmtpUtf8;
            public string? TextBody;
            public string? HtmlBody;
            public List<KeyValuePair<string, string>> InlineAttachments = new List<KeyValuePair<string, string>>();
        }

        private static CheckedSpec Check(MessageSpec spec)
        {
            var result = new CheckedSpec { Encoding = MessageEncoding.Resolve(spec.Encoding) };

            if (spec.From != null && MailboxParser.ContainsLineBreakOrNul(spec.From))
                throw MessageErrors.HeaderInjection("From", spec.From);
            if (string.IsNullOrWhiteSpace(spec.From))
                throw new SmtpMessageException(SmtpMessageError.NoSender, "From", null,
                    "No sender address was given.", "Give the sender with -From, for example -From me@example.com.");
            result.From = MailboxParser.ParseSingle(spec.From!, "From");
            if (!string.IsNullOrWhiteSpace(spec.Sender))
                result.Sender = MailboxParser.ParseSingle(spec.Sender!, "Sender");
            else if (spec.Sender != null && MailboxParser.ContainsLineBreakOrNul(spec.Sender))
                throw MessageErrors.HeaderInjection("Sender", spec.Sender);

            result.To = ParseAll(spec.To, "To");
            result.Cc = ParseAll(spec.Cc, "Cc");
            result.Bcc = ParseAll(spec.Bcc, "Bcc");
            result.ReplyTo = ParseAll(spec.ReplyTo, "ReplyTo");

            // RFC 5321 §3.3: the reverse-path is independent of the From: header; Sender: is the one responsible.
            result.MailFrom = spec.EnvelopeFrom != null
                ? MailboxParser.ParseReversePath(spec.EnvelopeFrom, "EnvelopeFrom")
                : (result.Sender ?? result.From).Address;

            result.Recipients = Deduplicate(result.To.Concat(result.Cc).Concat(result.Bcc).Select(m => m.Address));
            if (result.Recipients.Count == 0)
                throw new SmtpMessageException(SmtpMessageError.NoRecipients, "To", null,
                    "The message has no recipient.", "Give at least one address with -To, -Cc or -Bcc.");

            result.NeedsSmtpUtf8 = MailboxParser.NeedsSmtpUtf8(result.MailFrom) ||
                result.Recipients.Any(MailboxParser.NeedsSmtpUtf8) ||
                result.From.Address.Length > 0 && MailboxParser.NeedsSmtpUtf8(result.From.Address) ||
                (result.Sender != null && MailboxParser.NeedsSmtpUtf8(result.Sender.Address)) ||
                result.ReplyTo.Any(m => MailboxParser.NeedsSmtpUtf8(m.Address));

            if (spec.Subject != null && MailboxParser.ContainsLineBreakOrNul(spec.Subject))
                throw MessageErrors.HeaderInjection("Subject", spec.Subject);

            foreach (KeyValuePair<string, string> header in spec.Headers) CheckHeader(header.Key, header.Value);

            result.TextBody = spec.TextBody;
            result.HtmlBody = spec.HtmlBody;
            if (spec.Body != null)
            {
                if (spec.BodyAsHtml)
                {
                    if (spec.HtmlBody != null) throw ConflictingBody("HtmlBody");
                    result.HtmlBody = spec.Body;
                }
                else
                {
                    if (spec.TextBody != null) throw ConflictingBody("TextBody");
                    result.TextBody = spec.Body;
                }
            }

            foreach (KeyValuePair<string, string> inline in spec.InlineAttachments)
                result.InlineAttachments.Add(
                    new KeyValuePair<string, string>(CheckContentId(inline.Key), inline.Value));

            foreach (string path in spec.Attachments) CheckFileExists(path, "Attachments");
            foreach (KeyValuePair<string, string> inline in result.InlineAttachments)
                CheckFileExists(inline.Value, "InlineAttachment");
            return result;
        }

        private static List<MailboxText> ParseAll(IEnumerable<string>? values, string parameter)
        {
            var result = new List<MailboxText>();
            if (values is null) return result;
            foreach (string value in values)
            {
                if (value is null) continue;
                result.AddRange(MailboxParser.ParseList(value, parameter));
            }

            return result;
        }

        /// <summary>Keeps the first of each address; the domain compares case-insensitively, the local part exactly
        /// (RFC 5321 §2.4: only the receiving host may treat local parts as case-insensitive).</summary>
        private static List<string> Deduplicate(IEnumerable<string> addresses)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var result = new List<string>();
            foreach (string address in addresses)
            {
                string envelope = MailboxParser.ToEnvelope(address);
                int at = envelope.LastIndexOf('@');
                string key = at < 0 ? envelope : envelope.Substring(0, at + 1) + envelope.Substring(at + 1)
                    .ToLowerInvariant();
                if (seen.Add(key)) result.Add(envelope);
            }

            return result;
        }

        private static void CheckHeader(string name, string value)
        {
            if (string.IsNullOrEmpty(name))
                throw new SmtpMessageException(SmtpMessageError.InvalidHeaderName, "Header", string.Empty,
                    "A custom header has an empty name.", "Give every entry of -Header a name such as X-Job.");
            if (MailboxParser.ContainsLineBreakOrNul(name)) throw MessageErrors.HeaderInjection("Header", name);
            foreach (char c in name)
            {
                // RFC 5322 §3.6.8: ftext is printable US-ASCII except colon.
                if (c < 33 || c > 126 || c == ':')
                    throw new SmtpMessageException(SmtpMessageError.InvalidHeaderName, "Header",
                        MessageErrors.Visible(name),
                        $"The header name '{MessageErrors.Visible(name)}' is not valid: only printable ASCII " +
                        "characters without spaces or colons are allowed.",
                        "Use a name such as X-Job-Id.");
            }

            if (ReservedHeaders.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                throw new SmtpMessageException(SmtpMessageError.ReservedHeader, "Header", name,
                    $"The header '{name}' cannot be set with -Header: it has its own parameter or defines the " +
                    "MIME structure.",
                    "Use -From, -Sender, -To, -Cc, -Bcc, -ReplyTo or -Subject; MIME headers are set from the body.");
            if (value is null) return;
            if (MailboxParser.ContainsLineBreakOrNul(value)) throw MessageErrors.HeaderInjection("Header", value);
        }

        private static SmtpMessageException ConflictingBody(string other) =>
            new SmtpMessageException(SmtpMessageError.ConflictingBody, "Body", null,
                $"-Body and -{other} both give the same part of the message.",
                $"Use either -Body or -{other}; -TextBody and -HtmlBody together make a multipart/alternative.");

        private static string CheckContentId(string contentId)
        {
            string value = (contentId ?? string.Empty).Trim();
            if (MailboxParser.ContainsLineBreakOrNul(value))
                throw MessageErrors.HeaderInjection("InlineAttachment", value);
            if (value.StartsWith("<", StringComparison.Ordinal) && value.EndsWith(">", StringComparison.Ordinal))
                value = value.Substring(1, value.Length - 2);
            if (value.StartsWith("cid:", StringComparison.OrdinalIgnoreCase)) value = value.Substring(4);
            bool ok = value.Length > 0;
            foreach (char c in value)
            {
                // RFC 2392: the cid URL carries the Content-ID's addr-spec; keep to characters that need no escaping.
                if (c <= 32 || c >= 127 || "<>\"()[]\\,;".IndexOf(c) >= 0) ok = false;
            }

            if (!ok)
                throw new SmtpMessageException(SmtpMessageError.InvalidContentId, "InlineAttachment",
                    MessageErrors.Visible(contentId ?? string.Empty),
                    $"The content id '{MessageErrors.Visible(contentId ?? string.Empty)}' cannot be used in a cid: " +
                    "reference.",
                    "Use a content id of printable ASCII without spaces, such as logo or logo@example.com, and refer " +
                    "to it as cid:logo in the HTML.");
            return value;
        }

        private static void CheckFileExists(string path, string parameter)
        {
            if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
                throw new SmtpMessageException(SmtpMessageError.AttachmentNotFound, parameter,
                    path ?? string.Empty,
                    Directory.Exists(path ?? string.Empty)
                        ? $"The attachment '{path}' given in -{parameter} is a folder, not a file."
                        : $"The attachment file '{path}' given in -{parameter} was not found.",
                    "Check the path; relative paths are resolved against the current location of the process, so " +
                    "pass a full path.");
        }

        private static FileStream OpenAttachment(string path, string parameter)
        {
            try
            {
                // SequentialScan: the file is read once, front to back, as it is encoded.
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024,
                    FileOptions.SequentialScan);
            }
            catch (FileNotFoundException e)
            {
                throw new SmtpMessageException(SmtpMessageError.AttachmentNotFound, parameter, path,
                    $"The attachment file '{path}' given in -{parameter} was not found.", "Check the path.", e);
            }
            catch (DirectoryNotFoundException e)
            {
                throw new SmtpMessageException(SmtpMessageError.AttachmentNotFound, parameter, path,
                    $"The attachment file '{path}' given in -{parameter} was not found.", "Check the path.", e);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new SmtpMessageException(SmtpMessageError.AttachmentUnreadable, parameter, path,
                    $"The attachment file '{path}' given in -{parameter} cannot be read: {e.Message}",
                    "Check that the file is readable by this account and not locked by another program.", e);
            }
        }

        /// <summary>Every line break as CRLF. Text that has only CRLF already comes back as it is, uncopied: a bulk
        /// send builds thousands of bodies, most of them already in that form.</summary>
        internal static string NormalizeLineBreaks(string text)
        {
            int i = 0;
            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\n') break;
                if (c == '\r')
                {
                    if (i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                        continue;
                    }
                    break;
                }
            }
            if (i == text.Length) return text;

            var normalized = new StringBuilder(text.Length + 16);
            normalized.Append(text, 0, i);
            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\r')
                {
                    if (i + 1 < text.Length && text[i + 1] == '\n') i++;
                    normalized.Append("\r\n");
                }
                else if (c == '\n') normalized.Append("\r\n");
                else normalized.Append(c);
            }
            return normalized.ToString();
        }

        private static MimeMessageContent Build(MessageSpec spec)
        {
            CheckedSpec c = Check(spec);
            Encoding encoding = c.Encoding;
            var owned = new List<IDisposable>();
            var fileParts = new List<KeyValuePair<object, long>>();
            try
            {
                // A Message-Id on the sender's domain (RFC 5322 §3.6.4) rather than this computer's host name. The
                // headers go to the constructor because the parameterless one makes a Message-Id of its own first
                // (a host-name lookup and a random number per message, thrown away at once). Same order as it.
                string subject = spec.Subject ?? string.Empty;
                string? idDomain = MailboxParser.TryIdnEncode(c.From.Domain);
                string messageId = idDomain != null && !idDomain.StartsWith("[", StringComparison.Ordinal)
                    ? MimeUtils.GenerateMessageId(idDomain)
                    : MimeUtils.GenerateMessageId();
                var message = new MimeMessage(
                    new Header(HeaderId.From, string.Empty),
                    new Header(HeaderId.Date, DateUtils.FormatDate(DateTimeOffset.Now)),
                    new Header(MessageEncoding.For(encoding, subject), HeaderId.Subject, subject),
                    new Header(HeaderId.MessageId, "<" + messageId + ">"));
                // Disposed with the content: MimeKit's entities have finalizers, and a bulk send that left them to the
                // finalizer thread kept every message alive through one more collection (measured in the README).
                owned.Add(message);

                message.From.Add(new MailboxAddress(MessageEncoding.For(encoding, c.From.Name), c.From.Name ?? "",
                    c.From.Address));
                if (c.Sender != null)
                {
                    MailboxText sender = c.Sender;
                    message.Sender = new MailboxAddress(MessageEncoding.For(encoding, sender.Name), sender.Name ?? "",
                        sender.Address);
                }

                foreach (MailboxText m in c.ReplyTo)
                    message.ReplyTo.Add(new MailboxAddress(MessageEncoding.For(encoding, m.Name), m.Name ?? "",
                        m.Address));
                foreach (MailboxText m in c.To)
                    message.To.Add(new MailboxAddress(MessageEncoding.For(encoding, m.Name), m.Name ?? "", m.Address));
                foreach (MailboxText m in c.Cc)
                    message.Cc.Add(new MailboxAddress(MessageEncoding.For(encoding, m.Name), m.Name ?? "", m.Address));
                // Bcc is deliberately not added: it lives in the envelope only (RFC 5322 §3.6.3 allows omitting it).

                // The same three headers System.Net.Mail writes for MailPriority.High/Low.
                if (spec.Priority == MailPriority.High)
                {
                    message.Headers.Add("X-Priority", "1");
                    message.Headers.Add("Priority", "urgent");
                    message.Headers.Add("Importance", "high");
                }
                else if (spec.Priority == MailPriority.Low)
                {
                    message.Headers.Add("X-Priority", "5");
                    message.Headers.Add("Priority", "non-urgent");
                    message.Headers.Add("Importance", "low");
                }

                var replaced = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (KeyValuePair<string, string> pair in spec.Headers)
                {
                    string value = pair.Value ?? string.Empty;
                    var header = new Header(MessageEncoding.For(encoding, value), pair.Key, value);
                    // The first -Header entry of a name replaces a generated one (Date, Message-Id, X-Priority...).
                    if (replaced.Add(pair.Key) && message.Headers.Contains(pair.Key))
                    {
                        int index = message.Headers.IndexOf(pair.Key);
                        message.Headers.RemoveAll(pair.Key);
                        message.Headers.Insert(Math.Min(index, message.Headers.Count), header);
                    }
                    else
                    {
                        message.Headers.Add(header);
                    }
                }

                TextPart? textPart = null;
                TextPart? htmlPart = null;
                if (c.TextBody != null || c.HtmlBody == null)
                {
                    string text = NormalizeLineBreaks(c.TextBody ?? string.Empty);
                    textPart = new TextPart("plain");
                    textPart.SetText(MessageEncoding.For(encoding, text), text);
                }

                if (c.HtmlBody != null)
                {
                    string html = NormalizeLineBreaks(c.HtmlBody);
                    htmlPart = new TextPart("html");
                    htmlPart.SetText(MessageEncoding.For(encoding, html), html);
                }

                MimeEntity? textEntity = textPart;
                MimeEntity? htmlEntity = htmlPart;
                if (c.InlineAttachments.Count > 0)
                {
                    // RFC 2387: the HTML is the root of multipart/related and its cid: URLs (RFC 2392) point at the
                    // sibling parts; the same layout as MimeKit's BodyBuilder.
                    var related = new MultipartRelated();
                    related.Add(htmlPart ?? (MimeEntity)textPart!);
                    foreach (KeyValuePair<string, string> inline in c.InlineAttachments)
                    {
                        FileStream stream = OpenAttachment(inline.Value, "InlineAttachment");
                        owned.Add(stream);
                        var part = (MimePart)CreateFilePart(inline.Value, stream, ContentDisposition.Inline);
                        part.ContentId = inline.Key;
                        fileParts.Add(new KeyValuePair<object, long>(part, stream.Length));
                        related.Add(part);
                    }

                    if (htmlPart != null) htmlEntity = related;
                    else textEntity = related;
                }

                MimeEntity body = textEntity != null && htmlEntity != null
                    ? new MultipartAlternative { textEntity, htmlEntity }
                    : (htmlEntity ?? textEntity)!;

                if (spec.Attachments.Count > 0)
                {
                    var mixed = new Multipart("mixed") { body };
                    foreach (string path in spec.Attachments)
                    {
                        FileStream stream = OpenAttachment(path, "Attachments");
                        owned.Add(stream);
                        var part = (MimePart)CreateFilePart(path, stream, ContentDisposition.Attachment);
                        fileParts.Add(new KeyValuePair<object, long>(part, stream.Length));
                        mixed.Add(part);
                    }

                    body = mixed;
                }

                message.Body = body;
                // RFC 6152: without 8BITMIME only 7-bit data may be sent, so every body is made 7-bit (QP or base64
                // for non-ASCII and long lines); attachments are base64 already and are not read here.
                message.Prepare(EncodingConstraint.SevenBit, 78);

                var envelope = new MessageEnvelope(MailboxParser.ToEnvelope(c.MailFrom), c.Recipients,
                    spec.DeliveryNotificationOption);
                // MimeMessage.MessageId parses the header again on every read (about a third of composing a small
                // message); the id is the one made above unless -Header gave one.
                string? id = replaced.Contains("Message-Id") ? message.MessageId : messageId;
                return new MimeMessageContent(message, envelope, c.NeedsSmtpUtf8, id, owned, null, fileParts);
            }
            catch
            {
                foreach (IDisposable item in owned) item.Dispose();
                throw;
            }
        }

        private static object CreateFilePart(string path, FileStream stream, string disposition)
        {
            string fileName = Path.GetFileName(path);
            var part = new MimePart(ContentType.Parse(MimeTypes.GetMimeType(fileName)))
            {
                // Read and encoded while the message is written: the file is never loaded into memory. Handed to
                // MimeKit already in base64, which it then copies as is (see Base64LineStream for why).
                Content = new MimeContent(new Base64LineStream(stream), ContentEncoding.Base64),
                ContentDisposition = new ContentDisposition(disposition) { FileName = fileName },
                ContentTransferEncoding = ContentEncoding.Base64,
            };
            return part;
        }

        /// <summary>
        /// Opens an existing .eml for sending (-Path). The file stays open and its parts are streamed from it; the
        /// envelope comes from the arguments or else from the headers (Resent-* first, RFC 5322 §3.6.6).
        /// </summary>
        /// <param name="path">The .eml file.</param>
        /// <param name="envelopeFrom">MAIL FROM, or null to take it from Sender:/From:.</param>
        /// <param name="recipients">RCPT TO addresses, or null to take To/Cc/Bcc from the headers.</param>
        /// <param name="notify">DSN NOTIFY flags.</param>
        /// <param name="cancellationToken">Stops the parse and the size measurement.</param>
        internal static async Task<MimeMessageContent> LoadAsync(string path, string? envelopeFrom,
            IEnumerable<string>? recipients, DeliveryNotificationOptions notify, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
                throw new SmtpMessageException(SmtpMessageError.MessageFileNotFound, "Path", path ?? string.Empty,
                    $"The message file '{path}' was not found.", "Give the full path of an existing .eml file.");
            MessageEncoding.EnsureCodePages();
            FileStream stream = OpenAttachment(path, "Path");
            MimeMessageContent content;
            try
            {
                content = LoadFromStream(stream, path, envelopeFrom, recipients, notify, null, cancellationToken);
            }
            catch
            {
                stream.Dispose();
                throw;
            }

            try
            {
                if (stream.Length <= MeasureLimit) await content.MeasureAsync(cancellationToken).ConfigureAwait(false);
                return content;
            }
            catch
            {
                content.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Uses a MimeKit MimeMessage object (-MimeMessage; unwrap PSObject first). A message from another copy of
        /// MimeKit (another load context) is written to a temporary file and read back with ours.
        /// </summary>
        internal static async Task<MimeMessageContent> FromMimeMessageAsync(object mimeMessage, string? envelopeFrom,
            IEnumerable<string>? recipients, DeliveryNotificationOptions notify, CancellationToken cancellationToken)
        {
            if (mimeMessage is null) throw new ArgumentNullException(nameof(mimeMessage));
            cancellationToken.ThrowIfCancellationRequested();
            MessageEncoding.EnsureCodePages();
            MimeMessageContent content = FromMimeMessage(mimeMessage, envelopeFrom, recipients, notify,
                out long contentBytes, cancellationToken);
            try
            {
                if (contentBytes <= MeasureLimit) await content.MeasureAsync(cancellationToken).ConfigureAwait(false);
                return content;
            }
            catch
            {
                content.Dispose();
                throw;
            }
        }

        private static MimeMessageContent FromMimeMessage(object mimeMessage, string? envelopeFrom,
            IEnumerable<string>? recipients, DeliveryNotificationOptions notify, out long contentBytes,
            CancellationToken cancellationToken)
        {
            if (mimeMessage is MimeMessage ours)
            {
                contentBytes = 0;
                foreach (MimePart part in ours.BodyParts.OfType<MimePart>())
                {
                    Stream? stream = part.Content?.Stream;
                    contentBytes += stream is null ? 0 : stream.CanSeek ? stream.Length : long.MaxValue / 2;
                }

                return FromParsed(ours, "MimeMessage", envelopeFrom, recipients, notify, new List<IDisposable>(),
                    null);
            }

            // A MimeMessage from MimeKit loaded elsewhere (the caller's own copy) is a different type to this
            // assembly; its WriteTo(string, CancellationToken) gives the bytes without buffering them in memory.
            Type type = mimeMessage.GetType();
            var writeTo = type.FullName == "MimeKit.MimeMessage"
                ? type.GetMethod("WriteTo", new[] { typeof(string), typeof(CancellationToken) })
                : null;
            if (writeTo is null)
                throw new SmtpMessageException(SmtpMessageError.InvalidMessage, "MimeMessage", type.FullName,
                    $"-MimeMessage needs a MimeKit.MimeMessage, not a {type.FullName}.",
                    "Pass a MimeKit.MimeMessage object, or save the message as .eml and use -Path.");
            string temp = Path.Combine(Path.GetTempPath(), "SmtpTools-" + Guid.NewGuid().ToString("N") + ".eml");
            try
            {
                try
                {
                    writeTo.Invoke(mimeMessage, new object[] { temp, cancellationToken });
                }
                catch (TargetInvocationException e) when (e.InnerException != null)
                {
                    // Surface the writer's own exception (cancellation, disk full), not the reflection wrapper.
                    ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                }

                FileStream stream = OpenAttachment(temp, "MimeMessage");
                try
                {
                    contentBytes = stream.Length;
                    return LoadFromStream(stream, "MimeMessage", envelopeFrom, recipients, notify,
                        new List<string> { temp }, cancellationToken);
                }
                catch
                {
                    stream.Dispose();
                    throw;
                }
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Best effort; the OS cleans its temp folder.
            }
        }

        private static MimeMessageContent LoadFromStream(FileStream stream, string source, string? envelopeFrom,
            IEnumerable<string>? recipients, DeliveryNotificationOptions notify, List<string>? tempFiles,
            CancellationToken cancellationToken)
        {
            MimeMessage message;
            try
            {
                // persistent: parts refer to ranges of the file instead of being copied into memory.
                message = MimeMessage.Load(ParserOptions.Default, stream, true, cancellationToken);
            }
            catch (FormatException e)
            {
                throw new SmtpMessageException(SmtpMessageError.InvalidMessage, "Path", source,
                    $"'{source}' is not a MIME message: {e.Message}", "Give a file saved in .eml (RFC 5322) format.",
                    e);
            }

            // The message loaded here is ours to dispose with the content; a caller's own -MimeMessage is not.
            return FromParsed(message, source, envelopeFrom, recipients, notify,
                new List<IDisposable> { stream, message }, tempFiles);
        }

        private static MimeMessageContent FromParsed(object messageObject, string source, string? envelopeFrom,
            IEnumerable<string>? recipients, DeliveryNotificationOptions notify, List<IDisposable> owned,
            List<string>? tempFiles)
        {
            var message = (MimeMessage)messageObject;
            // RFC 5322 §3.6.6: a resent message is addressed by its Resent-* fields.
            bool resent = message.ResentFrom.Count > 0 || message.ResentSender != null;

            string mailFrom;
            if (envelopeFrom != null)
            {
                mailFrom = MailboxParser.ParseReversePath(envelopeFrom, "EnvelopeFrom");
            }
            else
            {
                MailboxAddress? sender = resent
                    ? message.ResentSender ?? message.ResentFrom.Mailboxes.FirstOrDefault()
                    : message.Sender ?? message.From.Mailboxes.FirstOrDefault();
                if (sender is null)
                    throw new SmtpMessageException(SmtpMessageError.NoSender, "From", source,
                        $"The message '{source}' has no From or Sender address.",
                        "Give the envelope sender with -EnvelopeFrom, or add a From header to the message.");
                mailFrom = sender.Address;
                MailboxParser.CheckAddrSpec(mailFrom, "From", mailFrom);
            }

            List<string> rcpt;
            if (recipients != null)
            {
                rcpt = Deduplicate(recipients.Where(r => r != null)
                    .SelectMany(r => MailboxParser.ParseList(r, "To")).Select(m => m.Address));
            }
            else
            {
                IEnumerable<MailboxAddress> found = resent
                    ? message.ResentTo.Mailboxes.Concat(message.ResentCc.Mailboxes).Concat(message.ResentBcc.Mailboxes)
                    : message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes);
                var addresses = new List<string>();
                foreach (MailboxAddress mailbox in found)
                {
                    MailboxParser.CheckAddrSpec(mailbox.Address, "To", mailbox.Address);
                    addresses.Add(mailbox.Address);
                }

                rcpt = Deduplicate(addresses);
            }

            if (rcpt.Count == 0)
                throw new SmtpMessageException(SmtpMessageError.NoRecipients, "To", source,
                    $"The message '{source}' has no To, Cc or Bcc recipient.",
                    "Give the recipients with -To, or add To/Cc/Bcc headers to the message.");

            bool needsUtf8 = MailboxParser.NeedsSmtpUtf8(mailFrom) || rcpt.Any(MailboxParser.NeedsSmtpUtf8);
            // Re-encode only parts whose data is not 7-bit clean; signed parts are left as they are by MimeKit.
            message.Prepare(EncodingConstraint.SevenBit, 78);
            var envelope = new MessageEnvelope(MailboxParser.ToEnvelope(mailFrom), rcpt, notify);
            return new MimeMessageContent(message, envelope, needsUtf8, message.MessageId, owned, tempFiles);
        }
    }
}
