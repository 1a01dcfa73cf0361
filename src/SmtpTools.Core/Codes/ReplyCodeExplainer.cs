using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SmtpTools.Core.Codes
{
    /// <summary>
    /// Explains reply codes, enhanced status codes and whole replies from the catalogue. All lookups are in memory,
    /// so these methods are synchronous and take no cancellation token.
    /// </summary>
    internal static class ReplyCodeExplainer
    {
        /// <summary>What a valid reply code looks like, for error messages.</summary>
        internal const string ExpectedCode =
            "A reply code is three digits from 200 to 599 (RFC 5321 §4.2), for example 250, 421 or 550.";

        /// <summary>What a valid enhanced status code looks like, for error messages.</summary>
        internal const string ExpectedEnhanced =
            "An enhanced status code is class.subject.detail (RFC 3463 §2): class 2, 4 or 5, then one to three " +
            "digits each for subject and detail, for example 5.1.1 or 4.7.0 (or X.1.1 for the registry entry).";

        // Vendors whose replies carry a marker naming them; a marker breaks ties between identical texts.
        private static readonly KeyValuePair<string, string>[] Fingerprints =
        {
            new KeyValuePair<string, string>("gsmtp", "Google"),
            new KeyValuePair<string, string>("outlook.com", "Microsoft 365"),
            new KeyValuePair<string, string>("outlook.com", "Outlook.com"),
            new KeyValuePair<string, string>("yahoo", "Yahoo"),
            new KeyValuePair<string, string>("amazonses", "Amazon SES"),
            new KeyValuePair<string, string>("mimecast", "Mimecast"),
            new KeyValuePair<string, string>("qq.com", "Tencent"),
            new KeyValuePair<string, string>("163.com", "NetEase"),
            new KeyValuePair<string, string>("126.com", "NetEase"),
            new KeyValuePair<string, string>("aliyun", "Aliyun"),
            new KeyValuePair<string, string>("postfix", "Postfix"),
            new KeyValuePair<string, string>("exim", "Exim"),
        };

        /// <summary>True for a code a reply can carry: 200 to 599.</summary>
        internal static bool IsValidCode(int code) => code >= 200 && code <= 599;

        /// <summary>
        /// Normalizes "5.01.1" to "5.1.1" and "x.1.1" to "X.1.1"; false when the text is not an enhanced status code.
        /// </summary>
        internal static bool TryNormalizeEnhanced(string? text, out string normalized)
        {
            normalized = string.Empty;
            if (text == null) return false;
            string t = text.Trim();
            if (t.Length > 0 && (t[0] == 'x' || t[0] == 'X'))
            {
                // The registry's own notation, X.subject.detail, names an entry independent of the class.
                if (!EnhancedStatusCode.IsValid("5" + t.Substring(1))) return false;
                string[] p = t.Split('.');
                normalized = "X." + int.Parse(p[1], CultureInfo.InvariantCulture) + "." +
                    int.Parse(p[2], CultureInfo.InvariantCulture);
                return true;
            }
            if (!EnhancedStatusCode.IsValid(t)) return false;
            string[] parts = t.Split('.');
            normalized = parts[0] + "." + int.Parse(parts[1], CultureInfo.InvariantCulture) + "." +
                int.Parse(parts[2], CultureInfo.InvariantCulture);
            return true;
        }

        /// <summary>Explains a reply code, with an enhanced code when one is known.</summary>
        internal static SmtpReplyCode ExplainCode(int code, string? enhancedCode, ReplyLanguage language)
        {
            if (!IsValidCode(code)) throw new ArgumentOutOfRangeException(nameof(code), code, ExpectedCode);
            return Explain(code, NormalizeOrThrow(enhancedCode), null, language);
        }

        /// <summary>Explains an enhanced status code on its own.</summary>
        internal static SmtpReplyCode ExplainEnhanced(string enhancedCode, ReplyLanguage language) =>
            Explain(null, NormalizeOrThrow(enhancedCode), null, language);

        /// <summary>Explains a whole reply, using its text to pick the meaning and the vendor.</summary>
        internal static SmtpReplyCode ExplainReply(SmtpReply reply, ReplyLanguage language)
        {
            string? enhanced = reply.EnhancedStatus;
            if (enhanced != null && !TryNormalizeEnhanced(enhanced, out enhanced)) enhanced = null;
            return Explain(reply.Code, enhanced, string.Join("\n", reply.RawLines), language);
        }

        /// <summary>Every basic code in ascending order, then every registered enhanced detail code.</summary>
        internal static IEnumerable<SmtpReplyCode> Catalogue(ReplyLanguage language)
        {
            ReplyCodeCatalog catalog = ReplyCodeCatalog.Instance;
            foreach (int code in catalog.BasicByCode.Keys.OrderBy(c => c))
                yield return Explain(code, null, null, language);
            foreach (EnhancedCodeRow row in catalog.EnhancedRows.Where(r => r.Kind == "detail"))
                yield return Explain(null, row.Code, null, language);
        }

        private static string? NormalizeOrThrow(string? enhancedCode)
        {
            if (enhancedCode == null) return null;
            if (!TryNormalizeEnhanced(enhancedCode, out string normalized))
                throw new FormatException("'" + enhancedCode + "' is not an enhanced status code. " + ExpectedEnhanced);
            return normalized;
        }

        private static SmtpReplyCode Explain(int? code, string? enhanced, string? reply, ReplyLanguage language)
        {
            ReplyCodeCatalog catalog = ReplyCodeCatalog.Instance;
            bool zh = language == ReplyLanguage.Chinese;
            var description = new List<string>();

            SmtpReplyClass? cls = null;
            SmtpReplyCategory? category = null;
            string? codeMeaning = null;
            string? definedBy = null, source = null;
            bool isKnown = false;
            var otherMeanings = new List<string>();

            if (code.HasValue)
            {
                int c = code.Value;
                cls = (SmtpReplyClass)(c / 100);
                category = ReplyTexts.CategoryOf(c);
                description.Add(ReplyTexts.ClassSentence(cls.Value, language));
                description.Add(ReplyTexts.CategorySentence(c, language));
                if (catalog.BasicByCode.TryGetValue(c, out IReadOnlyList<BasicCodeRow>? rows))
                {
                    isKnown = true;
                    BasicCodeRow chosen = ChooseRow(rows, enhanced, reply);
                    codeMeaning = Text(chosen.Meaning, chosen.Chinese, language);
                    definedBy = chosen.DefinedBy;
                    source = chosen.Source;
                    if (!zh && chosen.Notes.Length > 0) description.Add(chosen.Notes);
                    foreach (BasicCodeRow other in rows.Where(r => !ReferenceEquals(r, chosen)))
                    {
                        otherMeanings.Add(other.DefinedBy + (zh ? ":" : ": ") +
                            Text(other.Meaning, other.Chinese, language));
                    }
                }
                else
                {
                    codeMeaning = ReplyTexts.DigitMeaning(c, language);
                    description.Add(ReplyTexts.UnknownCodeSentence(c, language));
                }
            }

            string? enhancedClassMeaning = null, enhancedSubjectMeaning = null, enhancedDetailMeaning = null;
            string? enhancedSource = null;
            if (enhanced != null)
            {
                string[] parts = enhanced.Split('.');
                bool registryEntry = parts[0] == "X";
                EnhancedCodeRow? classRow = registryEntry ? null : catalog.FindEnhanced(parts[0] + ".XXX.XXX");
                EnhancedCodeRow? subjectRow = catalog.FindEnhanced("X." + parts[1] + ".XXX");
                EnhancedCodeRow? detailRow = catalog.FindEnhanced("X." + parts[1] + "." + parts[2]);
                if (cls == null && !registryEntry) cls = (SmtpReplyClass)(parts[0][0] - '0');
                if (classRow != null)
                {
                    enhancedClassMeaning = Text(classRow.Text, classRow.Chinese, language);
                    description.Add(enhanced + (zh ? ":" : ": ") + enhancedClassMeaning + (zh ? "——" : " - ") +
                        Text(classRow.Description, classRow.ChineseDescription, language));
                }
                if (subjectRow != null)
                {
                    enhancedSubjectMeaning = Text(subjectRow.Text, subjectRow.Chinese, language);
                    description.Add(enhancedSubjectMeaning + (zh ? "——" : " - ") +
                        Text(subjectRow.Description, subjectRow.ChineseDescription, language));
                }
                if (detailRow != null)
                {
                    isKnown = isKnown || !code.HasValue;
                    enhancedDetailMeaning = Text(detailRow.Text, detailRow.Chinese, language);
                    enhancedSource = detailRow.Reference;
                    if (!zh && detailRow.Description.Length > 0) description.Add(detailRow.Description);
                    if (registryEntry && detailRow.AssociatedCodes.Length > 0)
                    {
                        description.Add((zh ? "关联的基本码:" : "Associated basic codes: ") + detailRow.AssociatedCodes +
                            (zh ? "。" : "."));
                    }
                }
                else
                {
                    enhancedSource = subjectRow?.Reference ?? classRow?.Reference;
                    description.Add(ReplyTexts.UnknownDetailSentence(enhanced, language));
                }
            }

            // Detail 0 ("other or undefined ... status") says less than the reply code does, so it never wins.
            bool catchAllDetail = enhanced != null && enhanced.EndsWith(".0", StringComparison.Ordinal);
            string meaning = (catchAllDetail && codeMeaning != null ? null : enhancedDetailMeaning) ?? codeMeaning ??
                enhancedDetailMeaning ?? EnhancedFallback(enhancedClassMeaning, enhancedSubjectMeaning, language);

            IReadOnlyList<SmtpVendorStatus> vendors = MatchVendors(catalog, code, enhanced, reply);
            return new SmtpReplyCode(code, cls, category, enhanced, enhancedClassMeaning, enhancedSubjectMeaning,
                enhancedDetailMeaning, isKnown, meaning, codeMeaning, otherMeanings,
                string.Join(zh ? string.Empty : " ", description), vendors.FirstOrDefault(), vendors, definedBy,
                source, enhancedSource, ReplyTexts.Tag(language), reply);
        }

        private static string EnhancedFallback(string? classMeaning, string? subjectMeaning, ReplyLanguage language)
        {
            if (classMeaning != null && subjectMeaning != null)
                return classMeaning + (language == ReplyLanguage.Chinese ? ":" : ": ") + subjectMeaning;
            return classMeaning ?? subjectMeaning ??
                (language == ReplyLanguage.Chinese ? "未登记的增强状态码" : "Unregistered enhanced status code");
        }

        // A Chinese text is always present in the data (the tests prove it); English is the safety net.
        private static string Text(string english, string? chinese, ReplyLanguage language) =>
            language == ReplyLanguage.Chinese && !string.IsNullOrEmpty(chinese) ? chinese! : english;

        /// <summary>
        /// Picks which meaning of a code with several (220 greeting or STARTTLS, 530 TLS or AUTH) the reply means:
        /// the row naming the reply's enhanced code and sharing the most words with its text. Without a text, the
        /// first row (RFC 5321's meaning where it has one) wins.
        /// </summary>
        private static BasicCodeRow ChooseRow(IReadOnlyList<BasicCodeRow> rows, string? enhanced, string? reply)
        {
            if (rows.Count == 1 || (reply == null && enhanced == null)) return rows[0];
            string replyText = reply ?? string.Empty;
            int primaryScore = Score(rows[0], enhanced, replyText, out _);
            BasicCodeRow best = rows[0];
            int bestScore = primaryScore;
            double bestRatio = -1;
            // Another meaning must beat the primary one outright; between the others, the closer fit wins a tie.
            for (int i = 1; i < rows.Count; i++)
            {
                int score = Score(rows[i], enhanced, replyText, out double ratio);
                if (score <= primaryScore) continue;
                if (score > bestScore || (score == bestScore && ratio > bestRatio))
                {
                    best = rows[i];
                    bestScore = score;
                    bestRatio = ratio;
                }
            }
            return best;
        }

        private static int Score(BasicCodeRow row, string? enhanced, string reply, out double ratio)
        {
            HashSet<string>? words = row.MeaningWords;
            if (words == null)
            {
                words = Words(row.Meaning);
                words.Remove("enhanced");
                row.MeaningWords = words;
            }
            int shared = 0;
            foreach (string word in words) if (ContainsWord(reply, word)) shared++;
            ratio = words.Count == 0 ? 0 : (double)shared / words.Count;
            if (enhanced == null) return shared;
            if (NamesEnhanced(row.Meaning, enhanced)) return shared + 3;
            // A meaning tied to another enhanced code ("enhanced X.6.7") is not what a 5.1.1 reply means.
            return row.Meaning.IndexOf("(enhanced ", StringComparison.OrdinalIgnoreCase) >= 0 ? shared - 3 : shared;
        }

        private static bool NamesEnhanced(string meaning, string enhanced)
        {
            string[] p = enhanced.Split('.');
            return meaning.IndexOf("enhanced " + enhanced, StringComparison.OrdinalIgnoreCase) >= 0 ||
                meaning.IndexOf("enhanced X." + p[1] + "." + p[2], StringComparison.OrdinalIgnoreCase) >= 0;
        }

        /// <summary>Whether <paramref name="text"/> has <paramref name="word"/> as a whole word, ignoring case: the
        /// same test as putting the text through <see cref="Words"/>, without building the set for every reply.</summary>
        private static bool ContainsWord(string text, string word)
        {
            int at = 0;
            while ((at = text.IndexOf(word, at, StringComparison.OrdinalIgnoreCase)) >= 0)
            {
                int end = at + word.Length;
                if ((at == 0 || !char.IsLetter(text[at - 1])) && (end == text.Length || !char.IsLetter(text[end])))
                    return true;
                at++;
            }
            return false;
        }

        private static HashSet<string> Words(string text)
        {
            var words = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            int start = -1;
            for (int i = 0; i <= text.Length; i++)
            {
                bool letter = i < text.Length && char.IsLetter(text[i]);
                if (letter && start < 0) start = i;
                else if (!letter && start >= 0)
                {
                    // Short words (a, of, to, the) say nothing about which meaning is meant.
                    if (i - start >= 4) words.Add(text.Substring(start, i - start));
                    start = -1;
                }
            }
            return words;
        }

        /// <summary>
        /// Vendor rows that fit: the codes they name must agree with the input's, and their distinctive text must
        /// occur in the reply. A row without text fits on its codes alone, but only when the enhanced code matches.
        /// </summary>
        internal static IReadOnlyList<SmtpVendorStatus> MatchVendors(ReplyCodeCatalog catalog, int? code,
            string? enhanced, string? reply)
        {
            int eClass = -1, eSubject = -1, eDetail = -1;
            if (enhanced != null && enhanced[0] != 'X')
            {
                string[] p = enhanced.Split('.');
                eClass = int.Parse(p[0], CultureInfo.InvariantCulture);
                eSubject = int.Parse(p[1], CultureInfo.InvariantCulture);
                eDetail = int.Parse(p[2], CultureInfo.InvariantCulture);
            }

            var scored = new List<KeyValuePair<int, SmtpVendorStatus>>();
            // VendorRowsFor already leaves out the rows that name another basic code.
            foreach (VendorCodeRow row in catalog.VendorRowsFor(code))
            {
                SmtpVendorStatus s = row.Status;
                bool enhancedMatched = false;
                if (row.HasEnhanced && eClass >= 0)
                {
                    if (!row.MatchesEnhanced(eClass, eSubject, eDetail)) continue;
                    enhancedMatched = true;
                }
                int score;
                if (s.MatchText.Length == 0)
                {
                    if (!enhancedMatched) continue;
                    score = 0;
                }
                else
                {
                    if (reply == null || reply.IndexOf(s.MatchText, StringComparison.OrdinalIgnoreCase) < 0) continue;
                    score = s.MatchText.Length;
                }
                if (enhancedMatched) score += 10000;
                if (s.Code.HasValue && code.HasValue) score += 1000;
                if (reply != null) score += FingerprintScore(s.Vendor, reply);
                scored.Add(new KeyValuePair<int, SmtpVendorStatus>(score, s));
            }
            if (scored.Count == 0) return Array.Empty<SmtpVendorStatus>();
            if (scored.Count == 1) return new[] { scored[0].Value };
            // OrderByDescending is stable: equal scores keep file order.
            return scored.OrderByDescending(p => p.Key).Select(p => p.Value).ToArray();
        }

        private static int FingerprintScore(string vendor, string reply)
        {
            int score = 0;
            foreach (KeyValuePair<string, string> f in Fingerprints)
            {
                if (!vendor.StartsWith(f.Value, StringComparison.OrdinalIgnoreCase)) continue;
                if (reply.IndexOf(f.Key, StringComparison.OrdinalIgnoreCase) >= 0) return 100;
                // Gmail ends every reply with "- gsmtp"; without it, an identical text is likelier someone else's.
                if (f.Key == "gsmtp") score = -1;
            }
            return score;
        }
    }
}
