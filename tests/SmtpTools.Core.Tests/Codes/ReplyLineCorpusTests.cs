using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SmtpTools.Core.Codes;
using Xunit;
using Xunit.Abstractions;

namespace SmtpTools.Core.Tests.Codes
{
    /// <summary>
    /// Real reply lines from the vendors' own documentation (and bounces as admins paste them), each with the vendor
    /// and the meaning a person reading it expects: reply-line-corpus.tsv names the source of every line.
    /// </summary>
    public class ReplyLineCorpusTests
    {
        private readonly ITestOutputHelper _output;

        public ReplyLineCorpusTests(ITestOutputHelper output) => _output = output;

        internal sealed class CorpusLine
        {
            internal CorpusLine(string vendor, string meaning, string source, string line)
            {
                Vendor = vendor;
                Meaning = meaning;
                Source = source;
                Line = line;
            }

            internal string Vendor { get; }
            internal string Meaning { get; }
            internal string Source { get; }
            internal string Line { get; }
        }

        internal static IReadOnlyList<CorpusLine> Load()
        {
            string path = Path.Combine(AppContext.BaseDirectory, "Codes", "reply-line-corpus.tsv");
            return File.ReadAllLines(path).Skip(1).Where(l => l.Trim().Length > 0)
                .Select(l => l.Split('\t'))
                .Select(c => new CorpusLine(c[0], c[1], c[2], c[3]))
                .ToList();
        }

        [Fact]
        public void ExplainReply_Corpus_HasEnoughLinesFromEveryVendorWithSources()
        {
            IReadOnlyList<CorpusLine> corpus = Load();

            Assert.True(corpus.Count >= 200, $"{corpus.Count} lines");
            Assert.All(corpus, c => Assert.False(string.IsNullOrWhiteSpace(c.Source), c.Line));
            foreach (string family in new[] { "Microsoft", "Google", "Yahoo", "Postfix", "Exim", "Sendmail",
                "Amazon SES", "Tencent", "NetEase", "Sina", "Ali" })
            {
                Assert.True(corpus.Any(c => c.Vendor.StartsWith(family, StringComparison.Ordinal)), family);
            }
        }

        [Fact]
        public void ExplainReply_Corpus_VendorAndMeaningAreWhatAPersonExpects()
        {
            IReadOnlyList<CorpusLine> corpus = Load();
            var misses = new List<string>();
            int vendorHits = 0, meaningHits = 0;
            foreach (CorpusLine c in corpus)
            {
                SmtpReply reply = ReplyLineParser.Parse(new[] { c.Line }).Single();
                SmtpReplyCode result = ReplyCodeExplainer.ExplainReply(reply, ReplyLanguage.English);
                bool vendorOk = result.VendorName == c.Vendor;
                bool meaningOk = result.Meaning == c.Meaning;
                if (vendorOk) vendorHits++;
                if (meaningOk) meaningHits++;
                if (!vendorOk || !meaningOk)
                {
                    misses.Add($"{c.Line}\n  expected {c.Vendor}: {c.Meaning}\n  got      " +
                        $"{result.VendorName ?? "(no vendor)"}: {result.Meaning}");
                }
            }

            _output.WriteLine($"Reply-line corpus: {corpus.Count} lines; vendor {Percent(vendorHits, corpus.Count)}, " +
                $"meaning {Percent(meaningHits, corpus.Count)}.");
            foreach (string miss in misses) _output.WriteLine(miss);
            Assert.True(misses.Count == 0, $"{misses.Count} of {corpus.Count} lines missed:\n" +
                string.Join("\n", misses));
        }

        private static string Percent(int hits, int total) =>
            (100.0 * hits / total).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " %";
    }
}
