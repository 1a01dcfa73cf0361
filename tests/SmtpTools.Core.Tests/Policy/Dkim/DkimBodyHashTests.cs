using System.Text;
using SmtpTools.Core.Policy.Dkim;
using Xunit;

namespace SmtpTools.Core.Tests.Policy.Dkim
{
    public sealed class DkimBodyHashTests
    {
        [Theory]
        // RFC 6376 §3.4.5's example body.
        [InlineData(" C \r\nD \t E\r\n\r\n\r\n", false, " C \r\nD \t E\r\n")]
        [InlineData(" C \r\nD \t E\r\n\r\n\r\n", true, " C\r\nD E\r\n")]
        // §3.4.3/§3.4.4: an empty body is CRLF under simple and nothing under relaxed.
        [InlineData("", false, "\r\n")]
        [InlineData("", true, "")]
        [InlineData("\r\n\r\n", true, "")]
        // Empty lines inside the body stay; a missing final CRLF is added.
        [InlineData("a\r\n\r\nb", false, "a\r\n\r\nb\r\n")]
        public void Canonicalize_Body_MatchesRfc(string body, bool relaxed, string expected)
        {
            byte[] result = DkimBodyHash.Canonicalize(Encoding.ASCII.GetBytes(body), relaxed);

            Assert.Equal(expected, Encoding.ASCII.GetString(result));
        }

        [Fact]
        public void Parse_LfMessage_ReadsCrlfBodyAndUnfoldsFields()
        {
            RawMessage message = RawMessage.Parse(Encoding.ASCII.GetBytes(
                "DKIM-Signature: v=1; a=rsa-sha256;\n\tb=abc\nFrom: a@b.test\n\nline\n"));

            Assert.Equal("v=1; a=rsa-sha256;\tb=abc", Assert.Single(message.Values("dkim-signature")));
            Assert.Equal("line\r\n", Encoding.ASCII.GetString(message.Body));
        }

        [Fact]
        public void Parse_RepeatedTag_IsAnError()
        {
            Assert.Null(DkimTags.Parse("v=1; d=a.test; d=b.test", out string? error));
            Assert.Contains("d=", error);
        }
    }
}
