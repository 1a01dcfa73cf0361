using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MimeKit;
using SmtpTools.Core.Mime;
using Xunit;
using static SmtpTools.Core.Tests.Mime.MimeTestHelpers;

namespace SmtpTools.Core.Tests.Mime
{
    public class MessageEncodingTests
    {
        [Theory]
        [InlineData(null, 65001)]
        [InlineData("", 65001)]
        [InlineData("utf-8", 65001)]
        [InlineData("UTF8", 65001)]
        [InlineData("utf8NoBOM", 65001)]
        [InlineData("ascii", 20127)]
        [InlineData("us-ascii", 20127)]
        [InlineData("gb2312", 936)]
        [InlineData("GB2312", 936)]
        [InlineData("iso-2022-jp", 50220)]
        [InlineData("big5", 950)]
        [InlineData("shift_jis", 932)]
        [InlineData("iso-8859-1", 28591)]
        [InlineData("latin1", 28591)]
        [InlineData("unicode", 1200)]
        [InlineData(936, 936)]
        public void Resolve_NameOrCodePage_GivesEncoding(object? value, int codePage)
        {
            Assert.Equal(codePage, MessageEncoding.Resolve(value).CodePage);
        }

        [Fact]
        public void Resolve_EncodingObject_ReturnedAsIs()
        {
            Encoding gbk = Encoding.GetEncoding("gb2312");

            Assert.Same(gbk, MessageEncoding.Resolve(gbk));
        }

        [Theory]
        [InlineData("no-such-charset")]
        [InlineData("utf-9")]
        public void Resolve_UnknownName_ThrowsUnknownEncoding(string name)
        {
            var error = Assert.Throws<SmtpMessageException>(() => MessageEncoding.Resolve(name));

            Assert.Equal(SmtpMessageError.UnknownEncoding, error.Error);
            Assert.Equal("Encoding", error.ParameterName);
            Assert.Equal(name, error.Target);
        }

        [Theory]
        [InlineData("iso-2022-jp", "日本語のテスト", "本文です。")]
        [InlineData("shift_jis", "日本語のテスト", "本文です。")]
        [InlineData("big5", "繁體中文測試", "內容")]
        public async Task ComposeAsync_CharsetForSubjectAndBody_RoundTrips(string charset, string subject, string body)
        {
            MessageSpec spec = Spec();
            spec.Subject = subject;
            spec.Body = body;
            spec.Encoding = charset;

            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            MimeMessage parsed = Parse(await WriteAsync(content));

            Assert.Equal(subject, parsed.Subject);
            Assert.Equal(body, parsed.TextBody.TrimEnd('\r', '\n'));
            Assert.Equal(charset, Assert.IsType<TextPart>(parsed.Body).ContentType.Charset, ignoreCase: true);
        }
    }
}
