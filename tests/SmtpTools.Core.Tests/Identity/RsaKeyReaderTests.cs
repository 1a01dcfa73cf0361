using System;
using System.Security.Cryptography;
using System.Text;
using SmtpTools.Core.Identity;
using Xunit;

namespace SmtpTools.Core.Tests.Identity
{
    public class RsaKeyReaderTests
    {
        [Theory]
        [InlineData(1024)]
        [InlineData(2048)]
        public void FromPem_Pkcs8AndPkcs1_SignsLikeTheOriginalKey(int bits)
        {
            using RSA original = RSA.Create(bits);
            byte[] data = Encoding.UTF8.GetBytes("header.payload");
            foreach (string pem in new[] { original.ExportPkcs8PrivateKeyPem(), original.ExportRSAPrivateKeyPem() })
            {
                using RSA read = RsaKeyReader.FromPem("junk before\n" + pem + "\njunk after");
                byte[] signature = read.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                Assert.True(original.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }
        }

        [Fact]
        public void FromPem_GoogleStyleEscapedNewlinesAlreadyDecoded_Reads()
        {
            using RSA original = RSA.Create(2048);
            // A key file's private_key after JSON decoding: \n line breaks, a trailing newline.
            string pem = original.ExportPkcs8PrivateKeyPem().Replace("\r\n", "\n") + "\n";
            using RSA read = RsaKeyReader.FromPem(pem);
            Assert.Equal(original.ExportParameters(false).Modulus, read.ExportParameters(false).Modulus);
        }

        [Fact]
        public void FromPem_EncryptedKey_SaysSo()
        {
            using RSA original = RSA.Create(2048);
            string pem = original.ExportEncryptedPkcs8PrivateKeyPem("pw",
                new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000));
            var ex = Assert.Throws<FormatException>(() => RsaKeyReader.FromPem(pem));
            Assert.Contains("encrypted", ex.Message);
        }

        [Theory]
        [InlineData("no pem here")]
        [InlineData("-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----")]
        [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")]
        [InlineData("-----BEGIN PRIVATE KEY-----\nMIIB")]
        public void FromPem_Garbage_ThrowsFormatException(string pem) =>
            Assert.Throws<FormatException>(() => RsaKeyReader.FromPem(pem));

        [Fact]
        public void FromPem_EcKey_SaysItIsNotRsa()
        {
            using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var ex = Assert.Throws<FormatException>(() => RsaKeyReader.FromPem(ec.ExportPkcs8PrivateKeyPem()));
            Assert.Contains("not an RSA key", ex.Message);
        }
    }
}
