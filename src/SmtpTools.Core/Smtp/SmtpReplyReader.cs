using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// Reads complete SMTP replies from a stream through its own buffer, following RFC 5321 §4.2 strictly.
    /// The buffer can be thrown away (and must be, after STARTTLS: CVE-2011-0411).
    /// </summary>
    internal sealed class SmtpReplyReader
    {
        /// <summary>The longest reply line accepted, without line ending (RFC 5321 says 512; servers exceed it).</summary>
        internal const int MaxLineLength = 8 * 1024;

        /// <summary>The longest whole reply accepted, all lines together.</summary>
        internal const int MaxReplyLength = 1024 * 1024;

        private readonly byte[] _buffer = new byte[4096];
        private readonly Encoding? _forcedEncoding;
        private Stream _stream;
        private int _start;
        private int _end;

        /// <param name="stream">The connection.</param>
        /// <param name="forcedEncoding">Decodes every reply with this encoding (-ReplyEncoding); null detects it
        /// per reply (see <see cref="ReplyTextDecoder"/>).</param>
        internal SmtpReplyReader(Stream stream, Encoding? forcedEncoding = null)
        {
            _stream = stream;
            _forcedEncoding = forcedEncoding;
        }

        /// <summary>Bytes received but not yet consumed by a reply.</summary>
        internal int BufferedCount => _end - _start;

        /// <summary>Reads from a new stream (the TLS layer) and drops every byte buffered from the old one.</summary>
        /// <returns>The number of bytes that were dropped; anything above zero was sent before TLS began.</returns>
        internal int SetStream(Stream stream)
        {
            int dropped = DiscardBuffer();
            _stream = stream;
            return dropped;
        }

        /// <summary>Drops everything buffered and returns how many bytes that was.</summary>
        internal int DiscardBuffer()
        {
            int dropped = _end - _start;
            _start = _end = 0;
            return dropped;
        }

        /// <summary>Reads one complete reply, single or multi-line.</summary>
        /// <exception cref="SmtpProtocolException">The reply is malformed or too long, or the stream ended.</exception>
        internal async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
        {
            var rawLines = new List<byte[]>();
            int code = -1;
            long total = 0;
            while (true)
            {
                byte[] lineBytes = await ReadLineAsync(rawLines.Count > 0, cancellationToken).ConfigureAwait(false);
                total += lineBytes.Length + 2;
                if (total > MaxReplyLength)
                {
                    throw new SmtpProtocolException(
                        $"the server sent a reply longer than {MaxReplyLength / 1024} KiB.");
                }

                int lineCode = ParseCode(lineBytes);
                if (code >= 0 && lineCode != code)
                {
                    // RFC 5321 §4.2.1: every line of a multi-line reply repeats the same code.
                    throw new SmtpProtocolException(
                        $"the server mixed reply codes {code} and {lineCode} in one reply " +
                        $"(\"{Shorten(ReplyTextDecoder.DecodeLine(lineBytes))}\").");
                }
                code = lineCode;
                rawLines.Add(lineBytes);

                // RFC 5321 §4.2: a bare code is a valid last line; otherwise the 4th character decides.
                if (lineBytes.Length == 3) break;
                byte separator = lineBytes[3];
                if (separator == (byte)' ') break;
                if (separator != (byte)'-')
                {
                    throw new SmtpProtocolException(
                        $"the server sent a reply line whose fourth character is neither a space nor '-' " +
                        $"(\"{Shorten(ReplyTextDecoder.DecodeLine(lineBytes))}\").");
                }
            }

            // The whole reply is decoded one way: its lines are one text, and a GBK character never spans lines.
            Encoding encoding = _forcedEncoding ?? ReplyTextDecoder.Detect(rawLines);
            var lines = new string[rawLines.Count];
            var raw = new string[rawLines.Count];
            for (int i = 0; i < rawLines.Count; i++)
            {
                byte[] bytes = rawLines[i];
                raw[i] = encoding.GetString(bytes);
                lines[i] = bytes.Length <= 4 ? string.Empty : encoding.GetString(bytes, 4, bytes.Length - 4);
            }
            return new SmtpReply(code, lines, null, raw, Join(rawLines), encoding.WebName);
        }

        // The reply as it came over the wire, lines ending in CR LF.
        private static byte[] Join(List<byte[]> lines)
        {
            int length = 0;
            foreach (byte[] line in lines) length += line.Length + 2;
            byte[] all = new byte[length];
            int at = 0;
            foreach (byte[] line in lines)
            {
                Buffer.BlockCopy(line, 0, all, at, line.Length);
                at += line.Length;
                all[at++] = (byte)'\r';
                all[at++] = (byte)'\n';
            }
            return all;
        }

        private static int ParseCode(byte[] lineBytes)
        {
            string line = lineBytes.Length < 3 ? ReplyTextDecoder.DecodeLine(lineBytes) : string.Empty;
            if (lineBytes.Length < 3)
            {
                throw new SmtpProtocolException(
                    $"the server sent a reply line too short to hold a reply code (\"{Shorten(line)}\").");
            }
            for (int i = 0; i < 3; i++)
            {
                if (lineBytes[i] < (byte)'0' || lineBytes[i] > (byte)'9')
                {
                    throw new SmtpProtocolException(
                        $"the server sent a reply line that does not start with a three-digit code " +
                        $"(\"{Shorten(ReplyTextDecoder.DecodeLine(lineBytes))}\").");
                }
            }
            // RFC 5321 §4.2 / §4.3.2: a first digit outside 2-5 is never valid and is treated as fatal.
            if (lineBytes[0] < (byte)'2' || lineBytes[0] > (byte)'5')
            {
                throw new SmtpProtocolException(
                    $"the server sent reply code {Encoding.ASCII.GetString(lineBytes, 0, 3)}, whose first digit " +
                    "is outside 2-5.");
            }
            return (lineBytes[0] - '0') * 100 + (lineBytes[1] - '0') * 10 + (lineBytes[2] - '0');
        }

        private async Task<byte[]> ReadLineAsync(bool insideReply, CancellationToken cancellationToken)
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end)
                {
                    int read = await _stream.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken)
                        .ConfigureAwait(false);
                    _start = 0;
                    _end = read;
                    if (read == 0)
                    {
                        string where = insideReply || line.Length > 0 ? "in the middle of a reply" : "before replying";
                        throw new SmtpProtocolException(
                            $"the server closed the connection {where}.", connectionClosed: true);
                    }
                }

                int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                int take = (lf < 0 ? _end : lf) - _start;
                if (line.Length + take > MaxLineLength + 1)
                {
                    throw new SmtpProtocolException(
                        $"the server sent a reply line longer than {MaxLineLength / 1024} KiB.");
                }
                line.Write(_buffer, _start, take);
                if (lf < 0)
                {
                    _start = _end;
                    continue;
                }
                _start = lf + 1;

                // CRLF ends a line; a bare LF is tolerated because refusing it helps nobody.
                byte[] bytes = line.ToArray();
                int length = bytes.Length;
                if (length > 0 && bytes[length - 1] == (byte)'\r') length--;
                if (length > MaxLineLength)
                {
                    throw new SmtpProtocolException(
                        $"the server sent a reply line longer than {MaxLineLength / 1024} KiB.");
                }
                if (length == bytes.Length) return bytes;
                byte[] trimmed = new byte[length];
                Buffer.BlockCopy(bytes, 0, trimmed, 0, length);
                return trimmed;
            }
        }

        private static string Shorten(string line) => line.Length <= 80 ? line : line.Substring(0, 80) + "...";
    }

    /// <summary>
    /// Turns reply bytes into text without ever inventing U+FFFD: UTF-8 when the bytes are valid UTF-8 (ASCII is),
    /// otherwise GB18030 when they decode cleanly as GB18030 (a superset of GBK and GB2312, what QQ Mail, Exmail,
    /// NetEase and many Chinese appliances send), otherwise Latin-1, which maps every byte to one character.
    /// </summary>
    internal static class ReplyTextDecoder
    {
        private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, true);
        private static readonly Encoding Utf8 = new UTF8Encoding(false, false);
        private static Encoding? _strictGb18030;

        /// <summary>The encoding that reads all of <paramref name="lines"/> cleanly, tried in the order above.</summary>
        internal static Encoding Detect(IReadOnlyList<byte[]> lines)
        {
            bool ascii = true;
            foreach (byte[] line in lines)
            {
                foreach (byte b in line)
                {
                    if (b < 0x80) continue;
                    ascii = false;
                    break;
                }
                if (!ascii) break;
            }
            // Almost every reply is ASCII: no decoder is tried for it.
            if (ascii || DecodesCleanly(StrictUtf8, lines)) return Utf8;
            Encoding? gb18030 = StrictGb18030();
            if (gb18030 != null && DecodesCleanly(gb18030, lines)) return gb18030;
            return Latin1();
        }

        /// <summary>One line decoded the same way, for error messages.</summary>
        internal static string DecodeLine(byte[] line) => Detect(new[] { line }).GetString(line);

        private static bool DecodesCleanly(Encoding encoding, IReadOnlyList<byte[]> lines)
        {
            try
            {
                // A new decoder per line: a multi-byte character cut by a line break is invalid, not carried over.
                foreach (byte[] line in lines) encoding.GetCharCount(line);
                return true;
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
        }

        // Only a non-UTF-8 reply comes here, so the code-page provider (System.Text.Encoding.CodePages, loaded from
        // dependencies/ on Windows PowerShell) is loaded only when a server needs it.
        private static Encoding? StrictGb18030()
        {
            if (_strictGb18030 != null) return _strictGb18030;
            try
            {
                Mime.MessageEncoding.EnsureCodePages();
                _strictGb18030 = Encoding.GetEncoding(54936, EncoderFallback.ExceptionFallback,
                    DecoderFallback.ExceptionFallback);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException)
            {
                return null;
            }
            return _strictGb18030;
        }

        // Encoding.Latin1 is .NET 5+; code page 28591 is the same on every runtime.
        private static Encoding Latin1() => Encoding.GetEncoding(28591);
    }
}
