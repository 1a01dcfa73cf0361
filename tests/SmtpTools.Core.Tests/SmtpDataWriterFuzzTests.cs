using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Smtp;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>
    /// The DATA writer against hostile message bytes (the corpus and its mutations): the output is canonical SMTP
    /// DATA (CRLF lines only, dot-stuffed, one terminator at the very end) and unstuffs to the input with each
    /// bare CR or LF made a line break. So no input can end the data early (SMTP smuggling).
    /// </summary>
    public class SmtpDataWriterFuzzTests
    {
        private static async Task<byte[]> WriteAsync(byte[] input, Random random)
        {
            var output = new MemoryStream();
            var writer = new SmtpDataWriter(output, true, 16 + random.Next(64));
            int pos = 0;
            while (pos < input.Length)
            {
                int n = 1 + random.Next(input.Length - pos);
                await writer.WriteAsync(input, pos, n, CancellationToken.None);
                pos += n;
            }
            await writer.CompleteAsync(CancellationToken.None);
            return output.ToArray();
        }

        /// <summary>CRLF, CR and LF each become CRLF; non-empty content ends with CRLF.</summary>
        private static byte[] Normalise(byte[] input)
        {
            var result = new List<byte>();
            for (int i = 0; i < input.Length; i++)
            {
                if (input[i] == '\r')
                {
                    if (i + 1 < input.Length && input[i + 1] == '\n') i++;
                    result.Add((byte)'\r');
                    result.Add((byte)'\n');
                }
                else if (input[i] == '\n')
                {
                    result.Add((byte)'\r');
                    result.Add((byte)'\n');
                }
                else
                {
                    result.Add(input[i]);
                }
            }
            if (result.Count > 0 && result[result.Count - 1] != '\n')
            {
                result.Add((byte)'\r');
                result.Add((byte)'\n');
            }
            return result.ToArray();
        }

        /// <summary>Checks the output is canonical DATA and returns it unstuffed, without the terminator.</summary>
        private static byte[] CheckAndUnstuff(byte[] data, byte[] input)
        {
            string show = FuzzCorpus.Show(input);
            Assert.True(data.Length >= 3, show);
            Assert.True(data[^3] == '.' && data[^2] == '\r' && data[^1] == '\n', $"no terminator: {show}");
            var body = new List<byte>();
            int lineStart = 0;
            for (int i = 0; i < data.Length; i++)
            {
                if (data[i] == '\r')
                {
                    Assert.True(i + 1 < data.Length && data[i + 1] == '\n', $"bare CR at {i}: {show}");
                }
                else if (data[i] == '\n')
                {
                    Assert.True(i > 0 && data[i - 1] == '\r', $"bare LF at {i}: {show}");
                    int length = i + 1 - lineStart;
                    bool terminator = length == 3 && data[lineStart] == '.';
                    // The lone "." line appears exactly once: as the last line.
                    Assert.True(terminator == (i == data.Length - 1), $"early end of data at {lineStart}: {show}");
                    if (!terminator)
                    {
                        int skip = data[lineStart] == '.' ? 1 : 0;
                        if (skip == 1) Assert.True(length > 3 && data[lineStart + 1] == '.', $"unstuffed dot: {show}");
                        for (int j = lineStart + skip; j <= i; j++) body.Add(data[j]);
                    }
                    lineStart = i + 1;
                }
            }
            return body.ToArray();
        }

        [Fact]
        public async Task CompleteAsync_CorpusSeeds_AreCanonicalAndIntact()
        {
            var seeds = FuzzCorpus.Seeds("data");
            Assert.True(seeds.Count >= 5, "the corpus in Corpus/data is missing");
            var random = new Random(3030);
            foreach ((string _, byte[] bytes) in seeds)
            {
                byte[] data = await WriteAsync(bytes, random);
                Assert.Equal(Normalise(bytes), CheckAndUnstuff(data, bytes));
            }
        }

        [Fact]
        public async Task CompleteAsync_MutatedCorpus_AreCanonicalAndIntact()
        {
            var seeds = FuzzCorpus.Seeds("data");
            var random = new Random(2920);
            int budget = FuzzCorpus.Budget(3000);
            for (int i = 0; i < budget; i++)
            {
                byte[] input = FuzzCorpus.Mutate(seeds[random.Next(seeds.Count)].Bytes, random);
                byte[] data = await WriteAsync(input, random);
                Assert.Equal(Normalise(input), CheckAndUnstuff(data, input));
            }
        }
    }
}
