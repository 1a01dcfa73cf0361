using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;
using SmtpTools.TestServer;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>Test-SmtpAuth's engine against the real Postfix + Dovecot submission port, and a scripted OAuth server.</summary>
    [Collection("Peers")]
    public class SmtpAuthProbeTests
    {
        private readonly PeersFixture _peers;

        public SmtpAuthProbeTests(PeersFixture peers)
        {
            _peers = peers;
        }

        private SmtpSessionOptions Submission() => new SmtpSessionOptions(_peers.Host, _peers.SubmissionPort)
        {
            ClientName = "client.example.test",
            CertificateValidation = _peers.TrustPeerCertificate,
        };

        [Fact]
        public async Task RunAsync_AllWithRightPassword_OneSuccessPerAdvertisedMechanism()
        {
            var outcomes = await SmtpAuthProbe.RunAsync(Submission(),
                new SmtpCredential(_peers.UserName, _peers.Password), new[] { "All" }, null, CancellationToken.None);

            Assert.All(outcomes, o => Assert.Null(o.Error));
            var results = outcomes.Select(o => o.Result!).ToArray();
            string[] all = { "CRAM-MD5", "LOGIN", "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256" };
            Assert.Equal(all, results.Select(r => r.Mechanism).OrderBy(m => m, StringComparer.Ordinal));
            Assert.Equal("SCRAM-SHA-256", results[0].Mechanism);
            Assert.All(results, r =>
            {
                Assert.True(r.Succeeded);
                Assert.Equal(235, r.ReplyCode);
                Assert.Empty(r.MechanismsBeforeTls);
                Assert.Equal(all, r.MechanismsAfterTls.OrderBy(m => m, StringComparer.Ordinal));
                Assert.Equal("127.0.0.1", r.Address);
                Assert.Contains("CN=localhost", r.Tls!.Subject);
                Assert.DoesNotContain(r.Transcript, e => e.Text.StartsWith("MAIL", StringComparison.Ordinal));
                Assert.True(r.StageTimes.ContainsKey(SmtpStage.Auth));
                Assert.All(r.StageTimes.Values, t => Assert.True(t >= TimeSpan.Zero));
                // Only the stages the probe ran are timed: it never sends mail.
                Assert.False(r.StageTimes.ContainsKey(SmtpStage.MailFrom));
                AssertNoSecret(string.Join("\n", r.Transcript), _peers.Password);
            });
        }

        [Fact]
        public async Task RunAsync_WrongPassword_IsAResultNotAnError()
        {
            const string wrong = "Not-The-Password-7";

            var outcomes = await SmtpAuthProbe.RunAsync(Submission(), new SmtpCredential(_peers.UserName, wrong),
                new[] { "PLAIN", "LOGIN" }, null, CancellationToken.None);

            Assert.Equal(2, outcomes.Count);
            Assert.All(outcomes, o =>
            {
                Assert.False(o.Result!.Succeeded);
                Assert.Equal(535, o.Result.ReplyCode);
                Assert.Equal("5.7.8", o.Result.EnhancedStatus);
                string transcript = string.Join("\n", o.Result.Transcript);
                AssertNoSecret(transcript, wrong);
                AssertNoSecret(transcript, "\0" + _peers.UserName + "\0" + wrong);
                Assert.Equal(535, o.Result.Explanation!.Code);
            });
        }

        [Fact]
        public async Task RunAsync_MechanismNotOffered_IsAnErrorOutcome()
        {
            var outcomes = await SmtpAuthProbe.RunAsync(Submission(),
                new SmtpCredential(_peers.UserName, null, "token"), new[] { "XOAUTH2" }, null, CancellationToken.None);

            var error = Assert.IsType<SmtpAuthenticationException>(outcomes.Single().Error);
            Assert.Equal(SmtpAuthFailure.MechanismNotOffered, error.Failure);
            Assert.Contains("it offers ", error.Message);
            Assert.Contains("CRAM-MD5", error.Message);
            Assert.NotNull(error.Transcript);
        }

        [Fact]
        public async Task RunAsync_ImplicitTlsPortWithoutAuth_ReportsNoAuthOffered()
        {
            var options = new SmtpSessionOptions(_peers.Host, _peers.SmtpsPort)
            {
                Tls = SmtpTlsMode.Implicit,
                CertificateValidation = _peers.TrustPeerCertificate,
            };

            var outcomes = await SmtpAuthProbe.RunAsync(options, new SmtpCredential(_peers.UserName, _peers.Password),
                null, null, CancellationToken.None);

            var error = Assert.IsType<SmtpAuthenticationException>(outcomes.Single().Error);
            Assert.Equal(SmtpAuthFailure.NotOffered, error.Failure);
            Assert.Contains("offers no AUTH mechanism", error.Message);
        }

        [Fact]
        public async Task RunAsync_Xoauth2ErrorJson_IsDecodedIntoTheResult()
        {
            using var server = ScriptedSmtpServer.StartFile(
                Path.Combine(AppContext.BaseDirectory, "Replays", "xoauth2-error.txt"));
            var options = new SmtpSessionOptions(server.Host, server.Port)
            {
                Tls = SmtpTlsMode.None,
                AllowUnencryptedAuthentication = true,
            };

            var outcomes = await SmtpAuthProbe.RunAsync(options,
                new SmtpCredential("someone@example.test", null, "ya29.token"), new[] { "XOAUTH2" }, null,
                CancellationToken.None);
            await server.Completion.WaitAsync(TimeSpan.FromSeconds(30));

            SmtpAuthResult result = outcomes.Single().Result!;
            Assert.False(result.Succeeded);
            Assert.Equal(535, result.ReplyCode);
            Assert.Contains("https://mail.google.com/", result.ErrorDetails);
            Assert.Null(result.Tls);
            Assert.DoesNotContain("ya29.token", string.Join("\n", result.Transcript));
        }

        private static void AssertNoSecret(string text, string secret)
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), text);
        }
    }
}
