using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Mime;
using SmtpTools.Core.Smtp;
using SmtpTools.TestServer;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>
    /// What the delivery engine says became of a message, for every status it can give, against scripted servers:
    /// the status and failure kind come from what happened on the wire, never from the transcript's wording.
    /// </summary>
    public class SmtpOutcomeTests
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

        // The script pieces of SmtpSubmitterTests, with a queue id Postfix could have given.
        private const string Greeting = SmtpSubmitterTests.Greeting;
        private const string Ehlo = SmtpSubmitterTests.Ehlo;
        private const string Mail = SmtpSubmitterTests.Mail;
        private const string Rcpt = SmtpSubmitterTests.Rcpt;
        private const string DataGo = SmtpSubmitterTests.DataGo;
        private const string Queued = "S: 250 2.0.0 Ok: queued as 4Xk2Zq1abc\n";
        private const string Quit = SmtpSubmitterTests.Quit;

        private static Task<MimeMessageContent> MessageAsync(params string[] to) =>
            MessageComposer.ComposeAsync(new MessageSpec
            {
                From = "a@example.test",
                To = to.Length == 0 ? new List<string> { "b@example.test" } : to.ToList(),
                Subject = "outcome",
                Body = "Hello.\n",
            }, CancellationToken.None);

        private static async Task<SmtpSubmitOutcome> SendAsync(string script, int retries = 0,
            SmtpCredential? credential = null, TimeSpan? timeout = null, params string[] to)
        {
            using var server = ScriptedSmtpServer.Start(script);
            SmtpSubmitOptions options = SmtpSubmitterTests.Options(server, retries, timeout);
            if (credential != null)
            {
                options.Credential = credential;
                options.AllowUnencryptedAuthentication = true;
            }
            using MimeMessageContent content = await MessageAsync(to);
            using var submitter = new SmtpSubmitter(options);
            SmtpSubmitOutcome outcome = await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);
            await submitter.CloseAsync(CancellationToken.None).WaitAsync(Guard);
            return outcome;
        }

        [Fact]
        public async Task SendAsync_250ToTheData_SentWithTheQueueId()
        {
            SmtpSubmitOutcome outcome = await SendAsync(Greeting + Ehlo + Mail + Rcpt + DataGo + "C-DATA\n" + Queued +
                                                        Quit);

            Assert.Equal(SmtpSendStatus.Sent, outcome.Result.Status);
            Assert.Null(outcome.Result.FailureKind);
            Assert.Equal("4Xk2Zq1abc", outcome.Result.QueueId);
            Assert.Null(outcome.Failure);
        }

        [Fact]
        public async Task DeliverAsync_PickupRoute_WrittenWithThePathAndEveryRecipient()
        {
            string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stp-pickup-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(folder);
            try
            {
                var options = new SmtpSubmitOptions { Route = SmtpRoute.PickupDirectory, PickupDirectory = folder };
                using MimeMessageContent content = await MessageAsync("b@example.test", "c@example.test");
                using var submitter = new SmtpSubmitter(options);

                SmtpSubmitOutcome outcome = Assert.Single(await submitter.DeliverAsync(content, CancellationToken.None));

                Assert.Equal(SmtpSendStatus.Written, outcome.Result.Status);
                Assert.Null(outcome.Result.FailureKind);
                Assert.Equal(new[] { "b@example.test", "c@example.test" }, outcome.Result.Recipients);
                Assert.True(System.IO.File.Exists(outcome.Result.Path));
                Assert.StartsWith(folder, outcome.Result.Path);
            }
            finally
            {
                System.IO.Directory.Delete(folder, true);
            }
        }

        [Fact]
        public async Task SendAsync_OneOfTwoRecipientsRefused_PartiallySentNamingTheRefusedOne()
        {
            SmtpSubmitOutcome outcome = await SendAsync(Greeting + Ehlo + Mail + Rcpt +
                "C: RCPT TO:*\nS: 550 5.1.1 No such user\n" + DataGo + "C-DATA\n" + Queued + Quit,
                to: new[] { "b@example.test", "nobody@example.test" });

            Assert.Equal(SmtpSendStatus.PartiallySent, outcome.Result.Status);
            Assert.True(outcome.Result.Delivered);
            Assert.Equal(new[] { "b@example.test" }, outcome.Result.AcceptedRecipients);
            Assert.Equal("nobody@example.test", Assert.Single(outcome.Result.RejectedRecipients).Address);
        }

        [Fact]
        public async Task SendAsync_LoginRefused_NotAttemptedAndStopsTheBatch()
        {
            SmtpSubmitOutcome outcome = await SendAsync(Greeting +
                "C: EHLO *\nS: 250-fault.example.test\nS: 250 AUTH PLAIN\n" +
                "C: AUTH PLAIN *\nS: 535 5.7.8 Authentication credentials invalid\n",
                credential: new SmtpCredential("user", "wrong"));

            Assert.Equal(SmtpSendStatus.NotAttempted, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpAuthRejected, outcome.Result.FailureKind);
            Assert.True(outcome.StopsBatch);
            // The last note of the transcript names the refused login, not a connection failure.
            SmtpTranscriptEntry last = outcome.Result.Transcript.Last(e => e.Direction == SmtpTranscriptDirection.Info);
            Assert.Contains("did not accept the login", last.Text);
            Assert.DoesNotContain("Could not connect", last.Text);
        }

        [Fact]
        public async Task SendAsync_MessageLargerThanTheAnnouncedSize_RejectedBeforeMailFrom()
        {
            using var server = ScriptedSmtpServer.Start(Greeting +
                "C: EHLO *\nS: 250-fault.example.test\nS: 250 SIZE 1000\n" + Quit);
            using MimeMessageContent content = await MessageComposer.ComposeAsync(new MessageSpec
            {
                From = "a@example.test",
                To = new List<string> { "b@example.test" },
                Subject = "large",
                Body = new string('x', 5000),
            }, CancellationToken.None);
            using var submitter = new SmtpSubmitter(SmtpSubmitterTests.Options(server, retries: 2));

            SmtpSubmitOutcome outcome = await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);
            await submitter.CloseAsync(CancellationToken.None).WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.Rejected, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpMessageTooLarge, outcome.Result.FailureKind);
            Assert.False(outcome.StopsBatch);
            Assert.Contains("at most 1,000 bytes", outcome.Result.Error);
            Assert.Equal(1, outcome.Result.Attempts);
            Assert.DoesNotContain(server.Received, l => l.StartsWith("MAIL", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData("silent")]
        [InlineData("close")]
        public async Task SendAsync_EveryTranscriptLineReworded_StillUnknownAndNeverRetried(string fault)
        {
            // Once, "may have been delivered" was read from the transcript's wording; rewording every line (the
            // session's, the sender's notes) must change nothing about the outcome.
            SmtpTranscriptWording.Rewrite.Value = text => "«" + new string(text.Reverse().ToArray()) + "»";
            try
            {
                SmtpSubmitOutcome outcome = await SendAsync(Greeting + Ehlo + Mail + Rcpt + DataGo + "C-DATA\n" +
                    (fault == "silent" ? "STALL\n" : "CLOSE\n"), retries: 2,
                    timeout: fault == "silent" ? SmtpSubmitterTests.Silent : null);

                Assert.Equal(SmtpSendStatus.Unknown, outcome.Result.Status);
                Assert.Equal(SmtpFailureKind.SmtpDeliveryUnknown, outcome.Result.FailureKind);
                Assert.Equal(1, outcome.Result.Attempts);
                Assert.True(((SmtpException)outcome.Failure!).MessageMayHaveBeenDelivered);
                Assert.All(outcome.Result.Transcript, e => Assert.StartsWith("«", e.Text));
            }
            finally
            {
                SmtpTranscriptWording.Rewrite.Value = null;
            }
        }

        [Fact]
        public async Task SendAsync_ImplicitTlsToAPlainServer_SaysThePortSpeaksPlainSmtp()
        {
            using var server = ScriptedSmtpServer.Start(Greeting + "STALL\n");
            SmtpSubmitOptions options = SmtpSubmitterTests.Options(server, retries: 2);
            options.Tls = SmtpTlsMode.Implicit;
            using MimeMessageContent content = await MessageAsync();
            using var submitter = new SmtpSubmitter(options);

            SmtpSubmitOutcome outcome = await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.NotAttempted, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpTlsModeMismatch, outcome.Result.FailureKind);
            Assert.Contains("plain text (\"220 fault.example.test ESMTP\")", outcome.Result.Error);
            Assert.Equal(1, outcome.Result.Attempts);
        }

        [Fact]
        public async Task SendAsync_Transcript_TimesNeverGoBackwards()
        {
            SmtpSubmitOutcome outcome = await SendAsync(Greeting + Ehlo + Mail + Rcpt + DataGo + "C-DATA\n" + Queued +
                                                        Quit);

            IReadOnlyList<SmtpTranscriptEntry> entries = outcome.Result.Transcript;
            Assert.True(entries.Count > 5);
            for (int i = 1; i < entries.Count; i++)
            {
                Assert.True(entries[i].Elapsed >= entries[i - 1].Elapsed, $"entry {i} is older than entry {i - 1}");
                Assert.True(entries[i].Timestamp >= entries[i - 1].Timestamp, $"entry {i} has an earlier time");
            }
        }

        [Fact]
        public async Task SendAsync_TokenRefusedOnce_AsksTheSourceForAFreshTokenOnceAndSends()
        {
            var source = new CountingTokenSource();
            using var server = ScriptedSmtpServer.Start(Greeting +
                "C: EHLO *\nS: 250-fault.example.test\nS: 250 AUTH XOAUTH2\n" +
                "C: AUTH XOAUTH2 *\nS: 535 5.7.3 Authentication unsuccessful\n" +
                "C: AUTH XOAUTH2 *\nS: 235 2.7.0 Authentication successful\n" +
                Mail + Rcpt + DataGo + "C-DATA\n" + Queued + Quit);
            SmtpSubmitOptions options = SmtpSubmitterTests.Options(server);
            options.Credentials = source;
            options.AllowUnencryptedAuthentication = true;
            using MimeMessageContent content = await MessageAsync();
            using var submitter = new SmtpSubmitter(options);

            SmtpSubmitOutcome outcome = await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);
            await submitter.CloseAsync(CancellationToken.None).WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.Sent, outcome.Result.Status);
            Assert.Equal(new[] { false, true }, source.Calls);
        }

        [Fact]
        public async Task SendAsync_TokenRefusedTwice_NoLoop()
        {
            var source = new CountingTokenSource();
            SmtpSubmitOutcome outcome;
            using (var server = ScriptedSmtpServer.Start(Greeting +
                       "C: EHLO *\nS: 250-fault.example.test\nS: 250 AUTH XOAUTH2\n" +
                       "C: AUTH XOAUTH2 *\nS: 535 5.7.3 Authentication unsuccessful\n" +
                       "C: AUTH XOAUTH2 *\nS: 535 5.7.3 Authentication unsuccessful\n"))
            {
                SmtpSubmitOptions options = SmtpSubmitterTests.Options(server, retries: 3);
                options.Credentials = source;
                options.AllowUnencryptedAuthentication = true;
                using MimeMessageContent content = await MessageAsync();
                using var submitter = new SmtpSubmitter(options);
                outcome = await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);
            }

            Assert.Equal(SmtpFailureKind.SmtpAuthRejected, outcome.Result.FailureKind);
            Assert.Equal(new[] { false, true }, source.Calls);
        }

        [Theory]
        [InlineData("mail.example.com", "mail.example.com", null)]
        [InlineData("mail.example.com:587", "mail.example.com", 587)]
        [InlineData("127.0.0.1:4525", "127.0.0.1", 4525)]
        [InlineData("[2001:db8::1]:465", "[2001:db8::1]", 465)]
        [InlineData("[192.0.2.1]:25", "192.0.2.1", 25)]
        [InlineData("2001:db8::1", "2001:db8::1", null)]
        [InlineData("[2001:db8::1]", "[2001:db8::1]", null)]
        public void TryParse_ServerWithOrWithoutPort_SplitsHostAndPort(string text, string host, int? port)
        {
            Assert.True(SmtpEndpoint.TryParse(text, out string parsedHost, out int? parsedPort));
            Assert.Equal(host, parsedHost);
            Assert.Equal(port, parsedPort);
        }

        [Theory]
        [InlineData("mail.example.com:smtp")]
        [InlineData("mail.example.com:0")]
        [InlineData("mail.example.com:70000")]
        [InlineData(":25")]
        public void TryParse_NotAPort_False(string text)
        {
            Assert.False(SmtpEndpoint.TryParse(text, out _, out _));
        }

        [Theory]
        [InlineData("AUTH PLAIN AHVzZXIAc2VjcmV0", null, "AUTH PLAIN <redacted>")]
        [InlineData("auth login dXNlcg==", null, "auth login <redacted>")]
        [InlineData("AUTH LOGIN", null, "AUTH LOGIN")]
        [InlineData("c2VjcmV0", 334, "<redacted>")]
        [InlineData("*", 334, "*")]
        [InlineData("MAIL FROM:<a@example.test>", 250, "MAIL FROM:<a@example.test>")]
        public void TypedLine_AuthArgumentsAndAnswersTo334_Redacted(string line, int? lastCode, string shown)
        {
            SmtpReply? last = lastCode == null ? null : new SmtpReply(lastCode.Value, new[] { "x" });
            Assert.Equal(shown, SmtpRedaction.TypedLine(line, last));
        }

        [Theory]
        [InlineData(DnsFailureKind.InvalidName, SmtpFailureKind.InvalidDomainName)]
        [InlineData(DnsFailureKind.NonExistentDomain, SmtpFailureKind.DomainNotFound)]
        [InlineData(DnsFailureKind.NoMailRecords, SmtpFailureKind.MailExchangerNotFound)]
        [InlineData(DnsFailureKind.CnameLoop, SmtpFailureKind.DnsCnameLoop)]
        [InlineData(DnsFailureKind.CnameChainTooLong, SmtpFailureKind.DnsCnameChainTooLong)]
        [InlineData(DnsFailureKind.ServerFailure, SmtpFailureKind.DnsServerFailure)]
        [InlineData(DnsFailureKind.Refused, SmtpFailureKind.DnsRefused)]
        [InlineData(DnsFailureKind.Timeout, SmtpFailureKind.DnsTimeout)]
        [InlineData(DnsFailureKind.Unreachable, SmtpFailureKind.DnsServerUnreachable)]
        public void Classify_EveryDnsFailure_HasItsOwnKind(DnsFailureKind dns, SmtpFailureKind kind)
        {
            Assert.Equal(kind, SmtpFailures.Classify(new DnsResolutionException("example.test", dns, "x")));
        }

        [Fact]
        public void Classify_EveryDnsFailureKind_IsCovered()
        {
            var kinds = Enum.GetValues(typeof(DnsFailureKind)).Cast<DnsFailureKind>()
                .Select(SmtpFailures.Dns).ToList();
            Assert.Equal(kinds.Count, kinds.Distinct().Count());
        }

        private sealed class CountingTokenSource : ISmtpCredentialSource
        {
            internal List<bool> Calls { get; } = new List<bool>();

            public bool CanRefresh => true;

            public Task<SmtpCredential> GetCredentialAsync(bool forceRefresh, CancellationToken cancellationToken)
            {
                Calls.Add(forceRefresh);
                return Task.FromResult(new SmtpCredential("user@example.test", null, "token-" + Calls.Count));
            }
        }
    }
}
