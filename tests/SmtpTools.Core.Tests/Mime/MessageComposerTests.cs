using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Mail;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MimeKit;
using SmtpTools.Core.Mime;
using Xunit;
using static SmtpTools.Core.Tests.Mime.MimeTestHelpers;

namespace SmtpTools.Core.Tests.Mime
{
    public class MessageComposerTests
    {
        [Fact]
        public async Task ComposeAsync_Bcc_InEnvelopeButNotInWrittenHeaders()
        {
            MessageSpec spec = Spec();
            spec.Cc.Add("Carol <carol@example.test>");
            spec.Bcc.Add("hidden@example.test");

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            byte[] bytes = await WriteAsync(content);

            Assert.Equal(new[] { "rcpt@example.test", "carol@example.test", "hidden@example.test" },
                content.Envelope.Recipients);
            string headers = HeaderBlock(bytes);
            Assert.DoesNotContain("hidden@example.test", Encoding.ASCII.GetString(bytes));
            Assert.DoesNotContain("\r\nBcc:", "\r\n" + headers, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(Parse(bytes).Bcc);
        }

        [Theory]
        [InlineData("utf-8")]
        [InlineData("gb2312")]
        public async Task ComposeAsync_ChineseSubjectAndHtmlBody_RoundTripInCharset(string charset)
        {
            MessageSpec spec = Spec();
            spec.From = "张三 <zhang@example.test>";
            spec.Subject = SeedSubject;
            spec.Body = SeedHtml;
            spec.BodyAsHtml = true;
            spec.Encoding = charset;

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            byte[] bytes = await WriteAsync(content);
            MimeMessage parsed = Parse(bytes);

            Assert.Equal(SeedSubject, parsed.Subject);
            Assert.Equal(SeedHtml, parsed.HtmlBody);
            Assert.Equal("张三", parsed.From.Mailboxes.Single().Name);
            var html = (TextPart)parsed.BodyParts.Single();
            Assert.Equal(charset, html.ContentType.Charset, ignoreCase: true);
            Assert.Contains("=?" + charset + "?", HeaderBlock(bytes), StringComparison.OrdinalIgnoreCase);
            // Encoded for 7-bit transport: no byte above 127 anywhere.
            Assert.All(bytes, b => Assert.True(b < 128));
            Assert.False(content.Has8BitContent);
        }

        [Fact]
        public async Task ComposeAsync_EncodingCannotCarryText_FallsBackToUtf8ForThatPart()
        {
            MessageSpec spec = Spec();
            spec.Encoding = "ascii";
            spec.Subject = "Grüße";
            spec.Body = "plain ascii";

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.Equal("Grüße", parsed.Subject);
            Assert.Equal("us-ascii", Assert.IsType<TextPart>(parsed.Body).ContentType.Charset, ignoreCase: true);
        }

        [Fact]
        public async Task ComposeAsync_Attachments_ByteIdenticalAfterParse()
        {
            using var folder = new TempFolder();
            var random = new Random(4);
            byte[] binary = new byte[300_001];
            random.NextBytes(binary);
            string binaryPath = folder.File("data.bin", binary);
            string textPath = folder.File("报告.txt", Encoding.UTF8.GetBytes("line one\nline two\r\n.\r\nend"));
            MessageSpec spec = Spec();
            spec.Attachments.Add(binaryPath);
            spec.Attachments.Add(textPath);

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.Equal("multipart/mixed", parsed.Body.ContentType.MimeType);
            var attachments = parsed.Attachments.OfType<MimePart>().ToList();
            Assert.Equal(new[] { "data.bin", "报告.txt" }, attachments.Select(a => a.FileName));
            foreach ((MimePart part, string path) in attachments.Zip(new[] { binaryPath, textPath }))
            {
                using var decoded = new MemoryStream();
                part.Content.DecodeTo(decoded);
                decoded.Position = 0;
                using FileStream original = File.OpenRead(path);
                Assert.Equal(Hash(original), Hash(decoded));
            }
        }

        [Fact]
        public async Task ComposeAsync_InlineImage_IsInMultipartRelatedWithContentIdTheHtmlRefersTo()
        {
            using var folder = new TempFolder();
            byte[] png = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4 };
            MessageSpec spec = Spec();
            spec.Body = null;
            spec.TextBody = "See the logo.";
            spec.HtmlBody = "<p><img src=\"cid:logo@example.test\"></p>";
            spec.InlineAttachments["<logo@example.test>"] = folder.File("logo.png", png);

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
            var related = Assert.IsType<MultipartRelated>(alternative[1]);
            var html = Assert.IsType<TextPart>(related.Root);
            Assert.Contains("cid:logo@example.test", html.Text);
            var image = Assert.IsType<MimePart>(related[1]);
            Assert.Equal("logo@example.test", image.ContentId);
            Assert.Equal("image/png", image.ContentType.MimeType);
            Assert.True(image.ContentDisposition.Disposition == ContentDisposition.Inline);
            using var decoded = new MemoryStream();
            image.Content.DecodeTo(decoded);
            Assert.Equal(png, decoded.ToArray());
        }

        [Fact]
        public async Task ComposeAsync_TextAndHtml_MultipartAlternativeTextFirst()
        {
            MessageSpec spec = Spec();
            spec.Body = null;
            spec.TextBody = "plain version";
            spec.HtmlBody = "<b>html version</b>";

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
            Assert.Equal(2, alternative.Count);
            Assert.Equal("text/plain", alternative[0].ContentType.MimeType);
            Assert.Equal("text/html", alternative[1].ContentType.MimeType);
            Assert.Equal("plain version", parsed.TextBody);
            Assert.Equal("<b>html version</b>", parsed.HtmlBody);
        }

        private static readonly List<(string Parameter, Action<MessageSpec> Change)> Injections = BuildInjections();

        public static IEnumerable<object[]> InjectionCases() =>
            Injections.Select((c, i) => new object[] { c.Parameter, i });

        private static List<(string, Action<MessageSpec>)> BuildInjections()
        {
            var list = new List<(string, Action<MessageSpec>)>();
            const string evil = "x\r\nBcc: victim@evil.test";
            list.Add(Case("Subject", s => s.Subject = "Hello" + evil));
            list.Add(Case("Subject", s => s.Subject = "Hello\nX-Evil: 1"));
            list.Add(Case("From", s => s.From = "\"Me" + evil + "\" <me@example.test>"));
            list.Add(Case("From", s => s.From = "me@example.test\r\nX-Evil: 1"));
            list.Add(Case("Sender", s => s.Sender = "Boss\r <boss@example.test>"));
            list.Add(Case("Sender", s => s.Sender = "\r\n"));
            list.Add(Case("From", s => s.From = "\r\n"));
            list.Add(Case("To", s => s.To = new List<string> { "Bob\n <bob@example.test>" }));
            list.Add(Case("Cc", s => s.Cc.Add("cc@example.test\r\n")));
            list.Add(Case("Bcc", s => s.Bcc.Add("bcc@example.test\n")));
            list.Add(Case("ReplyTo", s => s.ReplyTo.Add("Reply" + evil + " <r@example.test>")));
            list.Add(Case("From", s => s.From = "=?utf-8?b?" + Convert.ToBase64String(
                Encoding.UTF8.GetBytes("Me\r\nX-Evil: 1")) + "?= <me@example.test>"));
            list.Add(Case("Header", s => s.Headers.Add(new KeyValuePair<string, string>("X-Job", "1" + evil))));
            list.Add(Case("Header", s => s.Headers.Add(new KeyValuePair<string, string>("X-Job\r\nX-Evil", "1"))));
            list.Add(Case("Header", s => s.Headers.Add(new KeyValuePair<string, string>("X-Nul", "a\0b"))));
            list.Add(Case("EnvelopeFrom", s => s.EnvelopeFrom = "me@example.test\r\nRCPT TO:<x@evil.test>"));
            list.Add(Case("InlineAttachment", s => s.InlineAttachments["logo\r\nX: y"] = "/nonexistent"));
            return list;
        }

        private static (string, Action<MessageSpec>) Case(string parameter, Action<MessageSpec> change) =>
            (parameter, change);

        [Theory]
        [MemberData(nameof(InjectionCases))]
        public async Task ComposeAsync_LineBreakInHeaderField_ThrowsHeaderInjectionNamingParameter(
            string parameter, int index)
        {
            MessageSpec spec = Spec();
            Injections[index].Change(spec);

            var error = await Assert.ThrowsAsync<SmtpMessageException>(
                () => MessageComposer.ComposeAsync(spec, CancellationToken.None));

            Assert.Equal(SmtpMessageError.HeaderInjection, error.Error);
            Assert.Equal(parameter, error.ParameterName);
            Assert.DoesNotContain("\r", error.Message);
            Assert.DoesNotContain("\n", error.Message);
        }

        private static readonly string[] HostilePieces =
        {
            "\r", "\n", "\r\n", "\0", "\t", " ", ":", "Bcc: x@evil.test", "=?utf-8?B?", "?=", "=?gb2312?Q?=0D=0A?=",
            "中文", "é", "\"", "<", ">", ",", ";", "@", "a", "\u2028", "\u0085", "\\", "(", ")", ".",
        };

        [Theory]
        [InlineData("Subject")]
        [InlineData("DisplayName")]
        [InlineData("Header")]
        public async Task ComposeAsync_RandomHostileText_RefusedOrWrittenWithoutExtraHeaderLines(string field)
        {
            var random = new Random(field.Length);
            string[] expectedNames = HeaderNames(HeaderBlock(await ComposeBytes(field, "plain")));
            int refused = 0;
            int accepted = 0;
            for (int round = 0; round < 300; round++)
            {
                var text = new StringBuilder();
                int pieces = random.Next(1, 8);
                for (int i = 0; i < pieces; i++) text.Append(HostilePieces[random.Next(HostilePieces.Length)]);
                string value = text.ToString();
                bool hasBreak = value.IndexOfAny(new[] { '\r', '\n', '\0' }) >= 0;
                // A display name is decoded as the recipient would see it, so an encoded CRLF may be refused too.
                bool mayRefuse = hasBreak || field == "DisplayName" && value.Contains("=0D=0A");

                byte[] bytes;
                try
                {
                    bytes = await ComposeBytes(field, value);
                }
                catch (SmtpMessageException e) when (e.Error == SmtpMessageError.HeaderInjection ||
                    e.Error == SmtpMessageError.InvalidAddress && field == "DisplayName")
                {
                    Assert.True(mayRefuse || e.Error == SmtpMessageError.InvalidAddress, $"refused '{e.Target}'");
                    refused++;
                    continue;
                }

                Assert.False(hasBreak, $"a value with a line break was accepted: {Escape(value)}");
                string headers = HeaderBlock(bytes);
                Assert.Equal(expectedNames, HeaderNames(headers));
                Assert.All(bytes, b => Assert.True(b < 128));
                Assert.All(headers.Split("\r\n"), line => Assert.True(line.Length <= 998));
                accepted++;
            }

            Assert.True(refused > 0 && accepted > 0, $"{refused} refused, {accepted} accepted");
        }

        private static async Task<byte[]> ComposeBytes(string field, string value)
        {
            MessageSpec spec = Spec();
            spec.Headers.Add(new KeyValuePair<string, string>("X-Test", field == "Header" ? value : "plain"));
            if (field == "Subject") spec.Subject = value;
            if (field == "DisplayName") spec.To = new List<string> { "\"" + value.Replace("\\", "\\\\")
                .Replace("\"", "\\\"") + "\" <rcpt@example.test>" };
            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            return await WriteAsync(content);
        }

        private static string[] HeaderNames(string headerBlock) => headerBlock.Split("\r\n")
            .Where(l => l.Length > 0 && l[0] != ' ' && l[0] != '\t')
            .Select(l => l.Substring(0, l.IndexOf(':'))).ToArray();

        private static string Escape(string value) => value.Replace("\r", "\\r").Replace("\n", "\\n");

        [Theory]
        [InlineData("To", "not-an-address")]
        [InlineData("To", "user@")]
        [InlineData("Cc", "two@@example.test")]
        [InlineData("To", "Bob <bob at example.test>")]
        [InlineData("From", "me@exa mple.test")]
        [InlineData("ReplyTo", "r@-bad-.test")]
        public async Task ComposeAsync_InvalidAddress_ErrorNamesAddressAndParameter(string parameter, string address)
        {
            MessageSpec spec = Spec();
            switch (parameter)
            {
                case "To": spec.To = new List<string> { address }; break;
                case "Cc": spec.Cc.Add(address); break;
                case "From": spec.From = address; break;
                case "ReplyTo": spec.ReplyTo.Add(address); break;
            }

            var error = await Assert.ThrowsAsync<SmtpMessageException>(
                () => MessageComposer.ComposeAsync(spec, CancellationToken.None));

            Assert.Equal(SmtpMessageError.InvalidAddress, error.Error);
            Assert.Equal(parameter, error.ParameterName);
            Assert.Equal(address, error.Target);
            Assert.Contains(address, error.Message);
        }

        [Theory]
        [InlineData("a@b")]
        [InlineData("\"Doe, John\" <john@example.test>")]
        [InlineData("John Doe <john@example.test>")]
        [InlineData("王小明 <wang@example.test>")]
        [InlineData("\"quoted local\"@example.test")]
        public async Task ComposeAsync_AddressFormsUsersType_Accepted(string address)
        {
            MessageSpec spec = Spec();
            spec.To = new List<string> { address };

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            Assert.Single(content.Envelope.Recipients);
            Assert.Single(Parse(await WriteAsync(content)).To.Mailboxes);
        }

        [Fact]
        public async Task ComposeAsync_CommaSeparatedToString_GivesEachRecipient()
        {
            MessageSpec spec = Spec();
            spec.To = new List<string> { "a@example.test, B <b@example.test>" };

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            Assert.Equal(new[] { "a@example.test", "b@example.test" }, content.Envelope.Recipients);
        }

        [Fact]
        public async Task ComposeAsync_MissingAttachment_ErrorNamesPath()
        {
            using var folder = new TempFolder();
            string missing = Path.Combine(folder.Path, "no-such-report.pdf");
            MessageSpec spec = Spec();
            spec.Attachments.Add(missing);

            var error = await Assert.ThrowsAsync<SmtpMessageException>(
                () => MessageComposer.ComposeAsync(spec, CancellationToken.None));

            Assert.Equal(SmtpMessageError.AttachmentNotFound, error.Error);
            Assert.Equal("Attachments", error.ParameterName);
            Assert.Equal(missing, error.Target);
            Assert.Contains(missing, error.Message);
        }

        [Fact]
        public async Task ComposeAsync_NoRecipients_Throws()
        {
            MessageSpec spec = Spec();
            spec.To.Clear();

            var error = await Assert.ThrowsAsync<SmtpMessageException>(
                () => MessageComposer.ComposeAsync(spec, CancellationToken.None));

            Assert.Equal(SmtpMessageError.NoRecipients, error.Error);
        }

        [Fact]
        public async Task ComposeAsync_UnknownEncoding_ErrorNamesIt()
        {
            MessageSpec spec = Spec();
            spec.Encoding = "klingon-8";

            var error = await Assert.ThrowsAsync<SmtpMessageException>(
                () => MessageComposer.ComposeAsync(spec, CancellationToken.None));

            Assert.Equal(SmtpMessageError.UnknownEncoding, error.Error);
            Assert.Contains("klingon-8", error.Message);
        }

        [Fact]
        public async Task ComposeAsync_ReservedCustomHeader_Refused()
        {
            MessageSpec spec = Spec();
            spec.Headers.Add(new KeyValuePair<string, string>("Content-Type", "text/evil"));

            var error = await Assert.ThrowsAsync<SmtpMessageException>(
                () => MessageComposer.ComposeAsync(spec, CancellationToken.None));

            Assert.Equal(SmtpMessageError.ReservedHeader, error.Error);
        }

        [Fact]
        public async Task ComposeAsync_CustomHeaders_WrittenAndNonAsciiEncoded()
        {
            MessageSpec spec = Spec();
            spec.Headers.Add(new KeyValuePair<string, string>("X-Job", "nightly 42"));
            spec.Headers.Add(new KeyValuePair<string, string>("X-Note", "夜间任务"));

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            byte[] bytes = await WriteAsync(content);
            MimeMessage parsed = Parse(bytes);

            Assert.Equal("nightly 42", parsed.Headers["X-Job"]);
            Assert.Equal("夜间任务", parsed.Headers["X-Note"]);
            Assert.All(bytes, b => Assert.True(b < 128));
        }

        [Theory]
        [InlineData(MailPriority.High, "1", "high")]
        [InlineData(MailPriority.Low, "5", "low")]
        public async Task ComposeAsync_Priority_WritesHeadersLikeSystemNetMail(MailPriority priority, string x,
            string importance)
        {
            MessageSpec spec = Spec();
            spec.Priority = priority;

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.Equal(x, parsed.Headers["X-Priority"]);
            Assert.Equal(importance, parsed.Headers["Importance"]);
        }

        [Fact]
        public async Task ComposeAsync_NormalPriority_WritesNoPriorityHeaders()
        {
            using MimeMessageContent content = await MessageComposer.ComposeAsync(Spec(), CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.False(parsed.Headers.Contains("X-Priority"));
            Assert.False(parsed.Headers.Contains("Importance"));
        }

        [Theory]
        [InlineData(null, null, "sender@example.test")]
        [InlineData(null, "Boss <boss@example.test>", "boss@example.test")]
        [InlineData("<bounces@example.test>", "boss@example.test", "bounces@example.test")]
        [InlineData("<>", null, "")]
        [InlineData("", null, "")]
        [InlineData("Bounces <bounces@example.test>", null, "bounces@example.test")]
        public async Task ComposeAsync_MailFrom_EnvelopeFromThenSenderThenFrom(string? envelopeFrom, string? sender,
            string expected)
        {
            MessageSpec spec = Spec();
            spec.EnvelopeFrom = envelopeFrom;
            spec.Sender = sender;

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            Assert.Equal(expected, content.Envelope.MailFrom);
            Assert.Equal("sender@example.test", Parse(await WriteAsync(content)).From.Mailboxes.Single().Address);
        }

        [Fact]
        public async Task ComposeAsync_DuplicateRecipients_EachOnceDomainCaseInsensitive()
        {
            MessageSpec spec = Spec();
            spec.To = new List<string> { "a@example.test", "b@example.test" };
            spec.Cc.Add("A <a@EXAMPLE.test>");
            spec.Bcc.Add("b@example.test");
            spec.Bcc.Add("B@example.test");
            spec.DeliveryNotificationOption = DeliveryNotificationOptions.OnFailure | DeliveryNotificationOptions.Delay;

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            Assert.Equal(new[] { "a@example.test", "b@example.test", "B@example.test" }, content.Envelope.Recipients);
            Assert.Equal(DeliveryNotificationOptions.OnFailure | DeliveryNotificationOptions.Delay,
                content.Envelope.Notify);
        }

        [Fact]
        public async Task ComposeAsync_NeverWithOtherFlags_NotifyIsNeverAlone()
        {
            MessageSpec spec = Spec();
            spec.DeliveryNotificationOption = DeliveryNotificationOptions.Never | DeliveryNotificationOptions.OnFailure;

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            Assert.Equal(DeliveryNotificationOptions.Never, content.Envelope.Notify);
        }

        [Fact]
        public async Task ComposeAsync_MessageIdAndDate_PresentAndOnSenderDomain()
        {
            using MimeMessageContent content = await MessageComposer.ComposeAsync(Spec(), CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.EndsWith("@example.test", parsed.MessageId);
            Assert.Equal(content.MessageId, parsed.MessageId);
            Assert.True(parsed.Headers.Contains(HeaderId.Date));
            Assert.True((DateTimeOffset.Now - parsed.Date).Duration() < TimeSpan.FromDays(1));
        }

        [Fact]
        public async Task ComposeAsync_MessageIdGivenAsHeader_IsTheOneSentAndReported()
        {
            MessageSpec spec = Spec();
            spec.Headers.Add(new KeyValuePair<string, string>("Message-ID", "<report.2026-12-07@example.test>"));

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.Equal("report.2026-12-07@example.test", parsed.MessageId);
            Assert.Equal("report.2026-12-07@example.test", content.MessageId);
        }

        [Theory]
        [InlineData("a\n.\nb")]
        [InlineData("a\r.\rb")]
        [InlineData("a\n.\r\nb")]
        [InlineData("a\r\n.\nb")]
        [InlineData("a\r\n.\r\nb")]
        public async Task ComposeAsync_BodyWithBareLineEndings_WrittenWithCrLfOnly(string body)
        {
            MessageSpec spec = Spec();
            spec.Body = body;

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            byte[] bytes = await WriteAsync(content);

            // RFC 5321 §2.3.8: no bare CR or LF may reach the wire, or a server could see a false end of data.
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == '\r') Assert.Equal((byte)'\n', bytes[i + 1]);
                if (bytes[i] == '\n') Assert.Equal((byte)'\r', bytes[i - 1]);
            }

            // MimeKit hands decoded text back with LF line ends and a final newline.
            Assert.Equal("a\n.\nb\n", Parse(bytes).TextBody);
        }

        [Theory]
        [InlineData("a\nb", "a\r\nb")]
        [InlineData("a\rb", "a\r\nb")]
        [InlineData("a\r\nb\n", "a\r\nb\r\n")]
        [InlineData("\r\r\n\n", "\r\n\r\n\r\n")]
        [InlineData("end\r", "end\r\n")]
        [InlineData("", "")]
        public void NormalizeLineBreaks_AnyMix_EveryBreakIsCrLf(string input, string expected)
        {
            Assert.Equal(expected, MessageComposer.NormalizeLineBreaks(input));
        }

        [Fact]
        public void NormalizeLineBreaks_AlreadyCrLf_ReturnsTheSameString()
        {
            string text = "line one\r\nline two\r\n";
            Assert.Same(text, MessageComposer.NormalizeLineBreaks(text));
        }

        [Fact]
        public async Task ComposeAsync_Size_EqualsWrittenLength()
        {
            using var folder = new TempFolder();
            MessageSpec spec = Spec();
            spec.Attachments.Add(folder.File("a.bin", new byte[10_000]));

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            Assert.Equal((await WriteAsync(content)).Length, content.Size);
        }

        [Theory]
        [InlineData(new[] { 0 })]
        [InlineData(new[] { 1, 2, 3 })]
        [InlineData(new[] { 56, 57, 58 })]
        [InlineData(new[] { 113, 114, 115, 171 })]
        [InlineData(new[] { 4095, 70001 })]
        public async Task ComposeAsync_AttachmentLengths_SizeEqualsWrittenLength(int[] lengths)
        {
            using var folder = new TempFolder();
            MessageSpec spec = Spec();
            spec.Body = null;
            spec.TextBody = "text";
            spec.HtmlBody = "<img src=\"cid:img\">";
            var random = new Random(lengths.Length);
            for (int i = 0; i < lengths.Length; i++)
            {
                byte[] data = new byte[lengths[i]];
                random.NextBytes(data);
                spec.Attachments.Add(folder.File("file" + i + ".bin", data));
            }

            spec.InlineAttachments["img"] = folder.File("img.png", new byte[] { 1, 2, 3, 4, 5 });

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            Assert.Equal((await WriteAsync(content)).Length, content.Size);
        }

        [Fact]
        public async Task WriteToAsync_Twice_SameBytes()
        {
            using var folder = new TempFolder();
            MessageSpec spec = Spec();
            spec.Attachments.Add(folder.File("a.bin", Encoding.ASCII.GetBytes("attachment content")));

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            Assert.Equal(await WriteAsync(content), await WriteAsync(content));
        }

        [Fact]
        public async Task ComposeAsync_NonAsciiLocalPart_NeedsSmtpUtf8()
        {
            MessageSpec spec = Spec();
            spec.To = new List<string> { "用户@例子.测试" };

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.True(content.NeedsSmtpUtf8);
            Assert.True(content.Has8BitContent);
            Assert.StartsWith("用户@", content.Envelope.Recipients.Single());
            Assert.StartsWith("用户@", parsed.To.Mailboxes.Single().Address);
        }

        [Fact]
        public async Task ComposeAsync_IdnDomainOnly_UsesALabelsWithoutSmtpUtf8()
        {
            MessageSpec spec = Spec();
            spec.To = new List<string> { "user@例子.测试" };

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            byte[] bytes = await WriteAsync(content);

            Assert.False(content.NeedsSmtpUtf8);
            Assert.False(content.Has8BitContent);
            Assert.Equal("user@xn--fsqu00a.xn--0zwm56d", content.Envelope.Recipients.Single());
            Assert.All(bytes, b => Assert.True(b < 128));
        }

        [Fact]
        public async Task Describe_ShowsEnvelopeHeadersAndStructureWithoutBcc()
        {
            using var folder = new TempFolder();
            MessageSpec spec = Spec();
            spec.Bcc.Add("hidden@example.test");
            spec.Attachments.Add(folder.File("report.csv", Encoding.ASCII.GetBytes("a,b\n1,2\n")));

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            string summary = content.Describe();

            Assert.Contains("MAIL FROM:<sender@example.test>", summary);
            Assert.Contains("RCPT TO:<rcpt@example.test>", summary);
            Assert.Contains("RCPT TO:<hidden@example.test>", summary);
            Assert.Contains("Subject: Test", summary);
            Assert.Contains("report.csv", summary);
            Assert.Contains("multipart/mixed", summary);
            Assert.DoesNotContain("Bcc:", summary);
        }

        [Fact]
        public async Task LoadAsync_EmlWithBcc_EnvelopeFromHeadersAndBccHidden()
        {
            using var folder = new TempFolder();
            string eml = folder.File("in.eml", Encoding.UTF8.GetBytes(
                "From: Alice <alice@example.test>\nTo: bob@example.test\nBcc: secret@example.test\n" +
                "Subject: stored\nMessage-Id: <stored@example.test>\n\nbody line\n"));

            using MimeMessageContent content = await MessageComposer.LoadAsync(eml, null, null,
                DeliveryNotificationOptions.None, CancellationToken.None);
            byte[] bytes = await WriteAsync(content);

            Assert.Equal("alice@example.test", content.Envelope.MailFrom);
            Assert.Equal(new[] { "bob@example.test", "secret@example.test" }, content.Envelope.Recipients);
            Assert.Equal("stored@example.test", content.MessageId);
            Assert.DoesNotContain("secret@example.test", Encoding.ASCII.GetString(bytes));
            Assert.Equal("body line\n", Parse(bytes).TextBody);
            // The file has bare LF line ends; what is written (and counted for SIZE=) has CRLF throughout.
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == '\n') Assert.Equal((byte)'\r', bytes[i - 1]);
            }

            Assert.Equal(bytes.Length, content.Size);
            Assert.Contains("\r\n\r\nbody line\r\n", Encoding.ASCII.GetString(bytes));
        }

        [Fact]
        public async Task LoadAsync_MissingFile_ErrorNamesPath()
        {
            string missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".eml");

            var error = await Assert.ThrowsAsync<SmtpMessageException>(() => MessageComposer.LoadAsync(missing, null,
                null, DeliveryNotificationOptions.None, CancellationToken.None));

            Assert.Equal(SmtpMessageError.MessageFileNotFound, error.Error);
            Assert.Contains(missing, error.Message);
        }

        private static MimeMessage AliceToBob(string subject, string text)
        {
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("alice@example.test"));
            message.To.Add(MailboxAddress.Parse("bob@example.test"));
            message.Subject = subject;
            message.Body = new TextPart("plain") { Text = text };
            return message;
        }

        [Fact]
        public async Task FromMimeMessageAsync_GivenEnvelope_OverridesHeaders()
        {
            MimeMessage message = AliceToBob("object", "hi");

            using MimeMessageContent content = await MessageComposer.FromMimeMessageAsync(message, "<>",
                new[] { "carol@example.test" }, DeliveryNotificationOptions.Never, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.Equal(string.Empty, content.Envelope.MailFrom);
            Assert.Equal(new[] { "carol@example.test" }, content.Envelope.Recipients);
            Assert.Equal("object", parsed.Subject);
            Assert.Equal((await WriteAsync(content)).Length, content.Size);
        }

        [Fact]
        public async Task FromMimeMessageAsync_CallersMessage_StillUsableAfterTheContentIsDisposed()
        {
            // The content disposes what it made itself, never the caller's own -MimeMessage.
            MimeMessage message = AliceToBob("kept", "still here");

            MimeMessageContent content = await MessageComposer.FromMimeMessageAsync(message, null, null,
                DeliveryNotificationOptions.Never, CancellationToken.None);
            await WriteAsync(content);
            content.Dispose();

            using var again = new MemoryStream();
            message.WriteTo(again);
            Assert.Equal("still here", Parse(again.ToArray()).TextBody.TrimEnd());
        }

        [Fact]
        public async Task FromMimeMessageAsync_MessageFromAnotherMimeKitCopy_IsReadThroughItsOwnWriter()
        {
            // The module keeps its MimeKit in a private load context, so a user's MimeMessage is another type.
            var context = new AssemblyLoadContext("other-mimekit", isCollectible: true);
            try
            {
                Assembly other = context.LoadFromAssemblyPath(typeof(MimeMessage).Assembly.Location);
                Type type = other.GetType("MimeKit.MimeMessage", throwOnError: true)!;
                Assert.NotEqual(typeof(MimeMessage), type);
                byte[] eml = Encoding.ASCII.GetBytes("From: a@example.test\r\nTo: b@example.test\r\n" +
                    "Bcc: c@example.test\r\nSubject: foreign\r\n\r\nhello\r\n");
                object foreign = type.GetMethod("Load", new[] { typeof(Stream), typeof(CancellationToken) })!
                    .Invoke(null, new object[] { new MemoryStream(eml), CancellationToken.None })!;

                using MimeMessageContent content = await MessageComposer.FromMimeMessageAsync(foreign, null, null,
                    DeliveryNotificationOptions.None, CancellationToken.None);
                byte[] bytes = await WriteAsync(content);

                Assert.Equal("a@example.test", content.Envelope.MailFrom);
                Assert.Equal(new[] { "b@example.test", "c@example.test" }, content.Envelope.Recipients);
                Assert.Equal("foreign", Parse(bytes).Subject);
                Assert.DoesNotContain("c@example.test", Encoding.ASCII.GetString(bytes));
            }
            finally
            {
                context.Unload();
            }
        }

        [Fact]
        public async Task LoadAsync_RawUtf8Header_Has8BitContent()
        {
            using var folder = new TempFolder();
            string eml = folder.File("utf8.eml", Encoding.UTF8.GetBytes(
                "From: a@example.test\r\nTo: b@example.test\r\nSubject: 你好\r\n\r\nhi\r\n"));

            using MimeMessageContent content = await MessageComposer.LoadAsync(eml, null, null,
                DeliveryNotificationOptions.None, CancellationToken.None);

            Assert.True(content.Has8BitContent);
            Assert.False(content.NeedsSmtpUtf8);
        }

        [Fact]
        public async Task FromMimeMessageAsync_NotAMimeMessage_Throws()
        {
            var error = await Assert.ThrowsAsync<SmtpMessageException>(() => MessageComposer.FromMimeMessageAsync(
                "just a string", null, null, DeliveryNotificationOptions.None, CancellationToken.None));

            Assert.Equal(SmtpMessageError.InvalidMessage, error.Error);
        }
    }
}
