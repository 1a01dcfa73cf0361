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

        [Theory]
        [InlineData("dns1.contoso.test", 53)]
        [InlineData("dns1.contoso.test:5353", 5353)]
        [InlineData("localhost", 53)]
        public void ResolveServer_HostName_AsksTheResolverOnceAndKeepsEveryAddress(string text, int port)
        {
            var asked = new System.Collections.Generic.List<string>();
            var addresses = new[] { IPAddress.Parse("192.0.2.53"), IPAddress.Parse("2001:db8::53"),
                IPAddress.Parse("192.0.2.53") };

            var servers = MxRouterOptions.ResolveServer(text, name => { asked.Add(name); return addresses; });

            Assert.Equal(new[] { text.Split(':')[0] }, asked);
            Assert.Equal(new[] { new IPEndPoint(addresses[0], port), new IPEndPoint(addresses[1], port) }, servers);
        }

        [Fact]
        public void ResolveServer_IpAddress_DoesNotAskTheResolver()
        {
            var servers = MxRouterOptions.ResolveServer("127.0.0.1:5353", _ => throw new InvalidOperationException());

            Assert.Equal(new[] { new IPEndPoint(IPAddress.Loopback, 5353) }, servers);
        }

        [Fact]
        public void ResolveServer_NameThatDoesNotResolve_ThrowsNamingIt()
        {
            var ex = Assert.Throws<DnsServerNameException>(() => MxRouterOptions.ResolveServer("dns9.contoso.test",
                _ => throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound)));

            Assert.Equal("dns9.contoso.test", ex.Host);
            Assert.Contains("'dns9.contoso.test'", ex.Message);
        }

        [Theory]
        [InlineData("not a server!")]
        [InlineData("dns1.contoso.test:99999")]
        public void ResolveServer_NeitherAddressNorName_ThrowsFormatExceptionWithoutAsking(string text)
        {
            Assert.Throws<FormatException>(() =>
                MxRouterOptions.ResolveServer(text, _ => throw new InvalidOperationException("asked")));
        }
    }
}
