using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Codes;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Policy;
using SmtpTools.Core.Policy.Transport;
using SmtpTools.Core.Tests.Dns;
using Xunit;

namespace SmtpTools.Core.Tests.Policy.Transport
{
    /// <summary>Against NSD (sts.test) and nginx serving the policies with a certificate from the run's CA.</summary>
    [Collection(DnsPeerCollection.Name)]
    public sealed class TransportPolicyReaderTests
    {
        private readonly DnsPeerFixture _peer;

        public TransportPolicyReaderTests(DnsPeerFixture peer) => _peer = peer;

        private static string Setting(string name) =>
            Environment.GetEnvironmentVariable("SMTPTOOLS_" + name) ??
            throw new InvalidOperationException($"SMTPTOOLS_{name} is not set: start tests/peers/Start-Peers.ps1.");

        private TransportPolicyReader Reader(DnsLookup lookup, bool trustTestCa) => new TransportPolicyReader(lookup,
            new MtaStsOptions
            {
                PolicyEndPoint = MxRouterOptions.ParseServer(Setting("MTASTS_SERVER")),
                ExtraRoots = trustTestCa
                    ? new X509Certificate2Collection(X509Certificate2.CreateFromPem(File.ReadAllText(Setting("TEST_CA"))))
                    : null,
            });

        [Fact]
        public async Task ReadMtaStsAsync_PrivateCaNamedByCaller_ReadsThePolicy()
        {
            using var lookup = new DnsLookup(new[] { _peer.Server }, TimeSpan.FromSeconds(3), 1, false);

            MtaStsPolicy policy = await Reader(lookup, trustTestCa: true).ReadMtaStsAsync("enforce.sts.test",
                new[] { "mx.enforce.sts.test" }, CancellationToken.None);

            Assert.Equal(MailCheckStatus.Ok, policy.Status);
            Assert.Equal("enforce", policy.Mode);
            Assert.Equal(new[] { "mx.enforce.sts.test" }, policy.Mx);
            Assert.Equal(TimeSpan.FromSeconds(604800), policy.MaxAge);
            Assert.Equal("20261206T000000", policy.Id);
            Assert.Contains("mta-sts.enforce.sts.test", CertificateValidation.DnsNames(policy.Certificate!));
        }

        [Fact]
        public async Task ReadMtaStsAsync_PrivateCaNotNamed_RefusesTheCertificate()
        {
            using var lookup = new DnsLookup(new[] { _peer.Server }, TimeSpan.FromSeconds(3), 1, false);

            MtaStsPolicy policy = await Reader(lookup, trustTestCa: false).ReadMtaStsAsync("enforce.sts.test",
                new[] { "mx.enforce.sts.test" }, CancellationToken.None);

            Assert.Equal(MailCheckStatus.Fail, policy.Status);
            Assert.Contains("is not valid", policy.Problems[0]);
        }

        [Fact]
        public async Task ReadMtaStsAsync_NameNotOnCertificate_IsRefusedEvenWithTheCa()
        {
            using var lookup = new DnsLookup(new[] { _peer.Server }, TimeSpan.FromSeconds(3), 1, false);

            MtaStsPolicy policy = await Reader(lookup, trustTestCa: true).ReadMtaStsAsync("badcert.sts.test",
                new[] { "mx.badcert.sts.test" }, CancellationToken.None);

            Assert.Equal(MailCheckStatus.Fail, policy.Status);
            Assert.Contains("does not name mta-sts.badcert.sts.test", policy.Problems[0]);
        }

        [Fact]
        public void Texts_EveryKey_HasEnglishAndChinese()
        {
            foreach (var text in MailDomainTexts.All)
            {
                Assert.False(string.IsNullOrWhiteSpace(text.Value.En), text.Key);
                Assert.Contains(text.Value.Zh, c => c >= 0x4E00 && c <= 0x9FFF);
                Assert.Equal(MailDomainTexts.Format(ReplyLanguage.English, text.Key, "a", "b", "c"),
                    string.Format(text.Value.En, "a", "b", "c"));
            }
        }
    }
}
