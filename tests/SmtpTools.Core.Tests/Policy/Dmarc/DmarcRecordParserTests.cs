using System.IO;
using System.Linq;
using SmtpTools.Core.Policy.Dmarc;
using Xunit;

namespace SmtpTools.Core.Tests.Policy.Dmarc
{
    public sealed class DmarcRecordParserTests
    {
        [Theory]
        [InlineData("v=DMARC1; p=reject", true)]
        [InlineData("v = DMARC1;p=none", true)]
        [InlineData("v=DMARC1", true)]
        [InlineData("p=reject; v=DMARC1", false)]
        [InlineData("v=DMARC10; p=reject", false)]
        [InlineData("v=dmarc1; p=reject", false)]
        public void IsDmarcRecord_Text_FollowsRfc7489(string text, bool expected) =>
            Assert.Equal(expected, DmarcRecordParser.IsDmarcRecord(text));

        [Fact]
        public void Parse_FullRecord_ReadsEveryTag()
        {
            DmarcRecord r = DmarcRecordParser.Parse(
                "v=DMARC1; p=Quarantine; sp=reject; np=reject; pct=50; adkim=s; aspf=r; " +
                "rua=mailto:a@x.test,mailto:b@y.test!10m; ruf=mailto:f@x.test; fo=1:d; t=y; psd=n");

            Assert.Equal("quarantine", r.Policy);
            Assert.Equal("reject", r.SubdomainPolicy);
            Assert.Equal("reject", r.NonExistentPolicy);
            Assert.Equal(50, r.Percent);
            Assert.Equal("s", r.Adkim);
            Assert.Equal(new[] { "mailto:a@x.test", "mailto:b@y.test!10m" }, r.Rua);
            Assert.True(r.Testing);
            Assert.Equal("n", r.Psd);
            Assert.Empty(r.Errors);
        }

        [Theory]
        [InlineData("v=DMARC1; p=block", "p=block")]
        [InlineData("v=DMARC1; rua=mailto:a@x.test", "no p=")]
        [InlineData("v=DMARC1; p=none; pct=150", "pct=150")]
        [InlineData("v=DMARC1; p=none; adkim=x", "adkim=x")]
        public void Parse_Mistake_IsAnError(string text, string words) =>
            Assert.Contains(DmarcRecordParser.Parse(text).Errors, e => e.Contains(words));

        [Theory]
        [InlineData("mail.example.com", "example.com")]
        [InlineData("a.b.example.co.uk", "example.co.uk")]
        [InlineData("co.uk", "co.uk")]
        [InlineData("x.city.kawasaki.jp", "city.kawasaki.jp")]
        [InlineData("a.b.foo.kawasaki.jp", "b.foo.kawasaki.jp")]
        [InlineData("host.unknowntld", "host.unknowntld")]
        public void OrganizationalDomain_PublicSuffixRules_AreApplied(string domain, string expected)
        {
            string path = Path.GetTempFileName();
            File.WriteAllLines(path, new[] { "// rules", "com", "uk", "co.uk", "jp", "*.kawasaki.jp", "!city.kawasaki.jp" });
            try
            {
                Assert.Equal(expected, PublicSuffixList.Load(path).OrganizationalDomain(domain));
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Theory]
        [InlineData("Alice <alice@Example.COM>", "example.com")]
        [InlineData("\"Smith, John @ work\" <j@a.test>, b@b.test", "a.test,b.test")]
        [InlineData("undisclosed-recipients:;", "")]
        public void AddressDomains_FromValue_AreFound(string value, string expected) =>
            Assert.Equal(expected, string.Join(",", DmarcEvaluator.AddressDomains(value)));
    }
}
