using System;
using System.Collections.Generic;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmtpTools.Core.Smtp
{
    /// <summary>Reads the subjectAltName extension (RFC 5280 §4.2.1.6) without relying on platform text formats.</summary>
    internal static class CertificateNames
    {
        private const string SubjectAltNameOid = "2.5.29.17";

        /// <summary>DNS names as "DNS:name", IP addresses as "IP:address", e-mail as "Email:address".</summary>
        internal static IReadOnlyList<string> SubjectAlternativeNames(X509Certificate2 certificate)
        {
            var names = new List<string>();
            foreach (X509Extension extension in certificate.Extensions)
            {
                if (extension.Oid?.Value != SubjectAltNameOid) continue;
                try
                {
                    Parse(extension.RawData, names);
                }
                catch (FormatException)
                {
                    names.Add("(unreadable subjectAltName)");
                }
            }
            return names.ToArray();
        }

        // GeneralNames ::= SEQUENCE OF GeneralName; the interesting choices are [1] rfc822Name, [2] dNSName and
        // [7] iPAddress, all primitive and implicitly tagged.
        private static void Parse(byte[] der, List<string> names)
        {
            int pos = 0;
            if (der.Length < 2 || der[pos++] != 0x30) throw new FormatException();
            int end = ReadLength(der, ref pos);
            end += pos;
            if (end > der.Length) throw new FormatException();
            while (pos < end)
            {
                byte tag = der[pos++];
                int length = ReadLength(der, ref pos);
                if (pos + length > end) throw new FormatException();
                switch (tag)
                {
                    case 0x81:
                        names.Add("Email:" + Encoding.ASCII.GetString(der, pos, length));
                        break;
                    case 0x82:
                        names.Add("DNS:" + Encoding.ASCII.GetString(der, pos, length));
                        break;
                    case 0x87 when length == 4 || length == 16:
                        byte[] address = new byte[length];
                        Array.Copy(der, pos, address, 0, length);
                        names.Add("IP:" + new IPAddress(address));
                        break;
                }
                pos += length;
            }
        }

        private static int ReadLength(byte[] der, ref int pos)
        {
            if (pos >= der.Length) throw new FormatException();
            int first = der[pos++];
            if (first < 0x80) return first;
            int count = first & 0x7F;
            if (count == 0 || count > 3 || pos + count > der.Length) throw new FormatException();
            int length = 0;
            for (int i = 0; i < count; i++) length = (length << 8) | der[pos++];
            return length;
        }
    }
}
