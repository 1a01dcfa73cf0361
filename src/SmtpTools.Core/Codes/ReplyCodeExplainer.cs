using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;

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
            // Already in normal form (no zero leading a number), as servers send it: no copy.
            if (!HasLeadingZero(t))
            {
                normalized = t;
                return true;
            }
            string[] parts = t.Split('.');
            normalized = parts[0] + "." + int.Parse(parts[1], CultureInfo.InvariantCulture) + "." +
                int.Parse(parts[2], CultureInfo.InvariantCulture);
            return true;
        }

        // "5.01.1" or "5.1.00": a number of two or more digits starting with 0 (IsValid has checked the shape).
        private static bool HasLeadingZero(string code)
        {
            for (int i = 1; i + 2 < code.Length; i++)
            {
                if (code[i] == '.' && code[i + 1] == '0' && code[i + 2] != '.') return true;
            }
            return false;
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
            return Explain(reply.Code, enhanced, reply, language);
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

        private static SmtpReplyCode Explain(int? code, string? enhanced, SmtpReply? replyObject,
            ReplyLanguage language)
        {
            // The text without codes and line breaks, for phrases that a multi-line reply may wrap; the raw lines
            // (with a pasted bounce's host names) for the markers naming the vendor.
            string? text = replyObject == null ? null : string.Join(" ", replyObject.Lines);
            string? reply = replyObject == null ? null : string.Join("\n", replyObject.RawLines);
            ReplyCodeCatalog catalog = ReplyCodeCatalog.Instance;
            IReadOnlyList<BasicCodeRow>? rows = null;
            BasicCodeRow? chosen = null;
            if (code.HasValue && catalog.BasicByCode.TryGetValue(code.Value, out rows))
                chosen = ChooseRow(rows, enhanced, text);
            // Everything but the vendor rows and the reply itself follows from the codes, the meaning chosen and the
            // language, and a log repeats few of those: made once per combination instead of once per line.
            var key = new ExplanationKey(code ?? -1, enhanced, chosen, language);
            if (!Explanations.TryGetValue(key, out Explanation? e))
            {
                e = Compose(catalog, code, enhanced, rows, chosen, language);
                // Bounded: every enhanced code a hostile input can make up would otherwise stay in memory.
                if (Interlocked.Increment(ref _explanationCount) <= MaxExplanations) Explanations.TryAdd(key, e);
            }

            IReadOnlyList<SmtpVendorStatus> vendors = MatchVendors(catalog, code, enhanced, text, reply, language,
                out string? vendorName);
            // What the provider means by its reply beats what the registry means by the code it chose: Microsoft's
            // 5.7.30 is about basic authentication, the registry's about REQUIRETLS.
            string meaning = replyObject != null && vendors.Count > 0 ? vendors[0].Meaning : e.Meaning;
            return new SmtpReplyCode(code, e.Class, e.Category, enhanced, e.EnhancedClassMeaning,
                e.EnhancedSubjectMeaning, e.EnhancedDetailMeaning, e.EnhancedMeaning, e.IsKnown, meaning,
                e.CodeMeaning, e.OtherMeanings, e.Description, vendors.Count > 0 ? vendors[0] : null, vendors,
                vendorName, e.DefinedBy, e.Source, e.EnhancedSource, e.Language, reply);
        }

        private const int MaxExplanations = 4096;
        private static int _explanationCount;
        private static readonly ConcurrentDictionary<ExplanationKey, Explanation> Explanations =
            new ConcurrentDictionary<ExplanationKey, Explanation>();

        private static Explanation Compose(ReplyCodeCatalog catalog, int? code, string? enhanced,
            IReadOnlyList<BasicCodeRow>? rows, BasicCodeRow? chosen, ReplyLanguage language)
        {
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
                if (rows != null && chosen != null)
                {
                    isKnown = true;
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
                    // The registry's meaning stays in the description when a vendor's meaning heads the result.
                    description.Add(enhancedDetailMeaning + (zh ? "。" : !zh && detailRow.Description.Length > 0
                        ? " - " + detailRow.Description
                        : "."));
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
            string? enhancedMeaning = enhanced == null
                ? null
                : enhancedDetailMeaning ?? EnhancedFallback(enhancedClassMeaning, enhancedSubjectMeaning, language);
            // X.5.1 ("Invalid command") says less than 503 (bad sequence) or 530 (authentication required) do.
            bool vagueDetail = catchAllDetail ||
                (enhanced != null && enhanced.EndsWith(".5.1", StringComparison.Ordinal) && code.HasValue &&
                 code.Value != 500 && code.Value != 502);
            string meaning = (vagueDetail && codeMeaning != null ? null : enhancedDetailMeaning) ?? codeMeaning ??
                enhancedMeaning!;

            // Shared by every result made from this explanation, so nobody can change it through one of them.
            IReadOnlyList<string> others = otherMeanings.Count == 0
                ? (IReadOnlyList<string>)Array.Empty<string>()
                : otherMeanings.AsReadOnly();
            return new Explanation(cls, category, enhancedClassMeaning, enhancedSubjectMeaning, enhancedDetailMeaning,
                enhancedMeaning, isKnown, meaning, codeMeaning, others,
                string.Join(zh ? string.Empty : " ", description), definedBy, source, enhancedSource,
                ReplyTexts.Tag(language));
        }

        // A class, not a struct: see MailboxText (a struct key had the cache's generic code compiled at run time).
        private sealed class ExplanationKey : IEquatable<ExplanationKey>
        {
            private readonly int _code;
            private readonly string? _enhanced;
            private readonly BasicCodeRow? _row;
            private readonly ReplyLanguage _language;

            internal ExplanationKey(int code, string? enhanced, BasicCodeRow? row, ReplyLanguage language)
            {
                _code = code;
                _enhanced = enhanced;
                _row = row;
                _language = language;
            }

            public bool Equals(ExplanationKey? other) => other != null && _code == other._code &&
                _language == other._language &&
                ReferenceEquals(_row, other._row) && string.Equals(_enhanced, other._enhanced, StringComparison.Ordinal);

            public override bool Equals(object? obj) => obj is ExplanationKey other && Equals(other);

            public override int GetHashCode()
            {
                unchecked
                {
                    int hash = _code * 31 + (int)_language;
                    hash = hash * 31 + (_enhanced == null ? 0 : StringComparer.Ordinal.GetHashCode(_enhanced));
                    return hash * 31 + (_row == null ? 0 : RuntimeHelpers.GetHashCode(_row));
                }
            }
        }

        /// <summary>The parts of a <see cref="SmtpReplyCode"/> that do not depend on the reply's own text.</summary>
        private sealed class Explanation
        {
            internal Explanation(SmtpReplyClass? cls, SmtpReplyCategory? category, string? enhancedClassMeaning,
                string? enhancedSubjectMeaning, string? enhancedDetailMeaning, string? enhancedMeaning, bool isKnown,
                string meaning, string? codeMeaning, IReadOnlyList<string> otherMeanings, string description,
                string? definedBy, string? source, string? enhancedSource, string language)
            {
                Class = cls;
                Category = category;
                EnhancedClassMeaning = enhancedClassMeaning;
                EnhancedSubjectMeaning = enhancedSubjectMeaning;
                EnhancedDetailMeaning = enhancedDetailMeaning;
                EnhancedMeaning = enhancedMeaning;
                IsKnown = isKnown;
                Meaning = meaning;
                CodeMeaning = codeMeaning;
                OtherMeanings = otherMeanings;
                Description = description;
                DefinedBy = definedBy;
                Source = source;
                EnhancedSource = enhancedSource;
                Language = language;
            }

            internal SmtpReplyClass? Class { get; }
            internal SmtpReplyCategory? Category { get; }
            internal string? EnhancedClassMeaning { get; }
            internal string? EnhancedSubjectMeaning { get; }
            internal string? EnhancedDetailMeaning { get; }
            internal string? EnhancedMeaning { get; }
            internal bool IsKnown { get; }
            /// <summary>The registry's meaning, before a vendor's takes its place.</summary>
            internal string Meaning { get; }
            internal string? CodeMeaning { get; }
            internal IReadOnlyList<string> OtherMeanings { get; }
            internal string Description { get; }
            internal string? DefinedBy { get; }
            internal string? Source { get; }
            internal string? EnhancedSource { get; }
            internal string Language { get; }
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
        /// Picks which meaning of a code with several (220 greeting or STARTTLS, 530 TLS or AUTH) the reply means. An
        /// extension's meaning applies only when the reply's enhanced code or a phrase of that meaning's own says so
        /// (smtp-reply-code-markers.tsv); otherwise the first row, RFC 5321's meaning where it has one, stands.
        /// </summary>
        private static BasicCodeRow ChooseRow(IReadOnlyList<BasicCodeRow> rows, string? enhanced, string? text)
        {
            if (rows.Count == 1 || (text == null && enhanced == null)) return rows[0];
            if (enhanced != null)
            {
                string registryKey = "X" + enhanced.Substring(enhanced.IndexOf('.'));
                for (int i = 1; i < rows.Count; i++)
                {
                    foreach (string marker in rows[i].MarkerCodes)
                    {
                        if (string.Equals(marker, registryKey, StringComparison.OrdinalIgnoreCase)) return rows[i];
                    }
                }
            }
            if (text != null)
            {
                for (int i = 1; i < rows.Count; i++)
                {
                    foreach (string phrase in rows[i].MarkerPhrases)
                    {
                        if (ContainsPhrase(text, phrase)) return rows[i];
                    }
                }
            }
            return rows[0];
        }

        /// <summary>Whether <paramref name="text"/> has <paramref name="phrase"/> with no letter touching either
        /// end, ignoring case: "AUTH" is in "AUTH first" but not in "authorization".</summary>
        internal static bool ContainsPhrase(string text, string phrase)
        {
            int at = 0;
            while ((at = text.IndexOf(phrase, at, StringComparison.OrdinalIgnoreCase)) >= 0)
            {
                int end = at + phrase.Length;
                bool startOk = at == 0 || !char.IsLetter(text[at - 1]) || !char.IsLetter(phrase[0]);
                bool endOk = end == text.Length || !char.IsLetter(text[end]) ||
                    !char.IsLetter(phrase[phrase.Length - 1]);
                if (startOk && endOk) return true;
                at++;
            }
            return false;
        }

        /// <summary>
        /// Vendor rows that fit: the codes they name must agree with the input's, and their distinctive text must
        /// occur in the reply. A row without text fits on its codes alone, but only when the enhanced code matches.
        /// When the reply names where it came from (vendor-markers.tsv: "gsmtp", "[...PROD.OUTLOOK.COM]", "qq.com"),
        /// only that vendor's rows can fit; <paramref name="vendorName"/> is then that vendor even if none does.
        /// </summary>
        internal static IReadOnlyList<SmtpVendorStatus> MatchVendors(ReplyCodeCatalog catalog, int? code,
            string? enhanced, string? text, string? raw, ReplyLanguage language, out string? vendorName)
        {
            vendorName = null;
            int eClass = -1, eSubject = -1, eDetail = -1;
            if (enhanced != null && enhanced[0] != 'X')
            {
                string[] p = enhanced.Split('.');
                eClass = int.Parse(p[0], CultureInfo.InvariantCulture);
                eSubject = int.Parse(p[1], CultureInfo.InvariantCulture);
                eDetail = int.Parse(p[2], CultureInfo.InvariantCulture);
            }
            List<VendorMarker>? marked = raw == null ? null : FindMarkers(catalog, raw);
            // Lower-cased once, so every row's text is an ordinal search.
            string? lower = text?.ToLowerInvariant();

            var scored = new List<KeyValuePair<int, VendorCodeRow>>();
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
                bool familyMarked = false;
                if (marked != null && marked.Count > 0)
                {
                    foreach (VendorMarker m in marked) familyMarked |= m.Family == row.Family;
                    if (!familyMarked) continue;
                }
                int score;
                if (s.MatchText.Length == 0)
                {
                    if (!enhancedMatched) continue;
                    score = 0;
                }
                else
                {
                    if (lower == null || lower.IndexOf(row.MatchLower, StringComparison.Ordinal) < 0) continue;
                    score = s.MatchText.Length;
                }
                if (enhancedMatched) score += 10000;
                if (s.Code.HasValue && code.HasValue) score += 1000;
                if (familyMarked) score += 100;
                // Gmail ends every reply with "- gsmtp"; without it, an identical text is likelier someone else's.
                else if (raw != null && row.Family == "Google") score -= 1;
                scored.Add(new KeyValuePair<int, VendorCodeRow>(score, row));
            }
            if (scored.Count == 0)
            {
                if (marked != null && marked.Count > 0) vendorName = marked[0].Vendor;
                return Array.Empty<SmtpVendorStatus>();
            }
            // OrderByDescending is stable: equal scores keep file order.
            SmtpVendorStatus[] result = scored.Count == 1
                ? new[] { scored[0].Value.In(language) }
                : scored.OrderByDescending(p => p.Key).Select(p => p.Value.In(language)).ToArray();
            vendorName = result[0].Vendor;
            return result;
        }

        /// <summary>
        /// The markers found in a reply, the first in the text first and, at one place, the longest: the server's own
        /// name leads ("220 smtp.sina.com.cn ESMTP SINAMAIL &lt;Postfix Rules!&gt;" is Sina's), and
        /// "exmail.qq.com" is Exmail before it is QQ Mail. Mail addresses are left out: a Postfix refusal of
        /// &lt;someone@yahoo.com&gt; came from Postfix, not from Yahoo.
        /// </summary>
        private static List<VendorMarker> FindMarkers(ReplyCodeCatalog catalog, string raw)
        {
            string text = (raw.IndexOf('@') >= 0 ? WithoutAddresses(raw) : raw).ToLowerInvariant();
            var found = new List<KeyValuePair<int, VendorMarker>>();
            foreach (VendorMarker m in catalog.VendorMarkers)
            {
                int position = text.IndexOf(m.Lower, StringComparison.Ordinal);
                if (position < 0) continue;
                int at = 0;
                while (at < found.Count && (found[at].Key < position ||
                    (found[at].Key == position && found[at].Value.Marker.Length >= m.Marker.Length))) at++;
                found.Insert(at, new KeyValuePair<int, VendorMarker>(position, m));
            }
            var markers = new List<VendorMarker>(found.Count);
            foreach (KeyValuePair<int, VendorMarker> pair in found) markers.Add(pair.Value);
            return markers;
        }

        private static string WithoutAddresses(string raw)
        {
            var sb = new System.Text.StringBuilder(raw.Length);
            int i = 0;
            while (i < raw.Length)
            {
                int start = i;
                while (i < raw.Length && !IsAddressBreak(raw[i])) i++;
                string token = raw.Substring(start, i - start);
                if (token.IndexOf('@') < 0) sb.Append(token);
                if (i < raw.Length) sb.Append(raw[i++]);
            }
            return sb.ToString();
        }

        private static bool IsAddressBreak(char c) =>
            char.IsWhiteSpace(c) || c == '<' || c == '>' || c == '(' || c == ')' || c == '"' || c == '\'' ||
            c == ',' || c == ';' || c == '[' || c == ']';
    }
}
