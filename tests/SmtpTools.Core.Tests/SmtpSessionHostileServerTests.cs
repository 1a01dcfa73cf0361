using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
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
    /// Servers that flood, speak out of turn or send garbage: the session ends with a protocol error, having read
    /// a bounded amount, and a message is never reported sent on a reply that was not the answer to its data.
    /// </summary>
    public class SmtpSessionHostileServerTests
    {
        private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

        /// <summary>A one-connection server that writes until the client goes away; returns what it wrote.</summary>
        private sealed class FloodServer : IDisposable
        {
            private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);

            internal FloodServer(byte[] head, bool waitForCommand, byte[] pattern, long maxBytes)
            {
                _listener.Start();
                Written = Task.Run(async () =>
                {
                    using TcpClient client = await _listener.AcceptTcpClientAsync();
                    NetworkStream stream = client.GetStream();
                    long written = 0;
                    try
                    {
                        await stream.WriteAsync(head);
                        written += head.Length;
                        if (waitForCommand)
                        {
                            var one = new byte[1];
                            while (await stream.ReadAsync(one) == 1 && one[0] != '\n')
                            {
                            }
                        }
                        var block = new byte[64 * 1024 / pattern.Length * pattern.Length];
                        for (int i = 0; i < block.Length; i++) block[i] = pattern[i % pattern.Length];
                        while (written < maxBytes)
                        {
                            await stream.WriteAsync(block);
                            written += block.Length;
                        }
                    }
                    catch (IOException)
                    {
                        // The client closed the connection: what we want.
                    }
                    return written;
                });
            }

            internal int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

            internal Task<long> Written { get; }

            public void Dispose() => _listener.Stop();
        }

        private static SmtpSessionOptions Options(int port) =>
            new SmtpSessionOptions("127.0.0.1", port)
            {
                Tls = SmtpTlsMode.None,
                ClientName = "client.example.test",
                Timeouts = SmtpTimeouts.All(TimeSpan.FromSeconds(30)),
            };

        [Fact]
        public async Task ConnectAsync_EndlessGreetingLine_ProtocolErrorAndStopsReading()
        {
            const long max = 256L * 1024 * 1024;
            using var server = new FloodServer(Encoding.ASCII.GetBytes("220-"), false, Encoding.ASCII.GetBytes("a"),
                max);

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(
                () => SmtpSession.ConnectAsync(Options(server.Port), CancellationToken.None).WaitAsync(Guard));
            long written = await server.Written.WaitAsync(Guard);

            Assert.Equal(SmtpStage.Greeting, ex.Stage);
            Assert.Contains("reply line longer than", ex.Message);
            Assert.True(written < max, "the client kept reading the endless line");
        }

        [Fact]
        public async Task ConnectAsync_MillionContinuationLinesToEhlo_ProtocolErrorAndStopsReading()
        {
            byte[] line = Encoding.ASCII.GetBytes("250-x\r\n");
            long max = line.Length * 1_000_000L;
            using var server = new FloodServer(Encoding.ASCII.GetBytes("220 flood.example.test\r\n"), true, line, max);

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(
                () => SmtpSession.ConnectAsync(Options(server.Port), CancellationToken.None).WaitAsync(Guard));
            long written = await server.Written.WaitAsync(Guard);

            Assert.Equal(SmtpStage.Ehlo, ex.Stage);
            Assert.Contains("reply longer than", ex.Message);
            Assert.True(written < max, "the client read all million lines");
        }

        [Fact]
        public async Task ConnectAsync_GarbageGreeting_ProtocolErrorNamingTheServer()
        {
            using var server = ScriptedSmtpServer.Start("S-RAW: \\x00\\xff\\xfe\\x80garbage\\r\\n\nSTALL\n");

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(
                () => SmtpSession.ConnectAsync(Options(server.Port), CancellationToken.None).WaitAsync(Guard));

            Assert.Equal(SmtpStage.Greeting, ex.Stage);
            Assert.Contains($"127.0.0.1:{server.Port}", ex.Message);
        }

        [Theory]
        // A stray 250 queued after the 354: read later, it would pass for the answer to the data.
        [InlineData("S: 250 2.1.0 Ok\nS: 250 2.1.5 Ok\nS: 354 Go ahead\nS: 250 2.0.0 Ok: queued as FAKE\n")]
        // One reply too many before the 354: every later reply would answer the wrong command.
        [InlineData("S: 250 2.1.0 Ok\nS: 250 2.1.0 Ok\nS: 250 2.1.5 Ok\nS: 354 Go ahead\n")]
        public async Task SendAsync_RepliesOutOfTurnWhilePipelining_ProtocolErrorNeverSent(string replies)
        {
            using var server = ScriptedSmtpServer.Start(
                "S: 220 fault.example.test ESMTP\nC: EHLO *\nS: 250-fault.example.test\nS: 250 PIPELINING\n" +
                "C: MAIL FROM:*\nC: RCPT TO:*\nC: DATA\n" + replies +
                "C-DATA\nS: 250 2.0.0 Ok: queued as REAL\nC: QUIT\nS: 221 Bye\n");
            using MimeMessageContent content = await SmtpSubmitterTests.MessageAsync();
            using var submitter = new SmtpSubmitter(SmtpSubmitterTests.Options(server));

            SmtpSubmitOutcome outcome = await submitter.SendAsync(content, CancellationToken.None).WaitAsync(Guard);

            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            var ex = Assert.IsType<SmtpProtocolException>(outcome.Failure);
            Assert.Contains("out of turn", ex.Message);
            Assert.Empty(server.Messages);
        }

        [Fact]
        public async Task ConnectAsync_ReplyBeforeEhlo_ProtocolError()
        {
            using var server = ScriptedSmtpServer.Start(
                "S: 220 fault.example.test ESMTP\nS: 250 unsolicited\nC: EHLO *\nS: 250 fault.example.test\n");

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(
                () => SmtpSession.ConnectAsync(Options(server.Port), CancellationToken.None).WaitAsync(Guard));

            Assert.Equal(SmtpStage.Ehlo, ex.Stage);
            Assert.Contains("out of turn", ex.Message);
        }
    }
}
