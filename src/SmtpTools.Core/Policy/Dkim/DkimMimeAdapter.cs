using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Policy.Dkim
{
    /// <summary>
    /// The only place MimeKit's DKIM verifier is used. MimeKit (and BouncyCastle) types stay inside method bodies and
    /// the nested locator, which is loaded only when a method here first runs, after the module's resolver is in
    /// place (STYLE.md §6); callers pass messages as bytes or as object.
    /// </summary>
    /// <remarks>
    /// Not async on purpose: the keys are fetched through our resolver before any MimeKit code runs, so the verifier
    /// is handed a locator that only answers from those records, and no MimeKit-typed local ends up in a state machine.
    /// </remarks>
    internal static class DkimMimeAdapter
    {
        /// <summary>A MimeKit.MimeMessage (as object) written out as the bytes a receiver would see.</summary>
        /// <exception cref="ArgumentException">The object is not a MimeKit.MimeMessage.</exception>
        internal static byte[] ToBytes(object mimeMessage)
        {
            if (!(mimeMessage is MimeKit.MimeMessage message))
            {
                throw new ArgumentException($"-MimeMessage takes a MimeKit.MimeMessage, not a {mimeMessage.GetType()}.");
            }
            using var stream = new MemoryStream();
            message.WriteTo(stream);
            return stream.ToArray();
        }

        /// <summary>
        /// Verifies the DKIM-Signature fields of <paramref name="bytes"/>, in header order, each with the key record
        /// given for it (null: not verified). Each entry is true/false, or null with an error text.
        /// </summary>
        internal static (bool? Verified, string? Error)[] Verify(byte[] bytes, IReadOnlyList<string?> keyRecords)
        {
            var results = new (bool?, string?)[keyRecords.Count];
            using var stream = new MemoryStream(bytes, false);
            MimeKit.MimeMessage message = MimeKit.MimeMessage.Load(stream);
            var signatures = new List<MimeKit.Header>();
            foreach (MimeKit.Header header in message.Headers)
            {
                if (header.Id == MimeKit.HeaderId.DkimSignature) signatures.Add(header);
            }
            for (int i = 0; i < keyRecords.Count && i < signatures.Count; i++)
            {
                if (keyRecords[i] == null) continue;
                var verifier = new MimeKit.Cryptography.DkimVerifier(new RecordLocator(keyRecords[i]!))
                {
                    // Sizes and SHA-1 are judged and worded by the caller; MimeKit only checks the cryptography.
                    MinimumRsaKeyLength = 512,
                };
                verifier.Enable(MimeKit.Cryptography.DkimSignatureAlgorithm.RsaSha1);
                try
                {
                    results[i] = (verifier.Verify(message, signatures[i]), null);
                }
                catch (Exception ex) when (ex is FormatException || ex is ArgumentException ||
                    ex is NotSupportedException || ex is MimeKit.ParseException)
                {
                    results[i] = (null, ex.Message);
                }
            }
            return results;
        }

        /// <summary>The size in bits of the key in a DKIM key record, or null when MimeKit cannot read it.</summary>
        internal static int? KeySize(string keyRecord)
        {
            try
            {
                object key = new RecordLocator(keyRecord).Key();
                return key switch
                {
                    Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters rsa => rsa.Modulus.BitLength,
                    Org.BouncyCastle.Crypto.Parameters.Ed25519PublicKeyParameters _ => 256,
                    _ => null,
                };
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is MimeKit.ParseException ||
                ex is NotSupportedException || ex is InvalidCastException || ex is IOException)
            {
                return null;
            }
        }

        /// <summary>Answers every lookup with the one record fetched beforehand through our resolver.</summary>
        private sealed class RecordLocator : MimeKit.Cryptography.DkimPublicKeyLocatorBase
        {
            private readonly string _record;

            internal RecordLocator(string record) => _record = record;

            internal Org.BouncyCastle.Crypto.AsymmetricKeyParameter Key() => GetPublicKey(_record);

            public override Org.BouncyCastle.Crypto.AsymmetricKeyParameter LocatePublicKey(string methods,
                string domain, string selector, CancellationToken cancellationToken = default) =>
                GetPublicKey(_record);

            public override Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter> LocatePublicKeyAsync(
                string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
                Task.FromResult(GetPublicKey(_record));
        }
    }
}
