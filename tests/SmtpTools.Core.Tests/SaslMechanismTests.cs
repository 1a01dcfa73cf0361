using System;
using System.Security.Cryptography;
using System.Text;
using SmtpTools.Core.Smtp;
using Xunit;

namespace SmtpTools.Core.Tests
{
    public class SaslMechanismTests
    {
        private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));

        private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

        [Fact]
        public void InitialResponse_Plain_MatchesRfc4954Example()
        {
            var plain = SaslMechanism.Create("PLAIN", new SmtpCredential("test", "1234"), "h", 25);

            Assert.Equal("AHRlc3QAMTIzNA==", plain.InitialResponse());
        }

        [Fact]
        public void Respond_CramMd5_MatchesRfc2195Example()
        {
            var cram = SaslMechanism.Create("CRAM-MD5", new SmtpCredential("tim", "tanstaaftanstaaf"), "h", 25);

            string answer = cram.Respond(Bytes("<1896.697170952@postoffice.reston.mci.net>"));

            Assert.Equal("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", answer);
        }

        [Fact]
        public void Respond_Login_SendsUserThenPassword()
        {
            var login = SaslMechanism.Create("LOGIN", new SmtpCredential("user", "secret"), "h", 25);

            Assert.Null(login.InitialResponse());
            Assert.Equal("user", Decode(login.Respond(Bytes("Username:"))));
            Assert.Equal("secret", Decode(login.Respond(Bytes("Password:"))));
            Assert.Equal("*", login.Respond(Bytes("More?")));
        }

        [Fact]
        public void InitialResponse_OAuthBearer_MatchesRfc7628Layout()
        {
            var bearer = SaslMechanism.Create("OAUTHBEARER", new SmtpCredential("user@example.com", null, "vF9dft4qmT"),
                "server.example.com", 587);

            Assert.Equal("n,a=user@example.com,\u0001host=server.example.com\u0001port=587\u0001auth=Bearer vF9dft4qmT\u0001\u0001",
                Decode(bearer.InitialResponse()!));
        }

        [Theory]
        // RFC 5802 §5 (SHA-1) and RFC 7677 §3 (SHA-256) test vectors.
        [InlineData("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
            "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")]
        [InlineData("SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")]
        public void Respond_Scram_MatchesRfcTestVectors(string name, string nonce, string serverFirst,
            string clientFinal, string serverFinal)
        {
            var hash = name == "SCRAM-SHA-1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
            var scram = new SaslMechanism.Scram(name, new SmtpCredential("user", "pencil"), hash, nonce);

            Assert.Equal("n,,n=user,r=" + nonce, Decode(scram.InitialResponse()!));
            Assert.Equal(clientFinal, Decode(scram.Respond(Bytes(serverFirst))));
            Assert.Equal(string.Empty, scram.Respond(Bytes(serverFinal)));
            Assert.False(scram.ServerVerificationFailed);
        }

        [Fact]
        public void Respond_ScramWrongServerSignature_CancelsAndFlagsServer()
        {
            var scram = new SaslMechanism.Scram("SCRAM-SHA-256", new SmtpCredential("user", "pencil"),
                HashAlgorithmName.SHA256, "rOprNGfwEbeRWgbNEkqO");
            scram.InitialResponse();
            scram.Respond(Bytes("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));

            Assert.Equal("*", scram.Respond(Bytes("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")));
            Assert.True(scram.ServerVerificationFailed);
        }

        [Fact]
        public void Respond_ScramNonceNotExtendingOurs_Cancels()
        {
            var scram = new SaslMechanism.Scram("SCRAM-SHA-1", new SmtpCredential("user", "pencil"),
                HashAlgorithmName.SHA1, "abc");
            scram.InitialResponse();

            Assert.Equal("*", scram.Respond(Bytes("r=xyz123,s=QSXCR+Q6sek8bf92,i=4096")));
        }
    }
}
