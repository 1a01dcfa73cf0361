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

        // Invalid UTF-8 from a server must not throw: show U+FFFD and keep the raw code digits intact.
        private static readonly Encoding LineEncoding = new UTF8Encoding(false, false);

        private readonly byte[] _buffer = new byte[4096];
        private Stream _stream;
        private int _start;
        private int _end;

        internal SmtpReplyReader(Stream stream)
        {
            _stream = stream;
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
            var lines = new List<string>();
            var raw = new List<string>();
            int code = -1;
            long total = 0;
            while (true)
            {
                byte[] lineBytes = await ReadLineAsync(raw.Count > 0, cancellationToken).ConfigureAwait(false);
                total += lineBytes.Length + 2;
                if (total > MaxReplyLength)
                {
                    throw new SmtpProtocolException(
                        $"the server sent a reply longer than {MaxReplyLength / 1024} KiB.");
                }

                string line = LineEncoding.GetString(lineBytes);
                int lineCode = ParseCode(lineBytes, line);
                if (code >= 0 && lineCode != code)
                {
                    // RFC 5321 §4.2.1: every line of a multi-line reply repeats the same code.
                    throw new SmtpProtocolException(
                        $"the server mixed reply codes {code} and {lineCode} in one reply (\"{Shorten(line)}\").");
                }
                code = lineCode;
                raw.Add(line);

                // RFC 5321 §4.2: a bare code is a valid last line; otherwise the 4th character decides.
                if (lineBytes.Length == 3)
                {
                    lines.Add(string.Empty);
                    break;
                }
                byte separator = lineBytes[3];
                lines.Add(line.Substring(4));
                if (separator == (byte)' ') break;
                if (separator != (byte)'-')
                {
                    throw new SmtpProtocolException(
                        $"the server sent a reply line whose fourth character is neither a space nor '-' " +
                        $"(\"{Shorten(line)}\").");
                }
            }
            return new SmtpReply(code, lines.ToArray(), null, raw.ToArray());
        }

        private static int ParseCode(byte[] lineBytes, string line)
        {
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
                        $"(\"{Shorten(line)}\").");
                }
            }
            // RFC 5321 §4.2 / §4.3.2: a first digit outside 2-5 is never valid and is treated as fatal.
            if (lineBytes[0] < (byte)'2' || lineBytes[0] > (byte)'5')
            {
                throw new SmtpProtocolException(
                    $"the server sent reply code {line.Substring(0, 3)}, whose first digit is outside 2-5.");
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
}
