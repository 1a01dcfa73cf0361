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
    /// Many messages on one connection to the real Postfix: the session's transcript keeps the handshake and the
    /// current transaction, not every message since connecting, so a long pipeline runs in flat memory.
    /// </summary>
    [Collection("Peers")]
    public class SmtpSessionLoadTests
    {
        private readonly PeersFixture _peers;

        public SmtpSessionLoadTests(PeersFixture peers) => _peers = peers;

        private static SmtpEnvelope Envelope() =>
            new SmtpEnvelope("load@example.test", new[] { new SmtpRecipient("b@example.test") });

        private static ISmtpMessageContent Message(string marker) =>
            ByteArrayMessageContent.FromBytes(Encoding.ASCII.GetBytes(
                $"From: load@example.test\r\nTo: b@example.test\r\nSubject: {marker}\r\n\r\n{marker}\r\n"));

        [Fact]
        public async Task SendAsync_ManyMessagesOnOneConnection_TranscriptStaysBounded()
        {
            int count = FuzzCorpus.Long ? 2000 : 200;
            string run = "tb" + Guid.NewGuid().ToString("N").Substring(0, 10);
            var options = new SmtpSessionOptions(_peers.Host, _peers.SmtpPort)
            {
                Tls = SmtpTlsMode.StartTls,
                CertificateValidation = _peers.TrustPeerCertificate,
                ClientName = "client.example.test",
            };
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);
            int handshake = session.Transcript.Count;

            int afterSecond = 0;
            for (int i = 0; i < count; i++)
            {
                SmtpTransactionResult result = await session.SendAsync(Envelope(), Message($"{run}-{i}"),
                    CancellationToken.None);
                Assert.True(result.Delivered, result.DataReply?.ToString());
                if (i == 1) afterSecond = session.Transcript.Count;
            }
            SmtpTranscriptEntry[] entries = session.Transcript.Entries.ToArray();
            await session.QuitAsync(CancellationToken.None);

            Assert.Equal(afterSecond, entries.Length);
            // The handshake is still there, the last message is complete, earlier ones are one note.
            Assert.Contains(entries.Take(handshake), e => e.Text.StartsWith("EHLO ", StringComparison.Ordinal));
            Assert.Single(entries, e => e.Text.StartsWith("MAIL FROM:", StringComparison.Ordinal));
            Assert.Contains(entries, e => e.Direction == SmtpTranscriptDirection.Info &&
                                          e.Text.Contains("lines of earlier messages"));
            await _peers.WaitForMessageAsync($"{run}-{count - 1}");
        }

        [Fact]
        public async Task SendAsync_FailureAfterManyMessages_ExceptionKeepsItsOwnTranscript()
        {
            using var server = ScriptedSmtpServer.Start(
                "S: 220 t.example.test ESMTP\nC: EHLO *\nS: 250 t.example.test\n" +
                string.Concat(Enumerable.Repeat("C: MAIL FROM:*\nS: 250 Ok\nC: RCPT TO:*\nS: 250 Ok\nC: DATA\n" +
                                                "S: 354 Go\nC-DATA\nS: 250 Ok\n", 3)) +
                "C: MAIL FROM:*\nS: 550 5.7.1 No more\nC: MAIL FROM:*\nS: 250 Ok\nC: RCPT TO:*\nS: 250 Ok\nC: DATA\n" +
                "S: 354 Go\nC-DATA\nS: 250 Ok\n");
            var options = new SmtpSessionOptions(server.Host, server.Port) { Tls = SmtpTlsMode.None };
            using var session = await SmtpSession.ConnectAsync(options, CancellationToken.None);
            for (int i = 0; i < 3; i++) await session.SendAsync(Envelope(), Message("m" + i), CancellationToken.None);

            var ex = await Assert.ThrowsAsync<SmtpCommandException>(
                () => session.SendAsync(Envelope(), Message("refused"), CancellationToken.None));
            await session.SendAsync(Envelope(), Message("after"), CancellationToken.None);

            // The exception's transcript is a snapshot: the next message's compaction does not empty it.
            string text = ex.Transcript!.ToString();
            Assert.Contains("220 t.example.test ESMTP", text);
            Assert.Contains("550 5.7.1 No more", text);
        }
    }
}
