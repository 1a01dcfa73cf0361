using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;
using SmtpTools.TestServer;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>Faults a real server will not produce on demand, played by the scripted server from Replays/*.txt.</summary>
    public class SmtpSessionTests
    {
        internal static readonly Lazy<X509Certificate2> Certificate =
            new Lazy<X509Certificate2>(() => ScriptedSmtpServer.CreateCertificate());

        /// <summary>Starts the scripted server on Replays/<paramref name="name"/>.txt (shared by the fault tests).</summary>
        internal static ScriptedSmtpServer Replay(string name, bool tls = false) =>
            ScriptedSmtpServer.StartFile(Path.Combine(AppContext.BaseDirectory, "Replays", name + ".txt"),
                tls ? Certificate.Value : null);

        private static SmtpSessionOptions Options(ScriptedSmtpServer server, SmtpTlsMode tls = SmtpTlsMode.None) =>
            new SmtpSessionOptions(server.Host, server.Port) { Tls = tls, ClientName = "client.example.test" };

        private static SmtpEnvelope Envelope(string from = "a@example.test", params string[] to) =>
            new SmtpEnvelope(from, (to.Length == 0 ? new[] { "b@example.test" } : to)
                .Select(t => new SmtpRecipient(t)).ToArray());

        private static async Task FinishedAsync(ScriptedSmtpServer server) =>
            await server.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        private static async Task<string> ServerErrorAsync(ScriptedSmtpServer server)
        {
            try
            {
                await FinishedAsync(server);
                return "none";
            }
            catch (Exception ex)
            {
                return ex.Message;
            }
        }

        [Fact]
        public async Task ConnectAsync_EhloRefused_FallsBackToHeloAndSends()
        {
            using var server = Replay("helo-fallback");
            using var session = await SmtpSession.ConnectAsync(Options(server, SmtpTlsMode.Auto), CancellationToken.None);

            SmtpTransactionResult result = await session.SendAsync(Envelope(),
                ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("Subject: hi\n\n.dot\n")),
                CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.False(session.Capabilities!.IsExtended);
            Assert.Equal("HELO client.example.test", server.Received[1]);
            Assert.True(result.Delivered);
            Assert.Equal("Subject: hi\r\n\r\n..dot\r\n", Encoding.ASCII.GetString(server.Messages[0]));
        }

        [Fact]
        public async Task ConnectAsync_OddButValidReplies_ParsesGreetingAndCapabilities()
        {
            using var server = Replay("odd-replies");
            using var session = await SmtpSession.ConnectAsync(Options(server), CancellationToken.None);

            SmtpReply noop = await session.NoopAsync(CancellationToken.None);
            SmtpReply help = await session.HelpAsync(null, CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.Equal(new[] { "odd.example.test ESMTP", "234 this line starts with digits", "" },
                session.Greeting!.Lines);
            SmtpCapabilities caps = session.Capabilities!;
            Assert.Equal("odd.example.test", caps.Domain);
            Assert.Equal(new[] { "LOGIN", "PLAIN" }, caps.AuthMechanisms);
            Assert.True(caps.Size);
            Assert.Null(caps.SizeLimit);
            Assert.True(caps.EightBitMime);
            Assert.True(caps.EnhancedStatusCodes);
            Assert.Equal(new[] { "XCLIENT NAME ADDR" }, caps.Other);
            Assert.Equal(250, noop.Code);
            Assert.Equal(3, help.Lines.Count);
            Assert.Equal("2.0.0", help.EnhancedStatus);
        }

        [Fact]
        public async Task SendAsync_ServerSends421_ThrowsCommandExceptionWithReply()
        {
            using var server = Replay("shutdown-421");
            var options = Options(server);
            options.UsePipelining = false;
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            var ex = await Assert.ThrowsAsync<SmtpCommandException>(() => session.SendAsync(Envelope(),
                ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("x")), CancellationToken.None));

            Assert.Equal(SmtpStage.RcptTo, ex.Stage);
            Assert.Equal(421, ex.Reply.Code);
            Assert.Contains($"127.0.0.1:{server.Port}", ex.Message);
            Assert.NotNull(ex.Transcript);
        }

        [Fact]
        public async Task SendAsync_ConnectionDroppedDuringData_ThrowsProtocolException()
        {
            using var server = Replay("drop-during-data");
            using var session = await SmtpSession.ConnectAsync(Options(server), CancellationToken.None);

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(() => session.SendAsync(Envelope(),
                ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n")),
                CancellationToken.None));

            Assert.Equal(SmtpStage.Data, ex.Stage);
            Assert.True(ex.ConnectionClosed);
        }

        [Fact]
        public async Task ConnectAsync_ServerStalls_TimesOutAtEhlo()
        {
            using var server = Replay("stall-after-ehlo");
            var options = Options(server);
            options.Timeouts.Command = TimeSpan.FromMilliseconds(300);

            var ex = await Assert.ThrowsAsync<SmtpTimeoutException>(
                () => SmtpSession.ConnectAsync(options, CancellationToken.None));

            Assert.Equal(SmtpStage.Ehlo, ex.Stage);
            Assert.Equal(TimeSpan.FromMilliseconds(300), ex.Timeout);
            Assert.Contains("EHLO client.example.test", ex.Transcript!.ToString());
        }

        [Fact]
        public async Task ConnectAsync_CallerCancelsWhileServerStalls_ThrowsOperationCanceledNotTimeout()
        {
            using var server = Replay("stall-after-ehlo");
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

            var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => SmtpSession.ConnectAsync(Options(server), cts.Token));

            Assert.Equal(cts.Token, ex.CancellationToken);
        }

        [Fact]
        public async Task ConnectAsync_BytesInjectedAfterStartTls220_AreDiscarded()
        {
            using var server = Replay("starttls-injection", tls: true);
            var options = Options(server, SmtpTlsMode.StartTls);
            options.CertificateValidation = (sender, cert, chain, errors) =>
                cert != null && cert.GetCertHashString() == Certificate.Value.Thumbprint;
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.True(session.IsEncrypted);
            Assert.Empty(session.Capabilities!.AuthMechanisms);
            Assert.Equal(1000, session.Capabilities.SizeLimit);
            Assert.True(session.CapabilitiesBeforeTls!.StartTls);
            Assert.DoesNotContain(session.Transcript.Entries, e => e.Text.Contains("injected"));
            Assert.Contains(session.Transcript.Entries,
                e => e.Direction == SmtpTranscriptDirection.Info && e.Text.StartsWith("Discarded"));
        }

        [Fact]
        public async Task ConnectAsync_UntrustedCertificate_ThrowsTlsExceptionWithReasons()
        {
            using var server = Replay("starttls-untrusted", tls: true);

            var ex = await Assert.ThrowsAsync<SmtpTlsException>(
                () => SmtpSession.ConnectAsync(Options(server, SmtpTlsMode.StartTls), CancellationToken.None));

            Assert.Equal(SmtpStage.StartTls, ex.Stage);
            Assert.Contains(ex.Errors, e => e.Contains("not trusted") || e.Contains("incomplete"));
            Assert.Equal("CN=localhost", ex.Tls!.Subject);
            Assert.Contains("DNS:localhost", ex.Tls.SubjectAlternativeNames);
        }

        [Fact]
        public async Task ConnectAsync_UntrustedCertificateWithSkipCheck_ConnectsAndRecordsProblems()
        {
            using var server = Replay("starttls-untrusted", tls: true);
            var options = Options(server, SmtpTlsMode.StartTls);
            options.SkipCertificateCheck = true;
            options.TlsServerName = "wrong.example.test";

            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);

            SmtpTlsInfo tls = session.Tls!;
            Assert.True(tls.CertificateAccepted);
            Assert.Contains(tls.ValidationErrors, e => e.Contains("does not match the name 'wrong.example.test'"));
            Assert.Equal(Certificate.Value.Thumbprint, tls.Thumbprint);
            Assert.Contains("IP:127.0.0.1", tls.SubjectAlternativeNames);
        }

        [Fact]
        public async Task TryAuthenticateAsync_Xoauth2ErrorChallenge_AnswersEmptyLineAndRedacts()
        {
            using var server = Replay("xoauth2-error");
            var options = Options(server);
            options.AllowUnencryptedAuthentication = true;
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);
            const string token = "ya29.secret-token-value";

            SmtpAuthAttempt attempt;
            try
            {
                attempt = await session.TryAuthenticateAsync(
                    new SmtpCredential("someone@example.test", null, token), "xoauth2", CancellationToken.None);
            }
            catch (SmtpException ex)
            {
                throw new Exception("server: " + await ServerErrorAsync(server), ex);
            }
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.Equal("XOAUTH2", attempt.Mechanism);
            Assert.False(attempt.Succeeded);
            Assert.Equal(535, attempt.Reply.Code);
            Assert.Contains("\"status\":\"401\"", attempt.ErrorDetails);
            string sent = server.Received.Single(l => l.StartsWith("AUTH XOAUTH2 "));
            Assert.Equal("user=someone@example.test\u0001auth=Bearer " + token + "\u0001\u0001",
                Encoding.UTF8.GetString(Convert.FromBase64String(sent.Substring("AUTH XOAUTH2 ".Length))));
            string transcript = session.Transcript.ToString();
            Assert.DoesNotContain(token, transcript);
            Assert.DoesNotContain(sent.Substring("AUTH XOAUTH2 ".Length), transcript);
            Assert.Contains("AUTH XOAUTH2 " + SmtpSession.RedactedMarker, transcript);
        }

        [Fact]
        public async Task AuthenticateAsync_OAuthBearerErrorChallenge_AnswersControlAAndThrows()
        {
            using var server = Replay("oauthbearer-error");
            var options = Options(server);
            options.AllowUnencryptedAuthentication = true;
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            var ex = await Assert.ThrowsAsync<SmtpAuthenticationException>(() => session.AuthenticateAsync(
                new SmtpCredential("someone@example.test", null, "token-123"), null, CancellationToken.None));
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.Equal("OAUTHBEARER", ex.Mechanism);
            Assert.Equal(535, ex.Reply!.Code);
            Assert.DoesNotContain("token-123", ex.Message);
            Assert.DoesNotContain("token-123", session.Transcript.ToString());
        }

        [Fact]
        public async Task AuthenticateAsync_WithoutTls_RefusesAndNamesTheSwitch()
        {
            using var server = Replay("auth-without-tls");
            using var session = await SmtpSession.ConnectAsync(Options(server), CancellationToken.None);

            var ex = await Assert.ThrowsAsync<SmtpAuthenticationException>(() => session.AuthenticateAsync(
                new SmtpCredential("user", "hunter2"), null, CancellationToken.None));
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.Contains("-AllowUnencryptedAuthentication", ex.Message);
            Assert.Null(ex.Reply);
            Assert.DoesNotContain(server.Received, l => l.StartsWith("AUTH"));
        }

        [Fact]
        public async Task ConnectAsync_MixedCodesInGreeting_ThrowsProtocolExceptionNamingServer()
        {
            using var server = Replay("malformed-mixed-codes");

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(
                () => SmtpSession.ConnectAsync(Options(server), CancellationToken.None));

            Assert.Equal(SmtpStage.Greeting, ex.Stage);
            Assert.Contains("mixed reply codes 220 and 250", ex.Message);
            Assert.Contains($"127.0.0.1:{server.Port}", ex.Message);
        }

        [Fact]
        public async Task ConnectAsync_Greeting554_ThrowsCommandExceptionAndQuits()
        {
            using var server = Replay("greeting-554");

            var ex = await Assert.ThrowsAsync<SmtpCommandException>(
                () => SmtpSession.ConnectAsync(Options(server), CancellationToken.None));
            await FinishedAsync(server);

            Assert.Equal(SmtpStage.Greeting, ex.Stage);
            Assert.Equal(554, ex.Reply.Code);
            Assert.Equal("5.3.2", ex.Reply.EnhancedStatus);
        }

        [Fact]
        public async Task SendAsync_PipelinedAllRecipientsRefusedButDataAccepted_EndsDataAndResets()
        {
            using var server = Replay("pipelining-all-rejected");
            using var session = await SmtpSession.ConnectAsync(Options(server), CancellationToken.None);

            SmtpTransactionResult result = await session.SendAsync(Envelope("", "x@example.test", "y@example.test"),
                ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("x")), CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.False(result.Delivered);
            Assert.True(result.UsedPipelining);
            Assert.Empty(result.AcceptedRecipients);
            Assert.Equal(new[] { 550, 450 }, result.RejectedRecipients.Select(r => r.Reply.Code));
        }

        [Fact]
        public async Task SendAsync_BdatChunkRefused_StopsChunkingAndResets()
        {
            using var server = Replay("bdat-chunk-refused");
            var options = Options(server);
            options.ChunkSize = 10;
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            SmtpTransactionResult result = await session.SendAsync(Envelope(),
                ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("Subject: chunks\r\n\r\nmore than ten bytes\r\n")),
                CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.True(result.UsedChunking);
            Assert.False(result.Delivered);
            Assert.Equal(552, result.DataReply!.Code);
            Assert.Equal("BDAT 10", server.Received.Single(l => l.StartsWith("BDAT")));
            Assert.Equal("RSET", server.Received[server.Received.Count - 2]);
        }

        [Fact]
        public async Task SendAsync_DataRefusedTransiently_ResetsAndNextMessageGoesThrough()
        {
            using var server = Replay("data-refused-then-retry");
            using var session = await SmtpSession.ConnectAsync(Options(server), CancellationToken.None);
            var content = ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("Subject: again\r\n\r\nx\r\n"));

            SmtpTransactionResult first = await session.SendAsync(Envelope(), content, CancellationToken.None);
            SmtpTransactionResult second = await session.SendAsync(Envelope(), content, CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.False(first.Delivered);
            Assert.True(first.DataReply!.IsTransient);
            Assert.Equal(new[] { "b@example.test" }, first.AcceptedRecipients);
            Assert.True(second.Delivered);
        }

        [Fact]
        public async Task ConnectAsync_Ipv6Literal_ConnectsAndRecordsAddress()
        {
            using var server = ScriptedSmtpServer.StartFile(
                Path.Combine(AppContext.BaseDirectory, "Replays", "connect-and-quit.txt"), null,
                System.Net.IPAddress.IPv6Loopback);

            using var session = await SmtpSession.ConnectAsync(new SmtpSessionOptions("[::1]", server.Port)
            {
                Tls = SmtpTlsMode.None,
            }, CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.Equal(System.Net.IPAddress.IPv6Loopback, session.RemoteEndPoint!.Address);
            // RFC 5321 §4.1.1.1: the default EHLO argument is a domain or an address literal.
            Assert.Matches(@"^EHLO ([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|\[IPv6:::1\])$", server.Received[0]);
        }

        [Fact]
        public async Task ConnectAsync_HostName_ResolvesAndRecordsAddress()
        {
            using var server = Replay("connect-and-quit");

            using var session = await SmtpSession.ConnectAsync(new SmtpSessionOptions("localhost", server.Port)
            {
                Tls = SmtpTlsMode.None,
            }, CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.Equal("127.0.0.1", session.RemoteEndPoint!.Address.ToString());
            Assert.Contains(session.Transcript.Entries, e => e.Direction == SmtpTranscriptDirection.Info &&
                                                             e.Text.Contains($"127.0.0.1:{server.Port} (localhost)"));
        }

        [Theory]
        [InlineData(465, SmtpTlsMode.Auto, SmtpTlsMode.Implicit)]
        [InlineData(587, SmtpTlsMode.Auto, SmtpTlsMode.StartTlsWhenAvailable)]
        [InlineData(25, SmtpTlsMode.Auto, SmtpTlsMode.StartTlsWhenAvailable)]
        [InlineData(465, SmtpTlsMode.StartTls, SmtpTlsMode.StartTls)]
        public void EffectiveTls_Auto_IsImplicitOnlyOnPort465(int port, SmtpTlsMode mode, SmtpTlsMode expected)
        {
            Assert.Equal(expected, new SmtpSessionOptions("h", port) { Tls = mode }.EffectiveTls);
        }

        [Fact]
        public async Task SendAsync_PipelinedMailGets421_ThrowsWithoutWaitingForOtherReplies()
        {
            using var server = Replay("pipelining-421-on-mail");
            var options = Options(server);
            options.Timeouts.Command = TimeSpan.FromSeconds(20);
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            var ex = await Assert.ThrowsAsync<SmtpCommandException>(() => session.SendAsync(Envelope(),
                ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("x")), CancellationToken.None));

            Assert.Equal(SmtpStage.MailFrom, ex.Stage);
            Assert.Equal(421, ex.Reply.Code);
        }

        [Theory]
        [InlineData("b@example.test>\r\nRCPT TO:<evil@example.test", null)]
        [InlineData("b@example.test", "client\nMAIL FROM:<x>")]
        public async Task SendAsync_LineBreakInArgument_ThrowsBeforeSendingIt(string recipient, string? clientName)
        {
            using var server = Replay("auth-without-tls");
            var options = Options(server);
            if (clientName != null)
            {
                options.ClientName = clientName;
                await Assert.ThrowsAsync<ArgumentException>(() => SmtpSession.ConnectAsync(options, CancellationToken.None));
                Assert.Empty(server.Received);
                return;
            }
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            await Assert.ThrowsAsync<ArgumentException>(() => session.SendAsync(Envelope("a@example.test", recipient),
                ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("x")), CancellationToken.None));
            await session.QuitAsync(CancellationToken.None);
            await FinishedAsync(server);

            Assert.DoesNotContain(server.Received, l => l.StartsWith("MAIL") || l.StartsWith("RCPT"));
        }

        [Fact]
        public async Task ConnectAsync_NothingListening_ThrowsConnectException()
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();

            var ex = await Assert.ThrowsAsync<SmtpConnectException>(() => SmtpSession.ConnectAsync(
                new SmtpSessionOptions("127.0.0.1", port), CancellationToken.None));

            Assert.Contains("refused", ex.Message);
            Assert.Contains("127.0.0.1:" + port, ex.Message);
        }

        [Fact]
        public async Task ConnectAsync_UnknownHostName_ThrowsConnectException()
        {
            var ex = await Assert.ThrowsAsync<SmtpConnectException>(() => SmtpSession.ConnectAsync(
                new SmtpSessionOptions("no-such-host.invalid", 25), CancellationToken.None));

            Assert.Contains("could not be resolved", ex.Message);
        }
    }
}
