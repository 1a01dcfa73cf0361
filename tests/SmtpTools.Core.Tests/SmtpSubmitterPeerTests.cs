using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Mime;
using SmtpTools.Core.Smtp;
using SmtpTools.Core.Tests.Dns;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>Direct delivery against the NSD peer's zone, with every exchanger down.</summary>
    [Collection(DnsPeerCollection.Name)]
    public class SmtpSubmitterPeerTests
    {
        private readonly DnsPeerFixture _peer;

        public SmtpSubmitterPeerTests(DnsPeerFixture peer) => _peer = peer;

        private async Task<SmtpSubmitOutcome> SendDirectAsync(string domain, int port)
        {
            var options = new SmtpSubmitOptions
            {
                Port = port,
                Tls = SmtpTlsMode.None,
                ClientName = "client.example.test",
                Timeout = TimeSpan.FromSeconds(2),
                Dns = _peer.Options(),
            };
            using MimeMessageContent content = await MessageComposer.ComposeAsync(new MessageSpec
            {
                From = "a@example.test",
                To = new List<string> { "someone@" + domain },
                Subject = "direct",
                Body = "Hello.",
            }, CancellationToken.None);
            using var submitter = new SmtpSubmitter(options);
            IReadOnlyList<SmtpSubmitOutcome> outcomes = await submitter.SendDirectAsync(content, CancellationToken.None)
                .WaitAsync(TimeSpan.FromSeconds(120));
            return Assert.Single(outcomes);
        }

        [Fact]
        public async Task SendDirectAsync_EveryExchangerDown_OneErrorListingEachHostAndWhy()
        {
            int port = SmtpSubmitterTests.UnusedPort();

            SmtpSubmitOutcome outcome = await SendDirectAsync("pref.mx.test", port);

            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            var ex = Assert.IsType<SmtpConnectException>(outcome.Failure);
            Assert.Equal("pref.mx.test", ex.Host);
            foreach (string host in new[] { "a.pref.mx.test (127.0.0.11:", "b1.pref.mx.test (127.0.0.12:",
                         "b2.pref.mx.test (127.0.0.13:", "c.pref.mx.test (127.0.0.14:" })
            {
                Assert.Contains(host, ex.Message);
            }
            Assert.Contains("tried 4", ex.Message);
            Assert.Contains("connection refused", ex.Message);
            Assert.Equal(ex.Message, outcome.Result.Error);
        }

        [Fact]
        public async Task SendDirectAsync_ExchangersWithoutAddressAndOneDown_ListsTheSkippedHostsToo()
        {
            int port = SmtpSubmitterTests.UnusedPort();

            SmtpSubmitOutcome outcome = await SendDirectAsync("noaddr.mx.test", port);

            Assert.Equal(SmtpSendStatus.Deferred, outcome.Result.Status);
            var ex = Assert.IsType<SmtpConnectException>(outcome.Failure);
            Assert.Contains("ghost.noaddr.mx.test: no address", ex.Message);
            Assert.Contains("empty.noaddr.mx.test: no address", ex.Message);
            Assert.Contains("ok.noaddr.mx.test (127.0.0.41:", ex.Message);
            Assert.Contains("tried 3", ex.Message);
        }
    }
}
