using System;

namespace SmtpTools.Core.Codes
{
    /// <summary>The languages explanations are written in.</summary>
    internal enum ReplyLanguage
    {
        English,
        Chinese,
    }

    /// <summary>The fixed sentences about classes and categories, in each language.</summary>
    internal static class ReplyTexts
    {
        internal const string EnglishTag = "en";
        internal const string ChineseTag = "zh-CN";

        internal static string Tag(ReplyLanguage language) =>
            language == ReplyLanguage.Chinese ? ChineseTag : EnglishTag;

        /// <summary>Maps "en" or "zh-CN" (any case, "zh" and "zh-Hans" too) to a language; false for others.</summary>
        internal static bool TryParseLanguage(string? tag, out ReplyLanguage language)
        {
            language = ReplyLanguage.English;
            if (tag == null) return false;
            string t = tag.Trim();
            if (t.Equals("en", StringComparison.OrdinalIgnoreCase) ||
                t.StartsWith("en-", StringComparison.OrdinalIgnoreCase)) return true;
            if (t.Equals("zh", StringComparison.OrdinalIgnoreCase) ||
                t.Equals("zh-CN", StringComparison.OrdinalIgnoreCase) ||
                t.Equals("zh-Hans", StringComparison.OrdinalIgnoreCase) ||
                t.Equals("zh-Hans-CN", StringComparison.OrdinalIgnoreCase) ||
                t.Equals("zh-SG", StringComparison.OrdinalIgnoreCase))
            {
                language = ReplyLanguage.Chinese;
                return true;
            }
            return false;
        }

        /// <summary>The language to use for a UI culture name: Chinese for any Chinese culture, else English.</summary>
        internal static ReplyLanguage ForCulture(string? cultureName) =>
            cultureName != null && (cultureName.Equals("zh", StringComparison.OrdinalIgnoreCase) ||
                cultureName.StartsWith("zh-", StringComparison.OrdinalIgnoreCase))
                ? ReplyLanguage.Chinese
                : ReplyLanguage.English;

        internal static SmtpReplyCategory CategoryOf(int code)
        {
            int digit = code / 10 % 10;
            return digit switch
            {
                0 => SmtpReplyCategory.Syntax,
                1 => SmtpReplyCategory.Information,
                2 => SmtpReplyCategory.Connections,
                5 => SmtpReplyCategory.MailSystem,
                _ => SmtpReplyCategory.Unspecified,
            };
        }

        internal static string ClassName(SmtpReplyClass cls, ReplyLanguage language)
        {
            bool zh = language == ReplyLanguage.Chinese;
            return cls switch
            {
                SmtpReplyClass.PositiveCompletion => zh ? "肯定完成" : "positive completion",
                SmtpReplyClass.PositiveIntermediate => zh ? "肯定中间" : "positive intermediate",
                SmtpReplyClass.TransientNegative => zh ? "暂时否定完成" : "transient negative completion",
                _ => zh ? "永久否定完成" : "permanent negative completion",
            };
        }

        // RFC 5321 §4.2.1 and §4.2.3.
        internal static string ClassSentence(SmtpReplyClass cls, ReplyLanguage language)
        {
            bool zh = language == ReplyLanguage.Chinese;
            return cls switch
            {
                SmtpReplyClass.PositiveCompletion => zh
                    ? "2yz 肯定完成:请求的操作已完成,可以发起新的请求。"
                    : "2yz positive completion: the requested action was completed; a new request may be started.",
                SmtpReplyClass.PositiveIntermediate => zh
                    ? "3yz 肯定中间:命令已被接受,服务器在等待更多信息(DATA 之后的 354,AUTH 过程中的 334)。"
                    : "3yz positive intermediate: the command was accepted and the server waits for more " +
                      "information (354 after DATA, 334 during AUTH).",
                SmtpReplyClass.TransientNegative => zh
                    ? "4yz 暂时否定完成:命令这次未被接受,但稍后重试同一请求可能成功。"
                    : "4yz transient negative completion: the command was not accepted this time, but the same " +
                      "request may succeed when it is tried again later.",
                _ => zh
                    ? "5yz 永久否定完成:命令未被接受,原样重复仍会失败;必须修改发件人、收件人、邮件或配置。"
                    : "5yz permanent negative completion: the command was not accepted and repeating it unchanged " +
                      "fails again; the sender, the recipient, the message or the configuration has to change.",
            };
        }

        internal static string CategoryName(SmtpReplyCategory category, ReplyLanguage language)
        {
            bool zh = language == ReplyLanguage.Chinese;
            return category switch
            {
                SmtpReplyCategory.Syntax => zh ? "语法" : "syntax",
                SmtpReplyCategory.Information => zh ? "信息" : "information",
                SmtpReplyCategory.Connections => zh ? "连接" : "connections",
                SmtpReplyCategory.MailSystem => zh ? "邮件系统" : "mail system",
                _ => zh ? "未指定类别" : "unspecified category",
            };
        }

        // RFC 5321 §4.2.1: the second digit names the category.
        internal static string CategorySentence(int code, ReplyLanguage language)
        {
            bool zh = language == ReplyLanguage.Chinese;
            int digit = code / 10 % 10;
            return digit switch
            {
                0 => zh
                    ? "x0z 语法:语法错误,或语法正确但不属于任何功能类别的命令、未实现或多余的命令。"
                    : "x0z syntax: a syntax error, or a command that fits no functional group, is not implemented " +
                      "or is superfluous.",
                1 => zh ? "x1z 信息:对信息请求(如状态或帮助)的回复。"
                    : "x1z information: a reply to a request for information, such as status or help.",
                2 => zh ? "x2z 连接:与传输信道有关的回复。" : "x2z connections: a reply about the transmission channel.",
                3 or 4 => zh ? "x" + digit + "z:RFC 5321 未为第二位 " + digit + " 指定类别。"
                    : "x" + digit + "z: RFC 5321 assigns no category to the second digit " + digit + ".",
                5 => zh ? "x5z 邮件系统:接收方邮件系统对所请求的传输或其他邮件系统操作的状态。"
                    : "x5z mail system: the state of the receiving mail system for the requested transfer or " +
                      "other mail system action.",
                _ => zh ? "x" + digit + "z:第二位超出 0–5,RFC 5321 未定义;结果仍由第一位决定。"
                    : "x" + digit + "z: a second digit above 5 is not defined by RFC 5321; the first digit still " +
                      "decides the outcome.",
            };
        }

        /// <summary>The meaning of a code the catalogue does not know, from its digits.</summary>
        internal static string DigitMeaning(int code, ReplyLanguage language)
        {
            var cls = (SmtpReplyClass)(code / 100);
            SmtpReplyCategory category = CategoryOf(code);
            return language == ReplyLanguage.Chinese
                ? "未登记的代码;按数字解释:" + ClassName(cls, language) + "," + CategoryName(category, language)
                : "Unregistered code; by its digits: " + ClassName(cls, language) + ", " +
                  CategoryName(category, language);
        }

        internal static string UnknownCodeSentence(int code, ReplyLanguage language) =>
            language == ReplyLanguage.Chinese
                ? "目录中没有代码 " + code + ",以上按其数字解释。"
                : "Code " + code + " is in no registry or extension the catalogue knows; it is explained by its " +
                  "digits.";

        internal static string UnknownDetailSentence(string enhanced, ReplyLanguage language) =>
            language == ReplyLanguage.Chinese
                ? "IANA 注册表中没有 " + enhanced + " 的详细含义;按 RFC 3463,类别和主题仍然有效。"
                : "The IANA registry has no detail meaning for " + enhanced + "; per RFC 3463 its class and " +
                  "subject still apply.";
    }
}
