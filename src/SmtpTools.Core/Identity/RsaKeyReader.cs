using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace SmtpTools.Core.Identity
{
    /// <summary>
    /// Reads an RSA private key from PEM: PKCS#8 ("BEGIN PRIVATE KEY", what Google's service-account key files hold)
    /// or PKCS#1 ("BEGIN RSA PRIVATE KEY"). netstandard2.0 has no ImportPkcs8PrivateKey, so the few DER structures
    /// are read here instead of pulling in an ASN.1 package.
    /// </summary>
    internal static class RsaKeyReader
    {
        // 1.2.840.113549.1.1.1 (rsaEncryption), DER-encoded.
        private static readonly byte[] RsaEncryptionOid = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01 };

        /// <summary>Makes an RSA object holding the key in <paramref name="pem"/>.</summary>
        /// <exception cref="FormatException">The text holds no RSA private key this reader knows.</exception>
        internal static RSA FromPem(string pem)
        {
            RSAParameters parameters = ReadPem(pem);
            RSA rsa = RSA.Create();
            try
            {
                rsa.ImportParameters(parameters);
            }
            catch (CryptographicException ex)
            {
                rsa.Dispose();
                throw new FormatException("The private key's numbers are not a valid RSA key: " + ex.Message, ex);
            }
            return rsa;
        }

        internal static RSAParameters ReadPem(string pem)
        {
            if (TryBlock(pem, "PRIVATE KEY", out byte[] pkcs8)) return ReadPkcs8(pkcs8);
            if (TryBlock(pem, "RSA PRIVATE KEY", out byte[] pkcs1)) return ReadPkcs1(pkcs1);
            if (pem.IndexOf("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal) >= 0)
                throw new FormatException("The private key is encrypted; give it unencrypted (as Google issues it).");
            throw new FormatException("No '-----BEGIN PRIVATE KEY-----' block was found.");
        }

        private static bool TryBlock(string pem, string label, out byte[] der)
        {
            der = Array.Empty<byte>();
            string begin = "-----BEGIN " + label + "-----";
            string end = "-----END " + label + "-----";
            int start = pem.IndexOf(begin, StringComparison.Ordinal);
            if (start < 0) return false;
            start += begin.Length;
            int stop = pem.IndexOf(end, start, StringComparison.Ordinal);
            if (stop < 0) throw new FormatException($"The PEM block has no '{end}' line.");
            var body = new StringBuilder();
            for (int i = start; i < stop; i++)
            {
                char c = pem[i];
                if (!char.IsWhiteSpace(c)) body.Append(c);
            }
            try
            {
                der = Convert.FromBase64String(body.ToString());
            }
            catch (FormatException ex)
            {
                throw new FormatException("The PEM block is not valid base64.", ex);
            }
            return true;
        }

        // RFC 5208 §5: PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, privateKey OCTET STRING, ... }.
        private static RSAParameters ReadPkcs8(byte[] der)
        {
            var outer = new DerReader(der);
            DerReader info = outer.ReadSequence();
            info.ReadInteger();
            DerReader algorithm = info.ReadSequence();
            byte[] oid = algorithm.ReadTagged(0x06);
            if (!SameBytes(oid, RsaEncryptionOid))
                throw new FormatException("The private key is not an RSA key (Google and Microsoft sign with RSA).");
            return ReadPkcs1(info.ReadTagged(0x04));
        }

        // RFC 8017 §A.1.2: RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }.
        private static RSAParameters ReadPkcs1(byte[] der)
        {
            DerReader key = new DerReader(der).ReadSequence();
            key.ReadInteger();
            byte[] n = Unsigned(key.ReadInteger());
            byte[] e = Unsigned(key.ReadInteger());
            byte[] d = key.ReadInteger();
            byte[] p = key.ReadInteger();
            byte[] q = key.ReadInteger();
            byte[] dp = key.ReadInteger();
            byte[] dq = key.ReadInteger();
            byte[] qi = key.ReadInteger();
            // Windows' CNG and CAPI want D as long as the modulus and the CRT numbers half as long, zero-padded.
            int half = (n.Length + 1) / 2;
            return new RSAParameters
            {
                Modulus = n,
                Exponent = e,
                D = Fit(d, n.Length),
                P = Fit(p, half),
                Q = Fit(q, half),
                DP = Fit(dp, half),
                DQ = Fit(dq, half),
                InverseQ = Fit(qi, half),
            };
        }

        private static byte[] Unsigned(byte[] value)
        {
            int skip = 0;
            while (skip < value.Length - 1 && value[skip] == 0) skip++;
            if (skip == 0) return value;
            var result = new byte[value.Length - skip];
            Buffer.BlockCopy(value, skip, result, 0, result.Length);
            return result;
        }

        private static byte[] Fit(byte[] value, int length)
        {
            byte[] trimmed = Unsigned(value);
            if (trimmed.Length == length) return trimmed;
            if (trimmed.Length > length)
                throw new FormatException("A number of the RSA key is longer than its modulus allows.");
            var padded = new byte[length];
            Buffer.BlockCopy(trimmed, 0, padded, length - trimmed.Length, trimmed.Length);
            return padded;
        }

        private static bool SameBytes(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        /// <summary>Reads DER's definite-length TLVs; nothing else of ASN.1 is needed for these two
        /// structures.</summary>
        private sealed class DerReader
        {
            private readonly byte[] _data;
            private int _position;
            private readonly int _end;

            internal DerReader(byte[] data) : this(data, 0, data.Length)
            {
            }

            private DerReader(byte[] data, int offset, int end)
            {
                _data = data;
                _position = offset;
                _end = end;
            }

            internal DerReader ReadSequence()
            {
                (int offset, int length) = ReadHeader(0x30);
                return new DerReader(_data, offset, offset + length);
            }

            internal byte[] ReadInteger() => ReadTagged(0x02);

            internal byte[] ReadTagged(byte tag)
            {
                (int offset, int length) = ReadHeader(tag);
                var value = new byte[length];
                Buffer.BlockCopy(_data, offset, value, 0, length);
                return value;
            }

            private (int Offset, int Length) ReadHeader(byte tag)
            {
                if (_position + 2 > _end || _data[_position] != tag)
                    throw new FormatException($"The key's DER structure is not as expected (tag 0x{tag:X2}).");
                _position++;
                int length = _data[_position++];
                if (length >= 0x80)
                {
                    int bytes = length & 0x7F;
                    if (bytes == 0 || bytes > 4 || _position + bytes > _end)
                        throw new FormatException("The key's DER structure has a bad length.");
                    length = 0;
                    for (int i = 0; i < bytes; i++) length = (length << 8) | _data[_position++];
                }
                if (length < 0 || _position + length > _end)
                    throw new FormatException("The key's DER structure is cut short.");
                int offset = _position;
                _position += length;
                return (offset, length);
            }
        }
    }
}
