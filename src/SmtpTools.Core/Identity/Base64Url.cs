using System;

namespace SmtpTools.Core.Identity
{
    /// <summary>base64url without padding (RFC 7515 §2), as JWTs and certificate thumbprint claims use it.</summary>
    internal static class Base64Url
    {
        internal static string Encode(byte[] data) =>
            Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        /// <exception cref="FormatException">The text is not base64url.</exception>
        internal static byte[] Decode(string text)
        {
            string s = text.Replace('-', '+').Replace('_', '/');
            switch (s.Length % 4)
            {
                case 2: s += "=="; break;
                case 3: s += "="; break;
                case 1:
                    throw new FormatException("The text is not base64url: one character too many for its length.");
            }
            return Convert.FromBase64String(s);
        }
    }
}
