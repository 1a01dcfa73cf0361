using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Identity;
using SmtpTools.TestServer;
using Xunit;

namespace SmtpTools.Core.Tests.Identity
{
    /// <summary>The flows against the loopback identity provider, which checks requests as Microsoft and Google do.</summary>
    public sealed class TokenFlowTests : IClassFixture<TokenFlowTests.Shared>
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
        private readonly TestIdentityProvider _idp;
        private readonly string _tenant;
        private readonly string _client = Guid.NewGuid().ToString();
        private readonly X509Certificate2 _certificate;

        /// <summary>One endpoint and certificate for the class: RSA key generation is slow on a busy machine. Each
        /// test registers an app of its own, so counts and cache entries never mix.</summary>
        public sealed class Shared : IDisposable
        {
            public TestIdentityProvider Idp { get; } = TestIdentityProvider.StartWithNewKey();
            public X509Certificate2 Certificate { get; } = NewCertificate();
            public string Tenant { get; } = Guid.NewGuid().ToString();

            public void Dispose()
            {
                Idp.Dispose();
                Certificate.Dispose();
            }
        }

        public TokenFlowTests(Shared shared)
        {
            _idp = shared.Idp;
            _tenant = shared.Tenant;
            _certificate = shared.Certificate;
            _idp.AddMicrosoftApp(_tenant, _client, "the-secret", _certificate, "reports@example.test");
        }

        private int Issued => _idp.Requests.Count(r => r.ClientId == _client && r.Status == 200);

        internal static X509Certificate2 NewCertificate()
        {
            using RSA rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=SmtpTools flow test", rsa, HashAlgorithmName.SHA256,
                RSASignaturePadding.Pkcs1);
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        }

        private static SecureString Secure(string text)
        {
            var s = new SecureString();
            foreach (char c in text) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        private MicrosoftClientCredentialFlow CertificateFlow() =>
            new MicrosoftClientCredentialFlow(_idp.Authority, _tenant, _client, null, null, _certificate);

        [Fact]
        public void BuildAssertion_Certificate_HasTheClaimsMicrosoftChecks()
        {
            MicrosoftClientCredentialFlow flow = CertificateFlow();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            string assertion = flow.BuildAssertion(now);
            var header = JsonWebToken.TryReadHeader(assertion)!;
            var claims = JsonWebToken.TryReadClaims(assertion)!;
            Assert.Equal("PS256", header["alg"]);
            Assert.Equal(Base64Url.Encode(SHA256.HashData(_certificate.RawData)), header["x5t#S256"]);
            Assert.False(header.ContainsKey("x5t"));
            Assert.Equal(_idp.MicrosoftTokenUrl(_tenant), claims["aud"]);
            Assert.Equal(_client, claims["iss"]);
            Assert.Equal(_client, claims["sub"]);
            Assert.True((long)claims["exp"]! - (long)claims["nbf"]! <= 600);
            Assert.NotEqual(claims["jti"], JsonWebToken.TryReadClaims(flow.BuildAssertion(now))!["jti"]);
        }

        [Fact]
        public async Task RequestAsync_Certificate_EndpointAcceptsThePs256Assertion()
        {
            OAuthTokenResponse token = await CertificateFlow().RequestAsync(Timeout, CancellationToken.None);
            var claims = JsonWebToken.TryReadClaims(token.AccessToken)!;
            Assert.Equal("https://outlook.office365.com", claims["aud"]);
            Assert.InRange(token.ExpiresOn - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(58), TimeSpan.FromMinutes(61));
            Assert.Equal("PS256", _idp.Requests.Last(r => r.ClientId == _client).Algorithm);
        }

        [Fact]
        public async Task RequestAsync_KeyWithoutPss_FallsBackToRs256WithX5t()
        {
            MicrosoftClientCredentialFlow flow = CertificateFlow();
            flow.PrivateKeyOf = c => new PkcsOnlyRsa(c.GetRSAPrivateKey()!);
            await flow.RequestAsync(Timeout, CancellationToken.None);
            Assert.Equal("RS256", flow.LastAssertionAlgorithm);
            Assert.Equal(200, _idp.Requests.Last(r => r.ClientId == _client).Status);
            Assert.Equal("RS256", _idp.Requests.Last(r => r.ClientId == _client).Algorithm);
        }

        [Fact]
        public async Task RequestAsync_WrongSecret_ThrowsInvalidClientWithTheExplanation()
        {
            var flow = new MicrosoftClientCredentialFlow(_idp.Authority, _tenant, _client, null, Secure("wrong"), null);
            var ex = await Assert.ThrowsAsync<SmtpIdentityException>(() =>
                flow.RequestAsync(Timeout, CancellationToken.None));
            Assert.Equal(SmtpIdentityError.OAuthInvalidClient, ex.Error);
            Assert.Equal(401, ex.HttpStatus);
            Assert.Equal(new long[] { 7000215 }, ex.ErrorCodes);
            Assert.Equal("AADSTS7000215", ex.Explanation!.Code);
            Assert.DoesNotContain("Trace ID", ex.Message);
            Assert.Contains("Trace ID", ex.OAuthErrorDescription);
            Assert.DoesNotContain("wrong", ex.Message.Replace("wrong.", ""));
        }

        [Fact]
        public async Task RequestAsync_SingleScopeInsteadOfDefault_ThrowsInvalidScope()
        {
            var flow = new MicrosoftClientCredentialFlow(_idp.Authority, _tenant, _client,
                "https://outlook.office365.com/SMTP.SendAsApp", Secure("the-secret"), null);
            var ex = await Assert.ThrowsAsync<SmtpIdentityException>(() =>
                flow.RequestAsync(Timeout, CancellationToken.None));
            Assert.Equal(SmtpIdentityError.OAuthInvalidScope, ex.Error);
            Assert.Equal("AADSTS1002012", ex.Explanation!.Code);
        }

        [Fact]
        public async Task RequestAsync_ServiceAccount_SignsTheGrantGoogleExpects()
        {
            _idp.AddGoogleUser("reports@example.test");
            ServiceAccountKey key = ServiceAccountKey.Parse(
                _idp.NewServiceAccountKeyFile("sa@p.iam.gserviceaccount.com"), "sa.json");
            var flow = new GoogleServiceAccountFlow(key, "reports@example.test", null, null);
            var claims = JsonWebToken.TryReadClaims(flow.BuildAssertion(DateTimeOffset.UtcNow))!;
            Assert.Equal("https://mail.google.com/", claims["scope"]);
            Assert.Equal(_idp.GoogleTokenUrl, claims["aud"]);
            Assert.Equal("reports@example.test", claims["sub"]);
            Assert.Equal(3600L, (long)claims["exp"]! - (long)claims["iat"]!);
            OAuthTokenResponse token = await flow.RequestAsync(Timeout, CancellationToken.None);
            Assert.Equal("reports@example.test", JsonWebToken.TryReadClaims(token.AccessToken)!["email"]);
        }

        [Fact]
        public void ServiceAccountKey_Parse_RejectsOtherCredentialFiles()
        {
            var ex = Assert.Throws<SmtpIdentityException>(() =>
                ServiceAccountKey.Parse("{\"type\":\"authorized_user\"}", "user.json"));
            Assert.Equal(SmtpIdentityError.ServiceAccountKeyFileInvalid, ex.Error);
            Assert.Contains("-RefreshToken", ex.Message);
            Assert.Equal(SmtpIdentityError.ServiceAccountKeyFileInvalid, Assert.Throws<SmtpIdentityException>(() =>
                ServiceAccountKey.Parse("{\"type\":\"service_account\",\"client_email\":\"a\",\"private_key\":\"x\"}",
                    "bad.json")).Error);
        }

        [Fact]
        public async Task GetAsync_SameFlow_ReusesTheTokenUntilFiveMinutesBeforeExpiry()
        {
            var flow = new MicrosoftClientCredentialFlow(_idp.Authority, _tenant, _client, null, Secure("the-secret"),
                null);
            var first = await AccessTokenCache.GetAsync(flow, false, Timeout, CancellationToken.None);
            var second = await AccessTokenCache.GetAsync(flow, false, Timeout, CancellationToken.None);
            Assert.False(first.FromCache);
            Assert.True(second.FromCache);
            Assert.Same(first.Token, second.Token);
            Assert.Equal(1, Issued);

            var forced = await AccessTokenCache.GetAsync(flow, true, Timeout, CancellationToken.None);
            Assert.False(forced.FromCache);
            Assert.Equal(2, Issued);
        }

        [Fact]
        public async Task GetAsync_TokenInsideTheRenewalWindow_AsksAgain()
        {
            using TestIdentityProvider idp = TestIdentityProvider.StartWithNewKey();
            idp.AddMicrosoftApp(_tenant, _client, "the-secret", null, "reports@example.test");
            idp.TokenLifetime = AccessTokenCache.RenewBefore + TimeSpan.FromSeconds(1);
            var flow = new MicrosoftClientCredentialFlow(idp.Authority, _tenant, _client, null, Secure("the-secret"),
                null);
            await AccessTokenCache.GetAsync(flow, false, Timeout, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var later = await AccessTokenCache.GetAsync(flow, false, Timeout, CancellationToken.None);
            Assert.False(later.FromCache);
            Assert.Equal(2, idp.TokensIssued);
        }

        [Fact]
        public async Task GetAsync_ManyConnectionsAtOnce_OneRequest()
        {
            var flow = new MicrosoftClientCredentialFlow(_idp.Authority, _tenant, _client, null, Secure("the-secret"),
                null);
            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
                AccessTokenCache.GetAsync(flow, false, Timeout, CancellationToken.None)));
            Assert.Equal(1, Issued);
        }

        [Fact]
        public async Task GetAsync_DifferentSecretForTheSameApp_IsNotServedFromTheCache()
        {
            var right = new MicrosoftClientCredentialFlow(_idp.Authority, _tenant, _client, null,
                Secure("the-secret"), null);
            await AccessTokenCache.GetAsync(right, false, Timeout, CancellationToken.None);
            var wrong = new MicrosoftClientCredentialFlow(_idp.Authority, _tenant, _client, null, Secure("wrong"), null);
            await Assert.ThrowsAsync<SmtpIdentityException>(() =>
                AccessTokenCache.GetAsync(wrong, false, Timeout, CancellationToken.None));
        }

        [Theory]
        [InlineData("http://login.example.com")]
        [InlineData("ftp://127.0.0.1")]
        [InlineData("login.microsoftonline.com")]
        public void MicrosoftTokenEndpoint_NotHttpsNorLoopback_Refused(string authority) =>
            Assert.Equal(SmtpIdentityError.InvalidAuthority, Assert.Throws<SmtpIdentityException>(() =>
                OAuthTokenFlow.MicrosoftTokenEndpoint(authority, "t")).Error);

        [Fact]
        public void MicrosoftTokenEndpoint_SovereignCloud_AppendsTheTenantPath() =>
            Assert.Equal("https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token",
                OAuthTokenFlow.MicrosoftTokenEndpoint("https://login.microsoftonline.us/", "contoso.onmicrosoft.com")
                    .AbsoluteUri);

        [Fact]
        public async Task RequestAsync_NothingListening_ThrowsUnreachable()
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var flow = new MicrosoftClientCredentialFlow("http://127.0.0.1:" + port, _tenant, _client, null,
                Secure("the-secret"), null);
            var ex = await Assert.ThrowsAsync<SmtpIdentityException>(() =>
                flow.RequestAsync(Timeout, CancellationToken.None));
            Assert.Equal(SmtpIdentityError.TokenEndpointUnreachable, ex.Error);
        }

        [Fact]
        public void Read_HtmlPage_ThrowsInvalidTokenResponse()
        {
            var ex = Assert.Throws<SmtpIdentityException>(() => TokenEndpointClient.Read(OAuthProvider.Microsoft,
                new Uri("https://proxy.example/login"), System.Net.HttpStatusCode.OK, "<html>sign in</html>",
                DateTimeOffset.UtcNow));
            Assert.Equal(SmtpIdentityError.InvalidTokenResponse, ex.Error);
        }

        /// <summary>An RSA key that, like a CryptoAPI (CSP) key on Windows PowerShell 5.1, cannot sign with PSS.</summary>
        private sealed class PkcsOnlyRsa : RSA
        {
            private readonly RSA _inner;

            internal PkcsOnlyRsa(RSA inner)
            {
                _inner = inner;
                KeySizeValue = inner.KeySize;
            }

            public override RSAParameters ExportParameters(bool includePrivateParameters) =>
                _inner.ExportParameters(includePrivateParameters);

            public override void ImportParameters(RSAParameters parameters) => _inner.ImportParameters(parameters);

            public override byte[] SignHash(byte[] hash, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding) =>
                padding == RSASignaturePadding.Pss
                    ? throw new CryptographicException("Specified padding mode is not valid for this algorithm.")
                    : _inner.SignHash(hash, hashAlgorithm, padding);

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
