using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.TestServer
{
    /// <summary>
    /// A loopback SMTP server that plays a script, for the faults a real server will not produce on demand.
    /// It serves one connection on 127.0.0.1 and a free port.
    /// </summary>
    /// <remarks>
    /// Script lines (blank lines and lines starting with # are ignored):
    /// <list type="bullet">
    /// <item><c>S: text</c> sends text + CRLF. Consecutive S: and S-RAW: lines go out in one write.</item>
    /// <item><c>S-RAW: text</c> sends text with \r \n \t \\ and \xNN escapes and no added line ending.</item>
    /// <item><c>S-ENC name: text</c> sends text + CRLF in the named encoding, as Chinese servers answer in GBK
    /// ("S-ENC gbk: 535 Error: 请使用授权码登录").</item>
    /// <item><c>C: text</c> expects that exact line from the client; a trailing * matches any rest ("C: *" any line).</item>
    /// <item><c>C-DATA</c> reads message lines up to the lone "." line.</item>
    /// <item><c>C-BDAT</c> reads one "BDAT n [LAST]" line and its n bytes.</item>
    /// <item><c>TLS</c> does the server side of a TLS handshake.</item>
    /// <item><c>STALL</c> sends nothing more and waits until the client goes away.</item>
    /// <item><c>CLOSE</c> closes the connection.</item>
    /// <item><c>RESET</c> resets the connection (TCP RST: linger 0, then close).</item>
    /// <item><c>HANG</c> stops reading and sending until the server is disposed (the client's writes back up).</item>
    /// </list>
    /// </remarks>
    public sealed class ScriptedSmtpServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly string[] _script;
        private readonly X509Certificate2? _certificate;
        private readonly List<string> _received = new List<string>();
        private readonly List<byte[]> _messages = new List<byte[]>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;
        private Stream? _stream;

        private ScriptedSmtpServer(string script, X509Certificate2? certificate, IPAddress? address)
        {
            _script = script.Replace("\r\n", "\n").Split('\n');
            _certificate = certificate;
            _listener = new TcpListener(address ?? IPAddress.Loopback, 0);
            _listener.Start();
            Completion = Task.Run(RunAsync);
        }

        /// <summary>Starts a server playing <paramref name="script"/>.</summary>
        public static ScriptedSmtpServer Start(string script, X509Certificate2? certificate = null,
            IPAddress? address = null) =>
            new ScriptedSmtpServer(script, certificate, address);

        /// <summary>Starts a server playing the script in a file.</summary>
        public static ScriptedSmtpServer StartFile(string path, X509Certificate2? certificate = null,
            IPAddress? address = null) =>
            new ScriptedSmtpServer(File.ReadAllText(path), certificate, address);

        /// <summary>The address listened on, as text (127.0.0.1 unless another loopback address was asked for).</summary>
        public string Host => ((IPEndPoint)_listener.LocalEndpoint).Address.ToString();

        /// <summary>The port the server listens on.</summary>
        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>Finishes when the script has run; faults when the client did something else.</summary>
        public Task Completion { get; }

        /// <summary>Every line received from the client, in order (message content excluded).</summary>
        public IReadOnlyList<string> Received
        {
            get { lock (_received) return _received.ToArray(); }
        }

        /// <summary>The message bytes received by C-DATA (still dot-stuffed) and C-BDAT.</summary>
        public IReadOnlyList<byte[]> Messages
        {
            get { lock (_messages) return _messages.ToArray(); }
        }

        /// <summary>Creates a self-signed certificate for localhost and 127.0.0.1, with its private key.</summary>
        public static X509Certificate2 CreateCertificate(string name = "localhost")
        {
            using RSA rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=" + name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(name);
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1),
                DateTimeOffset.UtcNow.AddDays(30));
            // Export and reload so the key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
        }

        /// <summary>Stops listening and drops the connection.</summary>
        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stream?.Dispose();
        }

        // .NET knows only the Unicode encodings and Latin-1 until the code-page provider is registered.
        private static Encoding ScriptEncoding(string name)
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding(name);
        }

        private async Task RunAsync()
        {
            using TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            client.NoDelay = true;
            NetworkStream network = client.GetStream();
            _stream = network;
            var pending = new MemoryStream();
            try
            {
                for (int i = 0; i < _script.Length; i++)
                {
                    string line = _script[i].TrimEnd('\r');
                    if (line.Trim().Length == 0 || line.TrimStart().StartsWith("#", StringComparison.Ordinal)) continue;

                    if (line.StartsWith("S:", StringComparison.Ordinal))
                    {
                        byte[] bytes = Encoding.UTF8.GetBytes(Payload(line, 2) + "\r\n");
                        pending.Write(bytes, 0, bytes.Length);
                        continue;
                    }
                    if (line.StartsWith("S-RAW:", StringComparison.Ordinal))
                    {
                        byte[] bytes = Unescape(Payload(line, 6));
                        pending.Write(bytes, 0, bytes.Length);
                        continue;
                    }
                    if (line.StartsWith("S-ENC ", StringComparison.Ordinal))
                    {
                        int colon = line.IndexOf(':');
                        Encoding encoding = ScriptEncoding(line.Substring(6, colon - 6).Trim());
                        byte[] bytes = encoding.GetBytes(Payload(line, colon + 1) + "\r\n");
                        pending.Write(bytes, 0, bytes.Length);
                        continue;
                    }

                    await FlushAsync(pending).ConfigureAwait(false);
                    if (line.StartsWith("C:", StringComparison.Ordinal))
                    {
                        string expected = Payload(line, 2);
                        string actual = await ReadLineAsync().ConfigureAwait(false)
                            ?? throw new InvalidOperationException(
                                $"Script line {i + 1}: expected \"{expected}\" but the client closed the connection.");
                        lock (_received) _received.Add(actual);
                        if (!Matches(expected, actual))
                        {
                            throw new InvalidOperationException(
                                $"Script line {i + 1}: expected \"{expected}\" but the client sent \"{actual}\".");
                        }
                    }
                    else if (line.Trim() == "C-DATA")
                    {
                        await ReadDataAsync(i).ConfigureAwait(false);
                    }
                    else if (line.Trim() == "C-BDAT")
                    {
                        await ReadBdatAsync(i).ConfigureAwait(false);
                    }
                    else if (line.Trim() == "TLS")
                    {
                        if (_start != _end) throw new InvalidOperationException("The client sent data before TLS.");
                        var ssl = new SslStream(network, false);
                        await ssl.AuthenticateAsServerAsync(_certificate
                            ?? throw new InvalidOperationException("The script uses TLS but no certificate was given."))
                            .ConfigureAwait(false);
                        _stream = ssl;
                    }
                    else if (line.Trim() == "STALL")
                    {
                        // Wait for the client to give up; whatever it sends meanwhile is ignored.
                        while (await ReadLineAsync().ConfigureAwait(false) != null)
                        {
                        }
                        return;
                    }
                    else if (line.Trim() == "CLOSE")
                    {
                        return;
                    }
                    else if (line.Trim() == "RESET")
                    {
                        client.LingerState = new LingerOption(true, 0);
                        client.Client.Close();
                        return;
                    }
                    else if (line.Trim() == "HANG")
                    {
                        await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        throw new InvalidOperationException($"Script line {i + 1} is not understood: \"{line}\".");
                    }
                }
                await FlushAsync(pending).ConfigureAwait(false);
            }
            finally
            {
                _stream?.Dispose();
            }
        }

        private static string Payload(string line, int prefix)
        {
            string rest = line.Substring(prefix);
            return rest.StartsWith(" ", StringComparison.Ordinal) ? rest.Substring(1) : rest;
        }

        private static bool Matches(string expected, string actual)
        {
            if (expected.EndsWith("*", StringComparison.Ordinal))
            {
                return actual.StartsWith(expected.Substring(0, expected.Length - 1), StringComparison.Ordinal);
            }
            return expected == actual;
        }

        private async Task FlushAsync(MemoryStream pending)
        {
            if (pending.Length == 0) return;
            byte[] bytes = pending.ToArray();
            pending.SetLength(0);
            await _stream!.WriteAsync(bytes, 0, bytes.Length, _stop.Token).ConfigureAwait(false);
            await _stream.FlushAsync(_stop.Token).ConfigureAwait(false);
        }

        private async Task ReadDataAsync(int index)
        {
            var message = new MemoryStream();
            while (true)
            {
                string? line = await ReadLineAsync().ConfigureAwait(false)
                    ?? throw new InvalidOperationException(
                        $"Script line {index + 1}: the client closed the connection during DATA.");
                if (line == ".") break;
                byte[] bytes = Encoding.UTF8.GetBytes(line + "\r\n");
                message.Write(bytes, 0, bytes.Length);
            }
            lock (_messages) _messages.Add(message.ToArray());
        }

        private async Task ReadBdatAsync(int index)
        {
            string line = await ReadLineAsync().ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Script line {index + 1}: the client closed before BDAT.");
            lock (_received) _received.Add(line);
            string[] parts = line.Split(' ');
            if (parts.Length < 2 || parts[0] != "BDAT")
                throw new InvalidOperationException($"Script line {index + 1}: expected BDAT but got \"{line}\".");
            int count = int.Parse(parts[1], CultureInfo.InvariantCulture);
            var chunk = new byte[count];
            int got = 0;
            while (got < count)
            {
                if (_start == _end && !await FillAsync().ConfigureAwait(false))
                    throw new InvalidOperationException($"Script line {index + 1}: the client closed inside a chunk.");
                int n = Math.Min(count - got, _end - _start);
                Buffer.BlockCopy(_buffer, _start, chunk, got, n);
                _start += n;
                got += n;
            }
            lock (_messages) _messages.Add(chunk);
        }

        private async Task<bool> FillAsync()
        {
            int n;
            try
            {
                n = await _stream!.ReadAsync(_buffer, 0, _buffer.Length, _stop.Token).ConfigureAwait(false);
            }
            catch (IOException)
            {
                n = 0;
            }
            _start = 0;
            _end = n;
            return n > 0;
        }

        private async Task<string?> ReadLineAsync()
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync().ConfigureAwait(false)) return null;
                int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                int stop = lf < 0 ? _end : lf;
                line.Write(_buffer, _start, stop - _start);
                if (lf < 0)
                {
                    _start = _end;
                    continue;
                }
                _start = lf + 1;
                string text = Encoding.UTF8.GetString(line.ToArray());
                return text.EndsWith("\r", StringComparison.Ordinal) ? text.Substring(0, text.Length - 1) : text;
            }
        }

        /// <summary>Turns a script line's escapes (\r \n \t \\ \xHH) into the bytes they stand for.</summary>
        public static byte[] Unescape(string text)
        {
            var bytes = new List<byte>();
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c != '\\' || i + 1 >= text.Length)
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                    continue;
                }
                char e = text[++i];
                switch (e)
                {
                    case 'r': bytes.Add((byte)'\r'); break;
                    case 'n': bytes.Add((byte)'\n'); break;
                    case 't': bytes.Add((byte)'\t'); break;
                    case '\\': bytes.Add((byte)'\\'); break;
                    case 'x':
                        bytes.Add(byte.Parse(text.Substring(i + 1, 2), NumberStyles.HexNumber,
                            CultureInfo.InvariantCulture));
                        i += 2;
                        break;
                    default: bytes.Add((byte)'\\'); bytes.Add((byte)e); break;
                }
            }
            return bytes.ToArray();
        }
    }
}
