using System;
using System.Text;

namespace SmtpTools.Core.Mime
{
    /// <summary>Turns -Encoding values into encodings, with the code-page encodings (gb2312, shift_jis…)
    /// available.</summary>
    internal static class MessageEncoding
    {
        private static readonly object Gate = new object();
        private static bool _registered;

        /// <summary>Registers CodePagesEncodingProvider once: .NET Core knows only the Unicode encodings, ASCII and
        /// Latin-1 without it. The package comes with MimeKit's netstandard2.0 dependencies. Call it before the first
        /// MimeKit use: MimeKit caches each charset lookup, so a charset it failed to find once stays
        /// unknown.</summary>
        internal static void EnsureCodePages()
        {
            lock (Gate)
            {
                if (_registered) return;
                Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
                _registered = true;
            }
        }

        /// <summary>Resolves a System.Text.Encoding, an encoding name or a code page number; null gives
        /// UTF-8.</summary>
        /// <exception cref="SmtpMessageException">UnknownEncoding, naming the value.</exception>
        internal static Encoding Resolve(object? value)
        {
            switch (value)
            {
                case null:
                    return new UTF8Encoding(false);
                case Encoding encoding:
                    return encoding;
                case int codePage:
                    return FromCodePage(codePage);
                case string name:
                    return FromName(name);
                default:
                    return FromName(value.ToString() ?? string.Empty);
            }
        }

        private static Encoding FromCodePage(int codePage)
        {
            EnsureCodePages();
            try
            {
                return Encoding.GetEncoding(codePage);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException)
            {
                throw Unknown(codePage.ToString(), e);
            }
        }

        private static Encoding FromName(string name)
        {
            string trimmed = name.Trim();
            if (trimmed.Length == 0) return new UTF8Encoding(false);
            // PowerShell's own -Encoding names (FileSystemCmdletProviderEncoding and the 7.x argument completer).
            switch (trimmed.ToLowerInvariant())
            {
                case "utf8":
                case "utf8nobom":
                case "utf8bom":
                case "default":
                    return new UTF8Encoding(false);
                case "unicode":
                    return Encoding.Unicode;
                case "bigendianunicode":
                    return Encoding.BigEndianUnicode;
                case "utf32":
                    return Encoding.UTF32;
                case "bigendianutf32":
                    return new UTF32Encoding(true, true);
                case "oem":
                    return FromCodePage(437);
                case "latin1":
                    return FromCodePage(28591);
            }

            EnsureCodePages();
            try
            {
                return Encoding.GetEncoding(trimmed);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException)
            {
                throw Unknown(trimmed, e);
            }
        }

        private static SmtpMessageException Unknown(string name, Exception inner) =>
            new SmtpMessageException(SmtpMessageError.UnknownEncoding, "Encoding", MessageErrors.Visible(name),
                $"The encoding '{MessageErrors.Visible(name)}' is not known.",
                "Use an IANA charset name such as utf-8, gb2312, big5, shift_jis, iso-2022-jp or iso-8859-1.", inner);

        /// <summary>True when every character of the text survives the encoding; otherwise UTF-8 is used for it, so
        /// that a narrow -Encoding never turns text into question marks.</summary>
        internal static bool CanEncode(Encoding encoding, string text)
        {
            if (encoding.CodePage == 65001 || encoding.CodePage == 1200 || encoding.CodePage == 1201 ||
                encoding.CodePage == 12000 || encoding.CodePage == 12001)
                return true;
            try
            {
                Encoding strict = Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback,
                    DecoderFallback.ExceptionFallback);
                strict.GetByteCount(text);
                return true;
            }
            catch (EncoderFallbackException)
            {
                return false;
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException)
            {
                return true;
            }
        }

        /// <summary>The encoding if it can carry the text, else UTF-8.</summary>
        internal static Encoding For(Encoding preferred, string? text) =>
            text is null || CanEncode(preferred, text) ? preferred : new UTF8Encoding(false);
    }
}
