using System.Collections.Generic;
using System.Linq;
using SmtpTools.Core.Codes;
using Xunit;

namespace SmtpTools.Core.Tests.Codes
{
    public class ReplyCodeCatalogTests
    {
        // The raw embedded tables, read independently of the catalogue's own structures.
        public static IEnumerable<object[]> BasicRows() =>
            ReplyCodeCatalog.ReadTable("smtp-reply-codes.tsv")
                .Select(r => new object[] { int.Parse(r[0]), r[2], r[3] });

        public static IEnumerable<object[]> EnhancedRows() =>
            ReplyCodeCatalog.ReadTable("enhanced-status-codes.tsv").Select(r => new object[] { r[0], r[1], r[2] });

        public static IEnumerable<object[]> VendorRows() =>
            ReplyCodeCatalog.ReadTable("vendor-status-codes.tsv")
                .Select((r, i) => new object[] { i, r[0], r[1], r[2], r[3], r[4] });

        public static IEnumerable<object[]> SeedRows() =>
            ReplyCodeCatalog.ReadTable("seed-reply-codes-zh.tsv").Select(r => new object[] { int.Parse(r[0]), r[1] });

        [Fact]
        public void Load_ReferenceFiles_HaveEveryRow()
        {
            ReplyCodeCatalog catalog = ReplyCodeCatalog.Instance;

            Assert.Equal(65, catalog.BasicRows.Count);
            Assert.Equal(92, catalog.EnhancedRows.Count);
            Assert.Equal(234, catalog.VendorRows.Count);
            Assert.Equal(20, catalog.SeedChinese.Count);
        }

        [Theory]
        [MemberData(nameof(BasicRows))]
        public void ExplainReply_TextOfEachBasicRow_ChoosesThatRow(int code, string meaning, string definedBy)
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { code + " " + meaning }).Single();

            SmtpReplyCode result = ReplyCodeExplainer.ExplainReply(reply, ReplyLanguage.English);

            Assert.Equal(meaning, result.CodeMeaning);
            Assert.Equal(definedBy, result.DefinedBy);
            Assert.True(result.IsKnown);
        }

        [Theory]
        [MemberData(nameof(BasicRows))]
        public void ExplainCode_EachBasicRow_ListsItAsMeaningOrOtherMeaning(int code, string meaning, string definedBy)
        {
            SmtpReplyCode result = ReplyCodeExplainer.ExplainCode(code, null, ReplyLanguage.English);

            Assert.True(result.CodeMeaning == meaning || result.OtherMeanings.Contains(definedBy + ": " + meaning));
        }

        [Theory]
        [MemberData(nameof(EnhancedRows))]
        public void ExplainEnhanced_EachRegistryRow_IsReachable(string kind, string code, string text)
        {
            // A class row is reached through any code of that class, a subject row through any code of that subject.
            string query = kind switch
            {
                "class" => code.Substring(0, 1) + ".0.0",
                "subject" => "5." + code.Split('.')[1] + ".0",
                _ => code,
            };

            SmtpReplyCode result = ReplyCodeExplainer.ExplainEnhanced(query, ReplyLanguage.English);

            string? actual = kind switch
            {
                "class" => result.EnhancedClassMeaning,
                "subject" => result.EnhancedSubjectMeaning,
                _ => result.EnhancedDetailMeaning,
            };
            Assert.Equal(text, actual);
        }

        [Theory]
        [MemberData(nameof(VendorRows))]
        public void ExplainReply_TextOfEachVendorRow_MatchesThatRow(int index, string vendor, string code,
            string enhanced, string matchText, string meaning)
        {
            string enhancedPart = enhanced.Length == 0 ? string.Empty : enhanced.Split('-')[0];
            string basic = code.Length > 0 ? code
                : enhancedPart.Length > 0 ? enhancedPart.Substring(0, 1) + "50"
                : "550";
            string line = (basic + " " + enhancedPart + " " + matchText).Replace("  ", " ").TrimEnd();
            // Gmail marks every reply this way; Postfix's identical STARTTLS text must still win without it.
            if (vendor == "Google") line += " - gsmtp";
            // A row that names no basic code yields to rows that do, unless the reply says where it came from, as
            // real replies do: "blocked using Spamhaus" is Microsoft's only next to [...PROD.OUTLOOK.COM].
            VendorCodeRow row = ReplyCodeCatalog.Instance.VendorRows[index];
            VendorMarker? marker = ReplyCodeCatalog.Instance.VendorMarkers.FirstOrDefault(m => m.Family == row.Family);
            if (code.Length == 0 && marker != null && vendor != "Google") line += " [" + marker.Marker + "]";
            SmtpReply reply = ReplyLineParser.Parse(new[] { line }).Single();

            SmtpReplyCode result = ReplyCodeExplainer.ExplainReply(reply, ReplyLanguage.English);

            Assert.NotNull(result.Vendor);
            Assert.True(vendor == result.Vendor!.Vendor && meaning == result.Vendor.Meaning,
                $"Row {index} ({vendor}: {meaning}) lost to {result.Vendor.Vendor}: {result.Vendor.Meaning}");
        }

        [Theory]
        [MemberData(nameof(SeedRows))]
        public void ExplainCode_SeedCodeInChinese_IsTheSeedTextExactly(int code, string chinese)
        {
            SmtpReplyCode result = ReplyCodeExplainer.ExplainCode(code, null, ReplyLanguage.Chinese);

            Assert.Equal(chinese, result.Meaning);
            Assert.Equal(chinese, result.CodeMeaning);
            Assert.Equal("zh-CN", result.Language);
        }

        [Fact]
        public void Load_EveryBasicRow_HasChineseText()
        {
            List<string> missing = ReplyCodeCatalog.Instance.BasicRows
                .Where(r => string.IsNullOrEmpty(r.Chinese) || !HasHan(r.Chinese!))
                .Select(r => r.Code + " " + r.DefinedBy).ToList();

            Assert.Empty(missing);
        }

        [Fact]
        public void Load_EveryEnhancedRow_HasChineseText()
        {
            List<string> missing = ReplyCodeCatalog.Instance.EnhancedRows
                .Where(r => string.IsNullOrEmpty(r.Chinese) || !HasHan(r.Chinese!) ||
                    (r.Kind != "detail" && string.IsNullOrEmpty(r.ChineseDescription)))
                .Select(r => r.Code).ToList();

            Assert.Empty(missing);
        }

        [Fact]
        public void Load_ChineseFiles_NameOnlyExistingRows()
        {
            var basicKeys = new HashSet<string>(ReplyCodeCatalog.ReadTable("smtp-reply-codes.tsv")
                .Select(r => r[0] + "\t" + r[3]));
            var enhancedKeys = new HashSet<string>(ReplyCodeCatalog.ReadTable("enhanced-status-codes.tsv")
                .Select(r => r[1]));

            List<string> orphans = ReplyCodeCatalog.ReadTable("smtp-reply-codes-zh.tsv")
                .Select(r => r[0] + "\t" + r[1]).Where(k => !basicKeys.Contains(k))
                .Concat(ReplyCodeCatalog.ReadTable("enhanced-status-codes-zh.tsv")
                    .Select(r => r[0]).Where(k => !enhancedKeys.Contains(k)))
                .ToList();

            Assert.Empty(orphans);
        }

        [Fact]
        public void Load_EveryVendorRow_HasChineseMeaningCauseAndAdvice()
        {
            // Identifiers (Set-CASMailbox, 5.7.139) stay as they are, but every field must be Chinese prose.
            List<string> missing = ReplyCodeCatalog.Instance.VendorRows
                .Where(r => r.Chinese == null || !HasHan(r.Chinese.Meaning) || !HasHan(r.Chinese.LikelyCause) ||
                    !HasHan(r.Chinese.WhatToDo))
                .Select(r => r.Status.Vendor + " " + r.Status.Code + " " + r.Status.EnhancedCode + " " +
                    r.Status.MatchText)
                .ToList();

            Assert.Empty(missing);
        }

        [Fact]
        public void Load_VendorFiles_KeysAreUniqueAndTheChineseFileNamesOnlyExistingRows()
        {
            List<string> keys = ReplyCodeCatalog.ReadTable("vendor-status-codes.tsv")
                .Select(r => string.Join("\t", r.Take(4))).ToList();
            List<string> chinese = ReplyCodeCatalog.ReadTable("vendor-status-codes-zh.tsv")
                .Select(r => string.Join("\t", r.Take(4))).ToList();

            Assert.Equal(keys.Count, keys.Distinct().Count());
            Assert.Empty(chinese.Except(keys));
        }

        [Fact]
        public void Catalogue_Chinese_HasChineseMeaningForEveryEntry()
        {
            List<SmtpReplyCode> all = ReplyCodeExplainer.Catalogue(ReplyLanguage.Chinese).ToList();

            Assert.Equal(ReplyCodeCatalog.Instance.BasicByCode.Count +
                ReplyCodeCatalog.Instance.EnhancedRows.Count(r => r.Kind == "detail"), all.Count);
            Assert.All(all, e => Assert.True(HasHan(e.Meaning), e.ToString()));
            Assert.All(all, e => Assert.True(HasHan(e.Description), e.ToString()));
        }

        private static bool HasHan(string s) => s.Any(c => c >= '\u4e00' && c <= '\u9fff');
    }
}
