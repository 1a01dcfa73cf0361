using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTools.Core.Policy;
using SmtpTools.Core.Policy.Transport;
using Xunit;

namespace SmtpTools.Core.Tests.Policy.Transport
{
    public sealed class TlsPolicyEvaluatorTests
    {
        private static readonly (X509Certificate2 Ca, X509Certificate2 Leaf) Chain = MakeChain("mx.example.test");

        private static (X509Certificate2, X509Certificate2) MakeChain(string host)
        {
            using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=Test CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            DateTimeOffset now = DateTimeOffset.UtcNow;
            X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(10));
            using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(host);
            san.AddDnsName("*.wild.example.test");
            request.CertificateExtensions.Add(san.Build());
            X509Certificate2 leaf = request.Create(ca, now.AddDays(-1), now.AddDays(5), new byte[] { 1, 2, 3, 4 });
            return (ca, leaf);
        }

        private static TlsaData Tlsa(int usage, int selector, int matching, X509Certificate2 cert)
        {
            byte[] content = selector == 0 ? cert.RawData : cert.PublicKey.ExportSubjectPublicKeyInfo();
            byte[] data = matching switch
            {
                1 => SHA256.HashData(content),
                2 => SHA512.HashData(content),
                _ => content,
            };
            return new TlsaData(usage, selector, matching, data);
        }

        private static DaneTlsa Dane(bool validated, params TlsaData[] records) =>
            new DaneTlsa("mx.example.test", "_25._tcp.mx.example.test",
                Array.ConvertAll(records, TransportPolicyReader.Present), validated,
                Array.Exists(records, r => r.Usage == 2 || r.Usage == 3), null, records);

        private static MtaStsPolicy Sts(string mode, params string[] mx) =>
            new MtaStsPolicy("example.test", "v=STSv1; id=1", "1", "https://mta-sts.example.test/.well-known/mta-sts.txt",
                mode, mx, TimeSpan.FromDays(7), null, Array.Empty<string>(), Array.Empty<string>(), null,
                MailCheckStatus.Ok, Array.Empty<string>());

        [Fact]
        public void SubjectPublicKeyInfo_FromDer_EqualsTheRuntimes()
        {
            Assert.Equal(Chain.Leaf.PublicKey.ExportSubjectPublicKeyInfo(),
                TlsPolicyEvaluator.SubjectPublicKeyInfo(Chain.Leaf.RawData));
        }

        [Theory]
        [InlineData(3, 1, 1, true)]
        [InlineData(3, 0, 1, true)]
        [InlineData(3, 1, 2, true)]
        [InlineData(3, 0, 0, true)]
        [InlineData(1, 1, 1, false)] // PKIX-EE: SMTP ignores it (RFC 7672 §3.1.3)
        public void Matches_LeafRecord_FollowsUsageSelectorAndMatchingType(int usage, int selector, int matching,
            bool expected)
        {
            TlsaData record = Tlsa(usage, selector, matching, Chain.Leaf);

            Assert.Equal(expected, TlsPolicyEvaluator.Matches(record, Chain.Leaf, new[] { Chain.Leaf, Chain.Ca },
                "mx.example.test"));
        }

        [Fact]
        public void Matches_DaneTaRecord_NeedsTheTrustAnchorAndTheName()
        {
            TlsaData record = Tlsa(2, 0, 1, Chain.Ca);
            var chain = new[] { Chain.Leaf, Chain.Ca };

            Assert.True(TlsPolicyEvaluator.Matches(record, Chain.Leaf, chain, "mx.example.test"));
            Assert.True(TlsPolicyEvaluator.Matches(record, Chain.Leaf, chain, "a.wild.example.test"));
            Assert.False(TlsPolicyEvaluator.Matches(record, Chain.Leaf, chain, "other.example.test"));
            Assert.False(TlsPolicyEvaluator.Matches(record, Chain.Leaf, new[] { Chain.Leaf }, "mx.example.test"));
        }

        [Fact]
        public void Evaluate_EnforcePolicyListedNamedValid_IsRequiredAndSatisfied()
        {
            TlsPolicyVerdict v = TlsPolicyEvaluator.Evaluate("mx.example.test", Chain.Leaf, new[] { Chain.Leaf },
                pkixValid: true, Sts("enforce", "*.example.test"), null);

            Assert.True(v.Required);
            Assert.True(v.Satisfied);
            Assert.True(v.MtaStsSatisfied);
        }

        [Theory]
        [InlineData("mx.example.test", false, "trusted root")]
        [InlineData("mx.other.test", true, "matches no mx: pattern")]
        public void Evaluate_EnforcePolicyNotMet_RefusesAndSaysWhy(string host, bool pkix, string words)
        {
            TlsPolicyVerdict v = TlsPolicyEvaluator.Evaluate(host, Chain.Leaf, new[] { Chain.Leaf }, pkix,
                Sts("enforce", "mx.example.test"), null);

            Assert.True(v.Required);
            Assert.False(v.Satisfied);
            Assert.Contains(words, v.Reason);
        }

        [Fact]
        public void Evaluate_TestingPolicyNotMet_IsReportedButNotRequired()
        {
            TlsPolicyVerdict v = TlsPolicyEvaluator.Evaluate("mx.example.test", Chain.Leaf, new[] { Chain.Leaf },
                pkixValid: false, Sts("testing", "mx.example.test"), null);

            Assert.False(v.Required);
            Assert.True(v.Satisfied);
            Assert.False(v.MtaStsSatisfied);
        }

        [Fact]
        public void Evaluate_ValidatedTlsaMatch_SatisfiesEvenWithoutPkix()
        {
            TlsPolicyVerdict v = TlsPolicyEvaluator.Evaluate("mx.example.test", Chain.Leaf, new[] { Chain.Leaf },
                pkixValid: false, Sts("enforce", "mx.example.test"), Dane(true, Tlsa(3, 1, 1, Chain.Leaf)));

            Assert.True(v.Required);
            Assert.True(v.DaneValidated);
            Assert.True(v.Satisfied); // RFC 8461 §2: validated DANE decides over MTA-STS
        }

        [Fact]
        public void Evaluate_ValidatedTlsaMismatch_Refuses()
        {
            TlsPolicyVerdict v = TlsPolicyEvaluator.Evaluate("mx.example.test", Chain.Leaf, new[] { Chain.Leaf }, true,
                null, Dane(true, Tlsa(3, 1, 1, Chain.Ca)));

            Assert.True(v.Required);
            Assert.False(v.Satisfied);
            Assert.False(v.DaneSatisfied);
        }

        [Fact]
        public void Evaluate_UnvalidatedTlsa_IsNotActedOn()
        {
            TlsPolicyVerdict v = TlsPolicyEvaluator.Evaluate("mx.example.test", Chain.Leaf, new[] { Chain.Leaf }, true,
                null, Dane(false, Tlsa(3, 1, 1, Chain.Ca)));

            Assert.False(v.Required);
            Assert.True(v.Satisfied);
            Assert.False(v.DaneValidated);
            Assert.Contains("unvalidated", v.Reason);
        }
    }
}
