using System.Collections.Generic;
using System.Globalization;
using SmtpTools.Core.Codes;

namespace SmtpTools.Core.Policy
{
    /// <summary>The sentences of Test-MailDomain's rows, in English and Simplified Chinese (as the reply codes are).</summary>
    internal static class MailDomainTexts
    {
        private static readonly Dictionary<string, (string En, string Zh)> Texts = new Dictionary<string, (string, string)>
        {
            ["MX.Ok"] = ("Mail goes to {0}.", "邮件投递到 {0}。"),
            ["MX.Implicit"] = ("No MX record: mail goes to the domain's own address {0} (implicit MX).", "没有 MX 记录：邮件投递到域名自身的地址 {0}（隐式 MX）。"),
            ["MX.Null"] = ("Null MX: the domain accepts no mail (RFC 7505).", "空 MX：该域名不接收任何邮件（RFC 7505）。"),
            ["MX.NoAddress"] = ("Exchanger(s) without an address: {0}.", "以下邮件交换器没有地址：{0}。"),
            ["MX.Missing"] = ("The domain has no MX, A or AAAA record: it cannot receive mail.", "该域名没有 MX、A 或 AAAA 记录，无法接收邮件。"),
            ["MX.NotFound"] = ("The domain does not exist (NXDOMAIN).", "该域名不存在（NXDOMAIN）。"),
            ["Dns.Failed"] = ("The DNS lookup failed: {0}", "DNS 查询失败：{0}"),
            ["SPF.Ok"] = ("The SPF record is sound: {0} of 10 DNS lookups.", "SPF 记录正确：使用了 10 次 DNS 查询中的 {0} 次。"),
            ["SPF.PlusAll"] = ("+all lets every host on the Internet send as the domain.", "+all 允许互联网上任何主机以该域名发信。"),
            ["SPF.TooManyLookups"] = ("The SPF record needs {0} DNS lookups; over 10, receivers return permerror.", "SPF 记录需要 {0} 次 DNS 查询，超过 10 次，接收方返回 permerror。"),
            ["SPF.Several"] = ("Several SPF records: receivers return permerror.", "存在多条 SPF 记录，接收方返回 permerror。"),
            ["SPF.Syntax"] = ("The SPF record has a syntax error: receivers return permerror.", "SPF 记录有语法错误，接收方返回 permerror。"),
            ["SPF.Fail"] = ("The SPF record is broken: {0}", "SPF 记录有错误（详见 Problems）。"),
            ["SPF.Warning"] = ("The SPF record works but can be improved: {0}", "SPF 记录可用，但可以改进（详见 Problems）。"),
            ["SPF.Missing"] = ("No SPF record: receivers cannot tell mail forged in the domain's name.", "没有 SPF 记录：接收方无法识别冒用该域名的邮件。"),
            ["DKIM.Ok"] = ("Selector {0}: {1} key of {2} bits.", "选择器 {0}：{1} 密钥，{2} 位。"),
            ["DKIM.Weak"] = ("Selector {0}: RSA key of only {1} bits; use 2048.", "选择器 {0}：RSA 密钥只有 {1} 位，建议使用 2048 位。"),
            ["DKIM.Testing"] = ("Selector {0}: the key is in testing mode (t=y).", "选择器 {0}：密钥处于测试模式（t=y）。"),
            ["DKIM.Revoked"] = ("Selector {0}: the key is revoked (empty p=).", "选择器 {0}：密钥已吊销（p= 为空）。"),
            ["DKIM.Broken"] = ("Selector {0}: the key record cannot be used: {1}", "选择器 {0}：密钥记录无法使用（详见 Problems）。"),
            ["DKIM.Missing"] = ("Selector {0}: no key at {1}.", "选择器 {0}：{1} 没有密钥。"),
            ["DKIM.NoneFound"] = ("No DKIM key under the selectors tried ({0}); name yours with -DkimSelector.", "在尝试的选择器（{0}）下没有找到 DKIM 密钥；请用 -DkimSelector 指定。"),
            ["DMARC.Ok"] = ("Policy {0}, published at {1}.", "策略为 {0}，发布于 {1}。"),
            ["DMARC.None"] = ("p=none: monitoring only; failing mail is still delivered.", "p=none：仅监控，未通过验证的邮件仍会投递。"),
            ["DMARC.NoRua"] = ("Policy {0}, but no rua= address: nobody receives the reports.", "策略为 {0}，但没有 rua= 地址，无人接收汇总报告。"),
            ["DMARC.Warning"] = ("Policy {0}; it can be improved: {1}", "策略为 {0}，可以改进（详见 Problems）。"),
            ["DMARC.Fail"] = ("The DMARC record is unusable: {0}", "DMARC 记录无法使用，接收方不执行任何策略（详见 Problems）。"),
            ["DMARC.Missing"] = ("No DMARC record: receivers apply no policy, and Gmail, Yahoo and Microsoft require one from bulk senders.", "没有 DMARC 记录：接收方不执行任何策略，Gmail、Yahoo 和微软要求批量发件人发布该记录。"),
            ["MTA-STS.Ok"] = ("Mode {0}; every exchanger is listed in the policy.", "模式为 {0}，所有邮件交换器均已列入策略。"),
            ["MTA-STS.Testing"] = ("Mode testing: failures are reported but mail is still delivered.", "模式为 testing：失败会被报告，但邮件仍会投递。"),
            ["MTA-STS.Unmatched"] = ("Exchanger(s) {0} match no mx: pattern of the policy.", "邮件交换器 {0} 与策略中的 mx 模式不匹配。"),
            ["MTA-STS.Warning"] = ("The MTA-STS policy works but can be improved: {0}", "MTA-STS 策略可用，但可以改进（详见 Problems）。"),
            ["MTA-STS.Fail"] = ("The MTA-STS policy cannot be used: {0}", "MTA-STS 策略无法使用（详见 Problems）。"),
            ["MTA-STS.Missing"] = ("No MTA-STS policy: an attacker can strip TLS on the way to the exchangers.", "没有 MTA-STS 策略：攻击者可以在投递途中剥离 TLS。"),
            ["TLS-RPT.Ok"] = ("TLS reports go to {0}.", "TLS 报告发送到 {0}。"),
            ["TLS-RPT.Fail"] = ("The TLS-RPT record is unusable: {0}", "TLS-RPT 记录无法使用（详见 Problems）。"),
            ["TLS-RPT.Missing"] = ("No TLS-RPT record: TLS failures go unreported.", "没有 TLS-RPT 记录：TLS 失败不会被报告。"),
            ["DANE.Ok"] = ("TLSA records for every exchanger, validated by DNSSEC.", "所有邮件交换器均有 TLSA 记录，且经 DNSSEC 验证。"),
            ["DANE.Unvalidated"] = ("TLSA records found, but the answer was not DNSSEC-validated (no AD bit from {0}): senders ignore them.", "找到 TLSA 记录，但应答未经 DNSSEC 验证（{0} 未设置 AD 位），发件方会忽略它们。"),
            ["DANE.Partial"] = ("Exchanger(s) without TLSA records: {0}.", "以下邮件交换器没有 TLSA 记录：{0}。"),
            ["DANE.Unusable"] = ("The TLSA records use only usages 0 and 1, which SMTP ignores (RFC 7672).", "TLSA 记录只使用 0 和 1 用途，SMTP 会忽略（RFC 7672）。"),
            ["DANE.Missing"] = ("No TLSA records for the exchangers.", "邮件交换器没有 TLSA 记录。"),
            ["BIMI.Ok"] = ("BIMI logo at {0}.", "BIMI 标志位于 {0}。"),
            ["BIMI.NoEnforcement"] = ("A BIMI record is published, but DMARC is not at quarantine or reject with pct=100: no logo is shown.", "已发布 BIMI 记录，但 DMARC 未设置为 quarantine 或 reject（pct=100），不会显示标志。"),
            ["BIMI.Fail"] = ("The BIMI record is unusable: {0}", "BIMI 记录无法使用（详见 Problems）。"),
            ["BIMI.Missing"] = ("No BIMI record (optional).", "没有 BIMI 记录（可选）。"),
        };

        internal static string Format(ReplyLanguage language, string key, params object[] args)
        {
            (string en, string zh) = Texts[key];
            return string.Format(CultureInfo.InvariantCulture, language == ReplyLanguage.Chinese ? zh : en, args);
        }

        /// <summary>For the tests: every key, so none can lack a language.</summary>
        internal static IEnumerable<KeyValuePair<string, (string En, string Zh)>> All => Texts;
    }
}
