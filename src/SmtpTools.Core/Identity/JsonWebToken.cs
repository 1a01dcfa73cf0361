using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace SmtpTools.Core.Identity
{
    /// <summary>
    /// Signs the JWTs the flows send (a client assertion, a service-account grant) and reads the claims of the
    /// tokens they get back. Reading never checks a signature: the server that receives the token does that, and the
    /// claims are shown only to explain what the token allows.
    /// </summary>
    internal static class JsonWebToken
    {
        /// <summary>Signs header and claims with <paramref name="key"/>: RS256 (PKCS#1 v1.5) or PS256 (PSS).</summary>
        internal static string Sign(IEnumerable<KeyValuePair<string, object?>> header,
            IEnumerable<KeyValuePair<string, object?>> claims, RSA key, bool pss)
        {
            string signingInput = Base64Url.Encode(Encoding.UTF8.GetBytes(JsonText.WriteObject(header))) + "." +
                                  Base64Url.Encode(Encoding.UTF8.GetBytes(JsonText.WriteObject(claims)));
            // RFC 7518 §3.3 and §3.5: both use SHA-256; PSS with a salt as long as the hash, which is what
            // RSASignaturePadding.Pss means on every runtime.
            byte[] signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256,
                pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
            return signingInput + "." + Base64Url.Encode(signature);
        }

        /// <summary>The claims of a JWT, or null when the token is not one (Google's access tokens are
        /// opaque).</summary>
        internal static Dictionary<string, object?>? TryReadClaims(string token) => TryReadPart(token, 1);

        /// <summary>The header of a JWT, or null when the token is not one.</summary>
        internal static Dictionary<string, object?>? TryReadHeader(string token) => TryReadPart(token, 0);

        private static Dictionary<string, object?>? TryReadPart(string token, int index)
        {
            string[] parts = token.Split('.');
            if (parts.Length != 3) return null;
            try
            {
                return JsonText.Parse(Encoding.UTF8.GetString(Base64Url.Decode(parts[index])))
                    as Dictionary<string, object?>;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        /// <summary>Seconds since the Unix epoch, as JWT NumericDate values are (RFC 7519 §2).</summary>
        internal static long ToUnixTime(DateTimeOffset time) =>
            (long)(time.UtcDateTime - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds;

        internal static DateTimeOffset FromUnixTime(long seconds) =>
            new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds);
    }
}
