using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;
using Xunit;

namespace SmtpTools.Core.Tests
{
    public class SmtpReplyReaderTests
    {
        private static async Task<SmtpReply> ReadAsync(string wire, int maxRead = 4096)
        {
            var reader = new SmtpReplyReader(new TrickleStream(wire, maxRead));
            return await reader.ReadReplyAsync(CancellationToken.None);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(3)]
        [InlineData(4096)]
        public async Task ReadReplyAsync_MultilineReply_JoinsLinesInOrder(int maxRead)
        {
            SmtpReply reply = await ReadAsync(
                "250-mail.example.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 CHUNKING\r\n", maxRead);

            Assert.Equal(250, reply.Code);
            Assert.Equal(new[] { "mail.example.test Hello", "PIPELINING", "SIZE 10240000", "CHUNKING" }, reply.Lines);
            Assert.Equal("250 CHUNKING", reply.RawLines[3]);
        }

        [Fact]
        public async Task ReadReplyAsync_ContinuationTextStartingWithDigits_UsesFourthCharacter()
        {
            // RFC 5321 §4.2.1's own example: "250-234 Text" is a continuation whose text begins with digits.
            SmtpReply reply = await ReadAsync("250-234 Text beginning with numbers\r\n250 The last line\r\n");

            Assert.Equal(2, reply.Lines.Count);
            Assert.Equal("234 Text beginning with numbers", reply.Lines[0]);
        }

        [Theory]
        [InlineData("250\r\n")]
        [InlineData("250 \r\n")]
        public async Task ReadReplyAsync_BareCode_IsValidWithEmptyText(string wire)
        {
            SmtpReply reply = await ReadAsync(wire);

            Assert.Equal(250, reply.Code);
            Assert.Equal(new[] { string.Empty }, reply.Lines);
        }

        [Fact]
        public async Task ReadReplyAsync_EnhancedStatus_IsFound()
        {
            SmtpReply reply = await ReadAsync("550 5.1.1 <nobody@example.test>: Recipient address rejected\r\n");

            Assert.Equal("5.1.1", reply.EnhancedStatus);
            Assert.True(reply.IsPermanent);
        }

        [Fact]
        public async Task ReadReplyAsync_TwoRepliesInOneRead_ReturnsThemInTurn()
        {
            var reader = new SmtpReplyReader(new TrickleStream("250 2.1.0 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n", 4096));

            SmtpReply first = await reader.ReadReplyAsync(CancellationToken.None);
            SmtpReply second = await reader.ReadReplyAsync(CancellationToken.None);

            Assert.Equal(250, first.Code);
            Assert.Equal(354, second.Code);
            Assert.Equal(0, reader.BufferedCount);
        }

        [Fact]
        public async Task ReadReplyAsync_BareLineFeed_IsTolerated()
        {
            SmtpReply reply = await ReadAsync("220-first\n220 second\n");

            Assert.Equal(new[] { "first", "second" }, reply.Lines);
        }

        [Fact]
        public async Task ReadReplyAsync_InvalidUtf8_KeepsTheByteAsLatin1AndTheCode()
        {
            byte[] wire = Encoding.ASCII.GetBytes("554 caf\r\n");
            byte[] withLatin1 = new byte[wire.Length + 1];
            Array.Copy(wire, withLatin1, 7);
            withLatin1[7] = 0xE9;
            Array.Copy(wire, 7, withLatin1, 8, 2);
            var reader = new SmtpReplyReader(new TrickleStream(withLatin1, 4096));

            SmtpReply reply = await reader.ReadReplyAsync(CancellationToken.None);

            Assert.Equal(554, reply.Code);
            Assert.Equal("caf\u00e9", reply.Lines[0]);
        }

        [Theory]
        [InlineData("250-first\r\n251 second\r\n", "mixed reply codes")]
        [InlineData("2x0 nope\r\n", "three-digit code")]
        [InlineData("25\r\n", "too short")]
        [InlineData("\r\n", "too short")]
        [InlineData("650 nope\r\n", "outside 2-5")]
        [InlineData("150 nope\r\n", "outside 2-5")]
        [InlineData("250x nope\r\n", "fourth character")]
        [InlineData("250-more to come\r\n", "closed the connection in the middle")]
        [InlineData("", "closed the connection before replying")]
        [InlineData("250 no line end", "closed the connection")]
        public async Task ReadReplyAsync_MalformedReply_ThrowsProtocolException(string wire, string reasonPart)
        {
            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(() => ReadAsync(wire));

            Assert.Contains(reasonPart, ex.Message);
        }

        [Fact]
        public async Task ReadReplyAsync_LineOverCap_ThrowsProtocolException()
        {
            string wire = "250 " + new string('a', SmtpReplyReader.MaxLineLength) + "\r\n";

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(() => ReadAsync(wire));

            Assert.Contains("longer than 8 KiB", ex.Message);
        }

        [Fact]
        public async Task ReadReplyAsync_LineAtCap_IsAccepted()
        {
            string text = new string('a', SmtpReplyReader.MaxLineLength - 4);

            SmtpReply reply = await ReadAsync("250 " + text + "\r\n");

            Assert.Equal(text, reply.Lines[0]);
        }

        [Fact]
        public async Task ReadReplyAsync_ReplyOverTotalCap_ThrowsProtocolException()
        {
            var sb = new StringBuilder();
            string line = "250-" + new string('b', 1000) + "\r\n";
            while (sb.Length <= SmtpReplyReader.MaxReplyLength) sb.Append(line);
            sb.Append("250 end\r\n");

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(() => ReadAsync(sb.ToString()));

            Assert.Contains("reply longer than 1024 KiB", ex.Message);
        }

        [Fact]
        public async Task SetStream_AfterInjectedPlaintext_DropsBufferedBytes()
        {
            // CVE-2011-0411 mirrored on the client: a reply injected behind the STARTTLS 220 must never be read.
            var reader = new SmtpReplyReader(new TrickleStream("220 2.0.0 Ready to start TLS\r\n250 injected\r\n", 4096));
            SmtpReply ready = await reader.ReadReplyAsync(CancellationToken.None);

            int dropped = reader.SetStream(new TrickleStream("250 from tls\r\n", 4096));
            SmtpReply next = await reader.ReadReplyAsync(CancellationToken.None);

            Assert.Equal(220, ready.Code);
            Assert.Equal("250 injected\r\n".Length, dropped);
            Assert.Equal("from tls", next.Lines[0]);
        }

        [Fact]
        public async Task ReadReplyAsync_RandomInput_ParsesOrThrowsProtocolException()
        {
            var random = new Random(5321);
            byte[] alphabet = Encoding.ASCII.GetBytes("0123456789 -\r\nabcZ.");
            for (int i = 0; i < 3000; i++)
            {
                byte[] data = new byte[random.Next(0, 40)];
                for (int j = 0; j < data.Length; j++) data[j] = alphabet[random.Next(alphabet.Length)];
                if (random.Next(2) == 0 && data.Length >= 4)
                {
                    data[0] = (byte)('2' + random.Next(4));
                    data[1] = (byte)('0' + random.Next(10));
                    data[2] = (byte)('0' + random.Next(10));
                }
                var reader = new SmtpReplyReader(new TrickleStream(data, 1 + random.Next(5)));
                try
                {
                    SmtpReply reply = await reader.ReadReplyAsync(CancellationToken.None);
                    Assert.InRange(reply.Code, 200, 599);
                    Assert.Equal(reply.Lines.Count, reply.RawLines.Count);
                    foreach (string raw in reply.RawLines) Assert.StartsWith(reply.Code.ToString(), raw);
                }
                catch (SmtpProtocolException)
                {
                }
            }
        }
   
        private static Encoding Gbk()
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding("gbk");
        }

        private static async Task<SmtpReply> ReadBytesAsync(byte[] wire, Encoding? forced = null, int maxRead = 4096)
        {
            var reader = new SmtpReplyReader(new TrickleStream(wire, maxRead), forced);
            return await reader.ReadReplyAsync(CancellationToken.None);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(4096)]
        public async Task ReadReplyAsync_GbkReply_IsDecodedAsGb18030(int maxRead)
        {
            // smtp.qq.com's answer to a password where an authorization code is needed, as its bytes arrive.
            byte[] wire = Gbk().GetBytes("535 Error: 请使用授权码登录。详情请看: http://service.mail.qq.com/cgi-bin/help\r\n");

            SmtpReply reply = await ReadBytesAsync(wire, null, maxRead);

            Assert.Equal("Error: 请使用授权码登录。详情请看: http://service.mail.qq.com/cgi-bin/help", reply.Text);
            Assert.Equal("535 Error: 请使用授权码登录。详情请看: http://service.mail.qq.com/cgi-bin/help",
                reply.RawLines[0]);
            Assert.Equal("gb18030", reply.TextEncoding);
            Assert.Equal(wire, reply.RawBytes);
        }

        [Fact]
        public async Task ReadReplyAsync_Gb2312MultilineReply_IsDecodedAsOneText()
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            byte[] wire = Encoding.GetEncoding("gb2312").GetBytes(
                "550-MI:SPF 发信IP未被发送域的SPF许可\r\n550 网易邮箱\r\n");

            SmtpReply reply = await ReadBytesAsync(wire);

            Assert.Equal(new[] { "MI:SPF 发信IP未被发送域的SPF许可", "网易邮箱" }, reply.Lines);
            Assert.Equal("gb18030", reply.TextEncoding);
        }

        [Fact]
        public async Task ReadReplyAsync_Utf8Reply_StaysUtf8()
        {
            SmtpReply reply = await ReadBytesAsync(Encoding.UTF8.GetBytes("550 5.1.1 Müller: 用户不存在\r\n"));

            Assert.Equal("5.1.1 Müller: 用户不存在", reply.Text);
            Assert.Equal("utf-8", reply.TextEncoding);
        }

        [Theory]
        [InlineData(new byte[] { 0x35, 0x35, 0x30, 0x20, 0xFF, 0x80, 0x81, 0x0D, 0x0A })]
        [InlineData(new byte[] { 0x35, 0x35, 0x30, 0x20, 0xC7, 0x0D, 0x0A })]
        [InlineData(new byte[] { 0x35, 0x35, 0x30, 0x20, 0x81, 0x20, 0x41, 0xFE, 0x0D, 0x0A })]
        public async Task ReadReplyAsync_BytesNeitherUtf8NorGb18030_AreLatin1NeverReplacementCharacters(byte[] wire)
        {
            SmtpReply reply = await ReadBytesAsync(wire);

            Assert.DoesNotContain('\uFFFD', reply.Text);
            Assert.Equal("iso-8859-1", reply.TextEncoding);
            // One character per byte: the bytes can be recovered from the text.
            Assert.Equal(wire.AsSpan(4, wire.Length - 6).ToArray(), Encoding.Latin1.GetBytes(reply.Text));
            Assert.Equal(Encoding.Latin1.GetString(wire), reply.RawText);
        }

        [Fact]
        public async Task ReadReplyAsync_ForcedEncoding_IsUsedEvenForValidUtf8()
        {
            byte[] wire = Encoding.UTF8.GetBytes("250 Grüße\r\n");

            SmtpReply reply = await ReadBytesAsync(wire, Encoding.Latin1);

            Assert.Equal("GrÃ¼Ã\u009fe", reply.Text);
            Assert.Equal("iso-8859-1", reply.TextEncoding);
        }

        [Fact]
        public async Task ReadReplyAsync_AsciiReply_HasUtf8AndItsWireBytes()
        {
            SmtpReply reply = await ReadAsync("250-a\r\n250 b\r\n");

            Assert.Equal("utf-8", reply.TextEncoding);
            Assert.Equal(Encoding.ASCII.GetBytes("250-a\r\n250 b\r\n"), reply.RawBytes);
        }
    }
}
