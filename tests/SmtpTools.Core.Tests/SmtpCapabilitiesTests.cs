using System;
using Xunit;

namespace SmtpTools.Core.Tests
{
    public class SmtpCapabilitiesTests
    {
        private static SmtpReply Ehlo(params string[] lines) => new SmtpReply(250, lines);

        [Fact]
        public void Parse_PostfixEhlo_ReadsEveryKnownKeyword()
        {
            SmtpCapabilities caps = SmtpCapabilities.Parse(Ehlo("mail.example.test", "PIPELINING", "SIZE 10240000",
                "VRFY", "ETRN", "STARTTLS", "AUTH PLAIN LOGIN CRAM-MD5", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN",
                "SMTPUTF8", "CHUNKING", "BINARYMIME", "REQUIRETLS"), true);

            Assert.Equal("mail.example.test", caps.Domain);
            Assert.True(caps.IsExtended);
            Assert.True(caps.Pipelining && caps.StartTls && caps.EnhancedStatusCodes && caps.EightBitMime &&
                        caps.Dsn && caps.SmtpUtf8 && caps.Chunking && caps.BinaryMime && caps.RequireTls);
            Assert.Equal(10240000, caps.SizeLimit);
            Assert.Equal(new[] { "PLAIN", "LOGIN", "CRAM-MD5" }, caps.AuthMechanisms);
            Assert.Equal(new[] { "VRFY", "ETRN" }, caps.Other);
            Assert.True(caps.SupportsAuth("cram-md5"));
        }

        [Fact]
        public void Parse_OldAuthEqualsFormAlongsideAuth_MergesWithoutDuplicates()
        {
            SmtpCapabilities caps = SmtpCapabilities.Parse(
                Ehlo("old.example.test", "AUTH LOGIN PLAIN", "AUTH=LOGIN PLAIN", "auth=xoauth2"), true);

            Assert.Equal(new[] { "LOGIN", "PLAIN", "XOAUTH2" }, caps.AuthMechanisms);
            Assert.Empty(caps.Other);
        }

        [Theory]
        [InlineData("SIZE", null)]
        [InlineData("SIZE 0", 0L)]
        [InlineData("SIZE lots", null)]
        public void Parse_SizeParameter_IsLimitOnlyWhenNumeric(string line, long? limit)
        {
            SmtpCapabilities caps = SmtpCapabilities.Parse(Ehlo("x", line), true);

            Assert.True(caps.Size);
            Assert.Equal(limit, caps.SizeLimit);
        }

        [Fact]
        public void Parse_HeloReply_HasNoExtensions()
        {
            SmtpCapabilities caps = SmtpCapabilities.Parse(Ehlo("old.example.test Hello", "PIPELINING"), false);

            Assert.False(caps.IsExtended);
            Assert.False(caps.Pipelining);
            Assert.Empty(caps.Keywords);
        }
    }
}
