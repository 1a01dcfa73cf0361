using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Core.Policy.Transport
{
    /// <summary>
    /// The check a sender makes on one connection: does the certificate the exchanger presented satisfy the domain's
    /// MTA-STS policy (RFC 8461 §4) and its TLSA records (RFC 7672 §3)? The connection code supplies the host, the
    /// certificate, the chain and the platform's PKIX verdict; this decides.
    /// </summary>
    internal static class TlsPolicyEvaluator
    {
        /// <param name="host">The exchanger connected to (the MX name, not its address).</param>
        /// <param name="leaf">The certificate presented.</param>
        /// <param name="chain">The chain presented or built, leaf first.</param>
        /// <param name="pkixValid">The platform validated the chain to a trusted root and the name.</param>
        /// <param name="sts">The domain's MTA-STS policy, or null.</param>
        /// <param name="tlsa">The host's TLSA records, or null.</param>
        internal static TlsPolicyVerdict Evaluate(string host, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain,
            bool pkixValid, MtaStsPolicy? sts, DaneTlsa? tlsa)
        {
            var reasons = new List<string>();
            string? mode = sts?.Status == MailCheckStatus.Ok || sts?.Status == MailCheckStatus.Warning ? sts!.Mode : null;
            bool? stsOk = null;
            if (mode == "enforce" || mode == "testing")
            {
                bool listed = sts!.Mx.Any(p => CertificateValidation.HostMatches(p, host));
                bool named = CertificateValidation.Names(leaf, host);
                stsOk = listed && named && pkixValid;
                if (!listed) reasons.Add($"{host} matches no mx: pattern of the MTA-STS policy ({string.Join(", ", sts.Mx)}).");
                else if (!named) reasons.Add($"The certificate does not name {host} (MTA-STS needs the MX name, RFC 8461 §4.1).");
                else if (!pkixValid) reasons.Add("The certificate does not chain to a trusted root (MTA-STS needs a valid PKIX chain).");
                else reasons.Add($"MTA-STS ({mode}) is met: {host} is listed and its certificate is valid and names it.");
            }

            bool daneValidated = tlsa != null && tlsa.Validated;
            bool? daneOk = null;
            if (tlsa != null && tlsa.Raw.Length > 0)
            {
                TlsaData? match = tlsa.Raw.FirstOrDefault(r => Matches(r, leaf, chain, host));
                daneOk = match != null;
                if (!tlsa.Usable) reasons.Add("The TLSA records use only PKIX-TA/PKIX-EE (0/1), which SMTP ignores (RFC 7672 §3.1.3).");
                else if (match != null) reasons.Add($"The certificate matches TLSA {TransportPolicyReader.Present(match)}" + (daneValidated ? "." : ", but the TLSA answer was not DNSSEC-validated."));
                else reasons.Add("The certificate matches none of the TLSA records" + (daneValidated ? ": a DANE sender will not deliver." : " (unvalidated, so senders do not act on them)."));
            }

            // RFC 8461 §2: where validated TLSA records exist, DANE decides; otherwise MTA-STS in enforce mode does.
            bool daneApplies = daneValidated && tlsa!.Usable;
            bool required = daneApplies || mode == "enforce";
            bool satisfied = daneApplies ? daneOk == true : mode != "enforce" || stsOk == true;
            if (reasons.Count == 0) reasons.Add("No MTA-STS policy and no TLSA records: opportunistic TLS, nothing to check.");
            return new TlsPolicyVerdict(host, mode, stsOk, daneValidated, daneOk, required, satisfied,
                string.Join(" ", reasons));
        }

        /// <summary>RFC 6698 §2.1 / RFC 7672 §3.1: one TLSA record against the presented chain.</summary>
        internal static bool Matches(TlsaData record, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain,
            string host)
        {
            switch (record.Usage)
            {
                case 3: // DANE-EE: the leaf's key or certificate; names and dates do not matter (RFC 7672 §3.1.1).
                    return Associated(record, leaf);
                case 2: // DANE-TA: a certificate above the leaf, and the leaf must name the host (RFC 7672 §3.2.2).
                    return chain.Skip(1).Any(c => Associated(record, c)) && CertificateValidation.Names(leaf, host);
                default:
                    return false;
            }
        }

        private static bool Associated(TlsaData record, X509Certificate2 certificate)
        {
            byte[]? content = record.Selector switch
            {
                0 => certificate.RawData,
                1 => SubjectPublicKeyInfo(certificate.RawData),
                _ => null,
            };
            if (content == null) return false;
            byte[] digest = record.MatchingType switch
            {
                0 => content,
                1 => Hash(SHA256.Create(), content),
                2 => Hash(SHA512.Create(), content),
                _ => Array.Empty<byte>(),
            };
            return digest.Length > 0 && digest.SequenceEqual(record.Data);
        }

        private static byte[] Hash(HashAlgorithm algorithm, byte[] data)
        {
            using (algorithm) return algorithm.ComputeHash(data);
        }

        /// <summary>
        /// The DER of the certificate's SubjectPublicKeyInfo (netstandard2.0 has no export for it): Certificate →
        /// tbsCertificate → [version], serial, signature, issuer, validity, subject, then the SPKI.
        /// </summary>
        internal static byte[]? SubjectPublicKeyInfo(byte[] der)
        {
            int position = 0;
            if (!Enter(der, ref position, 0x30, out _)) return null; // Certificate
            if (!Enter(der, ref position, 0x30, out _)) return null; // tbsCertificate
            if (position < der.Length && der[position] == 0xA0) Skip(der, ref position); // [0] version
            for (int i = 0; i < 5; i++) Skip(der, ref position); // serial, signature, issuer, validity, subject
            int start = position;
            Skip(der, ref position);
            if (position > der.Length || der[start] != 0x30) return null;
            var spki = new byte[position - start];
            Array.Copy(der, start, spki, 0, spki.Length);
            return spki;
        }

        private static bool Enter(byte[] der, ref int position, byte tag, out int length)
        {
            length = 0;
            if (position >= der.Length || der[position] != tag) return false;
            position++;
            length = ReadLength(der, ref position);
            return true;
        }

        private static void Skip(byte[] der, ref int position)
        {
            if (position >= der.Length) return;
            position++;
            int length = ReadLength(der, ref position);
            position += length;
        }

        private static int ReadLength(byte[] der, ref int position)
        {
            if (position >= der.Length) return 0;
            int first = der[position++];
            if (first < 0x80) return first;
            int count = first & 0x7F;
            int length = 0;
            for (int i = 0; i < count && position < der.Length; i++) length = (length << 8) | der[position++];
            return length;
        }
    }
}
