using System;
using Xunit;

namespace SmtpTools.Core.Tests.Model
{
    public class SmtpReplyTests
    {
        [Theory]
        [InlineData(250, SmtpReplyClass.PositiveCompletion, true, false, false)]
        [InlineData(354, SmtpReplyClass.PositiveIntermediate, true, false, false)]
        [InlineData(421, SmtpReplyClass.TransientNegative, false, true, false)]
        [InlineData(550, SmtpReplyClass.PermanentNegative, false, false, true)]
        public void Constructor_Code_DerivesClassAndFlags(int code, SmtpReplyClass expected, bool positive,
            bool transient, bool permanent)
        {
            var reply = new SmtpReply(code, new[] { "text" });

            Assert.Equal(expected, reply.Class);
            Assert.Equal(positive, reply.IsPositive);
            Assert.Equal(transient, reply.IsTransient);
            Assert.Equal(permanent, reply.IsPermanent);
        }

        [Theory]
        [InlineData(550, "5.1.1 <x@y>: Recipient address rejected", "5.1.1")]
        [InlineData(250, "2.0.0 Ok: queued as 4A0BCB1E520", "2.0.0")]
        [InlineData(550, "4.1.1 class does not match the reply", null)]
        [InlineData(550, "Recipient address rejected", null)]
        [InlineData(550, "5.1 too short", null)]
        [InlineData(535, "5.7.139 Authentication unsuccessful", "5.7.139")]
        public void EnhancedStatus_FirstWordOfText_FoundOnlyWhenValidAndSameClass(int code, string text, string? expected)
        {
            Assert.Equal(expected, new SmtpReply(code, new[] { text }).EnhancedStatus);
        }

        [Fact]
        public void RawLines_MultilineReply_UseHyphenUntilTheLastLine()
        {
            var reply = new SmtpReply(250, new[] { "mail.example", "PIPELINING", "SIZE 10240000" });

            Assert.Equal(new[] { "250-mail.example", "250-PIPELINING", "250 SIZE 10240000" }, reply.RawLines);
            Assert.Equal("mail.example\nPIPELINING\nSIZE 10240000", reply.Text);
        }

        [Theory]
        [InlineData(199)]
        [InlineData(600)]
        public void Constructor_CodeOutsideTwoToFive_Throws(int code)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new SmtpReply(code, new[] { "x" }));
        }

        [Theory]
        [InlineData("2.0.0", true)]
        [InlineData("5.7.139", true)]
        [InlineData("4.999.999", true)]
        [InlineData("5.1.1000", false)]
        [InlineData("5.1000.1", false)]
        [InlineData("3.1.1", false)]
        [InlineData("55.1.1", false)]
        [InlineData("5..1", false)]
        [InlineData("5.1.", false)]
        [InlineData("5.1", false)]
        [InlineData("5.1.1.", false)]
        [InlineData("5.1.1.1", false)]
        [InlineData("5.a.1", false)]
        [InlineData("5.1.1x", false)]
        [InlineData("", false)]
        public void EnhancedStatusCodeIsValid_Candidate_MatchesRfc3463Syntax(string candidate, bool expected)
        {
            Assert.Equal(expected, EnhancedStatusCode.IsValid(candidate));
        }
    }
}
