using System;
using System.Collections.Generic;
using System.Linq;
using SmtpTools.Core.Codes;
using Xunit;

namespace SmtpTools.Core.Tests.Codes
{
    public class ReplyLineParserTests
    {
        [Fact]
        public void Parse_LineWithEnhancedCode_SplitsCodeEnhancedAndText()
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { "550 5.1.1 <bob@example.com>: Recipient address rejected" })
                .Single();

            Assert.Equal(550, reply.Code);
            Assert.Equal("5.1.1", reply.EnhancedStatus);
            Assert.Equal(new[] { "5.1.1 <bob@example.com>: Recipient address rejected" }, reply.Lines);
        }

        [Fact]
        public void Parse_LineWithoutEnhancedCode_HasNoEnhancedStatus()
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { "554 Transaction failed" }).Single();

            Assert.Equal(554, reply.Code);
            Assert.Null(reply.EnhancedStatus);
            Assert.Equal("Transaction failed", reply.Text);
        }

        [Fact]
        public void Parse_EnhancedClassDiffersFromCode_HasNoEnhancedStatus()
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { "550 4.4.7 QUEUE.Expired; message expired" }).Single();

            Assert.Null(reply.EnhancedStatus);
        }

        [Theory]
        [InlineData("250-mx.example.com\r\n250-PIPELINING\r\n250 SMTPUTF8")]
        [InlineData("250-mx.example.com\n250-PIPELINING\n250 SMTPUTF8\n")]
        [InlineData("250-mx.example.com\r250-PIPELINING\r250 SMTPUTF8")]
        public void Parse_MultiLineText_IsOneReplyWithLinesInOrder(string text)
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { text }).Single();

            Assert.Equal(250, reply.Code);
            Assert.Equal(new[] { "mx.example.com", "PIPELINING", "SMTPUTF8" }, reply.Lines);
            Assert.Equal(new[] { "250-mx.example.com", "250-PIPELINING", "250 SMTPUTF8" }, reply.RawLines);
        }

        [Fact]
        public void Parse_MultiLineAsSeparateStrings_IsOneReply()
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { "451-4.7.1 Greylisted,", "451 4.7.1 try again later" })
                .Single();

            Assert.Equal(451, reply.Code);
            Assert.Equal("4.7.1", reply.EnhancedStatus);
            Assert.Equal(2, reply.Lines.Count);
        }

        [Theory]
        [InlineData("   550    5.1.1    User unknown   ")]
        [InlineData("550\t5.1.1\tUser unknown")]
        [InlineData("550 5.1.1: User unknown")]
        [InlineData("<-  550 5.1.1 User unknown")]
        [InlineData("<** 550 5.1.1 User unknown")]
        public void Parse_OddSpacingAndGlyphs_FindsCodeAndEnhancedCode(string line)
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { line }).Single();

            Assert.Equal(550, reply.Code);
            Assert.Equal("5.1.1", reply.EnhancedStatus);
            Assert.EndsWith("User unknown", reply.Text);
        }

        [Fact]
        public void Parse_CodeOnly_IsReplyWithEmptyText()
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { "354" }).Single();

            Assert.Equal(354, reply.Code);
            Assert.Equal(string.Empty, reply.Text);
        }

        [Fact]
        public void Parse_TwoCompleteReplies_ReturnsBoth()
        {
            IReadOnlyList<SmtpReply> replies = ReplyLineParser.Parse(new[] { "250 2.1.0 Ok\n550 5.1.1 User unknown" });

            Assert.Equal(new[] { 250, 550 }, replies.Select(r => r.Code));
        }

        [Fact]
        public void Parse_MissingLastLine_StillReturnsReply()
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { "250-mx.example.com", "250-PIPELINING" }).Single();

            Assert.Equal(2, reply.Lines.Count);
        }

        [Theory]
        [InlineData("hello")]
        [InlineData("Recipient address rejected")]
        [InlineData("150 old code")]
        [InlineData("600 too high")]
        [InlineData("5500 four digits")]
        [InlineData("550x no separator")]
        [InlineData("")]
        public void Parse_NotAReplyLine_ThrowsFormatExceptionSayingWhatIsValid(string line)
        {
            FormatException e = Assert.Throws<FormatException>(() => ReplyLineParser.Parse(new[] { line }));

            Assert.Contains("three-digit code from 200 to 599", e.Message);
        }

        [Fact]
        public void Parse_ContinuationWithDifferentCode_ThrowsFormatException()
        {
            FormatException e = Assert.Throws<FormatException>(
                () => ReplyLineParser.Parse(new[] { "250-mx.example.com", "550 nope" }));

            Assert.Contains("550", e.Message);
            Assert.Contains("250", e.Message);
        }
    }
}
