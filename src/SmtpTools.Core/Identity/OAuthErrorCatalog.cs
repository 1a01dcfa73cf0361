using System;
using System.Collections.Generic;
using System.Linq;
using SmtpTools.Core.Codes;

namespace SmtpTools.Core.Identity
{
    /// <summary>The known identity-provider errors (Codes/Data/oauth-error-codes.tsv), looked up from an
    /// answer.</summary>
    internal static class OAuthErrorCatalog
    {
        private static readonly Lazy<IReadOnlyList<OAuthErrorExplanation>> Rows =
            new Lazy<IReadOnlyList<OAuthErrorExplanation>>(Load);

        /// <summary>Every row, in file order.</summary>
        internal static IReadOnlyList<OAuthErrorExplanation> All => Rows.Value;

        private static IReadOnlyList<OAuthErrorExplanation> Load()
        {
            var rows = new List<OAuthErrorExplanation>();
            foreach (string[] r in ReplyCodeCatalog.ReadTable("oauth-error-codes.tsv"))
            {
                string? Cell(int i) => i < r.Length && r[i].Length > 0 ? r[i] : null;
                rows.Add(new OAuthErrorExplanation(r[0], r[1], r[2], Cell(3), r[4], r[5], Cell(6), Cell(7), Cell(8)));
            }
            return rows;
        }

        /// <summary>
        /// The explanation for an error answer: by AADSTS number first (Microsoft puts them in error_codes and at
        /// the start of error_description), then by error code and a text of the description (Google).
        /// </summary>
        internal static OAuthErrorExplanation? Find(OAuthProvider provider, string? error, string? description,
            IReadOnlyList<long> codes)
        {
            foreach (long code in codes)
            {
                OAuthErrorExplanation? byNumber = All.FirstOrDefault(r => r.Code == "AADSTS" + code);
                if (byNumber != null) return byNumber;
            }
            if (description != null)
            {
                OAuthErrorExplanation? byPrefix = All.FirstOrDefault(r =>
                    r.Code.StartsWith("AADSTS", StringComparison.Ordinal) &&
                    description.StartsWith(r.Code + ":", StringComparison.Ordinal));
                if (byPrefix != null) return byPrefix;
            }
            if (error == null || provider != OAuthProvider.Google) return null;
            return All.FirstOrDefault(r => r.Provider == "Google" && r.Error == error && r.MatchText != null &&
                                           description != null &&
                                           description.IndexOf(r.MatchText, StringComparison.OrdinalIgnoreCase) >= 0)
                   ?? All.FirstOrDefault(r => r.Provider == "Google" && r.Error == error && r.MatchText == null &&
                                              r.Code == error);
        }
    }
}
