using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace SmtpTools.Core.Codes
{
    /// <summary>One row of smtp-reply-codes.tsv with its Chinese text.</summary>
    internal sealed class BasicCodeRow
    {
        internal BasicCodeRow(int code, string meaning, string definedBy, string typicalCommands, string source,
            string notes, string? chinese)
        {
            Code = code;
            Meaning = meaning;
            DefinedBy = definedBy;
            TypicalCommands = typicalCommands;
            Source = source;
            Notes = notes;
            Chinese = chinese;
        }

        internal int Code { get; }
        internal string Meaning { get; }
        internal string DefinedBy { get; }
        internal string TypicalCommands { get; }
        internal string Source { get; }
        internal string Notes { get; }
        internal string? Chinese { get; }

        /// <summary>Enhanced codes (registry form, "X.6.7") that say a reply means this row.</summary>
        internal IReadOnlyList<string> MarkerCodes { get; set; } = Array.Empty<string>();

        /// <summary>Phrases that say a reply means this row (whole words, any case).</summary>
        internal IReadOnlyList<string> MarkerPhrases { get; set; } = Array.Empty<string>();
    }

    /// <summary>A text that names the software or provider a reply came from, such as "gsmtp" for Gmail.</summary>
    internal sealed class VendorMarker
    {
        internal VendorMarker(string family, string vendor, string marker)
        {
            Family = family;
            Vendor = vendor;
            Marker = marker;
            Lower = marker.ToLowerInvariant();
        }

        /// <summary>The vendor family the rows of several product names share, such as "Microsoft".</summary>
        internal string Family { get; }

        /// <summary>The vendor named when no row of the family matches, such as "Microsoft 365".</summary>
        internal string Vendor { get; }

        internal string Marker { get; }

        /// <summary>The marker in lower case, searched for ordinally in lower-cased replies (much faster than a
        /// case-insensitive search of every marker in every reply line).</summary>
        internal string Lower { get; }
    }

    /// <summary>One row of enhanced-status-codes.tsv (a class, a subject or a detail) with its Chinese texts.</summary>
    internal sealed class EnhancedCodeRow
    {
        internal EnhancedCodeRow(string kind, string code, string text, string associatedCodes, string description,
            string reference, string notes, string? chinese, string? chineseDescription)
        {
            Kind = kind;
            Code = code;
            Text = text;
            AssociatedCodes = associatedCodes;
            Description = description;
            Reference = reference;
            Notes = notes;
            Chinese = chinese;
            ChineseDescription = chineseDescription;
        }

        /// <summary>"class", "subject" or "detail".</summary>
        internal string Kind { get; }
        /// <summary>As the registry writes it: "5.XXX.XXX", "X.1.XXX" or "X.1.1".</summary>
        internal string Code { get; }
        internal string Text { get; }
        internal string AssociatedCodes { get; }
        internal string Description { get; }
        internal string Reference { get; }
        internal string Notes { get; }
        internal string? Chinese { get; }
        internal string? ChineseDescription { get; }
    }

    /// <summary>One row of vendor-status-codes.tsv, with its enhanced code (or range) parsed.</summary>
    internal sealed class VendorCodeRow
    {
        internal VendorCodeRow(SmtpVendorStatus status, SmtpVendorStatus? chinese, string family, int enhancedClass,
            int enhancedSubject, int detailFrom, int detailTo)
        {
            Status = status;
            Chinese = chinese;
            Family = family;
            MatchLower = status.MatchText.ToLowerInvariant();
            EnhancedClass = enhancedClass;
            EnhancedSubject = enhancedSubject;
            DetailFrom = detailFrom;
            DetailTo = detailTo;
        }

        internal SmtpVendorStatus Status { get; }

        /// <summary>The row with its Chinese meaning, cause and advice, or null when none is written yet.</summary>
        internal SmtpVendorStatus? Chinese { get; }

        /// <summary>The vendor family (vendor-markers.tsv) the row belongs to, or the vendor name.</summary>
        internal string Family { get; }

        /// <summary>The match text in lower case, for ordinal search in a lower-cased reply.</summary>
        internal string MatchLower { get; }

        /// <summary>The row in the language asked for, English when no Chinese text exists.</summary>
        internal SmtpVendorStatus In(ReplyLanguage language) =>
            language == ReplyLanguage.Chinese && Chinese != null ? Chinese : Status;

        /// <summary>-1 when the row names no enhanced code.</summary>
        internal int EnhancedClass { get; }
        internal int EnhancedSubject { get; }
        internal int DetailFrom { get; }
        internal int DetailTo { get; }
        internal bool HasEnhanced => EnhancedClass >= 0;

        internal bool MatchesEnhanced(int cls, int subject, int detail) =>
            cls == EnhancedClass && subject == EnhancedSubject && detail >= DetailFrom && detail <= DetailTo;
    }

    /// <summary>
    /// The reply code knowledge, read once from the TSV files embedded in this assembly. The files are the reference
    /// data copied as is, so they can be refreshed from their sources without touching code.
    /// </summary>
    internal sealed class ReplyCodeCatalog
    {
        private const string ResourcePrefix = "SmtpTools.Codes.Data.";
        private static readonly Lazy<ReplyCodeCatalog> Shared = new Lazy<ReplyCodeCatalog>(Load);

        // Plain loops rather than LINQ here and in Load: the catalogue is built by the first Get-SmtpReplyCode of a
        // session, where each lambda and each generic instantiation over int is one more method to JIT-compile.
        private ReplyCodeCatalog(List<BasicCodeRow> basic, List<EnhancedCodeRow> enhanced, List<VendorCodeRow> vendors,
            Dictionary<int, string> seedChinese, List<VendorMarker> markers)
        {
            BasicRows = basic;
            VendorMarkers = markers;
            EnhancedRows = enhanced;
            VendorRows = vendors;
            SeedChinese = seedChinese;

            var basicByCode = new Dictionary<int, IReadOnlyList<BasicCodeRow>>();
            foreach (BasicCodeRow row in basic)
            {
                if (!basicByCode.TryGetValue(row.Code, out IReadOnlyList<BasicCodeRow>? rows))
                    basicByCode[row.Code] = rows = new List<BasicCodeRow>();
                ((List<BasicCodeRow>)rows).Add(row);
            }
            BasicByCode = basicByCode;

            var enhancedByCode = new Dictionary<string, EnhancedCodeRow>(StringComparer.OrdinalIgnoreCase);
            foreach (EnhancedCodeRow row in enhanced)
            {
                if (!enhancedByCode.ContainsKey(row.Code)) enhancedByCode[row.Code] = row;
            }
            EnhancedByCode = enhancedByCode;

            var withoutCode = new List<VendorCodeRow>();
            foreach (VendorCodeRow row in vendors)
            {
                if (!row.Status.Code.HasValue) withoutCode.Add(row);
            }
            VendorRowsWithoutCode = withoutCode;
            _vendorRowsByCode = new Dictionary<int, IReadOnlyList<VendorCodeRow>>();
            foreach (VendorCodeRow row in vendors)
            {
                if (!row.Status.Code.HasValue || _vendorRowsByCode.ContainsKey(row.Status.Code.Value)) continue;
                int code = row.Status.Code.Value;
                var rows = new List<VendorCodeRow>();
                foreach (VendorCodeRow candidate in vendors)
                {
                    if (!candidate.Status.Code.HasValue || candidate.Status.Code.Value == code) rows.Add(candidate);
                }
                _vendorRowsByCode[code] = rows;
            }
        }

        private readonly Dictionary<int, IReadOnlyList<VendorCodeRow>> _vendorRowsByCode;

        /// <summary>The vendor rows a reply with this code can match, in file order: those naming the code and those
        /// naming none. Saves scanning every row's text for every reply line.</summary>
        internal IReadOnlyList<VendorCodeRow> VendorRowsFor(int? code)
        {
            if (!code.HasValue) return VendorRows;
            return _vendorRowsByCode.TryGetValue(code.Value, out IReadOnlyList<VendorCodeRow>? rows)
                ? rows : VendorRowsWithoutCode;
        }

        /// <summary>The vendor rows that name no basic code, in file order.</summary>
        internal IReadOnlyList<VendorCodeRow> VendorRowsWithoutCode { get; }

        /// <summary>The catalogue, parsed on first use.</summary>
        internal static ReplyCodeCatalog Instance => Shared.Value;

        /// <summary>Every basic code row in file order.</summary>
        internal IReadOnlyList<BasicCodeRow> BasicRows { get; }

        /// <summary>Every enhanced status row (classes, subjects, details) in file order.</summary>
        internal IReadOnlyList<EnhancedCodeRow> EnhancedRows { get; }

        /// <summary>Every vendor row in file order.</summary>
        internal IReadOnlyList<VendorCodeRow> VendorRows { get; }

        /// <summary>The texts that name where a reply came from (vendor-markers.tsv), in file order.</summary>
        internal IReadOnlyList<VendorMarker> VendorMarkers { get; }

        /// <summary>The Chinese texts of seed-reply-codes-zh.tsv, by code.</summary>
        internal IReadOnlyDictionary<int, string> SeedChinese { get; }

        /// <summary>Basic rows by code; the first row of each code is its RFC 5321 (or primary) meaning.</summary>
        internal IReadOnlyDictionary<int, IReadOnlyList<BasicCodeRow>> BasicByCode { get; }

        /// <summary>Enhanced rows by their registry key ("5.XXX.XXX", "X.7.XXX", "X.7.8").</summary>
        internal IReadOnlyDictionary<string, EnhancedCodeRow> EnhancedByCode { get; }

        internal EnhancedCodeRow? FindEnhanced(string registryKey) =>
            EnhancedByCode.TryGetValue(registryKey, out EnhancedCodeRow? row) ? row : null;

        private static ReplyCodeCatalog Load()
        {
            var seed = new Dictionary<int, string>();
            foreach (string[] r in ReadTable("seed-reply-codes-zh.tsv")) seed.Add(int.Parse(r[0]), r[1]);
            var basicChinese = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string[] r in ReadTable("smtp-reply-codes-zh.tsv")) basicChinese.Add(r[0] + "\t" + r[1], r[2]);

            var markers = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (string[] r in ReadTable("smtp-reply-code-markers.tsv")) markers.Add(r[0] + "\t" + r[1], r);

            var basic = new List<BasicCodeRow>();
            var seenCodes = new HashSet<int>();
            foreach (string[] r in ReadTable("smtp-reply-codes.tsv"))
            {
                int code = int.Parse(r[0]);
                bool primary = seenCodes.Add(code);
                // The seed's texts translate the RFC 5321 meaning, which is each code's first row.
                string? chinese = primary && r[3] == "RFC 5321" && seed.TryGetValue(code, out string? s)
                    ? s
                    : basicChinese.TryGetValue(r[0] + "\t" + r[3], out string? own) ? own : null;
                var row = new BasicCodeRow(code, r[2], r[3], r[4], r[5], Cell(r, 6), chinese);
                if (markers.TryGetValue(r[0] + "\t" + r[3], out string[]? m))
                {
                    row.MarkerCodes = Split(Cell(m, 2), ',');
                    row.MarkerPhrases = Split(Cell(m, 3), '|');
                }
                basic.Add(row);
            }

            var enhancedChinese = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            foreach (string[] r in ReadTable("enhanced-status-codes-zh.tsv")) enhancedChinese.Add(r[0], r);
            var enhanced = new List<EnhancedCodeRow>();
            foreach (string[] r in ReadTable("enhanced-status-codes.tsv"))
            {
                enhancedChinese.TryGetValue(r[1], out string[]? zh);
                string? zhText = zh != null ? Cell(zh, 1) : null;
                string? zhDescription = zh != null ? Cell(zh, 2) : null;
                enhanced.Add(new EnhancedCodeRow(r[0], r[1], r[2], r[3], r[4], r[5], Cell(r, 7),
                    string.IsNullOrEmpty(zhText) ? null : zhText,
                    string.IsNullOrEmpty(zhDescription) ? null : zhDescription));
            }

            var vendorMarkers = new List<VendorMarker>();
            foreach (string[] r in ReadTable("vendor-markers.tsv"))
                vendorMarkers.Add(new VendorMarker(r[0], r[1], r[2]));

            var vendorChinese = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (string[] r in ReadTable("vendor-status-codes-zh.tsv"))
                vendorChinese[r[0] + "\t" + r[1] + "\t" + r[2] + "\t" + r[3]] = r;

            var vendors = new List<VendorCodeRow>();
            foreach (string[] r in ReadTable("vendor-status-codes.tsv"))
            {
                int? code = r[1].Length == 0 ? (int?)null : int.Parse(r[1]);
                string? enhancedCode = r[2].Length == 0 ? null : r[2];
                int cls = -1, subject = -1, from = -1, to = -1;
                if (enhancedCode != null) ParseEnhancedRange(enhancedCode, out cls, out subject, out from, out to);
                var status = new SmtpVendorStatus(r[0], code, enhancedCode, r[3], r[4], r[5], r[6], Cell(r, 7));
                SmtpVendorStatus? chinese = null;
                if (vendorChinese.TryGetValue(r[0] + "\t" + r[1] + "\t" + r[2] + "\t" + r[3], out string[]? zh))
                {
                    chinese = new SmtpVendorStatus(r[0], code, enhancedCode, r[3], Cell(zh, 4), Cell(zh, 5),
                        Cell(zh, 6), Cell(r, 7));
                }
                vendors.Add(new VendorCodeRow(status, chinese, FamilyOf(r[0], vendorMarkers), cls, subject, from,
                    to));
            }

            return new ReplyCodeCatalog(basic, enhanced, vendors, seed, vendorMarkers);
        }

        // "Microsoft 365" and "Outlook.com" are one family: a marker of either decides between all their rows.
        private static string FamilyOf(string vendor, List<VendorMarker> markers)
        {
            foreach (VendorMarker m in markers)
            {
                if (string.Equals(m.Vendor, vendor, StringComparison.OrdinalIgnoreCase) ||
                    vendor.StartsWith(m.Family, StringComparison.OrdinalIgnoreCase))
                {
                    return m.Family;
                }
            }
            return vendor;
        }

        private static string[] Split(string text, char separator)
        {
            var parts = new List<string>();
            foreach (string part in text.Split(separator))
            {
                if (part.Trim().Length > 0) parts.Add(part.Trim());
            }
            return parts.ToArray();
        }

        // Vendor rows may name a range of details, such as "5.7.606-649" (Microsoft's banned-IP family).
        private static void ParseEnhancedRange(string text, out int cls, out int subject, out int from, out int to)
        {
            string[] parts = text.Split('.');
            if (parts.Length != 3) throw new InvalidDataException("Bad enhanced code in vendor data: " + text);
            cls = int.Parse(parts[0]);
            subject = int.Parse(parts[1]);
            string[] range = parts[2].Split('-');
            from = int.Parse(range[0]);
            to = range.Length > 1 ? int.Parse(range[1]) : from;
        }

        private static string Cell(string[] row, int index) => index < row.Length ? row[index] : string.Empty;

        /// <summary>Reads an embedded TSV file, skipping its header line and blank lines.</summary>
        internal static IEnumerable<string[]> ReadTable(string fileName)
        {
            using Stream? stream =
                typeof(ReplyCodeCatalog).Assembly.GetManifestResourceStream(ResourcePrefix + fileName);
            if (stream == null) throw new InvalidOperationException("Missing embedded resource " + fileName + ".");
            using var reader = new StreamReader(stream, new UTF8Encoding(false));
            var rows = new List<string[]>();
            bool header = true;
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (header) { header = false; continue; }
                if (line.Trim().Length == 0) continue;
                rows.Add(line.Split('\t'));
            }
            return rows;
        }
    }
}
