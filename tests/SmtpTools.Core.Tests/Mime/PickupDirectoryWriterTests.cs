using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MimeKit;
using SmtpTools.Core.Mime;
using Xunit;
using static SmtpTools.Core.Tests.Mime.MimeTestHelpers;

namespace SmtpTools.Core.Tests.Mime
{
    public class PickupDirectoryWriterTests
    {
        [Fact]
        public async Task WriteAsync_TwoMessages_TwoLoadableEmlFilesWithUniqueNames()
        {
            using var folder = new TempFolder();
            MessageSpec spec = Spec();
            spec.Bcc.Add("hidden@example.test");
            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);

            string first = await PickupDirectoryWriter.WriteAsync(content, folder.Path, CancellationToken.None);
            string second = await PickupDirectoryWriter.WriteAsync(content, folder.Path, CancellationToken.None);

            Assert.NotEqual(first, second);
            Assert.Equal(new[] { first, second }.OrderBy(p => p),
                Directory.GetFiles(folder.Path).OrderBy(p => p));
            foreach (string path in new[] { first, second })
            {
                Assert.EndsWith(".eml", path);
                MimeMessage loaded = MimeMessage.Load(path);
                Assert.Equal("Test", loaded.Subject);
                Assert.Equal(content.MessageId, loaded.MessageId);
                Assert.Equal("sender@example.test", loaded.Headers["X-Sender"]);
                Assert.Equal(new[] { "rcpt@example.test", "hidden@example.test" },
                    loaded.Headers.Where(h => h.Field == "X-Receiver").Select(h => h.Value.Trim()));
                Assert.Empty(loaded.Bcc);
            }
        }

        [Fact]
        public async Task WriteAsync_Cancelled_LeavesNoFileBehind()
        {
            using var folder = new TempFolder();
            using MimeMessageContent content = await MessageComposer.ComposeAsync(Spec(), CancellationToken.None);
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();

            await Assert.ThrowsAnyAsync<System.OperationCanceledException>(
                () => PickupDirectoryWriter.WriteAsync(content, folder.Path, cancelled.Token));

            Assert.Empty(Directory.GetFiles(folder.Path));
        }

        [Fact]
        public async Task WriteAsync_MissingFolder_ErrorNamesFolder()
        {
            using var folder = new TempFolder();
            string missing = Path.Combine(folder.Path, "pickup");
            using MimeMessageContent content = await MessageComposer.ComposeAsync(Spec(), CancellationToken.None);

            var error = await Assert.ThrowsAsync<SmtpMessageException>(
                () => PickupDirectoryWriter.WriteAsync(content, missing, CancellationToken.None));

            Assert.Equal(SmtpMessageError.PickupDirectoryNotFound, error.Error);
            Assert.Contains(missing, error.Message);
        }
    }
}
