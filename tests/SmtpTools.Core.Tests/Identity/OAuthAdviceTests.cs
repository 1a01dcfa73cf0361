using System;
using System.Collections.Generic;
using System.Security;
using SmtpTools.Core.Identity;
using Xunit;

namespace SmtpTools.Core.Tests.Identity
{
    public class OAuthAdviceTests
    {
        private static SmtpAuthResult Result(string server, int code, string text, string? details = null) =>
            new SmtpAuthResult(server, 587, null, "reports@contoso.com", "XOAUTH2", code == 235,
                new SmtpReply(code, new[] { text }), details, Array.Empty<string>(), Array.Empty<string>(),
                null, new Dictionary<SmtpStage, TimeSpan>(), TimeSpan.Zero, Array.Empty<SmtpTranscriptEntry>(), null);

        private static SmtpAccessToken Token(string audience, string[] roles, long exp)
        {
            var claims = new Dictionary<string, object?>
            {
                ["aud"] = audience,
                ["appid"] = "app-1",
                ["oid"] = "sp-object-1",
                ["roles"] = new List<object?>(roles),
                ["exp"] = exp,
            };
            return new SmtpAccessToken("Microsoft", "test", "https://x", "app-1", "reports@contoso.com",
                new SecureString(), JsonWebToken.FromUnixTime(exp), null, false, claims);
        }

        private static long In(int minutes) => JsonWebToken.ToUnixTime(DateTimeOffset.UtcNow.AddMinutes(minutes));

        [Fact]
        public void Explain_AppOnly5_7_3_NamesTheSetUpSteps()
        {
            string advice = OAuthAdvice.Explain(Result("smtp.office365.com", 535, "5.7.3 Authentication unsuccessful"),
                Token("https://outlook.office365.com", new[] { "SMTP.SendAsApp" }, In(50)), true)!;
            Assert.Contains("New-ServicePrincipal -AppId app-1 -ObjectId sp-object-1", advice);
            Assert.Contains("Add-MailboxPermission -Identity reports@contoso.com -User sp-object-1", advice);
            Assert.Contains("Application SMTP.SendAsApp", advice);
            Assert.Contains("Test-ServicePrincipalAuthorization", advice);
            Assert.Contains("2 hours", advice);
        }

        [Fact]
        public void Explain_AppOnlyWithoutTheRole_SaysToAddThePermission() =>
            Assert.Contains("no SMTP.SendAsApp role", OAuthAdvice.Explain(
                Result("smtp.office365.com", 535, "5.7.3 Authentication unsuccessful"),
                Token("https://outlook.office365.com", new[] { "Mail.Send" }, In(50)), true));

        [Fact]
        public void Explain_TokenForGraph_SaysTheAudienceIsWrong() =>
            Assert.Contains("not for Exchange Online", OAuthAdvice.Explain(
                Result("smtp.office365.com", 535, "5.7.3 Authentication unsuccessful"),
                Token("https://graph.microsoft.com", new[] { "SMTP.SendAsApp" }, In(50)), true));

        [Fact]
        public void Explain_ExpiredToken_SaysExpired() =>
            Assert.Contains("expired", OAuthAdvice.Explain(Result("mail.example.test", 535, "5.7.8 failed"),
                Token("https://outlook.office365.com", new[] { "SMTP.SendAsApp" }, In(-5)), true));

        [Theory]
        [InlineData(535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", "Set-CASMailbox")]
        [InlineData(550, "5.7.30 Basic authentication is not supported for Client Submission.", "-CertificateThumbprint")]
        public void Explain_ExchangeRefusals_ForPasswordsToo(int code, string text, string expected) =>
            Assert.Contains(expected, OAuthAdvice.Explain(Result("smtp.office365.com", code, text), null, false));

        [Fact]
        public void Explain_TokenForAnotherUser_NamesBoth()
        {
            var claims = new Dictionary<string, object?> { ["aud"] = "https://mail.google.com/", ["email"] = "bob@example.com" };
            var token = new SmtpAccessToken("Google", "test", "https://x", "c", "alice@example.com", new SecureString(),
                DateTimeOffset.UtcNow.AddHours(1), null, false, claims);
            string advice = OAuthAdvice.Explain(Result("smtp.gmail.com", 535, "5.7.8 Username and Password not accepted"),
                token, true)!;
            Assert.Contains("issued for bob@example.com", advice);
            Assert.Contains("reports@contoso.com", advice);
        }

        [Fact]
        public void Explain_Success_Null() =>
            Assert.Null(OAuthAdvice.Explain(Result("smtp.office365.com", 235, "2.7.0 OK"), null, true));

        [Theory]
        [InlineData("smtp.office365.com", true, true)]
        [InlineData("SMTP.Office365.com", true, true)]
        [InlineData("smtp.office365.com", false, false)]
        [InlineData("smtp.gmail.com", true, false)]
        public void NeedsBasicAuthWarning_OnlyPasswordsToExchangeOnline(string host, bool password, bool expected) =>
            Assert.Equal(expected, OAuthAdvice.NeedsBasicAuthWarning(host, password));
    }
}
