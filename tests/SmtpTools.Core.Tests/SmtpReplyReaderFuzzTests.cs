using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>
    /// The reply parser against hostile bytes: the corpus, its mutations, well-formed replies that must round-trip,
    /// and endless streams. Nothing but SmtpProtocolException may escape, and no input is read past the caps.
    /// </summary>
    public class SmtpReplyReaderFuzzTests
    {
        // Consumed before the caps stop the reader: the reply cap, one more line and one read buffer.
        private const long ReadBound = SmtpReplyReader.MaxReplyLength + SmtpReplyReader.MaxLineLength + 2 * 4096;

        private static async Task<int> ReadAllAsync(byte[] input, int maxRead)
        {
            var reader = new SmtpReplyReader(new TrickleStream(input, maxRead));
            int replies = 0;
            try
            {
                while (true)
                {
                    SmtpReply reply = await reader.ReadReplyAsync(CancellationToken.None);
                    replies++;
                    Assert.InRange(reply.Code, 200, 599);
                    Assert.NotEmpty(reply.RawLines);
                    Assert.Equal(reply.RawLines.Count, reply.Lines.Count);
                    Assert.All(reply.RawLines, raw => Assert.StartsWith(reply.Code.ToString(), raw));
                    Assert.All(reply.RawLines, raw => Assert.DoesNotContain('\n', raw));
                    Assert.True(reply.RawLines.Sum(r => r.Length + 2) <= SmtpReplyReader.MaxReplyLength);
                }
            }
            catch (SmtpProtocolException)
            {
                // The stream always ends, so every input ends here: a clear protocol error, never anything else.
            }
            return replies;
        }

        [Fact]
        public async Task ReadReplyAsync_CorpusSeeds_ParseOrFailWithProtocolError()
        {
            var seeds = FuzzCorpus.Seeds("replies");
            Assert.True(seeds.Count >= 5, "the corpus in Corpus/replies is missing");
            foreach ((string name, byte[] bytes) in seeds)
            {
                int replies = await ReadAllAsync(bytes, 4096);
                // Every seed but the malformed one starts with at least one valid reply.
                if (name != "malformed.txt") Assert.True(replies > 0, name);
            }
        }

        [Fact]
        public async Task ReadReplyAsync_MutatedCorpus_OnlyProtocolErrors()
        {
            var seeds = FuzzCorpus.Seeds("replies");
            var random = new Random(421);
            int budget = FuzzCorpus.Budget(4000);
            for (int i = 0; i < budget; i++)
            {
                byte[] input = FuzzCorpus.Mutate(seeds[random.Next(seeds.Count)].Bytes, random);
                try
                {
                    await ReadAllAsync(input, 1 + random.Next(64));
                }
                catch (Exception ex) when (!(ex is SmtpProtocolException))
                {
                    throw new InvalidOperationException(
                        $"Input #{i} \"{FuzzCorpus.Show(input)}\" broke the parser.", ex);
                }
            }
        }

        [Fact]
        public async Task ReadReplyAsync_RandomWellFormedReplies_RoundTrip()
        {
            var random = new Random(5321);
            int budget = FuzzCorpus.Budget(2000);
            string printable = "abcXYZ 019-.:;<>[]()@\"'\\/\t=+~é中";
            for (int i = 0; i < budget; i++)
            {
                int code = random.Next(200, 600);
                var lines = new List<string>();
                int count = 1 + random.Next(5);
                for (int l = 0; l < count; l++)
                {
                    var sb = new StringBuilder();
                    int length = random.Next(0, 60);
                    for (int c = 0; c < length; c++) sb.Append(printable[random.Next(printable.Length)]);
                    lines.Add(sb.ToString());
                }
                var wire = new StringBuilder();
                for (int l = 0; l < count; l++)
                {
                    bool last = l == count - 1;
                    // RFC 5321 §4.2: a bare code is a valid last line when there is no text.
                    if (last && lines[l].Length == 0 && random.Next(2) == 0) wire.Append(code).Append("\r\n");
                    else wire.Append(code).Append(last ? ' ' : '-').Append(lines[l])
                        .Append(random.Next(4) == 0 ? "\n" : "\r\n");
                }
                var reader = new SmtpReplyReader(new TrickleStream(Encoding.UTF8.GetBytes(wire.ToString()),
                    1 + random.Next(16)));

                SmtpReply reply = await reader.ReadReplyAsync(CancellationToken.None);

                Assert.Equal(code, reply.Code);
                Assert.Equal(lines, reply.Lines);
            }
        }

        [Fact]
        public async Task ReadReplyAsync_EndlessLine_StopsAtTheLineCap()
        {
            var stream = new EndlessStream(Encoding.ASCII.GetBytes("220-"), Encoding.ASCII.GetBytes("a"));
            var reader = new SmtpReplyReader(stream);

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(
                () => reader.ReadReplyAsync(CancellationToken.None));

            Assert.Contains("reply line longer than", ex.Message);
            Assert.True(stream.BytesRead <= SmtpReplyReader.MaxLineLength + 2 * 4096, $"read {stream.BytesRead} bytes");
        }

        [Theory]
        [InlineData("250-x\r\n")]
        [InlineData("250-\r\n")]
        [InlineData("250-\0\0\0\0\r\n")]
        [InlineData("250-\u00ff\u00fe\r\n")]
        public async Task ReadReplyAsync_MillionContinuationLines_StopsAtTheReplyCap(string line)
        {
            // A million continuation lines and never a last one: the reader must give up at its cap, not collect them.
            var stream = new EndlessStream(Encoding.ASCII.GetBytes("220 hi\r\n"), Encoding.Latin1.GetBytes(line),
                limit: 1_000_000);
            var reader = new SmtpReplyReader(stream);
            await reader.ReadReplyAsync(CancellationToken.None);

            var ex = await Assert.ThrowsAsync<SmtpProtocolException>(
                () => reader.ReadReplyAsync(CancellationToken.None));

            Assert.Contains("reply longer than", ex.Message);
            Assert.True(stream.BytesRead <= ReadBound, $"read {stream.BytesRead} bytes");
        }

        [Theory]
        [InlineData("\0\0\0 hello\r\n")]
        [InlineData("2\05 x\r\n")]
        [InlineData("\u00ff\u00fe\u00fd\r\n")]
        public async Task ReadReplyAsync_NulOrNonUtf8InTheCode_IsAProtocolError(string wire)
        {
            var reader = new SmtpReplyReader(new TrickleStream(Encoding.Latin1.GetBytes(wire), 4096));

            await Assert.ThrowsAsync<SmtpProtocolException>(() => reader.ReadReplyAsync(CancellationToken.None));
        }

        [Fact]
        public async Task ReadReplyAsync_NulAndNonUtf8InTheText_AreKeptVisibleNotFatal()
        {
            byte[] wire = Encoding.Latin1.GetBytes("250-a\0b\r\n250 \u00ff ok\r\n");
            var reader = new SmtpReplyReader(new TrickleStream(wire, 4096));

            SmtpReply reply = await reader.ReadReplyAsync(CancellationToken.None);

            Assert.Equal(250, reply.Code);
            Assert.Equal("a\0b", reply.Lines[0]);
            // 0xFF is neither UTF-8 nor GB18030: Latin-1 keeps it as the character it is, never U+FFFD.
            Assert.Equal("\u00ff ok", reply.Lines[1]);
        }

        /// <summary>A head, then one pattern repeated (forever, or <c>limit</c> times); counts what was read.</summary>
        internal sealed class EndlessStream : Stream
        {
            private readonly byte[] _head;
            private readonly byte[] _pattern;
            private readonly long _total;
            private long _position;

            internal EndlessStream(byte[] head, byte[] pattern, long limit = long.MaxValue / 1024)
            {
                _head = head;
                _pattern = pattern;
                _total = limit == long.MaxValue / 1024 ? long.MaxValue : head.Length + pattern.Length * limit;
            }

            internal long BytesRead => _position;

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = 0;
                while (n < count && _position < _total)
                {
                    buffer[offset + n++] = _position < _head.Length
                        ? _head[_position]
                        : _pattern[(_position - _head.Length) % _pattern.Length];
                    _position++;
                }
                return n;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => _position; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
