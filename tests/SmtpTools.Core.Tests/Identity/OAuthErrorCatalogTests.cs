using System;
using System.Linq;
using SmtpTools.Core.Identity;
using Xunit;

namespace SmtpTools.Core.Tests.Identity
{
    public class OAuthErrorCatalogTests
    {
        [Fact]
        public void All_EveryRow_HasEnglishAndChineseTexts()
        {
            Assert.True(OAuthErrorCatalog.All.Count >= 20);
            Assert.All(OAuthErrorCatalog.All, r =>
            {
                Assert.False(string.IsNullOrWhiteSpace(r.Meaning));
                Assert.False(string.IsNullOrWhiteSpace(r.WhatToDo));
                Assert.False(string.IsNullOrWhiteSpace(r.MeaningZh));
                Assert.False(string.IsNullOrWhiteSpace(r.WhatToDoZh));
                Assert.Contains(r.Provider, new[] { "Microsoft Entra ID", "Google" });
            });
            Assert.Equal(OAuthErrorCatalog.All.Count,
                OAuthErrorCatalog.All.Select(r => r.Code + "|" + r.MatchText).Distinct().Count());
        }

        [Theory]
        [InlineData(7000215L, "AADSTS7000215")]
        [InlineData(1002012L, "AADSTS1002012")]
        [InlineData(700027L, "AADSTS700027")]
        [InlineData(90002L, "AADSTS90002")]
        public void Find_MicrosoftErrorCodes_FindsTheRow(long code, string expected) =>
            Assert.Equal(expected, OAuthErrorCatalog.Find(OAuthProvider.Microsoft, "invalid_client", null,
                new[] { code })!.Code);

        [Fact]
        public void Find_MicrosoftDescriptionOnly_FindsByItsPrefix() =>
            Assert.Equal("AADSTS700016", OAuthErrorCatalog.Find(OAuthProvider.Microsoft, "unauthorized_client",
                "AADSTS700016: Application with identifier 'x' was not found.", Array.Empty<long>())!.Code);

        [Fact]
        public void Find_MicrosoftUnknownCode_IsNotExplainedWithAGoogleRow() =>
            Assert.Null(OAuthErrorCatalog.Find(OAuthProvider.Microsoft, "invalid_client", "AADSTS1: new",
                new[] { 1L }));

        [Theory]
        [InlineData("invalid_grant", "Invalid JWT Signature.", "Invalid JWT Signature")]
        [InlineData("invalid_grant", "Invalid email or User ID", "Invalid email or User ID")]
        [InlineData("invalid_grant", "Token has been expired or revoked.", "Token has been expired or revoked")]
        public void Find_GoogleDescription_FindsTheMatchingRow(string error, string description, string match) =>
            Assert.Equal(match, OAuthErrorCatalog.Find(OAuthProvider.Google, error, description,
                Array.Empty<long>())!.MatchText);

        [Fact]
        public void Find_GoogleCodeWithoutText_FindsTheCodeRow() =>
            Assert.Contains("Domain-wide delegation", OAuthErrorCatalog.Find(OAuthProvider.Google,
                "unauthorized_client", "Client is unauthorized", Array.Empty<long>())!.WhatToDo);
    }
}
