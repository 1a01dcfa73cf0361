using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Mime;
using SmtpTools.Core.Smtp;
using SmtpTools.TestServer;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>
    /// Send-level faults (what Send-SmtpMessage reports), played by the scripted server: every fault ends within its
    /// timeout with an error naming the server, and a message is Sent only after a 250 to its data.
    /// </summary>
    public class SmtpSubmitterTests
    {
        // A hang guard, not a timing assertion: every case must end long before this.
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

        internal const string Greeting = "S: 220 fault.example.test ESMTP\n";
        internal const string Ehlo = "C: EHLO *\nS: 250 fault.example.test\n";
        internal const string Mail = "C: MAIL FROM:*\nS: 250 2.1.0 Ok\n";
        internal const string Rcpt = "C: RCPT TO:*\nS: 250 2.1.5 Ok\n";
        internal const string DataGo = "C: DATA\nS: 354 End data with <CR><LF>.<CR><LF>\n";
        internal const string Queued = "S: 250 2.0.0 Ok: queued as ABC\n";
        internal const string Quit = "C: QUIT\nS: 221 2.0.0 Bye\n";

        // A server that stays silent is what a short timeout is for; every other case gets time to spare, so a busy
        // host cannot turn a reset or a reply into a timeout.
        internal static readonly TimeSpan Silent = TimeSpan.FromSeconds(1);

        internal static SmtpSubmitOptions Options(ScriptedSmtpServer server, int retries = 0, TimeSpan? timeout = null) =>
            new SmtpSubmitOptions
        {
            Server = server.Host,
            Port = server.Port,
            Tls = SmtpTlsMode.None,
            ClientName = "client.example.test",
            Timeout = timeout ?? TimeSpan.FromSeconds(15),
            RetryCount = retries,
            RetryDelay = TimeSpan.FromMilliseconds(200),
        };

        internal static Task<MimeMessageContent> MessageAsync(string body = "Hello.\n") =>
            MessageComposer.ComposeAsync(new MessageSpec
            {
                From = "a@example.test",
                To = new List<string> { "b@example.test" },
                Subject = "fault",
                Body = body,
            }, CancellationToken.None);

        // Larger than every socket buffer on the way, so the client is still writing when the server misbehaves.
        private static string BigBody() =>
            string.Join("\n", Enumerable.Repeat(new string('a', 76), 220_000));

        private static async Task<SmtpSubmitOutcome> SendAsync(ScriptedSmtpServer server, MimeMessageContent content,
            int retries = 0, bool close = false, TimeSpan? timeout = null)
        {
            using var submitter = new SmtpSubmitter(Options(server, retries, timeout));
            SmtpSubmitOutcome outcome = await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);
            if (close) await submitter.CloseAsync(CancellationToken.None).WaitAsync(Guard);
            return outcome;
        }

        /// <summary>The script up to the moment the fault strikes.</summary>
        private static string Before(string stage) => stage switch
        {
            "greeting" => string.Empty,
            "ehlo" => Greeting + "C: EHLO *\n",
            "mail" => Greeting + Ehlo + "C: MAIL FROM:*\n",
            "rcpt" => Greeting + Ehlo + Mail + "C: RCPT TO:*\n",
            "data" => Greeting + Ehlo + Mail + Rcpt + "C: DATA\n",
            "body" => Greeting + Ehlo + Mail + Rcpt + DataGo + "C: *\n",
            _ => throw new ArgumentOutOfRangeException(nameof(stage)),
        };

        private static SmtpStage StageOf(string stage) => stage switch
        {
            "greeting" => SmtpStage.Greeting,
            "ehlo" => SmtpStage.Ehlo,
            "mail" => SmtpStage.MailFrom,
            "rcpt" => SmtpStage.RcptTo,
            _ => SmtpStage.Data,
        };

        [Theory]
        [InlineData("greeting", "silent")]
        [InlineData("ehlo", "silent")]
        [InlineData("mail", "silent")]
        [InlineData("rcpt", "silent")]
        [InlineData("data", "silent")]
        [InlineData("body", "silent")]
        [InlineData("greeting", "421")]
        [InlineData("ehlo", "421")]
        [InlineData("mail", "421")]
        [InlineData("rcpt", "421")]
        [InlineData("data", "421")]
        [InlineData("greeting", "reset")]
        [InlineData("ehlo", "reset")]
        [InlineData("mail", "reset")]
        [InlineData("rcpt", "reset")]
        [InlineData("data", "reset")]
        [InlineData("body", "reset")]
        [InlineData("greeting", "close")]
        [InlineData("ehlo", "close")]
        [InlineData("mail", "close")]
        [InlineData("rcpt", "close")]
        [InlineData("data", "close")]
        [InlineData("body", "close")]
        public async Task SendAsync_FaultBeforeTheMessageIsComplete_FailsAtThatStageNamingTheServer(string stage,
            string fault)
        {
            string script = Before(stage) + fault switch
            {
                // Mid-DATA the server must stop reading too, or the client's writes would never back up.
                "silent" => stage == "body" ? "HANG\n" : "STALL\n",
                "421" => "S: 421 4.3.2 Service shutting down\nCLOSE\n",
                "reset" => "RESET\n",
                _ => "CLOSE\n",
            };
            using var server = ScriptedSmtpServer.Start(script);
            using MimeMessageContent content = await MessageAsync(stage == "body" ? BigBody() : "Hello.\n");

            SmtpSubmitOutcome outcome = await SendAsync(server, content, timeout: fault == "silent" ? Silent : null);

            // Nothing of the message reached the server whole: trying again later may work.
            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            Assert.False(outcome.Result.Delivered);
            Assert.Empty(outcome.Result.AcceptedRecipients);
            var ex = Assert.IsAssignableFrom<SmtpException>(outcome.Failure);
            Assert.Equal(ex.FailureKind, outcome.Result.FailureKind);
            // Through a smart host, a server that fails before any transaction stops the whole batch.
            Assert.Equal(ex.Stage < SmtpStage.MailFrom, outcome.StopsBatch);
            // A reset right after accept can reach the client while its connect is still completing.
            bool resetAtAccept = stage == "greeting" && fault == "reset" && ex.Stage == SmtpStage.Connect;
            Assert.True(StageOf(stage) == ex.Stage || resetAtAccept, $"{StageOf(stage)} expected: {ex.Message}");
            Assert.Contains($"127.0.0.1:{server.Port}", outcome.Result.Error);
            switch (fault)
            {
                case "silent":
                    Assert.IsType<SmtpTimeoutException>(ex);
                    break;
                case "421":
                    Assert.Equal(421, Assert.IsType<SmtpCommandException>(ex).Reply.Code);
                    Assert.Contains(stage == "greeting" ? "refused the session" : "closing the session", ex.Message);
                    break;
                default:
                    if (resetAtAccept) Assert.IsType<SmtpConnectException>(ex);
                    else Assert.True(Assert.IsType<SmtpProtocolException>(ex).ConnectionClosed, ex.Message);
                    break;
            }
        }

        [Theory]
        [InlineData("silent")]
        [InlineData("reset")]
        [InlineData("close")]
        public async Task SendAsync_NoAnswerAfterTheFinalDot_IsUnknownAndNeverRetried(string fault)
        {
            string script = Greeting + Ehlo + Mail + Rcpt + DataGo + "C-DATA\n" + fault switch
            {
                "silent" => "STALL\n",
                "reset" => "RESET\n",
                _ => "CLOSE\n",
            };
            using var server = ScriptedSmtpServer.Start(script);
            using MimeMessageContent content = await MessageAsync();

            SmtpSubmitOutcome outcome = await SendAsync(server, content, retries: 2,
                timeout: fault == "silent" ? Silent : null);

            Assert.Equal(SmtpSendStatus.Unknown, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpDeliveryUnknown, outcome.Result.FailureKind);
            Assert.False(outcome.Result.Delivered);
            Assert.Equal(1, outcome.Result.Attempts);
            Assert.Single(outcome.Result.Transcript, e => e.Text.StartsWith("Connected to", StringComparison.Ordinal));
            Assert.DoesNotContain(outcome.Result.Transcript,
                e => e.Text.StartsWith("Retrying", StringComparison.Ordinal));
            Assert.Contains("may or may not have been delivered", outcome.Result.Error);
            Assert.Single(server.Messages);
            if (fault == "silent") Assert.IsType<SmtpTimeoutException>(outcome.Failure);
        }

        [Fact]
        public async Task SendAsync_421AfterTheFinalDot_IsDeferredNotUnknown()
        {
            using var server = ScriptedSmtpServer.Start(Greeting + Ehlo + Mail + Rcpt + DataGo + "C-DATA\n" +
                "S: 421 4.3.0 Queue file write error\nCLOSE\n");
            using MimeMessageContent content = await MessageAsync();

            SmtpSubmitOutcome outcome = await SendAsync(server, content);

            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpTransientFailure, outcome.Result.FailureKind);
            Assert.Equal(421, Assert.IsType<SmtpCommandException>(outcome.Failure).Reply.Code);
        }

        [Fact]
        public async Task SendAsync_ServerClosesRightAfter354_FailsWithoutReportingSent()
        {
            using var server = ScriptedSmtpServer.Start(Greeting + Ehlo + Mail + Rcpt + DataGo + "CLOSE\n");
            using MimeMessageContent content = await MessageAsync(BigBody());

            SmtpSubmitOutcome outcome = await SendAsync(server, content);

            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            var ex = Assert.IsType<SmtpProtocolException>(outcome.Failure);
            Assert.False(ex.MessageMayHaveBeenDelivered);
            Assert.True(ex.ConnectionClosed);
            Assert.Equal(SmtpStage.Data, ex.Stage);
        }

        [Fact]
        public async Task SendAsync_RcptDeferredTwiceThenAccepted_RetriesWithDoublingBackoffAndSends()
        {
            string deferred = "C: MAIL FROM:*\nS: 250 2.1.0 Ok\nC: RCPT TO:*\nS: 450 4.2.1 Try later\n" +
                              "C: RSET\nS: 250 2.0.0 Ok\n";
            using var server = ScriptedSmtpServer.Start(Greeting + Ehlo + deferred + deferred + Mail + Rcpt + DataGo +
                                                        "C-DATA\n" + Queued + Quit);
            using MimeMessageContent content = await MessageAsync();

            SmtpSubmitOutcome outcome = await SendAsync(server, content, retries: 2, close: true);
            await server.Completion.WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.Sent, outcome.Result.Status);
            Assert.Equal(3, outcome.Result.Attempts);
            Assert.Null(outcome.Failure);
            string[] waits = outcome.Result.Transcript
                .Where(e => e.Text.StartsWith("Retrying", StringComparison.Ordinal)).Select(e => e.Text).ToArray();
            Assert.Equal(2, waits.Length);
            Assert.StartsWith("Retrying in 0.2 s", waits[0]);
            Assert.StartsWith("Retrying in 0.4 s", waits[1]);
        }

        [Fact]
        public async Task SendAsync_RcptDeferredEveryTime_ReportsTheDeferralAfterTheLastRetry()
        {
            string deferred = "C: MAIL FROM:*\nS: 250 2.1.0 Ok\nC: RCPT TO:*\nS: 450 4.2.1 Try later\n" +
                              "C: RSET\nS: 250 2.0.0 Ok\n";
            using var server = ScriptedSmtpServer.Start(Greeting + Ehlo + deferred + deferred + deferred + Quit);
            using MimeMessageContent content = await MessageAsync();

            SmtpSubmitOutcome outcome = await SendAsync(server, content, retries: 2, close: true);
            await server.Completion.WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpTransientFailure, outcome.Result.FailureKind);
            Assert.Equal(3, outcome.Result.Attempts);
            SmtpRecipientResult rejected = Assert.Single(outcome.Result.RejectedRecipients);
            Assert.Equal(450, rejected.Reply.Code);
        }

        [Fact]
        public async Task SendAsync_DataDeferredThenAccepted_RetriesOnTheSameConnectionAndSends()
        {
            using var server = ScriptedSmtpServer.Start(Greeting + Ehlo + Mail + Rcpt + DataGo + "C-DATA\n" +
                "S: 451 4.3.0 Try again\n" + Mail + Rcpt + DataGo + "C-DATA\n" + Queued + Quit);
            using MimeMessageContent content = await MessageAsync();

            SmtpSubmitOutcome outcome = await SendAsync(server, content, retries: 1, close: true);
            await server.Completion.WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.Sent, outcome.Result.Status);
            Assert.Equal(2, outcome.Result.Attempts);
            Assert.Equal(250, outcome.Result.DataReply!.Code);
            Assert.Equal(2, server.Messages.Count);
        }

        [Fact]
        public async Task SendAsync_DataDeferredEveryTime_ReportsDataRefusedAfterTheLastRetry()
        {
            string once = Mail + Rcpt + DataGo + "C-DATA\nS: 451 4.3.0 Try again\n";
            using var server = ScriptedSmtpServer.Start(Greeting + Ehlo + once + once + Quit);
            using MimeMessageContent content = await MessageAsync();

            SmtpSubmitOutcome outcome = await SendAsync(server, content, retries: 1, close: true);
            await server.Completion.WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpTransientFailure, outcome.Result.FailureKind);
            Assert.Null(outcome.Failure);
            Assert.Equal(451, outcome.Result.DataReply!.Code);
            Assert.Equal(2, outcome.Result.Attempts);
        }

        [Theory]
        [InlineData("rcpt")]
        [InlineData("data")]
        [InlineData("mail")]
        public async Task SendAsync_PermanentRefusal_IsNeverRetried(string stage)
        {
            string script = Greeting + Ehlo + stage switch
            {
                "mail" => "C: MAIL FROM:*\nS: 550 5.7.1 Sender refused\n",
                "rcpt" => Mail + "C: RCPT TO:*\nS: 550 5.1.1 No such user\nC: RSET\nS: 250 2.0.0 Ok\n",
                _ => Mail + Rcpt + DataGo + "C-DATA\nS: 554 5.7.1 Message refused\n",
            } + (stage == "mail" ? string.Empty : Quit);
            using var server = ScriptedSmtpServer.Start(script);
            using MimeMessageContent content = await MessageAsync();

            SmtpSubmitOutcome outcome = await SendAsync(server, content, retries: 3, close: stage != "mail");

            Assert.Equal(SmtpSendStatus.Rejected, outcome.Result.Status);
            Assert.Equal(stage switch
            {
                "mail" => SmtpFailureKind.SmtpCommandRejected,
                "rcpt" => SmtpFailureKind.SmtpNoRecipientAccepted,
                _ => SmtpFailureKind.SmtpDataRejected,
            }, outcome.Result.FailureKind);
            Assert.False(outcome.StopsBatch);
            Assert.Equal(1, outcome.Result.Attempts);
            Assert.DoesNotContain(outcome.Result.Transcript,
                e => e.Text.StartsWith("Retrying", StringComparison.Ordinal));
            if (stage == "mail") Assert.Equal(550, Assert.IsType<SmtpCommandException>(outcome.Failure).Reply.Code);
            if (stage == "data") Assert.Equal(554, outcome.Result.DataReply!.Code);
            if (stage == "rcpt") Assert.Equal(550, Assert.Single(outcome.Result.RejectedRecipients).Reply.Code);
        }

        [Theory]
        // TEST-NET-1 (RFC 5737): routed nowhere, so either unreachable at once or silent until the connect timeout.
        [InlineData("192.0.2.1")]
        // RFC 2606: .invalid never resolves.
        [InlineData("no-such-host.invalid")]
        public async Task SendAsync_UnreachableOrUnresolvableServer_FailsAtConnectNamingTheHost(string host)
        {
            var options = new SmtpSubmitOptions
            {
                Server = host,
                Port = 25,
                Tls = SmtpTlsMode.None,
                Timeout = TimeSpan.FromSeconds(1),
                RetryCount = 1,
                RetryDelay = TimeSpan.FromMilliseconds(100),
            };
            using MimeMessageContent content = await MessageAsync();
            using var submitter = new SmtpSubmitter(options);

            SmtpSubmitOutcome outcome = await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            Assert.True(outcome.StopsBatch);
            var ex = Assert.IsAssignableFrom<SmtpException>(outcome.Failure);
            Assert.True(ex is SmtpConnectException || ex is SmtpTimeoutException, ex.GetType().Name);
            Assert.Equal(SmtpStage.Connect, ex.Stage);
            Assert.Contains(host, outcome.Result.Error);
        }

        private const string StartTlsEhlo = "C: EHLO *\nS: 250-fault.example.test\nS: 250 STARTTLS\nC: STARTTLS\n";

        private static async Task<SmtpSubmitOutcome> SendTlsAsync(ScriptedSmtpServer server, SmtpTlsMode tls)
        {
            SmtpSubmitOptions options = Options(server, retries: 2);
            options.Tls = tls;
            using MimeMessageContent content = await MessageAsync();
            using var submitter = new SmtpSubmitter(options);
            return await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);
        }

        [Fact]
        public async Task SendAsync_RequiredStartTlsAnswered454_FailsWithoutSendingAndIsNotRetried()
        {
            using var server = ScriptedSmtpServer.Start(Greeting + StartTlsEhlo +
                "S: 454 4.7.0 TLS not available due to local problem\nC: QUIT\nS: 221 Bye\n");

            SmtpSubmitOutcome outcome = await SendTlsAsync(server, SmtpTlsMode.StartTls);

            Assert.Equal(SmtpSendStatus.NotAttempted, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpTlsFailed, outcome.Result.FailureKind);
            var ex = Assert.IsType<SmtpTlsException>(outcome.Failure);
            Assert.Equal(SmtpStage.StartTls, ex.Stage);
            Assert.Contains("454", ex.Message);
            Assert.Equal(1, outcome.Result.Attempts);
            Assert.DoesNotContain(server.Received, l => l.StartsWith("MAIL", StringComparison.Ordinal));
        }

        [Fact]
        public async Task SendAsync_HandshakeFailsAfterStartTls220_ClearTlsError()
        {
            using var server = ScriptedSmtpServer.Start(Greeting + StartTlsEhlo + "S: 220 2.0.0 Ready\nCLOSE\n");

            SmtpSubmitOutcome outcome = await SendTlsAsync(server, SmtpTlsMode.StartTls);

            Assert.Equal(SmtpSendStatus.NotAttempted, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpTlsFailed, outcome.Result.FailureKind);
            var ex = Assert.IsType<SmtpTlsException>(outcome.Failure);
            Assert.Contains("TLS handshake failed", ex.Message);
            Assert.Equal(1, outcome.Result.Attempts);
        }

        [Fact]
        public async Task SendAsync_ExpiredCertificate_RefusedWithTheReasonInWords()
        {
            using X509Certificate2 expired = ExpiredCertificate();
            using var server = ScriptedSmtpServer.Start(Greeting + StartTlsEhlo + "S: 220 2.0.0 Ready\nTLS\nSTALL\n",
                expired);

            SmtpSubmitOutcome outcome = await SendTlsAsync(server, SmtpTlsMode.StartTls);

            Assert.Equal(SmtpSendStatus.NotAttempted, outcome.Result.Status);
            Assert.Equal(SmtpFailureKind.SmtpTlsFailed, outcome.Result.FailureKind);
            var ex = Assert.IsType<SmtpTlsException>(outcome.Failure);
            Assert.Contains(ex.Errors, e => e.Contains("expired"));
            Assert.Equal(1, outcome.Result.Attempts);
            Assert.DoesNotContain(server.Received, l => l.StartsWith("MAIL", StringComparison.Ordinal));
        }

        private static X509Certificate2 ExpiredCertificate()
        {
            using RSA rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256,
                RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30),
                DateTimeOffset.UtcNow.AddDays(-1));
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
        }

        internal static int UnusedPort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }
    }
}
