using System;
using System.Net;
using SmtpTools.Core.Dns;
using Xunit;

namespace SmtpTools.Core.Tests.Dns
{
    public sealed class MxRouterOptionsTests
    {
        [Theory]
        [InlineData("127.0.0.1", "127.0.0.1", 53)]
        [InlineData("127.0.0.1:5353", "127.0.0.1", 5353)]
        [InlineData(" 192.0.2.1:53 ", "192.0.2.1", 53)]
        [InlineData("::1", "::1", 53)]
        [InlineData("[::1]", "::1", 53)]
        [InlineData("[2001:db8::53]:5300", "2001:db8::53", 5300)]
        public void ParseServer_Valid_ReturnsEndPoint(string text, string address, int port)
        {
            IPEndPoint endPoint = MxRouterOptions.ParseServer(text);

            Assert.Equal(IPAddress.Parse(address), endPoint.Address);
            Assert.Equal(port, endPoint.Port);
        }

        [Theory]
        [InlineData("")]
        [InlineData("dns.example")]
        [InlineData("127.0.0.1:0")]
        [InlineData("127.0.0.1:70000")]
        [InlineData("127.0.0.1:x")]
        [InlineData("[::1]53")]
        public void ParseServer_Invalid_ThrowsFormatException(string text)
        {
            Assert.Throws<FormatException>(() => MxRouterOptions.ParseServer(text));
        }
    }
}
