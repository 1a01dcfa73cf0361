using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Mime;
using Xunit;
using static SmtpTools.Core.Tests.Mime.MimeTestHelpers;

namespace SmtpTools.Core.Tests.Mime
{
    [CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
    public sealed class MemoryMeasurement
    {
    }

    /// <summary>Allocation counts are process-wide, so this class runs alone.</summary>
    [Collection(nameof(MemoryMeasurement))]
    public class MimeMessageContentTests
    {
        private const long AttachmentSize = 64L * 1024 * 1024;

        [Fact]
        public async Task WriteToAsync_LargeAttachment_StreamsWithoutBufferingTheFile()
        {
            using var folder = new TempFolder();
            string path = Path.Combine(folder.Path, "big.bin");
            using (var file = new FileStream(path, FileMode.CreateNew))
            {
                // Sparse where the file system allows it: 64 MiB of zeros with almost no disk use.
                file.SetLength(AttachmentSize);
                file.Position = AttachmentSize - 4;
                file.Write(new byte[] { 1, 2, 3, 4 }, 0, 4);
            }

            MessageSpec spec = Spec();
            spec.Attachments.Add(path);
            var sink = new CountingStream();

            // Composing is inside the window too: a copy made while building would count as much as one made
            // while writing.
            long before = GC.GetTotalAllocatedBytes(true);
            using MimeMessageContent content = await MessageComposer.ComposeAsync(spec, CancellationToken.None);
            await content.WriteToAsync(sink, CancellationToken.None);
            long allocated = GC.GetTotalAllocatedBytes(true) - before;

            Assert.Equal(sink.Length, content.Size);

            // Base64 makes 4 bytes of every 3 plus line breaks: all of it passed through the sink.
            Assert.True(sink.Length > AttachmentSize * 4 / 3, $"only {sink.Length} bytes were written");
            // A buffered copy of the file alone would allocate 64 MiB; streaming needs a few buffers.
            Assert.True(allocated < AttachmentSize / 8, $"{allocated} bytes were allocated while writing");
        }

        [Fact]
        public async Task LoadAsync_LargeEml_PartsStayInTheFile()
        {
            using var folder = new TempFolder();
            string path = Path.Combine(folder.Path, "big.eml");
            const int lines = 400_000; // 400,000 lines of 76 base64 characters: about 31 MB
            using (var file = new StreamWriter(path))
            {
                file.Write("From: a@example.test\r\nTo: b@example.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
                    "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n");
                string line = new string('A', 76) + "\r\n";
                for (int i = 0; i < lines; i++) file.Write(line);
            }

            long fileSize = new FileInfo(path).Length;
            var sink = new CountingStream();

            long before = GC.GetTotalAllocatedBytes(true);
            using MimeMessageContent content = await MessageComposer.LoadAsync(path, null, null,
                System.Net.Mail.DeliveryNotificationOptions.None, CancellationToken.None);
            await content.WriteToAsync(sink, CancellationToken.None);
            long allocated = GC.GetTotalAllocatedBytes(true) - before;

            Assert.Equal(sink.Length, content.Size);
            Assert.True(sink.Length >= fileSize - 100, $"only {sink.Length} of {fileSize} bytes were written");
            // Parsed with persistent streams: a copy of the body would allocate at least the file size.
            Assert.True(allocated < fileSize / 8, $"{allocated} bytes were allocated for a {fileSize}-byte file");
        }
    }
}
