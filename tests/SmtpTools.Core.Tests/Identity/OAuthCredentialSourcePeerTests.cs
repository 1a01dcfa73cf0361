using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Identity;
using SmtpTools.Core.Smtp;
using SmtpTools.TestServer;
using Xunit;

namespace SmtpTools.Core.Tests.Identity
{
    /// <summary>Tokens from the flows, tried on the real server that validates them (Postfix + Dovecot oauth2).</summary>
    [Collection("Peers")]
    public sealed class OAuthCredentialSourcePeerTests : IDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
        private readonly PeersFixture _peers;
        private readonly TestIdentityProvider _idp;
        private readonly string _tenant = Guid.NewGuid().ToString();
        private readonly string _client = Guid.NewGuid().ToString();
        private readonly X509Certificate2 _certificate = TokenFlowTests.NewCertificate();

        public OAuthCredentialSourcePeerTests(PeersFixture peers)
        {
            _peers = peers;
            if (peers.OAuthSigningKeyFile == null || peers.OAuthKeyId == null || peers.OAuthSubmissionPort == 0)
                throw new InvalidOperationException("The OAuth peer is not running (SMTPTOOLS_OAUTH_* not set).");
            _idp = TestIdentityProvider.Start(File.ReadAllText(peers.OAuthSigningKeyFile), peers.OAuthKeyId);
            _idp.AddMicrosoftApp(_tenant, _client, null, _certificate, peers.UserName);
        }

        public void Dispose()
        {
            _idp.Dispose();
            _certificate.Dispose();
        }

        private OAuthCredentialSource Source() => new OAuthCredentialSource(
            new MicrosoftClientCredentialFlow(_idp.Authority, _tenant, _client, null, null, _certificate),
            _peers.UserName, Timeout);

        private SmtpSessionOptions OAuthSubmission() => new SmtpSessionOptions(_peers.Host, _peers.OAuthSubmissionPort)
        {
            ClientName = "client.example.test",
            CertificateValidation = _peers.TrustPeerCertificate,
        };

        [Fact]
        public async Task GetCredentialAsync_CertificateFlow_RealServerAcceptsBothMechanisms()
        {
            OAuthCredentialSource source = Source();
            SmtpCredential credential = await source.GetCredentialAsync(false, CancellationToken.None);
            var outcomes = await SmtpAuthProbe.RunAsync(OAuthSubmission(), credential, new[] { "All" }, null,
                CancellationToken.None);
            Assert.Equal(new[] { "OAUTHBEARER", "XOAUTH2" },
                outcomes.Select(o => o.Result!.Mechanism).OrderBy(m => m, StringComparer.Ordinal));
            Assert.All(outcomes, o => Assert.Equal(235, o.Result!.ReplyCode));
            Assert.Equal(1, source.Requests);
            Assert.Contains("SMTP.SendAsApp", source.LastToken!.Roles);
        }

        [Fact]
        public async Task GetCredentialAsync_ForceRefreshAfterA535_NewTokenIsAccepted()
        {
            _idp.RefusedTokensToIssue = 1;
            OAuthCredentialSource source = Source();
            SmtpCredential first = await source.GetCredentialAsync(false, CancellationToken.None);
            var refused = await SmtpAuthProbe.RunAsync(OAuthSubmission(), first, null, null, CancellationToken.None);
            Assert.Equal(535, refused.Single().Result!.ReplyCode);

            SmtpCredential second = await source.GetCredentialAsync(true, CancellationToken.None);
            var accepted = await SmtpAuthProbe.RunAsync(OAuthSubmission(), second, null, null, CancellationToken.None);
            Assert.Equal(235, accepted.Single().Result!.ReplyCode);
            Assert.Equal(2, source.Requests);
            Assert.Equal(2, _idp.TokensIssued);
        }
    }
}
