using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>Happy paths against the real Postfix and Dovecot from tests/peers.</summary>
    [Collection("Peers")]
    public class SmtpSessionPeerTests
    {
        private readonly PeersFixture _peers;

        public SmtpSessionPeerTests(PeersFixture peers)
        {
            _peers = peers;
        }

        private SmtpSessionOptions Options(int port, SmtpTlsMode tls) =>
            new SmtpSessionOptions(_peers.Host, port)
            {
                Tls = tls,
                ClientName = "client.example.test",
                CertificateValidation = _peers.TrustPeerCertificate,
            };

        private static (string Marker, byte[] Payload) Message(string body = "Hello from the SmtpTools tests.\n",
            string subject = "test")
        {
            string marker = "X-Test-Id: " + Guid.NewGuid().ToString("N");
            string text = marker + "\nFrom: a@example.test\nTo: b@example.test\nSubject: " + subject + "\n\n" + body;
            return (marker, Encoding.UTF8.GetBytes(text));
        }

        private static SmtpEnvelope Envelope(params string[] to) =>
            new SmtpEnvelope("a@example.test", (to.Length == 0 ? new[] { "b@example.test" } : to)
                .Select(t => new SmtpRecipient(t)).ToArray());

        /// <summary>One message to b@example.test, then QUIT; the transaction's result.</summary>
        private static async Task<SmtpTransactionResult> SendAndQuitAsync(SmtpSession session, byte[] payload)
        {
            SmtpTransactionResult result = await session.SendAsync(Envelope(),
                ByteArrayMessageContent.FromBytes(payload), CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);
            return result;
        }

        // Postfix stores the payload with LF line ends and dot-unstuffed, after its own headers (peer notes).
        private async Task AssertDeliveredExactlyAsync(string marker, byte[] payload, string receivedWith)
        {
            byte[] file = await _peers.WaitForMessageAsync(marker);
            int start = PeersFixture.IndexOf(file, Encoding.UTF8.GetBytes(marker));
            string expected = Encoding.UTF8.GetString(payload).Replace("\r\n", "\n").Replace('\r', '\n');
            if (!expected.EndsWith("\n", StringComparison.Ordinal)) expected += "\n";
            Assert.Equal(expected, Encoding.UTF8.GetString(file, start, file.Length - start));
            string headers = Encoding.UTF8.GetString(file, 0, start);
            Assert.Contains("with " + receivedWith + " ", headers);
        }

        [Fact]
        public async Task SendAsync_PlainSmtp_DeliversExactBytes()
        {
            var (marker, payload) = Message(".leading dot\r\nbare\rcr and bare\nlf\n..two dots\n");
            var options = Options(_peers.SmtpPort, SmtpTlsMode.None);
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            SmtpTransactionResult result = await SendAndQuitAsync(session, payload);

            Assert.True(result.Delivered, result.DataReply?.ToString());
            Assert.False(session.IsEncrypted);
            Assert.Equal(session.RemoteEndPoint!.Port, _peers.SmtpPort);
            await AssertDeliveredExactlyAsync(marker, payload, "ESMTP");
        }

        [Fact]
        public async Task ConnectAsync_StartTls_RecordsSessionAndEhloesAgain()
        {
            var (marker, payload) = Message();
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SmtpPort, SmtpTlsMode.StartTls),
                CancellationToken.None);

            SmtpTransactionResult result = await SendAndQuitAsync(session, payload);

            Assert.True(result.Delivered);
            Assert.True(session.CapabilitiesBeforeTls!.StartTls);
            Assert.False(session.Capabilities!.StartTls);
            SmtpTlsInfo tls = session.Tls!;
            Assert.StartsWith("Tls", tls.Protocol);
            Assert.Contains("CN=localhost", tls.Subject);
            Assert.Contains("DNS:localhost", tls.SubjectAlternativeNames);
            Assert.Contains("IP:127.0.0.1", tls.SubjectAlternativeNames);
            Assert.Equal(_peers.Certificate.Thumbprint, tls.Thumbprint);
            Assert.Equal(_peers.Certificate.NotAfter.ToUniversalTime(), tls.NotAfter);
            Assert.Equal(2, session.Transcript.Entries.Count(e => e.Text.StartsWith("EHLO ")));
            Assert.Contains(session.Transcript.Entries, e => e.IsTls && e.Text.StartsWith("MAIL FROM"));
            await AssertDeliveredExactlyAsync(marker, payload, "ESMTPS");
        }

        [Fact]
        public async Task ConnectAsync_ImplicitTls_TalksTlsFromTheGreeting()
        {
            var (marker, payload) = Message();
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SmtpsPort, SmtpTlsMode.Implicit),
                CancellationToken.None);

            SmtpTransactionResult result = await SendAndQuitAsync(session, payload);

            Assert.True(result.Delivered);
            Assert.Null(session.CapabilitiesBeforeTls);
            Assert.True(session.Transcript.Entries.Where(e => e.Direction != SmtpTranscriptDirection.Info)
                .All(e => e.IsTls));
            await AssertDeliveredExactlyAsync(marker, payload, "ESMTPS");
        }

        [Fact]
        public async Task ConnectAsync_DefaultValidationOfSelfSignedPeer_ThrowsTlsException()
        {
            var options = Options(_peers.SmtpsPort, SmtpTlsMode.Implicit);
            options.CertificateValidation = null;

            var ex = await Assert.ThrowsAsync<SmtpTlsException>(
                () => SmtpSession.ConnectAsync(options, CancellationToken.None));

            Assert.Equal(SmtpStage.Connect, ex.Stage);
            Assert.Contains(ex.Errors, e => e.Contains("not trusted"));
        }

        [Fact]
        public async Task ConnectAsync_HostNameMismatch_IsReportedInWords()
        {
            var options = Options(_peers.SmtpsPort, SmtpTlsMode.Implicit);
            options.TlsServerName = "mail.example.test";

            var ex = await Assert.ThrowsAsync<SmtpTlsException>(
                () => SmtpSession.ConnectAsync(options, CancellationToken.None));

            Assert.Contains(ex.Errors, e => e.Contains("does not match the name 'mail.example.test'"));
        }

        [Theory]
        [InlineData("PLAIN")]
        [InlineData("LOGIN")]
        [InlineData("CRAM-MD5")]
        [InlineData("SCRAM-SHA-1")]
        [InlineData("SCRAM-SHA-256")]
        public async Task AuthenticateAsync_RightPassword_Succeeds(string mechanism)
        {
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SubmissionPort, SmtpTlsMode.StartTls),
                CancellationToken.None);

            SmtpReply reply = await session.AuthenticateAsync(new SmtpCredential(_peers.UserName, _peers.Password),
                mechanism, CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);

            Assert.Equal(235, reply.Code);
            Assert.Equal(mechanism, session.AuthenticatedMechanism);
            AssertNoSecret(session.Transcript.ToString(), _peers.Password);
        }

        [Theory]
        [InlineData("PLAIN")]
        [InlineData("LOGIN")]
        [InlineData("CRAM-MD5")]
        [InlineData("SCRAM-SHA-1")]
        [InlineData("SCRAM-SHA-256")]
        public async Task AuthenticateAsync_WrongPassword_ThrowsWith535(string mechanism)
        {
            const string wrong = "Wrong-Password-42";
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SubmissionPort, SmtpTlsMode.StartTls),
                CancellationToken.None);

            var ex = await Assert.ThrowsAsync<SmtpAuthenticationException>(() => session.AuthenticateAsync(
                new SmtpCredential(_peers.UserName, wrong), mechanism, CancellationToken.None));
            await session.QuitAsync(CancellationToken.None);

            Assert.Equal(535, ex.Reply!.Code);
            Assert.Equal("5.7.8", ex.Reply.EnhancedStatus);
            Assert.Equal(mechanism, ex.Mechanism);
            AssertNoSecret(ex.Message, wrong);
            AssertNoSecret(session.Transcript.ToString(), wrong);
        }

        [Fact]
        public async Task AuthenticateAsync_NoMechanismNamed_PicksStrongestAndSendsAuthenticated()
        {
            var (marker, payload) = Message();
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SubmissionPort, SmtpTlsMode.Auto),
                CancellationToken.None);

            await session.AuthenticateAsync(new SmtpCredential(_peers.UserName, _peers.Password), null,
                CancellationToken.None);
            SmtpTransactionResult result = await SendAndQuitAsync(session, payload);

            Assert.Equal("SCRAM-SHA-256", session.AuthenticatedMechanism);
            Assert.Empty(session.CapabilitiesBeforeTls!.AuthMechanisms);
            Assert.True(result.Delivered);
            await AssertDeliveredExactlyAsync(marker, payload, "ESMTPSA");
        }

        [Fact]
        public async Task SendAsync_SubmissionWithoutAuth_RejectsRecipientAsData()
        {
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SubmissionPort, SmtpTlsMode.StartTls),
                CancellationToken.None);

            SmtpTransactionResult result = await session.SendAsync(Envelope(),
                ByteArrayMessageContent.FromBytes(Message().Payload), CancellationToken.None);
            SmtpReply noop = await session.NoopAsync(CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);

            Assert.False(result.Delivered);
            Assert.Equal(554, result.RejectedRecipients.Single().Reply.Code);
            Assert.Equal(250, noop.Code);
        }

        [Fact]
        public async Task SendAsync_Pipelining_SendsOneBatchAndKeepsPerRecipientReplies()
        {
            var (marker, payload) = Message();
            var options = Options(_peers.SmtpPort, SmtpTlsMode.StartTls);
            options.UseChunking = false;
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            SmtpTransactionResult result = await session.SendAsync(
                Envelope("b@example.test", "x@example..test", "c@example.test"),
                ByteArrayMessageContent.FromBytes(payload), CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);

            Assert.True(session.Capabilities!.Pipelining);
            Assert.True(result.UsedPipelining);
            Assert.False(result.UsedChunking);
            Assert.True(result.Delivered);
            Assert.Equal(new[] { "b@example.test", "c@example.test" }, result.AcceptedRecipients);
            Assert.Equal("x@example..test", result.RejectedRecipients.Single().Address);
            Assert.Equal(501, result.RejectedRecipients.Single().Reply.Code);
            // The batch is MAIL, three RCPTs and DATA before any reply.
            var lines = session.Transcript.Entries.SkipWhile(e => !e.Text.StartsWith("MAIL FROM")).Take(5).ToArray();
            Assert.All(lines, e => Assert.Equal(SmtpTranscriptDirection.Client, e.Direction));
            Assert.Equal("DATA", lines[4].Text);
            await AssertDeliveredExactlyAsync(marker, payload, "ESMTPS");
        }

        [Fact]
        public async Task SendAsync_Chunking_SendsSeveralBdatChunks()
        {
            var (marker, payload) = Message(string.Concat(Enumerable.Range(0, 50).Select(i => $"line {i}\n.dot\n")));
            var options = Options(_peers.SmtpPort, SmtpTlsMode.StartTls);
            options.ChunkSize = 200;
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            SmtpTransactionResult result = await SendAndQuitAsync(session, payload);

            Assert.True(result.UsedChunking);
            Assert.True(result.Delivered, result.DataReply?.ToString());
            Assert.True(session.Transcript.Entries.Count(e => e.Text.StartsWith("BDAT ")) > 2);
            Assert.Contains(session.Transcript.Entries, e => e.Text.StartsWith("BDAT ") && e.Text.EndsWith(" LAST"));
            await AssertDeliveredExactlyAsync(marker, payload, "ESMTPS");
        }

        [Fact]
        public async Task SendAsync_EightBitBody_DeclaresBody8BitMime()
        {
            var (marker, payload) = Message("Grüße aus Köln, ½ € — ok.\n");
            var options = Options(_peers.SmtpPort, SmtpTlsMode.StartTls);
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            SmtpTransactionResult result = await SendAndQuitAsync(session, payload);

            Assert.True(result.Delivered);
            Assert.Contains(session.Transcript.Entries,
                e => e.Text.StartsWith("MAIL FROM:<a@example.test>") && e.Text.Contains(" BODY=8BITMIME"));
            await AssertDeliveredExactlyAsync(marker, payload, "ESMTPS");
        }

        [Fact]
        public async Task SendAsync_NonAsciiRecipient_UsesSmtpUtf8()
        {
            var (marker, payload) = Message();
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SmtpPort, SmtpTlsMode.StartTls),
                CancellationToken.None);

            SmtpTransactionResult result = await session.SendAsync(Envelope("jürgen@bücher.example"),
                ByteArrayMessageContent.FromBytes(payload), CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);

            Assert.True(result.Delivered);
            Assert.Contains(session.Transcript.Entries, e => e.Text.StartsWith("MAIL FROM") && e.Text.EndsWith(" SMTPUTF8"));
            byte[] file = await _peers.WaitForMessageAsync(marker);
            string stored = Encoding.UTF8.GetString(file);
            Assert.Contains("jürgen@bücher.example", stored);
            Assert.Contains("with UTF8SMTPS ", stored);
        }

        [Fact]
        public async Task SendAsync_DsnParameters_AreSentAndAccepted()
        {
            var (marker, payload) = Message();
            var envelope = new SmtpEnvelope("a@example.test", new[]
            {
                new SmtpRecipient("b@example.test", SmtpDsnNotify.Failure | SmtpDsnNotify.Delay, "b@example.test"),
            })
            {
                Return = SmtpDsnReturn.Headers,
                EnvelopeId = "id+1=2",
            };
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SmtpPort, SmtpTlsMode.StartTls),
                CancellationToken.None);

            SmtpTransactionResult result = await session.SendAsync(envelope,
                ByteArrayMessageContent.FromBytes(payload), CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);

            Assert.True(session.Capabilities!.Dsn);
            Assert.True(result.Delivered);
            string transcript = session.Transcript.ToString();
            Assert.Contains("RET=HDRS ENVID=id+2B1+3D2", transcript);
            Assert.Contains("RCPT TO:<b@example.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;b@example.test", transcript);
            await _peers.WaitForMessageAsync(marker);
        }

        [Fact]
        public async Task SendAsync_SizeOverServerLimit_RefusedBeforeMailFromAndTheSessionGoesOn()
        {
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SmtpPort, SmtpTlsMode.StartTls),
                CancellationToken.None);
            long limit = session.Capabilities!.SizeLimit!.Value;

            var ex = await Assert.ThrowsAsync<SmtpException>(() => session.SendAsync(Envelope(),
                new FixedSizeContent(Message().Payload, limit + 1), CancellationToken.None));
            SmtpSessionState state = session.State;
            SmtpReply noop = await session.NoopAsync(CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);

            // Postfix would answer 552 5.3.4 at MAIL: the limit it announced is enough to know, and nothing is sent.
            Assert.Equal(SmtpStage.MailFrom, ex.Stage);
            Assert.Equal(SmtpFailureKind.SmtpMessageTooLarge, ex.FailureKind);
            Assert.Contains(limit.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), ex.Message);
            Assert.DoesNotContain(session.Transcript.Entries, e => e.Text.StartsWith("MAIL", StringComparison.Ordinal));
            Assert.Equal(SmtpSessionState.Ready, state);
            Assert.Equal(250, noop.Code);
        }

        [Fact]
        public async Task SendAsync_SeveralMessagesOnOneConnection_AllDelivered()
        {
            var messages = Enumerable.Range(0, 3).Select(i => Message("message " + i + "\n")).ToArray();
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SmtpPort, SmtpTlsMode.StartTls),
                CancellationToken.None);

            var results = new SmtpTransactionResult[messages.Length];
            for (int i = 0; i < messages.Length; i++)
            {
                results[i] = await session.SendAsync(Envelope(), ByteArrayMessageContent.FromBytes(messages[i].Payload),
                    CancellationToken.None);
            }
            await session.QuitAsync(CancellationToken.None);

            Assert.All(results, r => Assert.True(r.Delivered));
            Assert.Single(session.Transcript.Entries, e => e.Text.StartsWith("220 ") && e.Reply != null &&
                                                           !e.IsTls && e.Text.Contains("ESMTP"));
            foreach (var m in messages) await AssertDeliveredExactlyAsync(m.Marker, m.Payload, "ESMTPS");
        }

        [Fact]
        public async Task SimpleCommands_VrfyNoopRsetHelpExpn_ReturnReplies()
        {
            using var session = await SmtpSession.ConnectAsync(Options(_peers.SmtpPort, SmtpTlsMode.StartTls),
                CancellationToken.None);

            SmtpReply vrfy = await session.VerifyAsync("b@example.test", CancellationToken.None);
            SmtpReply noop = await session.NoopAsync(CancellationToken.None);
            SmtpReply rset = await session.RsetAsync(CancellationToken.None);
            SmtpReply help = await session.HelpAsync(null, CancellationToken.None);
            SmtpReply expn = await session.ExpandAsync("list", CancellationToken.None);
            SmtpReply raw = await session.SendCommandAsync("ETRN example.test", CancellationToken.None);
            SmtpReply? quit = await session.QuitAsync(CancellationToken.None);

            Assert.Equal(252, vrfy.Code);
            Assert.Equal(250, noop.Code);
            Assert.Equal(250, rset.Code);
            Assert.Equal(500, help.Code);
            Assert.Equal(500, expn.Code);
            Assert.True(raw.Code >= 250, raw.ToString());
            Assert.Equal(221, quit!.Code);
        }

        [Fact]
        public async Task SendAsync_LargeGeneratedMessage_StreamsAndReportsProgress()
        {
            string marker = "X-Test-Id: " + Guid.NewGuid().ToString("N");
            var content = new GeneratedContent(marker, lines: 60_000);
            var progress = new RecordingProgress();
            var options = Options(_peers.SmtpPort, SmtpTlsMode.StartTls);
            options.Progress = progress;
            options.UseChunking = false;
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);

            SmtpTransactionResult result = await session.SendAsync(Envelope(), content, CancellationToken.None);
            await session.QuitAsync(CancellationToken.None);

            Assert.True(result.Delivered);
            Assert.Equal(content.Size!.Value + 3, result.BytesSent);
            Assert.Equal(60_003, result.LinesSent);
            var stages = progress.Reports.Select(p => p.Stage).Distinct().ToArray();
            Assert.Equal(new[] { SmtpStage.Connect, SmtpStage.Greeting, SmtpStage.Ehlo, SmtpStage.StartTls,
                SmtpStage.MailFrom, SmtpStage.RcptTo, SmtpStage.Data, SmtpStage.Quit }, stages);
            var data = progress.Reports.Where(p => p.Stage == SmtpStage.Data && p.BytesSent > 0).ToArray();
            Assert.True(data.Length > 10, "DATA progress should arrive in many steps while streaming.");
            Assert.Equal(result.BytesSent, data[data.Length - 1].BytesSent);
            Assert.All(data, p => Assert.Equal(content.Size, p.BytesTotal));
            Assert.Contains(session.Transcript.Entries, e => e.Text == $"<message: 60003 lines, {result.BytesSent} bytes, ended by \".\">");
            byte[] stored = await _peers.WaitForMessageAsync(marker);
            int start = PeersFixture.IndexOf(stored, Encoding.UTF8.GetBytes(marker));
            Assert.Equal(content.Size.Value - 60_003, stored.Length - start);
        }

        private sealed class RecordingProgress : IProgress<SmtpProgress>
        {
            private readonly System.Collections.Generic.List<SmtpProgress> _reports =
                new System.Collections.Generic.List<SmtpProgress>();

            public SmtpProgress[] Reports
            {
                get { lock (_reports) return _reports.ToArray(); }
            }

            public void Report(SmtpProgress value)
            {
                lock (_reports) _reports.Add(value);
            }
        }

        /// <summary>A message produced line by line as it is written, never held whole; every line ends CRLF.</summary>
        private sealed class GeneratedContent : ISmtpMessageContent
        {
            private readonly string _marker;
            private readonly int _lines;

            internal GeneratedContent(string marker, int lines)
            {
                _marker = marker;
                _lines = lines;
                long size = Encoding.ASCII.GetByteCount(Header);
                for (int i = 0; i < lines; i++) size += Encoding.ASCII.GetByteCount(Line(i));
                Size = size;
            }

            private string Header => _marker + "\r\nSubject: big\r\n\r\n";

            private static string Line(int i) => $"{i:D6} " + new string((char)('a' + i % 26), 60) + "\r\n";

            public bool Has8BitContent => false;
            public bool NeedsSmtpUtf8 => false;
            public long? Size { get; }

            public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
            {
                byte[] header = Encoding.ASCII.GetBytes(Header);
                await destination.WriteAsync(header, 0, header.Length, cancellationToken);
                for (int i = 0; i < _lines; i++)
                {
                    byte[] line = Encoding.ASCII.GetBytes(Line(i));
                    await destination.WriteAsync(line, 0, line.Length, cancellationToken);
                }
            }

            public void WriteTo(Stream destination, CancellationToken cancellationToken) =>
                WriteToAsync(destination, cancellationToken).GetAwaiter().GetResult();
        }

        private static void AssertNoSecret(string text, string secret)
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), text);
        }

        /// <summary>Claims a size for MAIL FROM SIZE= that differs from its bytes, to trip the server's limit.</summary>
        private sealed class FixedSizeContent : ISmtpMessageContent
        {
            private readonly byte[] _bytes;

            internal FixedSizeContent(byte[] bytes, long size)
            {
                _bytes = bytes;
                Size = size;
            }

            public bool Has8BitContent => false;
            public bool NeedsSmtpUtf8 => false;
            public long? Size { get; }

            public Task WriteToAsync(Stream destination, CancellationToken cancellationToken) =>
                destination.WriteAsync(_bytes, 0, _bytes.Length, cancellationToken);

            public void WriteTo(Stream destination, CancellationToken cancellationToken) =>
                destination.Write(_bytes, 0, _bytes.Length);
        }
    }
}
