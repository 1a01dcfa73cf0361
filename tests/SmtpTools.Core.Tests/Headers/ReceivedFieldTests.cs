using System;
using SmtpTools.Core.Headers;
using Xunit;

namespace SmtpTools.Core.Tests.Headers
{
    public class ReceivedFieldTests
    {
        [Fact]
        public void Parse_PostfixLine_ReadsEveryClause()
        {
            ReceivedField f = ReceivedField.Parse(
                "from client.example (host-7.example.net [192.0.2.7])\r\n\tby mx.example.org (Postfix) with ESMTPS " +
                "id 5D2A9B2007B\r\n\tfor <bob@example.org>; Thu, 26 Nov 2026 17:39:42 +0100 (CET)");

            Assert.Equal("client.example", f.FromName);
            Assert.Equal("host-7.example.net", f.FromReverseName);
            Assert.Equal("192.0.2.7", f.FromAddress?.ToString());
            Assert.Equal("mx.example.org", f.By);
            Assert.Equal("ESMTPS", f.With);
            Assert.Equal("5D2A9B2007B", f.Id);
            Assert.Equal("bob@example.org", f.For);
            Assert.Equal(new DateTimeOffset(2026, 11, 26, 17, 39, 42, TimeSpan.FromHours(1)), f.Timestamp);
        }

        [Fact]
        public void Parse_UnknownReverseName_LeavesReverseNameEmpty()
        {
            ReceivedField f = ReceivedField.Parse(
                "from client.example (unknown [127.0.0.1]) by mail.smtptools.test (Postfix) with ESMTP id 1; " +
                "Thu, 26 Nov 2026 17:39:42 +0000 (UTC)");

            Assert.Equal("client.example", f.FromName);
            Assert.Null(f.FromReverseName);
            Assert.Equal("127.0.0.1", f.FromAddress?.ToString());
        }

        [Fact]
        public void Parse_EximHeloInComment_TakesHeloAsClaimedName()
        {
            ReceivedField f = ReceivedField.Parse(
                "from mail.sender.example ([198.51.100.4] helo=liar.example) by mx.example.org with esmtp " +
                "(Exim 4.96) id 1qAbCd-000123-XY; Mon, 2 Oct 2023 10:00:00 +0000");

            Assert.Equal("liar.example", f.FromName);
            Assert.Equal("mail.sender.example", f.FromReverseName);
            Assert.Equal("198.51.100.4", f.FromAddress?.ToString());
            Assert.Equal("esmtp", f.With);
        }

        [Fact]
        public void Parse_ExchangeBareAddressAndMultiWordWith_ReadsBoth()
        {
            ReceivedField f = ReceivedField.Parse(
                "from DM6PR01MB1234.prod.outlook.com (2603:10b6:5:1a0::17) by BN8PR01MB5678.prod.outlook.com " +
                "with Microsoft SMTP Server (version=TLS1_2) id 15.20.6838.24; Tue, 3 Oct 2023 08:01:02 +0000");

            Assert.Equal("2603:10b6:5:1a0::17", f.FromAddress?.ToString());
            Assert.Equal("Microsoft SMTP Server", f.With);
            Assert.Equal("15.20.6838.24", f.Id);
        }

        [Fact]
        public void Parse_IPv6LiteralInBrackets_StripsPrefix()
        {
            ReceivedField f = ReceivedField.Parse(
                "from a.example (b.example [IPv6:2001:db8::5]) by c.example; 1 Jan 2024 00:00:00 -0000");

            Assert.Equal("2001:db8::5", f.FromAddress?.ToString());
        }

        [Fact]
        public void Parse_SemicolonInsideComment_IsNotTheDate()
        {
            ReceivedField f = ReceivedField.Parse(
                "from a.example ([192.0.2.1]) by b.example (x; y) id 9; Sat, 06 Jan 2024 01:02:03 +0200");

            Assert.Equal("9", f.Id);
            Assert.Equal(new DateTimeOffset(2024, 1, 6, 1, 2, 3, TimeSpan.FromHours(2)), f.Timestamp);
        }

        [Theory]
        [InlineData("Mon, 25 Oct 04 14:24:27 +0800", 2004, 8)]
        [InlineData("25 Oct 1999 14:24 EST", 1999, -5)]
        [InlineData("Mon, 25 Oct 2021 14:24:27 GMT", 2021, 0)]
        public void ParseDate_ObsoleteForms_AreRead(string text, int year, int offsetHours)
        {
            DateTimeOffset? t = ReceivedField.ParseDate(text);

            Assert.NotNull(t);
            Assert.Equal(year, t!.Value.Year);
            Assert.Equal(TimeSpan.FromHours(offsetHours), t.Value.Offset);
        }

        [Theory]
        [InlineData("yesterday")]
        [InlineData("31 Feb 2024 10:00:00 +0000")]
        [InlineData("1 Foo 2024 10:00:00 +0000")]
        public void ParseDate_Invalid_ReturnsNull(string text) => Assert.Null(ReceivedField.ParseDate(text));
    }
}
