using System;
using System.Collections.Generic;
using SmtpTools.Core.Identity;
using Xunit;

namespace SmtpTools.Core.Tests.Identity
{
    public class JsonTextTests
    {
        [Fact]
        public void Parse_TokenResponse_ReadsMembersAndTypes()
        {
            var obj = JsonText.ParseObject(
                "{ \"token_type\":\"Bearer\", \"expires_in\":3599, \"ext\":1.5e3, \"ok\":true, \"no\":null, " +
                "\"codes\":[7000215, 50012], \"nested\":{\"a\":[]} }");
            Assert.Equal("Bearer", JsonText.GetString(obj, "token_type"));
            Assert.Equal(3599L, JsonText.GetInt64(obj, "expires_in"));
            Assert.Equal(1500d, obj["ext"]);
            Assert.Equal(true, obj["ok"]);
            Assert.Null(obj["no"]);
            Assert.Equal(new List<object?> { 7000215L, 50012L }, obj["codes"]);
        }

        [Theory]
        [InlineData("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u4e2d\"", "a\"b\\c/d\n\té中")]
        [InlineData("\"\"", "")]
        public void Parse_StringEscapes_Decoded(string json, string expected) =>
            Assert.Equal(expected, JsonText.Parse(json));

        [Theory]
        [InlineData("")]
        [InlineData("{")]
        [InlineData("{\"a\":}")]
        [InlineData("{\"a\":1,}")]
        [InlineData("[1 2]")]
        [InlineData("\"open")]
        [InlineData("{\"a\":1} x")]
        [InlineData("tru")]
        [InlineData("<html>proxy login</html>")]
        public void Parse_NotJson_ThrowsFormatException(string text) =>
            Assert.Throws<FormatException>(() => JsonText.Parse(text));

        [Fact]
        public void Parse_DeepNesting_ThrowsFormatExceptionInsteadOfOverflowingTheStack() =>
            Assert.Throws<FormatException>(() => JsonText.Parse(new string('[', 10000)));

        [Fact]
        public void GetInt64_NumericString_Parsed() =>
            Assert.Equal(3600L, JsonText.GetInt64(JsonText.ParseObject("{\"expires_in\":\"3600\"}"), "expires_in"));

        [Fact]
        public void WriteObject_RoundTrips()
        {
            string json = JsonText.WriteObject(new[]
            {
                new KeyValuePair<string, object?>("s", "quote \" back \\ ctl \u0001 中"),
                new KeyValuePair<string, object?>("n", 1796595683L),
                new KeyValuePair<string, object?>("b", false),
                new KeyValuePair<string, object?>("a", new[] { "x", "y" }),
            });
            var back = JsonText.ParseObject(json);
            Assert.Equal("quote \" back \\ ctl \u0001 中", back["s"]);
            Assert.Equal(1796595683L, back["n"]);
            Assert.Equal(false, back["b"]);
            Assert.Equal(new List<object?> { "x", "y" }, back["a"]);
        }
    }
}
