using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Codes;
using SmtpTools.Core.Smtp;
using SmtpTools.TestServer;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>The interactive session's faults, played by the scripted server (happy paths run against Postfix).</summary>
    public class SmtpConnectionTests
    {
        private const string Opening = "S: 220 x.example.test ESMTP\nC: EHLO *\nS: 250 x.example.test\n";

        private static async Task<SmtpConnection> OpenAsync(ScriptedSmtpServer server) =>
            await SmtpConnection.OpenAsync(
                new SmtpSessionOptions(server.Host, server.Port)
                {
                    Tls = SmtpTlsMode.None,
                    ClientName = "client.example.test",
                    Timeouts = SmtpTimeouts.All(TimeSpan.FromSeconds(10)),
                },
                null, null, CancellationToken.None);

        private static Task<SmtpCommandResult> InvokeAsync(SmtpConnection connection, string command,
            string? data = null) =>
            connection.InvokeAsync(command,
                data == null ? null : ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes(data)), null,
                ReplyLanguage.English, CancellationToken.None);

        [Fact]
        public async Task InvokeAsync_OutOfSequence_ReturnsTheRefusalAsAReply()
        {
            using var server = ScriptedSmtpServer.Start(Opening +
                "C: RCPT TO:<b@example.test>\nS: 503 5.5.1 Error: need MAIL command\nC: QUIT\nS: 221 2.0.0 Bye\n");
            using SmtpConnection connection = await OpenAsync(server);

            SmtpCommandResult result = await InvokeAsync(connection, "RCPT TO:<b@example.test>");
            SmtpCommandResult quit = await InvokeAsync(connection, "quit");

            Assert.Equal(503, result.Code);
            Assert.Equal(503, result.Explanation?.Code);
            Assert.True(result.SessionOpen);
            Assert.Equal(221, quit.Code);
            Assert.False(connection.IsOpen);
        }

        [Fact]
        public async Task InvokeAsync_Reply421_ClosesTheSession()
        {
            using var server = ScriptedSmtpServer.Start(Opening + "C: NOOP\nS: 421 4.3.2 Shutting down\nCLOSE\n");
            using SmtpConnection connection = await OpenAsync(server);

            SmtpCommandResult result = await InvokeAsync(connection, "NOOP");

            Assert.Equal(421, result.Code);
            Assert.False(result.SessionOpen);
            Assert.False(connection.IsOpen);
            Assert.Contains("421", connection.CloseReason);
            await Assert.ThrowsAsync<InvalidOperationException>(() => InvokeAsync(connection, "NOOP"));
        }

        [Fact]
        public async Task InvokeAsync_ConnectionDropped_ThrowsAndCloses()
        {
            using var server = ScriptedSmtpServer.Start(Opening + "C: NOOP\nCLOSE\n");
            using SmtpConnection connection = await OpenAsync(server);

            SmtpProtocolException ex = await Assert.ThrowsAsync<SmtpProtocolException>(
                () => InvokeAsync(connection, "NOOP"));

            Assert.True(ex.ConnectionClosed);
            Assert.False(connection.IsOpen);
        }

        [Fact]
        public async Task InvokeAsync_DataWithBody_SendsItDotStuffedAfter354()
        {
            using var server = ScriptedSmtpServer.Start(Opening +
                "C: DATA\nS: 354 Go ahead\nC-DATA\nS: 250 2.0.0 Ok: queued as 42\nC: QUIT\nS: 221 Bye\n");
            using SmtpConnection connection = await OpenAsync(server);

            SmtpCommandResult result = await InvokeAsync(connection, "DATA", "Subject: x\n\n.dot\n");
            await connection.CloseAsync("test", CancellationToken.None);
            await server.Completion.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(354, result.IntermediateReply?.Code);
            Assert.Equal(250, result.Code);
            Assert.Contains("\r\n..dot\r\n", Encoding.ASCII.GetString(Assert.Single(server.Messages)));
        }

        [Theory]
        [InlineData("DATA")]
        [InlineData("BDAT 10 LAST")]
        [InlineData("NOOP\r\nQUIT")]
        [InlineData("  ")]
        public async Task InvokeAsync_CommandThatCannotBeTyped_IsRefusedBeforeSending(string command)
        {
            using var server = ScriptedSmtpServer.Start(Opening + "C: QUIT\nS: 221 Bye\n");
            using SmtpConnection connection = await OpenAsync(server);
            int entries = connection.Transcript.Entries.Count;

            await Assert.ThrowsAsync<ArgumentException>(() => InvokeAsync(connection, command));

            Assert.Equal(entries, connection.Transcript.Entries.Count);
            Assert.True(connection.IsOpen);
        }
    }
}
