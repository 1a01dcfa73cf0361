using System.Net;
using SmtpTools.Core.Dns;
using Xunit;

namespace SmtpTools.Core.Tests.Dns
{
    public sealed class DomainNameTests
    {
        [Theory]
        [InlineData("example.test", "example.test", "example.test")]
        [InlineData("Example.TEST.", "example.test", "example.test")]
        [InlineData("alice@example.test", "example.test", "example.test")]
        [InlineData("<alice@example.test>", "example.test", "example.test")]
        [InlineData("\"a@b\"@example.test", "example.test", "example.test")]
        [InlineData("bücher.example", "xn--bcher-kva.example", "bücher.example")]
        [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example", "bücher.example")]
        [InlineData("münchen.例え.テスト", "xn--mnchen-3ya.xn--r8jz45g.xn--zckzah", "münchen.例え.テスト")]
        public void ParseMailDomain_Name_ReturnsALabelAndUnicode(string input, string ascii, string unicode)
        {
            (string a, string u, IPAddress? literal) = DomainName.ParseMailDomain(input);

            Assert.Equal(ascii, a);
            Assert.Equal(unicode, u);
            Assert.Null(literal);
        }

        [Theory]
        [InlineData("user@[192.0.2.1]", "192.0.2.1")]
        [InlineData("[IPv6:2001:db8::1]", "2001:db8::1")]
        public void ParseMailDomain_AddressLiteral_ReturnsAddress(string input, string address)
        {
            (_, _, IPAddress? literal) = DomainName.ParseMailDomain(input);

            Assert.Equal(IPAddress.Parse(address), literal);
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("alice@")]
        [InlineData("a..b")]
        [InlineData("[300.1.1.1]")]
        [InlineData("[2001:db8::1]")]
        [InlineData("toolonglabel-toolonglabel-toolonglabel-toolonglabel-toolonglabel.test")]
        public void ParseMailDomain_Invalid_ThrowsInvalidName(string input)
        {
            DnsResolutionException ex = Assert.Throws<DnsResolutionException>(() => DomainName.ParseMailDomain(input));

            Assert.Equal(DnsFailureKind.InvalidName, ex.Kind);
        }

        [Theory]
        [InlineData("not a domain!", "a space (character 4 of 'not a domain!')")]
        [InlineData("alice@bad!name.example", "'!' (character 4 of 'bad!name.example')")]
        [InlineData("tab\there.example", "the character U+0009 (character 4 of")]
        [InlineData("-lead.example", "a label cannot start with a hyphen (character 1 of '-lead.example')")]
        [InlineData("tail-.example", "a label cannot end with a hyphen (character 5 of 'tail-.example')")]
        public void ParseMailDomain_ImpossibleCharacter_NamesIt(string input, string named)
        {
            DnsResolutionException ex = Assert.Throws<DnsResolutionException>(() => DomainName.ParseMailDomain(input));

            Assert.Equal(DnsFailureKind.InvalidName, ex.Kind);
            Assert.Contains(named, ex.Message);
        }

        [Theory]
        [InlineData("_dmarc.example.test")]
        [InlineData("mail-1.example.test")]
        [InlineData("bücher.example")]
        public void ImpossibleCharacter_PossibleName_IsNull(string name)
        {
            Assert.Null(DomainName.ImpossibleCharacter(name));
        }

        [Theory]
        [InlineData("127.0.0.1", true)]
        [InlineData("2001:db8::1", true)]
        [InlineData("mx1.example.test", false)]
        [InlineData("10", false)]
        [InlineData("1.2.3.4.example", false)]
        public void LooksLikeIpAddress_Host_DetectsLiterals(string host, bool expected)
        {
            Assert.Equal(expected, DomainName.LooksLikeIpAddress(host));
        }
    }
}
