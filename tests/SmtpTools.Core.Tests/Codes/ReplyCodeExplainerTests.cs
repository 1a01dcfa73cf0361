using System;
using System.Linq;
using SmtpTools.Core.Codes;
using Xunit;

namespace SmtpTools.Core.Tests.Codes
{
    public class ReplyCodeExplainerTests
    {
        private static SmtpReplyCode Line(string line, ReplyLanguage language = ReplyLanguage.English) =>
            ReplyCodeExplainer.ExplainReply(ReplyLineParser.Parse(new[] { line }).Single(), language);

        [Theory]
        [InlineData(500, SmtpReplyCategory.Syntax)]
        [InlineData(214, SmtpReplyCategory.Information)]
        [InlineData(421, SmtpReplyCategory.Connections)]
        [InlineData(535, SmtpReplyCategory.Unspecified)]
        [InlineData(441, SmtpReplyCategory.Unspecified)]
        [InlineData(550, SmtpReplyCategory.MailSystem)]
        [InlineData(597, SmtpReplyCategory.Unspecified)]
        public void ExplainCode_SecondDigit_GivesCategory(int code, SmtpReplyCategory category)
        {
            Assert.Equal(category, ReplyCodeExplainer.ExplainCode(code, null, ReplyLanguage.English).Category);
        }

        [Theory]
        [InlineData(250, SmtpReplyClass.PositiveCompletion, false, false, null)]
        [InlineData(354, SmtpReplyClass.PositiveIntermediate, false, false, null)]
        [InlineData(421, SmtpReplyClass.TransientNegative, true, false, true)]
        [InlineData(550, SmtpReplyClass.PermanentNegative, false, true, false)]
        public void ExplainCode_FirstDigit_GivesClassAndRetryability(int code, SmtpReplyClass cls, bool transient,
            bool permanent, bool? retryable)
        {
            SmtpReplyCode result = ReplyCodeExplainer.ExplainCode(code, null, ReplyLanguage.English);

            Assert.Equal(cls, result.Class);
            Assert.Equal(transient, result.IsTransient);
            Assert.Equal(permanent, result.IsPermanent);
            Assert.Equal(retryable, result.Retryable);
        }

        [Theory]
        [InlineData("en")]
        [InlineData("zh-CN")]
        public void ExplainCode_UnknownCode_IsExplainedByItsDigits(string tag)
        {
            Assert.True(ReplyTexts.TryParseLanguage(tag, out ReplyLanguage language));
            SmtpReplyCode result = ReplyCodeExplainer.ExplainCode(479, null, language);

            Assert.False(result.IsKnown);
            Assert.Equal(SmtpReplyClass.TransientNegative, result.Class);
            Assert.Equal(SmtpReplyCategory.Unspecified, result.Category);
            Assert.True(result.Retryable);
            Assert.Equal(ReplyTexts.DigitMeaning(479, language), result.Meaning);
            Assert.Contains(ReplyTexts.ClassName(SmtpReplyClass.TransientNegative, language), result.Meaning);
        }

        [Fact]
        public void ExplainCode_OutOfRange_Throws()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => ReplyCodeExplainer.ExplainCode(99, null,
                ReplyLanguage.English));
        }

        [Theory]
        [InlineData("7.1.1")]
        [InlineData("5.1")]
        [InlineData("5.1.1.1")]
        [InlineData("5.1234.1")]
        [InlineData("five")]
        public void ExplainEnhanced_Invalid_ThrowsFormatExceptionSayingWhatIsValid(string code)
        {
            FormatException e = Assert.Throws<FormatException>(
                () => ReplyCodeExplainer.ExplainEnhanced(code, ReplyLanguage.English));

            Assert.Contains("for example 5.1.1", e.Message);
        }

        [Fact]
        public void ExplainReply_Microsoft365TenantAuthDisabled_MatchesVendor()
        {
            SmtpReplyCode result = Line(
                "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant");

            Assert.NotNull(result.Vendor);
            Assert.Equal("Microsoft 365", result.Vendor!.Vendor);
            Assert.Equal("5.7.139", result.Vendor.EnhancedCode);
            Assert.Contains("Set-CASMailbox", result.Vendor.WhatToDo);
            Assert.False(string.IsNullOrEmpty(result.Vendor.LikelyCause));
            Assert.False(result.Retryable);
        }

        [Fact]
        public void ExplainReply_TextMatchesButEnhancedCodeDiffers_IsNotThatVendorRow()
        {
            // The 5.7.3 row's text "Authentication unsuccessful" occurs here, but its enhanced code does not.
            SmtpReplyCode result = Line("535 5.7.139 Authentication unsuccessful, basic authentication is disabled");

            Assert.All(result.VendorMatches, v => Assert.Equal("5.7.139", v.EnhancedCode));
        }

        [Fact]
        public void ExplainReply_EnhancedCodeInsideVendorRange_Matches()
        {
            SmtpReplyCode result = Line("550 5.7.620 Access denied, banned sending IP [203.0.113.7]");

            Assert.Equal("5.7.606-649", result.Vendor?.EnhancedCode);
        }

        [Fact]
        public void ExplainReply_NoDistinctiveText_HasNoVendor()
        {
            Assert.Null(Line("550 5.1.1 No such user here").Vendor);
        }

        [Fact]
        public void ExplainEnhanced_VendorRowWithoutText_MatchesOnCodeAlone()
        {
            SmtpReplyCode result = ReplyCodeExplainer.ExplainEnhanced("5.6.11", ReplyLanguage.English);

            Assert.Equal("Microsoft 365", result.Vendor?.Vendor);
        }

        [Fact]
        public void ExplainReply_GreetingOrStartTls_PicksMeaningFromText()
        {
            Assert.Equal("RFC 3207", Line("220 2.0.0 Ready to start TLS").DefinedBy);
            Assert.Equal("RFC 5321", Line("220 mx.example.com ESMTP Postfix").DefinedBy);
            Assert.Equal("RFC 4954", Line("530 5.7.0 Authentication required").DefinedBy);
            Assert.Equal("RFC 3207", Line("530 5.7.0 Must issue a STARTTLS command first").DefinedBy);
        }

        [Fact]
        public void ExplainReply_WithRegisteredDetail_MeaningIsTheDetail()
        {
            SmtpReplyCode result = Line("550 5.1.1 <bob@example.com>: Recipient address rejected");

            Assert.Equal("Bad destination mailbox address", result.Meaning);
            Assert.Equal("Bad destination mailbox address", result.EnhancedDetailMeaning);
            Assert.Equal("Permanent Failure", result.EnhancedClassMeaning);
            Assert.Equal("Addressing Status", result.EnhancedSubjectMeaning);
            Assert.StartsWith("Requested action not taken", result.CodeMeaning);
            Assert.Equal("550 5.1.1 <bob@example.com>: Recipient address rejected", result.Reply);
        }

        [Fact]
        public void ExplainReply_CatchAllDetail_MeaningIsTheCode()
        {
            SmtpReplyCode result = Line("250 2.0.0 OK");

            Assert.Equal(result.CodeMeaning, result.Meaning);
            Assert.Equal("Other undefined Status", result.EnhancedDetailMeaning);
        }

        [Fact]
        public void ExplainEnhanced_UnregisteredDetail_FallsBackToClassAndSubject()
        {
            SmtpReplyCode result = ReplyCodeExplainer.ExplainEnhanced("4.7.500", ReplyLanguage.Chinese);

            Assert.Null(result.EnhancedDetailMeaning);
            Assert.Equal(SmtpReplyClass.TransientNegative, result.Class);
            Assert.Contains("持续性临时失败", result.Meaning);
            Assert.Contains("安全或策略状态", result.Meaning);
        }

        [Fact]
        public void ExplainEnhanced_RegistryNotation_IsTheRegistryEntry()
        {
            SmtpReplyCode result = ReplyCodeExplainer.ExplainEnhanced("x.7.8", ReplyLanguage.English);

            Assert.Equal("X.7.8", result.EnhancedCode);
            Assert.Null(result.Class);
            Assert.Null(result.Retryable);
            Assert.Equal("Authentication credentials invalid", result.Meaning);
        }

        [Fact]
        public void ExplainReply_Chinese_UsesChineseForCodeAndEnhancedTexts()
        {
            SmtpReplyCode result = Line("550 5.1.1 User unknown", ReplyLanguage.Chinese);

            Assert.Equal("目的邮箱地址错误", result.Meaning);
            Assert.Equal("要求的邮件操作未完成,邮箱不可用", result.CodeMeaning);
            Assert.Equal("永久性失败", result.EnhancedClassMeaning);
            Assert.Equal("zh-CN", result.Language);
        }

        [Theory]
        [InlineData("zh-CN", "zh-CN")]
        [InlineData("zh-TW", "zh-CN")]
        [InlineData("zh", "zh-CN")]
        [InlineData("en-US", "en")]
        [InlineData("de-DE", "en")]
        [InlineData("", "en")]
        public void ForCulture_UiCulture_ChineseOnlyForChineseCultures(string culture, string expectedTag)
        {
            Assert.Equal(expectedTag, ReplyTexts.Tag(ReplyTexts.ForCulture(culture)));
        }
   
        [Fact]
        public void ExplainReply_VendorRowFits_MeaningIsTheVendorsAndTheRegistrysStaysInEnhancedMeaning()
        {
            SmtpReplyCode result = Line("550 5.7.30 Basic authentication is not supported for Client Submission");

            Assert.Equal("Microsoft 365", result.VendorName);
            Assert.Equal(result.Vendor!.Meaning, result.Meaning);
            Assert.StartsWith("Exchange Online no longer accepts", result.Meaning);
            Assert.Equal("REQUIRETLS support required", result.EnhancedMeaning);
            Assert.Contains("REQUIRETLS support required", result.Description);
        }

        [Fact]
        public void ExplainReply_GmailsOwn5730_IsDkimNotRequireTls()
        {
            SmtpReplyCode result = Line("550 5.7.30 The sender does not pass DKIM, and Gmail requires all bulk " +
                "senders to authenticate with DKIM. - gsmtp");

            Assert.Equal("Google", result.VendorName);
            Assert.Contains("DKIM", result.Meaning);
        }

        [Theory]
        [InlineData("550 Mail rejected because the sender is blacklisted", "RFC 5321")]
        [InlineData("554 Message rejected: Email address is not verified.", "RFC 5321")]
        [InlineData("503 5.5.1 Error: need MAIL command", "RFC 5321")]
        [InlineData("550 5.6.7 SMTPUTF8 is required, but was not offered by host", "RFC 6531")]
        [InlineData("530 5.7.0 Must issue a STARTTLS command first", "RFC 3207")]
        [InlineData("530 5.7.0 Authentication required", "RFC 4954")]
        public void ExplainReply_ExtensionMeaning_OnlyWhenItsCodeOrOwnPhraseSaysSo(string line, string definedBy)
        {
            Assert.Equal(definedBy, Line(line).DefinedBy);
        }

        [Fact]
        public void ExplainReply_NeedMailCommand_MeansBadSequenceNotAuthNotAllowed()
        {
            SmtpReplyCode result = Line("503 5.5.1 MAIL first. - gsmtp");

            Assert.Equal("Bad sequence of commands", result.Meaning);
        }

        [Fact]
        public void ExplainReply_SpamhausBlockAtMicrosoft_IsMicrosoftNotPostfix()
        {
            SmtpReplyCode result = Line("554 5.7.1 Service unavailable, Client host [192.0.2.9] blocked using " +
                "Spamhaus. (AS3130). [BN1NAM02FT032.eop-nam02.prod.protection.outlook.com]");

            Assert.Equal("Microsoft 365", result.VendorName);
            Assert.All(result.VendorMatches, v => Assert.Equal("Microsoft 365", v.Vendor));
        }

        [Fact]
        public void ExplainReply_GsmtpWithoutAGoogleRow_IsStillGoogle()
        {
            SmtpReplyCode result = Line("421 4.4.5 Server busy, try again later. - gsmtp");

            Assert.Equal("Google", result.VendorName);
            Assert.Null(result.Vendor);
            Assert.Equal(result.EnhancedDetailMeaning, result.Meaning);
        }

        [Fact]
        public void ExplainReply_AddressInAnotherVendorsDomain_DoesNotNameThatVendor()
        {
            SmtpReplyCode result = Line("550 5.1.1 <bob@yahoo.com>: Recipient address rejected: User unknown in " +
                "virtual mailbox table");

            Assert.Equal("Postfix", result.VendorName);
        }

        [Theory]
        [InlineData("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'", 550, "Microsoft 365")]
        [InlineData("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", 550, "Microsoft 365")]
        [InlineData("host mx.example.com[192.0.2.1] said: 550 5.1.1 <x@example.com>: Recipient address rejected: " +
            "User unknown in local recipient table (in reply to RCPT TO command)", 550, "Postfix")]
        [InlineData("SMTP error from remote mail server after RCPT TO:<x@example.com>: 550 5.1.1 <x@example.com>: " +
            "Recipient address rejected: User unknown in local recipient table", 550, "Postfix")]
        [InlineData("Diagnostic-Code: smtp; 554 5.7.1 <bob@example.net>: Relay access denied", 554, "Postfix")]
        public void Parse_PastedBounceLine_FindsTheReplyInside(string line, int code, string vendor)
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { line }).Single();
            SmtpReplyCode result = ReplyCodeExplainer.ExplainReply(reply, ReplyLanguage.English);

            Assert.Equal(code, reply.Code);
            Assert.Equal(line.Trim(), reply.RawLines.Single());
            Assert.DoesNotContain("in reply to", reply.Text);
            Assert.Equal(vendor, result.VendorName);
        }

        [Fact]
        public void Parse_PostfixFlattenedMultilineReply_KeepsTheTextWithoutTheRepeatedCodes()
        {
            SmtpReply reply = ReplyLineParser.Parse(new[] { "host gmail-smtp-in.l.google.com[142.250.1.26] said: " +
                "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 " +
                "double-checking the recipient's email address for typos. 550 5.1.1 - gsmtp (in reply to RCPT TO " +
                "command)" }).Single();

            Assert.Equal("5.1.1", reply.EnhancedStatus);
            Assert.Equal("5.1.1 The email account that you tried to reach does not exist. Please try " +
                "double-checking the recipient's email address for typos. - gsmtp", reply.Text);
        }

        [Fact]
        public void ExplainReply_Chinese_VendorMeaningCauseAndAdviceAreChinese()
        {
            SmtpReplyCode result = Line("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is " +
                "disabled for the Tenant", ReplyLanguage.Chinese);

            Assert.Equal("整个组织都关闭了 SMTP AUTH 客户端提交。", result.Meaning);
            Assert.Contains("组织级", result.Vendor!.LikelyCause);
            Assert.Contains("Set-CASMailbox", result.Vendor.WhatToDo);
            Assert.Contains("只为发信邮箱启用", result.Vendor.WhatToDo);
        }
            [Fact]
        public void ExplainReply_SameCodesTwice_EqualTextsButEachWithItsOwnReplyAndVendors()
        {
            SmtpReplyCode first = Line("550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown");
            SmtpReplyCode second = Line("550 5.1.1 The email account that you tried to reach does not exist. - gsmtp");

            Assert.Equal(first.Description, second.Description);
            Assert.Equal(first.CodeMeaning, second.CodeMeaning);
            Assert.NotEqual(first.Reply, second.Reply);
            Assert.Contains(second.VendorMatches, v => v.Vendor == "Google");
            Assert.DoesNotContain(first.VendorMatches, v => v.Vendor == "Google");
            // Texts shared between results cannot be changed through one of them.
            Assert.Throws<NotSupportedException>(() =>
                ((System.Collections.Generic.IList<string>)Line("530 5.7.0 Must issue a STARTTLS command first")
                    .OtherMeanings).Add("x"));
        }

        [Theory]
        [InlineData("550 5.01.001 x", "5.1.1")]
        [InlineData("550 5.1.10 x", "5.1.10")]
        [InlineData("550 5.0.0 x", "5.0.0")]
        [InlineData("450 4.00.0 x", "4.0.0")]
        public void ExplainReply_EnhancedWithOrWithoutLeadingZeros_IsNormalized(string line, string expected)
        {
            Assert.Equal(expected, Line(line).EnhancedCode);
        }
    }
}
