using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MimeKit;
using SmtpTools.Core.Smtp;

namespace SmtpTools.Core.Mime
{
    /// <summary>
    /// A built message and its envelope, ready for DATA, BDAT or a pickup folder. Attachments stay on disk and are
    /// streamed on every write, so it can be written again for a retry or another MX, but one write at a time (the
    /// file positions are shared). Dispose it after sending: it holds the attachment files open.
    /// </summary>
    internal sealed class MimeMessageContent : ISmtpMessageContent, IDisposable
    {
        // The MimeKit MimeMessage, typed object so that no MimeKit type appears outside a method body (STYLE.md §6).
        private readonly object _message;
        private readonly List<IDisposable> _owned;
        private readonly List<string> _tempFiles;
        // Each base64 file part (a MimeKit MimePart, as object) with its file length, for the size computation.
        private readonly List<KeyValuePair<object, long>> _fileParts;
        private bool _disposed;

        // The message bytes as they are sent, for a message small enough and with no file behind it.
        private const int SerializedLimit = 1024 * 1024;
        private byte[]? _serialized;
        private int _serializedLength;

        internal MimeMessageContent(object message, MessageEnvelope envelope, bool needsSmtpUtf8, string? messageId,
            List<IDisposable> owned, List<string>? tempFiles = null, List<KeyValuePair<object, long>>? fileParts = null)
        {
            _fileParts = fileParts ?? new List<KeyValuePair<object, long>>();
            _message = message;
            Envelope = envelope;
            NeedsSmtpUtf8 = needsSmtpUtf8;
            MessageId = messageId;
            _owned = owned;
            _tempFiles = tempFiles ?? new List<string>();
        }

        /// <summary>MAIL FROM, the RCPT list and the DSN flags.</summary>
        public MessageEnvelope Envelope { get; }

        /// <summary>The Message-Id without angle brackets, or null when a loaded message has none.</summary>
        public string? MessageId { get; }

        /// <inheritdoc />
        /// <remarks>Only the headers can carry 8-bit bytes (raw UTF-8 with SMTPUTF8): a composed body is made 7-bit
        /// and a loaded one is sent as it is. Worked out when first asked, from the bytes to be sent when the
        /// message is kept serialized, so a bulk send does not write every header block a second time.</remarks>
        public bool Has8BitContent => _has8Bit ??= _serialized != null
            ? HeaderBlockHas8Bit(_serialized, _serializedLength)
            : HeadersHave8Bit();

        private bool? _has8Bit;

        /// <inheritdoc />
        public bool NeedsSmtpUtf8 { get; }

        /// <inheritdoc />
        public long? Size { get; private set; }

        /// <inheritdoc />
        public Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(MimeMessageContent));
            if (_serialized != null) return destination.WriteAsync(_serialized, 0, _serializedLength, cancellationToken);
            var message = (MimeMessage)_message;
            // Not async on purpose: no MimeKit-typed local is captured in a state machine.
            var options = (FormatOptions)CreateFormatOptions(NeedsSmtpUtf8);
            return message.WriteToAsync(options, destination, cancellationToken);
        }

        /// <inheritdoc />
        public void WriteTo(Stream destination, CancellationToken cancellationToken)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(MimeMessageContent));
            if (_serialized != null)
            {
                destination.Write(_serialized, 0, _serializedLength);
                return;
            }
            var options = (FormatOptions)CreateFormatOptions(NeedsSmtpUtf8);
            ((MimeMessage)_message).WriteTo(options, destination, cancellationToken);
        }

        /// <summary>Writes the message once to a counting stream to learn its exact size for SIZE= (RFC
        /// 1870).</summary>
        internal async Task MeasureAsync(CancellationToken cancellationToken)
        {
            using var counter = new CountingStream();
            await WriteToAsync(counter, cancellationToken).ConfigureAwait(false);
            Size = counter.Length;
        }

        /// <summary>
        /// Computes the exact size without reading the attachment files: the message is written once with each file
        /// part emptied, and the base64 length of each file, which depends only on its length, is added back.
        /// </summary>
        internal void ComputeSizeFromFileLengths()
        {
            var options = (FormatOptions)CreateFormatOptions(NeedsSmtpUtf8);
            var message = (MimeMessage)_message;
            if (_fileParts.Count == 0 && _owned.Count == 0)
            {
                // Everything is in memory already: serialize once, keep the bytes and send those. A bulk send of
                // small messages then encodes each body once instead of twice (to measure, then to send).
                // Sized for the body and a typical header block, so the stream rarely has to grow and copy.
                var bytes = new MemoryStream(EstimateSize(message));
                message.WriteTo(options, bytes);
                Size = bytes.Length;
                if (bytes.Length <= SerializedLimit)
                {
                    _serialized = bytes.GetBuffer();
                    _serializedLength = (int)bytes.Length;
                }
                return;
            }

            var saved = new List<IMimeContent>(_fileParts.Count);
            long total = 0;
            try
            {
                foreach (KeyValuePair<object, long> pair in _fileParts)
                {
                    var part = (MimePart)pair.Key;
                    saved.Add(part.Content);
                    part.Content = new MimeContent(new MemoryStream(Array.Empty<byte>()));
                    total += Base64Length(pair.Value);
                }

                using var counter = new CountingStream();
                message.WriteTo(options, counter);
                Size = counter.Length + total;
            }
            finally
            {
                for (int i = 0; i < saved.Count; i++) ((MimePart)_fileParts[i].Key).Content = saved[i];
            }
        }

        private bool HeadersHave8Bit()
        {
            using var buffer = new MemoryStream();
            ((MimeMessage)_message).Headers.WriteTo((FormatOptions)CreateFormatOptions(NeedsSmtpUtf8), buffer);
            return HeaderBlockHas8Bit(buffer.GetBuffer(), (int)buffer.Length);
        }

        // The header block ends at the first empty line (RFC 5322 §2.1).
        private static bool HeaderBlockHas8Bit(byte[] bytes, int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (bytes[i] > 127) return true;
                if (bytes[i] == '\n' && i + 2 < length && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') return false;
            }

            return false;
        }

        private static int EstimateSize(object messageObject)
        {
            long body = 0;
            foreach (MimeEntity entity in ((MimeMessage)messageObject).BodyParts)
            {
                if (entity is MimePart part && part.Content?.Stream is Stream stream && stream.CanSeek)
                    body += stream.Length;
            }
            // Quoted-printable or base64 grows the body by up to a third; headers are rarely over a kilobyte.
            return (int)Math.Min(SerializedLimit, body + body / 3 + 1024);
        }

        /// <summary>Bytes MimeKit writes for n bytes in base64: 76-character lines (57 input bytes, RFC 2045 §6.8),
        /// each ended by CRLF.</summary>
        internal static long Base64Length(long n)
        {
            long full = n / 57;
            long rest = n % 57;
            long chars = full * 76 + (rest > 0 ? (rest + 2) / 3 * 4 : 0);
            long lines = full + (rest > 0 ? 1 : 0);
            return chars + 2 * lines;
        }

        /// <summary>The MimeKit FormatOptions (as object) every write uses: CRLF, Bcc hidden, UTF-8 headers only
        /// with SMTPUTF8.</summary>
        internal static object CreateFormatOptions(bool international)
        {
            // Built once per kind and shared: MimeKit only reads the options while writing, and a clone per write
            // (three per message) was a visible share of a bulk send's garbage.
            object? cached = international ? _internationalOptions : _asciiOptions;
            if (cached != null) return cached;
            object created = BuildFormatOptions(international);
            if (international) _internationalOptions = created;
            else _asciiOptions = created;
            return created;
        }

        // Typed object: a MimeKit-typed field would load MimeKit before the module's resolver is in place (STYLE §6).
        private static object? _asciiOptions;
        private static object? _internationalOptions;

        private static object BuildFormatOptions(bool international)
        {
            FormatOptions options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            options.EnsureNewLine = true;
            // RFC 6531 §3.2: raw UTF-8 in headers only when the session uses SMTPUTF8.
            options.International = international;
            // RFC 5322 §3.6.3: Bcc recipients must not be disclosed to the other recipients.
            options.HiddenHeaders.Add(HeaderId.Bcc);
            options.HiddenHeaders.Add(HeaderId.ResentBcc);
            options.HiddenHeaders.Add(HeaderId.ContentLength);
            return options;
        }

        /// <summary>
        /// A readable summary for -WhatIf: the envelope, the top-level headers exactly as they will be written, and
        /// the MIME structure with the size of each part. A message carries no credentials, so none can appear.
        /// </summary>
        public string Describe()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(MimeMessageContent));
            var message = (MimeMessage)_message;
            var text = new StringBuilder();
            text.Append("MAIL FROM:<").Append(Envelope.MailFrom).Append('>');
            if (NeedsSmtpUtf8) text.Append(" SMTPUTF8");
            text.Append("\r\n");
            foreach (string recipient in Envelope.Recipients)
                text.Append("RCPT TO:<").Append(recipient).Append(">\r\n");
            if (Envelope.Notify != System.Net.Mail.DeliveryNotificationOptions.None)
                text.Append("Delivery notification: ").Append(Envelope.Notify).Append("\r\n");
            if (Size.HasValue) text.Append("Size: ").Append(Size.Value.ToString(CultureInfo.InvariantCulture))
                .Append(" bytes\r\n");
            text.Append("\r\n");

            using (var headers = new MemoryStream())
            {
                message.Headers.WriteTo((FormatOptions)CreateFormatOptions(NeedsSmtpUtf8), headers);
                text.Append(Encoding.UTF8.GetString(headers.ToArray()));
            }

            if (message.Body != null) DescribeEntity(message.Body, 0, text);
            return text.ToString();
        }

        private static void DescribeEntity(object entityObject, int depth, StringBuilder text)
        {
            var entity = (MimeEntity)entityObject;
            text.Append(' ', depth * 2).Append(entity.ContentType.MimeType);
            if (entity is Multipart multipart)
            {
                text.Append("\r\n");
                foreach (MimeEntity child in multipart) DescribeEntity(child, depth + 1, text);
                return;
            }

            if (entity is TextPart textPart)
            {
                string? charset = textPart.ContentType.Charset;
                if (charset != null) text.Append("; charset=").Append(charset);
                text.Append(", ").Append(EncodingName(textPart.ContentTransferEncoding));
                string body = textPart.Text ?? string.Empty;
                text.Append(", ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters");
            }
            else if (entity is MimePart part)
            {
                if (part.FileName != null) text.Append(" \"").Append(part.FileName).Append('"');
                if (part.ContentId != null) text.Append(" <").Append(part.ContentId).Append('>');
                if (part.ContentDisposition != null) text.Append(", ").Append(part.ContentDisposition.Disposition);
                text.Append(", ").Append(EncodingName(part.ContentTransferEncoding));
                Stream? stream = part.Content?.Stream;
                long? bytes = stream is Base64LineStream file ? file.SourceLength
                    : stream != null && stream.CanSeek ? stream.Length : (long?)null;
                if (bytes.HasValue)
                    text.Append(", ").Append(bytes.Value.ToString(CultureInfo.InvariantCulture)).Append(" bytes");
            }
            else if (entity is MessagePart)
            {
                text.Append(" (attached message)");
            }

            text.Append("\r\n");
        }

        /// <summary>The Content-Transfer-Encoding as RFC 2045 §6.1 spells it.</summary>
        private static string EncodingName(object encoding)
        {
            switch ((ContentEncoding)encoding)
            {
                case ContentEncoding.Base64: return "base64";
                case ContentEncoding.QuotedPrintable: return "quoted-printable";
                case ContentEncoding.EightBit: return "8bit";
                case ContentEncoding.Binary: return "binary";
                case ContentEncoding.UUEncode: return "x-uuencode";
                default: return "7bit";
            }
        }

        /// <summary>Closes the attachment files and removes any temporary copy.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (IDisposable item in _owned)
            {
                try
                {
                    item.Dispose();
                }
                catch (IOException)
                {
                    // A file that fails to close must not stop the others from closing.
                }
            }

            foreach (string path in _tempFiles)
            {
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    // Best effort: a temp file left behind is harmless and the OS cleans the temp folder.
                }
            }
        }
    }

    /// <summary>A write-only stream that only counts bytes.</summary>
    internal sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _length += count;
            return Task.CompletedTask;
        }
    }
}
