using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using SmtpTools.Core.Codes;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Explains SMTP reply codes, enhanced status codes and whole replies, offline.</summary>
    [Cmdlet(VerbsCommon.Get, "SmtpReplyCode", DefaultParameterSetName = CatalogueSet)]
    [OutputType(typeof(SmtpReplyCode))]
    public sealed class GetSmtpReplyCodeCommand : SmtpCmdletBase
    {
        private const string CatalogueSet = "Catalogue";
        private const string CodeSet = "Code";
        private const string EnhancedSet = "EnhancedCode";
        private const string ReplySet = "Reply";
        private const string InputSet = "InputObject";

        // Continuation lines ("250-...") that arrived one by one from the pipeline, waiting for their last line.
        private readonly List<string> _pending = new List<string>();
        private ReplyLanguage _language;

        /// <summary>A three-digit reply code, such as 550.</summary>
        // No ValidateRange: its ParameterArgumentValidationError would not say what a valid code looks like, and on
        // the command line it ends the command; ProcessRecord writes a non-terminating InvalidReplyCode instead.
        [Parameter(Mandatory = true, ParameterSetName = CodeSet, ValueFromPipeline = true,
            ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = ReplySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public int? Code { get; set; }

        /// <summary>An RFC 3463 enhanced status code, such as 5.1.1; binds SmtpReply.EnhancedStatus.</summary>
        [Parameter(ParameterSetName = CodeSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = EnhancedSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = ReplySet, ValueFromPipelineByPropertyName = true)]
        [Alias("EnhancedStatus")]
        [AllowNull]
        [AllowEmptyString]
        public string? EnhancedCode { get; set; }

        /// <summary>Raw reply lines (multi-line allowed), an SmtpReply, transcript entries or a transcript.</summary>
        // Typed object, not string[]: a transcript entry's Reply property is an SmtpReply, and only a parameter that
        // takes it without conversion binds by property name before the pipeline falls back to converting the
        // whole entry to a string. Code and EnhancedCode share this set so an SmtpReply binds all three at once;
        // strings by value go to InputObject, whose set drops out as soon as any property has bound.
        [Parameter(Mandatory = true, ParameterSetName = ReplySet, ValueFromPipelineByPropertyName = true)]
        [Alias("RawLines", "Entries")]
        [AllowNull]
        public object? Reply { get; set; }

        /// <summary>A reply code, an enhanced status code or reply lines, as text; piped strings bind here.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = InputSet, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string[] InputObject { get; set; } = Array.Empty<string>();

        /// <summary>The language of the explanation, en or zh-CN; by default zh-CN for a Chinese UI culture.</summary>
        [Parameter]
        [ValidateSet(ReplyTexts.EnglishTag, ReplyTexts.ChineseTag)]
        public string? Language { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            if (Language == null || !ReplyTexts.TryParseLanguage(Language, out _language))
                _language = ReplyTexts.ForCulture(CultureInfo.CurrentUICulture.Name);
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case CatalogueSet:
                    foreach (SmtpReplyCode entry in ReplyCodeExplainer.Catalogue(_language)) WriteObject(entry);
                    break;
                case ReplySet when Reply != null:
                    WriteReplyObject(Reply);
                    break;
                case CodeSet:
                case EnhancedSet:
                case ReplySet:
                    // Objects bound by property name may carry nulls: an SmtpReply without enhanced code, an
                    // SmtpReplyCode piped back in (no Reply, maybe no Code), a transcript entry of a client line.
                    string? enhanced = string.IsNullOrWhiteSpace(EnhancedCode) ? null : EnhancedCode;
                    if (Code.HasValue) WriteCode(Code.Value, enhanced, Code.Value);
                    else if (enhanced != null) WriteEnhanced(enhanced);
                    break;
                default:
                    foreach (string text in InputObject) WriteText(text);
                    break;
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing() => FlushPending();

        private void WriteCode(int code, string? enhanced, object target)
        {
            if (!ReplyCodeExplainer.IsValidCode(code))
            {
                WriteInvalid("InvalidReplyCode", "'" + code + "' is not an SMTP reply code. " +
                    ReplyCodeExplainer.ExpectedCode, target, "Pass a code from 200 to 599, such as -Code 550.");
                return;
            }
            if (enhanced != null && !ReplyCodeExplainer.TryNormalizeEnhanced(enhanced, out _))
            {
                WriteInvalid("InvalidEnhancedCode", "'" + enhanced + "' is not an enhanced status code. " +
                    ReplyCodeExplainer.ExpectedEnhanced, enhanced, "Pass a code such as -EnhancedCode 5.1.1.");
                return;
            }
            WriteObject(ReplyCodeExplainer.ExplainCode(code, enhanced, _language));
        }

        private void WriteEnhanced(string enhanced)
        {
            if (!ReplyCodeExplainer.TryNormalizeEnhanced(enhanced, out _))
            {
                WriteInvalid("InvalidEnhancedCode", "'" + enhanced + "' is not an enhanced status code. " +
                    ReplyCodeExplainer.ExpectedEnhanced, enhanced, "Pass a code such as -EnhancedCode 5.1.1.");
                return;
            }
            WriteObject(ReplyCodeExplainer.ExplainEnhanced(enhanced, _language));
        }

        private void WriteReplyObject(object? value)
        {
            var lines = new List<string>();
            Collect(value, lines);
            if (lines.Count > 0) WriteParsed(lines, value!);
        }

        // Replies are explained as they are met; loose text lines are gathered and parsed together afterwards,
        // because the lines of one multi-line reply may arrive as separate array elements.
        private void Collect(object? value, List<string> lines)
        {
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            switch (value)
            {
                case null:
                    // Client lines and notes of a transcript have no reply: nothing to explain, and not an error.
                    return;
                case SmtpReply reply:
                    WriteObject(ReplyCodeExplainer.ExplainReply(reply, _language));
                    return;
                case SmtpTranscriptEntry entry:
                    Collect(entry.Reply, lines);
                    return;
                case SmtpTranscript transcript:
                    Collect(transcript.Entries, lines);
                    return;
                case string text:
                    lines.Add(text);
                    return;
                case IEnumerable many:
                    foreach (object? item in many) Collect(item, lines);
                    return;
                default:
                    lines.Add(value.ToString() ?? string.Empty);
                    return;
            }
        }

        private void WriteText(string? text)
        {
            if (text == null) return;
            string t = text.Trim();
            if (t.Length == 0) return;
            if (IsAllDigits(t))
            {
                FlushPending();
                if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int code))
                    WriteCode(code, null, text);
                else
                    WriteInvalid("InvalidReplyCode", "'" + t + "' is not an SMTP reply code. " +
                        ReplyCodeExplainer.ExpectedCode, text, "Pass a code from 200 to 599, such as 550.");
                return;
            }
            if (LooksLikeEnhanced(t))
            {
                FlushPending();
                WriteEnhanced(t);
                return;
            }
            // Lines piped one by one (Get-Content bounce.txt | Get-SmtpReplyCode): collect a multi-line reply's
            // continuation lines until its last line arrives. RFC 5321 §4.2.1: "250-" continues, "250 " ends.
            if (text.IndexOf('\n') < 0 && text.IndexOf('\r') < 0)
            {
                WriteLine(text);
                return;
            }
            foreach (string line in ReplyLineParser.SplitLines(text)) WriteLine(line);
        }

        private void WriteLine(string line)
        {
            ReplyLineParser.ReplyLine? parsed = ReplyLineParser.ParseLine(line);
            if (parsed != null && parsed.IsLast && _pending.Count == 0)
            {
                // A whole reply on one line, the usual case in a log: explained from this parse, not a second one.
                WriteObject(ReplyCodeExplainer.ExplainReply(ReplyLineParser.FromLine(parsed), _language));
                return;
            }
            _pending.Add(line);
            if (parsed == null || parsed.IsLast) FlushPending();
        }

        private void FlushPending()
        {
            if (_pending.Count == 0) return;
            string[] lines = _pending.ToArray();
            _pending.Clear();
            WriteParsed(lines, string.Join("\n", lines));
        }

        private void WriteParsed(IReadOnlyList<string> lines, object target)
        {
            // Each reply is written as soon as it is parsed; a bad line stops there with one error.
            using IEnumerator<SmtpReply> replies = ReplyLineParser.ParseEach(lines).GetEnumerator();
            while (true)
            {
                try
                {
                    if (!replies.MoveNext()) return;
                }
                catch (FormatException e)
                {
                    WriteInvalid("InvalidReplyLine", e.Message, target,
                        "Paste the reply as the server sent it, starting with its three-digit code.");
                    return;
                }
                WriteObject(ReplyCodeExplainer.ExplainReply(replies.Current, _language));
            }
        }

        private void WriteInvalid(string errorId, string message, object target, string recommendedAction)
        {
            ErrorRecord record = ErrorMapper.Record(this, errorId, new ArgumentException(message), target);
            record.ErrorDetails.RecommendedAction = recommendedAction;
            WriteError(record);
        }

        private static bool IsAllDigits(string s)
        {
            foreach (char c in s) if (c < '0' || c > '9') return false;
            return true;
        }

        // Digits (or the registry's X) and dots only, with at least one dot: meant as an enhanced code.
        private static bool LooksLikeEnhanced(string s)
        {
            if (s.IndexOf('.') < 0) return false;
            foreach (char c in s)
                if (!(c >= '0' && c <= '9') && c != '.' && c != 'x' && c != 'X') return false;
            return true;
        }
    }
}
