using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;
using SmtpTools.TestServer;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>
    /// The cmdlets' mode (BlockingIo: socket reads block the calling thread): a send, TLS, and the faults where a
    /// blocked read must still end — a stalled server (timeout), Ctrl+C (cancellation) and a dropped connection.
    /// </summary>
    public class SmtpSessionBlockingIoTests
    {
        private static ScriptedSmtpServer Replay(string name, bool tls = false) => SmtpSessionTests.Replay(name, tls);

        private static SmtpSessionOptions Options(ScriptedSmtpServer server, SmtpTlsMode tls = SmtpTlsMode.None) =>
            new SmtpSessionOptions(server.Host, server.Port)
            {
                Tls = tls,
                ClientName = "client.example.test",
                BlockingIo = true,
            };

        private static SmtpEnvelope Envelope() =>
            new SmtpEnvelope("a@example.test", new[] { new SmtpRecipient("b@example.test") });

        [Fact]
        public async Task SendAsync_BlockingIo_SendsTheMessageOnTheCallingThread()
        {
            using var server = Replay("helo-fallback");
            bool completedSynchronously = false;

            // Run on a thread of its own so that "the calling thread" is not a pool thread that happens to come back.
            SmtpTransactionResult result = await Task.Factory.StartNew(() =>
            {
                using SmtpSession session = SmtpSession.ConnectAsync(Options(server, SmtpTlsMode.Auto),
                    CancellationToken.None).GetAwaiter().GetResult();
                Task<SmtpTransactionResult> send = session.SendAsync(Envelope(),
                    ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("Subject: hi\n\n.dot\n")),
                    CancellationToken.None);
                // Nothing was awaited for real: the whole exchange finished before SendAsync returned.
                completedSynchronously = send.IsCompleted;
                session.QuitAsync(CancellationToken.None).GetAwaiter().GetResult();
                return send.GetAwaiter().GetResult();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await server.Completion.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(result.Delivered);
            Assert.True(completedSynchronously, "The send must not have waited on another thread.");
            Assert.Equal("Subject: hi\r\n\r\n..dot\r\n", Encoding.ASCII.GetString(server.Messages[0]));
        }

        [Fact]
        public async Task ConnectAsync_BlockingIoServerStalls_TimesOutAtEhlo()
        {
            using var server = Replay("stall-after-ehlo");
            var options = Options(server);
            options.Timeouts.Command = TimeSpan.FromMilliseconds(300);

            var ex = await Assert.ThrowsAsync<SmtpTimeoutException>(
                () => Task.Run(() => SmtpSession.ConnectAsync(options, CancellationToken.None)));

            Assert.Equal(SmtpStage.Ehlo, ex.Stage);
            Assert.Equal(TimeSpan.FromMilliseconds(300), ex.Timeout);
        }

        [Fact]
        public async Task ConnectAsync_BlockingIoCallerCancels_ThrowsOperationCanceledNotTimeout()
        {
            using var server = Replay("stall-after-ehlo");
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

            var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => Task.Run(() => SmtpSession.ConnectAsync(Options(server), cts.Token)));

            Assert.Equal(cts.Token, ex.CancellationToken);
        }

        [Fact]
        public async Task SendAsync_BlockingIoConnectionDroppedDuringData_ThrowsProtocolException()
        {
            using var server = Replay("drop-during-data");
            using var session = await Task.Run(() => SmtpSession.ConnectAsync(Options(server), CancellationToken.None));

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(() => Task.Run(() => session.SendAsync(Envelope(),
                ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n")),
                CancellationToken.None)));

            Assert.Equal(SmtpStage.Data, ex.Stage);
            Assert.True(ex.ConnectionClosed);
        }

        [Fact]
        public async Task ConnectAsync_BlockingIoStartTls_HandshakesAndRecordsCertificate()
        {
            using var server = Replay("starttls-untrusted", tls: true);
            var options = Options(server, SmtpTlsMode.StartTls);
            options.SkipCertificateCheck = true;

            using var session = await Task.Run(() => SmtpSession.ConnectAsync(options, CancellationToken.None));
            await Task.Run(() => session.QuitAsync(CancellationToken.None));

            Assert.True(session.IsEncrypted);
            Assert.Equal(SmtpSessionTests.Certificate.Value.Thumbprint, session.Tls!.Thumbprint);
        }
    }
}
