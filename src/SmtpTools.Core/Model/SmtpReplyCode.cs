using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>The category named by the second digit of a reply code (RFC 5321 §4.2.1).</summary>
    public enum SmtpReplyCategory
    {
        /// <summary>x0z: syntax errors, and commands that fit no functional group or are not implemented.</summary>
        Syntax = 0,
        /// <summary>x1z: replies to requests for information, such as status or help.</summary>
        Information = 1,
        /// <summary>x2z: replies about the transmission channel.</summary>
        Connections = 2,
        /// <summary>x3z, x4z, and second digits above 5: RFC 5321 assigns no category.</summary>
        Unspecified = 3,
        /// <summary>x5z: the state of the receiving mail system.</summary>
        MailSystem = 5,
    }

    /// <summary>What a mail provider's documentation says about one of its replies.</summary>
    public sealed class SmtpVendorStatus
    {
        internal SmtpVendorStatus(string vendor, int? code, string? enhancedCode, string matchText, string meaning,
            string likelyCause, string whatToDo, string source)
        {
            Vendor = vendor;
            Code = code;
            EnhancedCode = enhancedCode;
            MatchText = matchText;
            Meaning = meaning;
            LikelyCause = likelyCause;
            WhatToDo = whatToDo;
            Source = source;
        }

        /// <summary>The provider or software, for example "Microsoft 365" or "Postfix".</summary>
        public string Vendor { get; }

        /// <summary>The basic reply code the provider uses, or null when it varies.</summary>
        public int? Code { get; }

        /// <summary>The enhanced status code (or range, such as 5.7.606-649) the provider uses, or null.</summary>
        public string? EnhancedCode { get; }

        /// <summary>The distinctive reply text this entry matches; empty when the codes alone identify it.</summary>
        public string MatchText { get; }

        /// <summary>What the reply means for this provider.</summary>
        public string Meaning { get; }

        /// <summary>The usual reason the reply is sent.</summary>
        public string LikelyCause { get; }

        /// <summary>What the sender or the administrator can do about it.</summary>
        public string WhatToDo { get; }

        /// <summary>Where this knowledge comes from.</summary>
        public string Source { get; }

        /// <summary>The vendor and its meaning.</summary>
        public override string ToString() => Vendor + ": " + Meaning;
    }

    /// <summary>An explanation of an SMTP reply code, enhanced status code or whole reply.</summary>
    public sealed class SmtpReplyCode
    {
        internal SmtpReplyCode(int? code, SmtpReplyClass? replyClass, SmtpReplyCategory? category, string? enhancedCode,
            string? enhancedClassMeaning, string? enhancedSubjectMeaning, string? enhancedDetailMeaning,
            string? enhancedMeaning, bool isKnown, string meaning, string? codeMeaning,
            IReadOnlyList<string> otherMeanings, string description, SmtpVendorStatus? vendor, IReadOnlyList<SmtpVendorStatus> vendorMatches,
            string? vendorName, string? definedBy, string? source, string? enhancedSource, string language,
            string? reply)
        {
            EnhancedMeaning = enhancedMeaning;
            VendorName = vendorName;
            Code = code;
            Class = replyClass;
            Category = category;
            EnhancedCode = enhancedCode;
            EnhancedClassMeaning = enhancedClassMeaning;
            EnhancedSubjectMeaning = enhancedSubjectMeaning;
            EnhancedDetailMeaning = enhancedDetailMeaning;
            IsKnown = isKnown;
            Meaning = meaning;
            CodeMeaning = codeMeaning;
            OtherMeanings = otherMeanings;
            Description = description;
            Vendor = vendor;
            VendorMatches = vendorMatches;
            DefinedBy = definedBy;
            Source = source;
            EnhancedSource = enhancedSource;
            Language = language;
            Reply = reply;
        }

        /// <summary>The three-digit reply code, or null when only an enhanced status code was explained.</summary>
        public int? Code { get; }

        /// <summary>The outcome named by the first digit (of the reply code, else of the enhanced code).</summary>
        public SmtpReplyClass? Class { get; }

        /// <summary>The category named by the second digit of the reply code.</summary>
        public SmtpReplyCategory? Category { get; }

        /// <summary>The RFC 3463 enhanced status code, such as "5.1.1", or a registry entry such as "X.1.1".</summary>
        public string? EnhancedCode { get; }

        /// <summary>The meaning of the enhanced code's class, for example "Permanent Failure".</summary>
        public string? EnhancedClassMeaning { get; }

        /// <summary>The meaning of the enhanced code's subject, for example "Addressing Status".</summary>
        public string? EnhancedSubjectMeaning { get; }

        /// <summary>The registered meaning of the whole enhanced code, or null when the registry has none.</summary>
        public string? EnhancedDetailMeaning { get; }

        /// <summary>
        /// The registry's meaning of the enhanced code (its detail, else its class and subject), or null without one;
        /// kept here when a vendor's own meaning of the reply heads <see cref="Meaning"/>.
        /// </summary>
        public string? EnhancedMeaning { get; }

        /// <summary>True for a 4yz reply (or 4.x.x code): the same request may succeed later.</summary>
        public bool IsTransient => Class == SmtpReplyClass.TransientNegative;

        /// <summary>True for a 5yz reply (or 5.x.x code): repeating the same request will fail again.</summary>
        public bool IsPermanent => Class == SmtpReplyClass.PermanentNegative;

        /// <summary>Whether the same message could succeed later; null when nothing failed or no class is known.</summary>
        public bool? Retryable => Class switch
        {
            SmtpReplyClass.TransientNegative => true,
            SmtpReplyClass.PermanentNegative => false,
            _ => null,
        };

        /// <summary>True when the catalogue knows the code; false when it is explained by its digits alone.</summary>
        public bool IsKnown { get; }

        /// <summary>
        /// What the reply means to its reader: the vendor's meaning when a vendor row fits the reply, else the most
        /// specific standard meaning (the enhanced code's, else the reply code's).
        /// </summary>
        public string Meaning { get; }

        /// <summary>The meaning of the three-digit reply code alone.</summary>
        public string? CodeMeaning { get; }

        /// <summary>What the same reply code means in other extensions, each prefixed with its document.</summary>
        public IReadOnlyList<string> OtherMeanings { get; }

        /// <summary>A longer explanation: class, category, enhanced class and subject, and notes.</summary>
        public string Description { get; }

        /// <summary>The best matching provider-specific explanation, or null.</summary>
        public SmtpVendorStatus? Vendor { get; }

        /// <summary>Every provider-specific explanation that fits, best first.</summary>
        public IReadOnlyList<SmtpVendorStatus> VendorMatches { get; }

        /// <summary>
        /// The provider or software the reply came from: the vendor of <see cref="Vendor"/>, else the one a marker in
        /// the reply names ("gsmtp" is Google), else null.
        /// </summary>
        public string? VendorName { get; }

        /// <summary>The document that defines the meaning of the reply code, for example "RFC 5321".</summary>
        public string? DefinedBy { get; }

        /// <summary>The sections of the defining document, for example "RFC 5321 §4.2.3, §4.3.2".</summary>
        public string? Source { get; }

        /// <summary>The reference for the enhanced status code, for example "[RFC3463]".</summary>
        public string? EnhancedSource { get; }

        /// <summary>The language of the texts: "en" or "zh-CN".</summary>
        public string Language { get; }

        /// <summary>The reply that was explained, as its raw lines joined with a line feed, or null.</summary>
        public string? Reply { get; }

        /// <summary>The code, the enhanced code and the meaning on one line.</summary>
        public override string ToString()
        {
            string head = Code.HasValue ? Code.Value.ToString() : string.Empty;
            if (EnhancedCode != null) head = head.Length == 0 ? EnhancedCode : head + " " + EnhancedCode;
            return head + " " + Meaning;
        }
    }
}
