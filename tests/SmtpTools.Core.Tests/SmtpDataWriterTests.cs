using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;
using Xunit;

namespace SmtpTools.Core.Tests
{
    public class SmtpDataWriterTests
    {
        private static async Task<string> EncodeAsync(string input, bool dotStuff = true, int bufferSize = 16 * 1024,
            int writeSize = int.MaxValue)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(input);
            var output = new MemoryStream();
            var writer = new SmtpDataWriter(output, dotStuff, bufferSize);
            for (int i = 0; i < bytes.Length; i += Math.Min(writeSize, bytes.Length))
            {
                await writer.WriteAsync(bytes, i, Math.Min(writeSize, bytes.Length - i), CancellationToken.None);
            }
            await writer.CompleteAsync(CancellationToken.None);
            return Encoding.UTF8.GetString(output.ToArray());
        }

        [Theory]
        [InlineData("a\r\nb\r\n", "a\r\nb\r\n.\r\n")]
        [InlineData("a\nb", "a\r\nb\r\n.\r\n")]
        [InlineData("a\rb\r", "a\r\nb\r\n.\r\n")]
        [InlineData("a\r\rb", "a\r\n\r\nb\r\n.\r\n")]
        [InlineData("a\n\rb", "a\r\n\r\nb\r\n.\r\n")]
        [InlineData("", ".\r\n")]
        public async Task CompleteAsync_LineEndings_BecomeCrLf(string input, string expected)
        {
            Assert.Equal(expected, await EncodeAsync(input));
        }

        [Theory]
        [InlineData(".\r\n", "..\r\n.\r\n")]
        [InlineData("a\r\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n")]
        [InlineData("a\n.\nb", "a\r\n..\r\nb\r\n.\r\n")]
        [InlineData("a\n.\r\nQUIT\r\n", "a\r\n..\r\nQUIT\r\n.\r\n")]
        [InlineData("..x", "...x\r\n.\r\n")]
        [InlineData("a.b\r\n", "a.b\r\n.\r\n")]
        public async Task WriteAsync_LineStartingWithDot_IsStuffed(string input, string expected)
        {
            Assert.Equal(expected, await EncodeAsync(input));
        }

        [Fact]
        public async Task WriteAsync_SmugglingSequences_CannotEndDataEarly()
        {
            // The SMTP smuggling payloads of 2023: <LF>.<LF>, <LF>.<CR><LF>, <CR>.<CR> and friends.
            string encoded = await EncodeAsync("x\n.\nMAIL FROM:<a@b>\r\nx\r.\rRCPT\r\nx\r\n.\rDATA\r\n");

            Assert.Equal(
                "x\r\n..\r\nMAIL FROM:<a@b>\r\nx\r\n..\r\nRCPT\r\nx\r\n..\r\nDATA\r\n.\r\n", encoded);
        }

        [Fact]
        public async Task CompleteAsync_WithoutDotStuffing_OnlyNormalisesLineEndings()
        {
            Assert.Equal("a\r\n.\r\nb\r\n", await EncodeAsync("a\n.\nb", dotStuff: false));
        }

        [Fact]
        public async Task Lines_AfterComplete_CountsLinesAndBytes()
        {
            var output = new MemoryStream();
            var writer = new SmtpDataWriter(output);
            byte[] bytes = Encoding.ASCII.GetBytes("one\ntwo\n.three");
            await writer.WriteAsync(bytes, 0, bytes.Length, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);

            Assert.Equal(3, writer.Lines);
            Assert.Equal(output.Length, writer.BytesWritten);
        }

        [Fact]
        public async Task WriteAsync_LargeMessage_FlushesThroughSmallBuffer()
        {
            var output = new CountingStream();
            var writer = new SmtpDataWriter(output, bufferSize: 64);
            byte[] line = Encoding.ASCII.GetBytes(new string('x', 998) + "\n");
            for (int i = 0; i < 1000; i++) await writer.WriteAsync(line, 0, line.Length, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);

            Assert.Equal(1000 * 1000 + 3, output.Total);
            Assert.True(output.LargestWrite <= 64, "The writer must never hand more than its buffer to the stream.");
        }

        [Fact]
        public async Task CompleteAsync_SmallMessage_SendsDataAndTerminatorInOneWrite()
        {
            // One packet for a small message: a separate "." write costs a syscall and a segment per message.
            var output = new CountingStream();
            var writer = new SmtpDataWriter(output);
            byte[] bytes = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody without final line break");
            await writer.WriteAsync(bytes, 0, bytes.Length, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);

            Assert.Equal(1, output.Writes);
            Assert.Equal(bytes.Length + 2 + 3, output.Total);
        }

        [Theory]
        [InlineData(60)]
        [InlineData(61)]
        [InlineData(62)]
        [InlineData(63)]
        public async Task CompleteAsync_BufferNearlyFull_StillEndsWithCrLfDotCrLf(int length)
        {
            var output = new MemoryStream();
            var writer = new SmtpDataWriter(output, bufferSize: 64);
            byte[] bytes = Encoding.ASCII.GetBytes(new string('x', length - 1) + "\r");
            await writer.WriteAsync(bytes, 0, bytes.Length, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);

            Assert.Equal(new string('x', length - 1) + "\r\n.\r\n", Encoding.ASCII.GetString(output.ToArray()));
        }

        [Fact]
        public async Task Constructor_LentBuffer_IsUsedAgainForTheNextMessage()
        {
            byte[] buffer = new byte[64];
            foreach (string text in new[] { "first\n", "second message\n" })
            {
                var output = new MemoryStream();
                var writer = new SmtpDataWriter(output, buffer: buffer);
                byte[] bytes = Encoding.ASCII.GetBytes(text);
                await writer.WriteAsync(bytes, 0, bytes.Length, CancellationToken.None);
                await writer.CompleteAsync(CancellationToken.None);
                Assert.Equal(text.Replace("\n", "\r\n") + ".\r\n", Encoding.ASCII.GetString(output.ToArray()));
            }
            Assert.Equal((byte)'\n', buffer[Encoding.ASCII.GetByteCount("second message\r\n.\r") ]);
        }

        [Fact]
        public async Task WriteAsync_RandomInput_NeverBareCrLfNorEarlyDotLine()
        {
            var random = new Random(20231218);
            byte[] alphabet = { (byte)'\r', (byte)'\n', (byte)'.', (byte)'a', (byte)' ', 0xC3, 0xA9, 0 };
            for (int run = 0; run < 2000; run++)
            {
                byte[] input = new byte[random.Next(0, 64)];
                for (int i = 0; i < input.Length; i++) input[i] = alphabet[random.Next(alphabet.Length)];
                var output = new MemoryStream();
                var writer = new SmtpDataWriter(output, true, 16 + random.Next(32));
                int pos = 0;
                while (pos < input.Length)
                {
                    int n = 1 + random.Next(input.Length - pos);
                    if (random.Next(2) == 0) writer.Write(input, pos, n);
                    else await writer.WriteAsync(input, pos, n, CancellationToken.None);
                    pos += n;
                }
                await writer.CompleteAsync(CancellationToken.None);

                byte[] result = output.ToArray();
                AssertCanonicalData(result, input);
                Assert.Equal(Unstuff(result), Normalise(input));
            }
        }

        [Fact]
        public async Task BdatChunkStream_Chunks_AddUpToNormalisedMessage()
        {
            var chunks = new List<(int Count, bool Last)>();
            var received = new MemoryStream();
            var chunker = new BdatChunkStream((chunk, count, last, ct) =>
            {
                chunks.Add((count, last));
                received.Write(chunk, 0, count);
                return Task.CompletedTask;
            }, chunkSize: 10);
            var writer = new SmtpDataWriter(chunker, dotStuff: false, bufferSize: 16);
            byte[] input = Encoding.ASCII.GetBytes("line one\n.line two\nend");
            await writer.WriteAsync(input, 0, input.Length, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
            await chunker.CompleteAsync(CancellationToken.None);

            Assert.Equal("line one\r\n.line two\r\nend\r\n", Encoding.ASCII.GetString(received.ToArray()));
            Assert.All(chunks.GetRange(0, chunks.Count - 1), c => Assert.Equal((10, false), c));
            Assert.True(chunks[chunks.Count - 1].Last);
            Assert.InRange(chunks[chunks.Count - 1].Count, 1, 10);
        }

        [Fact]
        public async Task BdatChunkStream_EmptyMessage_SendsZeroLast()
        {
            var chunks = new List<(int Count, bool Last)>();
            var chunker = new BdatChunkStream((chunk, count, last, ct) =>
            {
                chunks.Add((count, last));
                return Task.CompletedTask;
            }, chunkSize: 10);

            await chunker.CompleteAsync(CancellationToken.None);

            Assert.Equal(new[] { (0, true) }, chunks);
        }

        // Checks RFC 5321 §2.3.8 and §4.1.1.4: CR and LF only as CRLF, the only "." line is the last one.
        private static void AssertCanonicalData(byte[] data, byte[] input)
        {
            for (int i = 0; i < data.Length; i++)
            {
                if (data[i] == '\r') Assert.True(i + 1 < data.Length && data[i + 1] == '\n', $"bare CR at {i} for input {Show(input)}");
                if (data[i] == '\n') Assert.True(i > 0 && data[i - 1] == '\r', $"bare LF at {i} for input {Show(input)}");
            }
            string text = Encoding.Latin1.GetString(data);
            Assert.EndsWith("\r\n.\r\n", "\r\n" + text, StringComparison.Ordinal);
            string body = text.Substring(0, text.Length - 3);
            Assert.DoesNotContain("\r\n.\r\n", "\r\n" + body, StringComparison.Ordinal);
        }

        private static byte[] Unstuff(byte[] data)
        {
            string text = Encoding.Latin1.GetString(data, 0, data.Length - 3);
            var sb = new StringBuilder();
            foreach (string line in text.Split("\r\n"))
            {
                sb.Append(line.StartsWith(".", StringComparison.Ordinal) ? line.Substring(1) : line).Append("\r\n");
            }
            string result = sb.ToString();
            return Encoding.Latin1.GetBytes(result.Substring(0, result.Length - 2));
        }

        private static byte[] Normalise(byte[] input)
        {
            string text = Encoding.Latin1.GetString(input).Replace("\r\n", "\n").Replace('\r', '\n').Replace("\n", "\r\n");
            if (text.Length > 0 && !text.EndsWith("\r\n", StringComparison.Ordinal)) text += "\r\n";
            return Encoding.Latin1.GetBytes(text);
        }

        private static string Show(byte[] input) => Encoding.Latin1.GetString(input).Replace("\r", "\\r").Replace("\n", "\\n");

        private sealed class CountingStream : Stream
        {
            public long Total { get; private set; }
            public int LargestWrite { get; private set; }
            public int Writes { get; private set; }
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => Total;
            public override long Position { get => Total; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count)
            {
                Total += count;
                Writes++;
                LargestWrite = Math.Max(LargestWrite, count);
            }
        }
    }
}
