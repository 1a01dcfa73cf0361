using System;
using System.Collections.Concurrent;
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
    /// <summary>Several connections at once: against Postfix for delivery, the scripted server for a stall.</summary>
    [Collection("Peers")]
    public class SmtpDeliveryEngineTests
    {
        private readonly PeersFixture _peers;

        public SmtpDeliveryEngineTests(PeersFixture peers) => _peers = peers;

        private SmtpSubmitOptions Options(string host, int port) => new SmtpSubmitOptions
        {
            Server = host,
            Port = port,
            Tls = SmtpTlsMode.None,
            ClientName = "client.example.test",
            Timeout = TimeSpan.FromSeconds(30),
            BlockingIo = true,
        };

        private static Task<MimeMessageContent> ComposeAsync(string subject) =>
            MessageComposer.ComposeAsync(new MessageSpec
            {
                From = "a@example.test",
                To = new List<string> { "b@example.test" },
                Subject = subject,
                Body = "Hello from several connections.",
            }, CancellationToken.None);

        [Fact]
        public async Task Enqueue_ThreeWorkers_DeliversEveryMessageOnceOverAtMostThreeConnections()
        {
            string marker = Guid.NewGuid().ToString("N");
            var outcomes = new ConcurrentBag<SmtpSubmitOutcome>();
            var errors = new ConcurrentBag<Exception>();
            using (var workers = new SmtpDeliveryEngine(Options(_peers.Host, _peers.SmtpPort), 3, CancellationToken.None))
            {
                for (int i = 0; i < 12; i++)
                {
                    workers.Enqueue(await ComposeAsync($"{marker} message {i}"), i, report =>
                    {
                        foreach (SmtpSubmitOutcome outcome in report.Outcomes) outcomes.Add(outcome);
                        if (report.Error != null) errors.Add(report.Error);
                    });
                }
                workers.Complete();
                workers.Join();
            }

            Assert.Empty(errors);
            Assert.Equal(12, outcomes.Count);
            Assert.All(outcomes, o => Assert.Equal(SmtpSendStatus.Sent, o.Result.Status));
            int connections = outcomes.Select(o => o.Result.SessionId).Distinct().Count();
            Assert.InRange(connections, 1, 3);
            for (int i = 0; i < 12; i++) await _peers.WaitForMessageAsync($"{marker} message {i}");
        }

        [Fact]
        public async Task Dispose_WhileAServerStalls_CancelsTheSendAndReportsIt()
        {
            using ScriptedSmtpServer server = SmtpSessionTests.Replay("stall-after-ehlo");
            var reported = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var workers = new SmtpDeliveryEngine(Options(server.Host, server.Port), 1, CancellationToken.None);
            workers.Enqueue(await ComposeAsync("stalled"), null, report => reported.TrySetResult(report.Error));
            await Task.Delay(300);

            Task dispose = Task.Run(workers.Dispose);
            await dispose.WaitAsync(TimeSpan.FromSeconds(10));

            Exception? error = await reported.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.IsAssignableFrom<OperationCanceledException>(error);
        }
    }
}
