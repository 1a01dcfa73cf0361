using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net;
using SmtpTools.Core.Headers;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Get-MailRoute: a message's Received lines as hops, oldest first, flagging what looks forged.</summary>
    [Cmdlet(VerbsCommon.Get, "MailRoute", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(MailRouteHop), typeof(MailRouteSummary))]
    public sealed class GetMailRouteCommand : SmtpCmdletBase
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string MimeSet = "MimeMessage";
        private const string HeaderSet = "Header";
        private readonly List<string> _pipedLines = new List<string>();
        private MailRouteOptions _options = new MailRouteOptions();

        /// <summary>.eml or Maildir files; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>.eml or Maildir files, taken literally (no wildcards); bound from Get-ChildItem's output.</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>A MimeKit.MimeMessage.</summary>
        [Parameter(Mandatory = true, ParameterSetName = MimeSet)]
        [ValidateNotNull]
        public object? MimeMessage { get; set; }

        /// <summary>Raw header text: one string with the whole header, or lines one by one (Get-Content).</summary>
        [Parameter(Mandatory = true, ParameterSetName = HeaderSet, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string[] Header { get; set; } = Array.Empty<string>();

        /// <summary>Hosts whose Received lines are trusted (your own MTAs): names, "*.domain" or addresses.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? TrustedHost { get; set; }

        /// <summary>
        /// Hosts that pass mail straight to each other, such as two firewalls: names, addresses, or a hashtable of
        /// names and their addresses. A hop through any other host between them is flagged UnexpectedHost.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public object[]? ExpectedPath { get; set; }

        /// <summary>One MailRouteSummary per message (the verdict, with the hops inside) instead of the hops.</summary>
        [Parameter]
        public SwitchParameter Summary { get; set; }

        /// <summary>How far clocks may disagree before a date is backwards or future; 5 minutes by default.</summary>
        [Parameter]
        public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            if (ClockSkew < TimeSpan.Zero)
            {
                ThrowTerminatingError(ErrorMapper.Record(this, "MailRouteNegativeClockSkew",
                    new ArgumentOutOfRangeException(nameof(ClockSkew), "-ClockSkew cannot be negative."), ClockSkew));
            }
            _options = new MailRouteOptions
            {
                TrustedHosts = TrustedHost ?? Array.Empty<string>(),
                ExpectedPath = ReadExpectedPath(ExpectedPath),
                ClockSkew = ClockSkew,
                Now = DateTimeOffset.Now,
            };
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case PathSet:
                    foreach (string pattern in Path) ReadFiles(pattern, false);
                    break;
                case LiteralPathSet:
                    foreach (string path in LiteralPath) ReadFiles(path, true);
                    break;
                case MimeSet:
                    object message = MimeMessage is PSObject ps ? ps.BaseObject : MimeMessage!;
                    if (message.GetType().FullName != "MimeKit.MimeMessage")
                    {
                        WriteError(ErrorMapper.Record(this, "MailRouteNotAMimeMessage", new ArgumentException(
                            $"-MimeMessage takes a MimeKit.MimeMessage, not a {message.GetType()}."), message));
                        return;
                    }
                    Emit(HeaderReader.ReceivedFromMimeMessage(message), null);
                    break;
                default:
                    foreach (string text in Header)
                    {
                        // A whole header in one string is one message; single lines (Get-Content) make one together.
                        if (text.IndexOf('\n') >= 0) Emit(HeaderReader.ReceivedFromText(text), null);
                        else _pipedLines.Add(text);
                    }
                    break;
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (_pipedLines.Count > 0) Emit(HeaderReader.ReceivedFromText(string.Join("\n", _pipedLines)), null);
        }

        private void ReadFiles(string path, bool literal)
        {
            foreach (string file in MessageInput.Files(this, path, literal, "MailRoute"))
            {
                try
                {
                    IReadOnlyList<string> received = Run((_, ct) => HeaderReader.ReceivedFromFileAsync(file, ct));
                    Emit(received, file);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteError(ErrorMapper.Record(this, ex is FileNotFoundException || ex is DirectoryNotFoundException
                        ? "MailRouteFileNotFound" : "MailRouteFileUnreadable", ex, file));
                }
            }
        }

        private void Emit(IReadOnlyList<string> received, string? source)
        {
            if (received.Count == 0)
            {
                WriteWarning(source == null
                    ? "The header has no Received: line; the message did not pass through any mail server."
                    : $"{source} has no Received: line; the message did not pass through any mail server.");
                return;
            }
            MailRouteSummary route = MailRouteAnalyzer.AnalyzeRoute(received, _options, source);
            if (Summary) WriteObject(route);
            else foreach (MailRouteHop hop in route.Hops) WriteObject(hop);
        }

        // Given once on the command line, so a bad entry stops the command: no message can be checked against it.
        private List<ExpectedHost> ReadExpectedPath(object[]? entries)
        {
            var hosts = new List<ExpectedHost>();
            if (entries == null) return hosts;
            foreach (object? entry in entries)
            {
                object? value = entry is PSObject ps ? ps.BaseObject : entry;
                if (value is IDictionary table)
                {
                    foreach (DictionaryEntry pair in table)
                    {
                        hosts.Add(new ExpectedHost(pair.Key?.ToString() ?? string.Empty, ReadAddresses(pair.Value,
                            pair.Key)));
                    }
                }
                else if (value != null)
                {
                    string name = value.ToString() ?? string.Empty;
                    IPAddress[] addresses = IPAddress.TryParse(name, out IPAddress? address)
                        ? new[] { address }
                        : Array.Empty<IPAddress>();
                    hosts.Add(new ExpectedHost(name, addresses));
                }
            }
            return hosts;
        }

        private List<IPAddress> ReadAddresses(object? value, object? host)
        {
            var addresses = new List<IPAddress>();
            if (value is PSObject ps) value = ps.BaseObject;
            IEnumerable items = value is string || value == null
                ? new[] { value }
                : value as IEnumerable ?? new[] { value };
            foreach (object? item in items)
            {
                object? v = item is PSObject inner ? inner.BaseObject : item;
                if (v is IPAddress ip)
                {
                    addresses.Add(ip);
                    continue;
                }
                string text = v?.ToString()?.Trim() ?? string.Empty;
                if (!IPAddress.TryParse(text, out IPAddress? parsed))
                {
                    ThrowTerminatingError(ErrorMapper.Record(this, "MailRouteInvalidExpectedAddress",
                        new ArgumentException($"-ExpectedPath gives '{text}' as the address of {host}, which is " +
                            "not an IP address."), text));
                }
                addresses.Add(parsed!);
            }
            return addresses;
        }
    }
}
