using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Mail;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Identity;
using SmtpTools.Core.Mime;
using SmtpTools.Core.Smtp;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Send-SmtpMessage: Send-MailMessage's parameters over SmtpTools' own delivery engine.</summary>
    [Cmdlet(VerbsCommunications.Send, "SmtpMessage", DefaultParameterSetName = ComposeSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SmtpSendResult))]
    public sealed class SendSmtpMessageCommand : SmtpConnectionCmdletBase
    {
        private const string ComposeSet = "Compose";
        private const string PathSet = "Path";
        private const string MimeSet = "MimeMessage";

        private SmtpSubmitOptions? _options;
        private SmtpDeliveryEngine? _engine;
        private PostedWrites? _writes;
        private OAuthCredentialSource? _oauth;  // the identity parameters' token source, for -Verbose
        private SendProgress? _progress;
        private int _inFlight;
        private string _where = string.Empty;
        private bool _verboseShown;
        private bool _descriptionShown;
        private HashSet<string> _commandLine = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private ErrorRecord? _fatal;
        // Made when first needed: a HashSet<int> has its generic code compiled at run time (see MailboxText).
        private HashSet<int>? _warnedConnections;

        /// <summary>Recipients.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ComposeSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = MimeSet, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[]? To { get; set; }

        /// <summary>Carbon-copy recipients.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[]? Cc { get; set; }

        /// <summary>Blind carbon-copy recipients.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[]? Bcc { get; set; }

        /// <summary>The sender.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ComposeSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = MimeSet, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string? From { get; set; }

        /// <summary>Reply-To addresses.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[]? ReplyTo { get; set; }

        /// <summary>The Sender header.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [AllowEmptyString]
        public string? Sender { get; set; }

        /// <summary>The subject.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [Alias("sub")]
        [AllowEmptyString]
        public string? Subject { get; set; }

        /// <summary>The body.</summary>
        [Parameter(Position = 2, ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [AllowEmptyString]
        public string? Body { get; set; }

        /// <summary>Treat -Body as HTML.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [Alias("BAH")]
        [FlexibleSwitch]
        public SwitchParameter BodyAsHtml { get; set; }

        /// <summary>Plain-text body (with -HtmlBody: multipart/alternative).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [AllowEmptyString]
        public string? TextBody { get; set; }

        /// <summary>HTML body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [AllowEmptyString]
        public string? HtmlBody { get; set; }

        /// <summary>Files to attach: paths relative to the current location, wildcards expanded.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [Alias("PsPath", "Attachment")]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[]? Attachments { get; set; }

        /// <summary>Content-id to file, for cid: images in the HTML body.</summary>
        [Parameter(ParameterSetName = ComposeSet)]
        public Hashtable? InlineAttachment { get; set; }

        /// <summary>Extra headers.</summary>
        [Parameter(ParameterSetName = ComposeSet)]
        public Hashtable? Header { get; set; }

        /// <summary>Charset of subject and body: a name or a System.Text.Encoding; UTF-8 by default.</summary>
        [Parameter(ParameterSetName = ComposeSet)]
        [Alias("BE")]
        [ArgumentCompleter(typeof(EncodingCompleter))]
        public object? Encoding { get; set; }

        /// <summary>Normal, High or Low.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [EmptyAsDefault(MailPriority.Normal)]
        public MailPriority Priority { get; set; } = MailPriority.Normal;

        /// <summary>Which delivery status notifications to ask for.</summary>
        [Parameter]
        [Alias("DNO")]
        public DeliveryNotificationOptions DeliveryNotificationOption { get; set; } = DeliveryNotificationOptions.None;

        /// <summary>MAIL FROM when it differs from From; &lt;&gt; for the null sender.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string? EnvelopeFrom { get; set; }

        /// <summary>The SMTP server (name, name:port or [IPv6]:port); $PSEmailServer by default.</summary>
        [Parameter]
        [Alias("ComputerName", "Host", "HostName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SmtpServerCompleter))]
        public string? SmtpServer { get; set; }

        /// <summary>The server's port.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 25;

        /// <summary>The account to log in with.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Require TLS, like Send-MailMessage -UseSsl: implicit TLS on port 465, STARTTLS elsewhere.</summary>
        [Parameter]
        public SwitchParameter UseSsl { get; set; }

        /// <summary>The SASL mechanism; the strongest offered by default.</summary>
        [Parameter]
        [ValidateSet("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER", "GSSAPI",
            "NTLM", "Negotiate", IgnoreCase = true)]
        public string? AuthMechanism { get; set; }

        /// <summary>An OAuth 2.0 access token for XOAUTH2 or OAUTHBEARER.</summary>
        [Parameter]
        [SecureStringTransformation]
        public SecureString? AccessToken { get; set; }

        /// <summary>Retries of transient failures.</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int RetryCount { get; set; }

        /// <summary>Seconds before the first retry; doubled each time.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public double RetryDelay { get; set; } = 5;

        /// <summary>How many connections send at once (each one message at a time).</summary>
        [Parameter]
        [ValidateRange(1, 32)]
        public int ThrottleLimit { get; set; } = 1;

        /// <summary>Deliver to each recipient domain's mail exchangers.</summary>
        [Parameter]
        public SwitchParameter DirectDelivery { get; set; }

        /// <summary>DNS servers for -DirectDelivery.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? DnsServer { get; set; }

        /// <summary>-DirectDelivery: refuse an exchanger whose certificate an MTA-STS enforce policy or validated
        /// TLSA records reject (the check itself is always made and reported).</summary>
        [Parameter]
        public SwitchParameter RequireTlsPolicy { get; set; }

        /// <summary>Write an .eml into this pickup folder instead of sending.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PickupDirectory { get; set; }

        /// <summary>A MimeKit.MimeMessage to send as it is.</summary>
        [Parameter(Mandatory = true, ParameterSetName = MimeSet)]
        public object? MimeMessage { get; set; }

        /// <summary>An .eml file to send as it is (wildcards expanded: each file is one message).</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The pipeline record itself: a string is a file to attach, as with Send-MailMessage; any record
        /// is the target of its own errors.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>Write a result for each message.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            // Bound now means given on the command line: a bad value there is bad for every record.
            _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
            int ways = (DirectDelivery ? 1 : 0) + (PickupDirectory != null ? 1 : 0) + (SmtpServer != null ? 1 : 0);
            if (ways > 1)
            {
                Terminate("ConflictingDelivery", new ArgumentException(
                    "Give only one of -SmtpServer, -DirectDelivery and -PickupDirectory."), null);
            }

            var options = new SmtpSubmitOptions();
            string server = SmtpServer ?? string.Empty;
            int port = Port;
            if (PickupDirectory != null)
            {
                options.Route = SmtpRoute.PickupDirectory;
                options.PickupDirectory = GetUnresolvedProviderPathFromPSPath(PickupDirectory);
                if (!Directory.Exists(options.PickupDirectory))
                {
                    Terminate(nameof(SmtpMessageError.PickupDirectoryNotFound), new DirectoryNotFoundException(
                        $"The pickup folder '{options.PickupDirectory}' does not exist."), PickupDirectory);
                }
                _where = $"pickup folder {options.PickupDirectory}";
            }
            else if (DirectDelivery)
            {
                options.Route = SmtpRoute.DirectToMx;
                _where = "the recipients' mail exchangers";
            }
            else
            {
                // Send-MailMessage falls back to the $PSEmailServer preference variable; so do we.
                server = SmtpServer ?? SessionState.PSVariable.GetValue("PSEmailServer") as string ?? string.Empty;
                if (string.IsNullOrWhiteSpace(server))
                {
                    Terminate("NoSmtpServer", new ArgumentException(
                        "No SMTP server was given, and $PSEmailServer is not set."), null);
                }
                (string host, int hostPort, string? error) = SplitServer(server, port);
                if (error != null) ThrowTerminatingError(ServerError(error, server, port));
                (server, port) = (host, hostPort);
                SmtpServerHistory.Record(server, port);
                _where = SmtpException.FormatEndpoint(server, port);
            }

            // Send-MailMessage's -UseSsl means "TLS, or fail": on the implicit-TLS port that is implicit TLS.
            SmtpTlsMode tls = UseSsl && Tls == SmtpTlsMode.Auto
                ? (port == 465 ? SmtpTlsMode.Implicit : SmtpTlsMode.StartTls)
                : Tls;
            if (tls == SmtpTlsMode.None && (Credential != null || AccessToken != null) && !AllowUnencryptedAuthentication)
            {
                Terminate("CredentialWithoutTls", new ArgumentException(
                    "-Tls None with -Credential or -AccessToken would send the secret in clear text."), Tls);
            }
            if (Encoding != null)
            {
                try { MessageEncoding.Resolve(Encoding is PSObject ps ? ps.BaseObject : Encoding); }
                catch (SmtpMessageException ex) { ThrowTerminatingError(ErrorMapper.Record(this, ex, Encoding)); }
            }

            Settings(options, server, port, tls);
            options.Credentials = BuildCredentials();
            options.Mechanism = AuthMechanism;
            options.RetryCount = RetryCount;
            options.RetryDelay = TimeSpan.FromSeconds(RetryDelay);
            if (RequireTlsPolicy && !DirectDelivery)
            {
                Terminate("TlsPolicyWithoutDirectDelivery", new ArgumentException(
                    "-RequireTlsPolicy applies to -DirectDelivery, where the recipients' domains publish the policies."),
                    RequireTlsPolicy);
            }
            if (DirectDelivery)
            {
                // MTA-STS and DANE are checked and reported per connection; -RequireTlsPolicy also enforces them.
                options.CheckTlsPolicy = true;
                options.RequireTlsPolicy = RequireTlsPolicy;
                options.Dns.Timeout = TimeSpan.FromSeconds(Math.Min(Timeout, 30));
                if (DnsServer != null) options.Dns.Servers = DnsServers(DnsServer);
            }

            _writes = new PostedWrites();
            _verboseShown = IsVerboseShown();
            // No live transcript without -Verbose: each line would cost a string, a closure and a wake-up of the
            // pipeline thread, only to be dropped there (tests/bench: about a third of the time per message).
            PostedWrites writes = _writes;
            if (_verboseShown) options.LiveTranscript = new VerboseSink(this, writes);
            if (_verboseShown && _oauth != null) _oauth.Log = message => writes.Post(() => WriteVerbose(message));
            _progress = new SendProgress(this, writes);
            options.Progress = _progress;
            _options = options;
            // The -WhatIf/-Confirm/-Verbose text costs a header serialisation per message: decided once, here.
            _descriptionShown = _verboseShown || MyInvocation.BoundParameters.ContainsKey("WhatIf") ||
                                MyInvocation.BoundParameters.ContainsKey("Confirm") ||
                                LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            WriteFinished(int.MaxValue);
            List<Func<CancellationToken, Task<MimeMessageContent>>> messages;
            try
            {
                messages = Messages();
            }
            catch (SmtpMessageException ex)
            {
                InputError(ex);
                return;
            }
            foreach (Func<CancellationToken, Task<MimeMessageContent>> load in messages)
            {
                MimeMessageContent content;
                try
                {
                    content = Run((post, ct) => load(ct));
                }
                catch (SmtpMessageException ex)
                {
                    InputError(ex);
                    continue;
                }
                Submit(content);
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            WriteFinished(0);
            _engine?.Complete();
            _engine?.Join();
            _writes?.WriteQueued();
            _progress?.Complete();
            if (_fatal != null) ThrowTerminatingError(_fatal);
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // After an error that stopped the pipeline, messages still in flight are cancelled, not left behind.
                _engine?.Dispose();
                _writes?.Dispose();
            }
            base.Dispose(disposing);
        }

        private void Submit(MimeMessageContent content)
        {
            bool handedOver = false;
            try
            {
                string recipients = string.Join(", ", content.Envelope.Recipients);
                string detail = _descriptionShown ? ":\n" + content.Describe() : ".";
                if (!ShouldProcess($"Sending this message to {recipients} through {_where}{detail}",
                        $"Send the message to {recipients} through {_where}?", "Send-SmtpMessage"))
                {
                    return;
                }
                _progress!.Current = recipients;
                // The next message is composed while this one goes out; with -ThrottleLimit 1 it is handed over only
                // after this one is reported, so errors and results keep their order.
                WriteFinished(ThrottleLimit - 1);
                _engine ??= new SmtpDeliveryEngine(_options!, ThrottleLimit, CancelToken);
                PostedWrites writes = _writes!;
                _inFlight++;
                handedOver = true;
                _engine.Enqueue(content, InputObject, report => writes.Post(() => Report(report)));
            }
            finally
            {
                if (!handedOver) content.Dispose();
            }
        }

        /// <summary>
        /// Writes what the engine reported, waiting until no more than <paramref name="maxInFlight"/> messages are
        /// still out; then stops the command if the server turned out to be unusable.
        /// </summary>
        private void WriteFinished(int maxInFlight)
        {
            if (_writes == null) return;
            while (_inFlight > maxInFlight)
            {
                if (!_writes.WriteNext(CancelToken)) throw new PipelineStoppedException();
            }
            _writes.WriteQueued();
            if (_fatal == null) return;
            // What is still in flight gets its result written first; then the command stops.
            while (_inFlight > 0)
            {
                if (!_writes.WriteNext(CancelToken)) throw new PipelineStoppedException();
            }
            _progress?.Complete();
            ThrowTerminatingError(_fatal);
        }

        /// <summary>A bad value in the input: this record's error, or the command's when it was on the command line.</summary>
        private void InputError(SmtpMessageException ex)
        {
            // Results of the messages before this one come first, so -ErrorAction Stop leaves them written.
            WriteFinished(0);
            bool commandLevel = !MyInvocation.ExpectingInput ||
                                (ex.ParameterName != null && _commandLine.Contains(ex.ParameterName));
            if (commandLevel) ThrowTerminatingError(ErrorMapper.Record(this, ex));
            _progress?.Failed();
            WriteError(ErrorMapper.Record(this, ex, (object?)InputObject ?? ex.Target));
        }

        private void Report(SmtpDeliveryReport report)
        {
            _inFlight--;
            if (report.Error != null)
            {
                if (report.Error is OperationCanceledException) throw new PipelineStoppedException();
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(report.Error).Throw();
            }
            foreach (SmtpSubmitOutcome outcome in report.Outcomes) Report(outcome, report.Tag);
        }

        private void Report(SmtpSubmitOutcome outcome, object? record)
        {
            SmtpSendResult result = outcome.Result;
            _progress!.Count(result);
            if (outcome.StopsBatch && _fatal == null)
            {
                // The smart host itself failed (connection, TLS, login): no later message can do better.
                _fatal = ErrorMapper.Record(this, outcome.Failure!);
            }
            else if (!outcome.StopsBatch)
            {
                foreach (ErrorRecord error in Errors(outcome)) WriteError(error);
            }
            // Once per connection: a CSV of a thousand rows over one connection is one certificate, not a thousand.
            if (result.Tls != null && result.Tls.ValidationErrors.Count > 0 && !SkipCertificateCheck &&
                (_warnedConnections ??= new HashSet<int>()).Add(result.SessionId))
            {
                WriteWarning($"The certificate of {result.Server} could not be verified: " +
                    string.Join("; ", result.Tls.ValidationErrors).TrimEnd('.') + ". The message was still encrypted.");
            }
            if (PassThru) WriteObject(result);
        }

        /// <summary>The errors a result calls for: none when sent to all, one per refused recipient otherwise.</summary>
        private IEnumerable<ErrorRecord> Errors(SmtpSubmitOutcome outcome)
        {
            SmtpSendResult result = outcome.Result;
            if (result.Delivered)
            {
                // Sent to the others; each refusal is its own error, naming the recipient.
                foreach (SmtpRecipientResult rejected in result.RejectedRecipients)
                {
                    string id = rejected.Reply.IsTransient
                        ? nameof(SmtpFailureKind.SmtpTransientFailure)
                        : nameof(SmtpFailureKind.SmtpRecipientRejected);
                    yield return ErrorMapper.Record(this, id, new InvalidOperationException(
                        $"{result.Server} refused the recipient {rejected.Address}: {rejected.Reply.Code} " +
                        $"{rejected.Reply.Text}"), rejected.Address);
                }
                yield break;
            }
            if (result.Status == SmtpSendStatus.Written) yield break;
            SmtpFailureKind kind = result.FailureKind ?? SmtpFailureKind.SmtpFailed;
            switch (kind)
            {
                case SmtpFailureKind.SmtpDeliveryUnknown:
                    string why = outcome.Failure != null ? $" ({outcome.Failure.Message})" : string.Empty;
                    yield return ErrorMapper.Record(this, kind.ToString(),
                        new InvalidOperationException(result.Error + why, outcome.Failure), result.MessageId);
                    break;
                case SmtpFailureKind.SmtpDataRejected:
                case SmtpFailureKind.SmtpTransientFailure when outcome.Failure == null && result.DataReply != null &&
                                                               result.RejectedRecipients.Count == 0:
                    SmtpReply reply = result.DataReply!;
                    yield return ErrorMapper.Record(this, kind.ToString(), new InvalidOperationException(
                        $"{result.Server} refused the message {result.MessageId}: {reply.Code} {reply.Text}"), reply);
                    break;
                case SmtpFailureKind.SmtpNoRecipientAccepted:
                case SmtpFailureKind.SmtpTransientFailure when outcome.Failure == null:
                    string replies = string.Join("; ", result.RejectedRecipients.Select(r =>
                        $"{r.Address}: {r.Reply.Code} {r.Reply.Text}"));
                    yield return ErrorMapper.Record(this, kind.ToString(), new InvalidOperationException(
                            $"{result.Server} accepted no recipient of message {result.MessageId}: {replies}"),
                        result.RejectedRecipients.Count == 1 ? result.RejectedRecipients[0].Address : (object)result);
                    break;
                default:
                    Exception failure = outcome.Failure ?? new InvalidOperationException(result.Error);
                    object? target = kind == SmtpFailureKind.MailExchangerNullMx ? result.Domain : null;
                    // A message the server cannot take as it is (too large, needs SMTPUTF8) is named by its id.
                    if (failure is SmtpException smtp && smtp.Kind.HasValue &&
                        smtp.Kind != SmtpFailureKind.SmtpTlsModeMismatch)
                    {
                        target = result.MessageId;
                    }
                    yield return ErrorMapper.Record(this, failure, target, kind.ToString());
                    break;
            }
        }

        /// <summary>The message or messages of this record, each loaded or composed when its turn comes.</summary>
        /// <exception cref="SmtpMessageException">A value of the record cannot make a message.</exception>
        private List<Func<CancellationToken, Task<MimeMessageContent>>> Messages()
        {
            DeliveryNotificationOptions notify = DeliveryNotificationOption;
            string[]? to = NonEmpty(To);
            string? envelopeFrom = NonEmpty(EnvelopeFrom);
            var messages = new List<Func<CancellationToken, Task<MimeMessageContent>>>();
            switch (ParameterSetName)
            {
                case PathSet:
                    foreach (string file in ResolveFiles(Path!, "Path", SmtpMessageError.MessageFileNotFound))
                        messages.Add(ct => MessageComposer.LoadAsync(file, envelopeFrom, to, notify, ct));
                    break;
                case MimeSet:
                    object message = MimeMessage is PSObject ps ? ps.BaseObject : MimeMessage!;
                    messages.Add(ct => MessageComposer.FromMimeMessageAsync(message, envelopeFrom, to, notify, ct));
                    break;
                default:
                    MessageSpec spec = BuildSpec();
                    messages.Add(ct => MessageComposer.ComposeAsync(spec, ct));
                    break;
            }
            return messages;
        }

        private MessageSpec BuildSpec()
        {
            var attachments = new List<string>();
            foreach (string path in NonEmpty(Attachments) ?? Array.Empty<string>())
                attachments.AddRange(ResolveFiles(path, "Attachments", SmtpMessageError.AttachmentNotFound));
            // Send-MailMessage takes files to attach from the pipeline: a path string, as here.
            if (InputObject?.BaseObject is string piped && piped.Length > 0)
                attachments.AddRange(ResolveFiles(piped, "Attachments", SmtpMessageError.AttachmentNotFound));

            var spec = new MessageSpec
            {
                From = NonEmpty(From),
                To = NonEmpty(To)?.ToList() ?? new List<string>(),
                Cc = NonEmpty(Cc)?.ToList() ?? new List<string>(),
                Bcc = NonEmpty(Bcc)?.ToList() ?? new List<string>(),
                ReplyTo = NonEmpty(ReplyTo)?.ToList() ?? new List<string>(),
                Sender = NonEmpty(Sender),
                Subject = Subject,
                Body = NonEmpty(Body),
                BodyAsHtml = BodyAsHtml,
                TextBody = NonEmpty(TextBody),
                HtmlBody = NonEmpty(HtmlBody),
                Attachments = attachments,
                Encoding = Encoding is PSObject ps ? ps.BaseObject : Encoding,
                Priority = Priority,
                DeliveryNotificationOption = DeliveryNotificationOption,
                EnvelopeFrom = NonEmpty(EnvelopeFrom),
            };
            if (InlineAttachment != null)
            {
                foreach (DictionaryEntry entry in InlineAttachment)
                {
                    spec.InlineAttachments[entry.Key.ToString()!] =
                        GetUnresolvedProviderPathFromPSPath(Convert.ToString(entry.Value) ?? string.Empty);
                }
            }
            if (Header != null)
            {
                foreach (DictionaryEntry entry in Header)
                {
                    spec.Headers.Add(new KeyValuePair<string, string>(entry.Key.ToString()!,
                        Convert.ToString(entry.Value) ?? string.Empty));
                }
            }
            return spec;
        }

        /// <summary>
        /// A path as every cmdlet takes it: relative to the current location, any PowerShell drive, wildcards
        /// expanded. A name that exists as written wins over its reading as a wildcard ("report[1].pdf").
        /// </summary>
        private IEnumerable<string> ResolveFiles(string path, string parameter, SmtpMessageError notFound)
        {
            string literal = GetUnresolvedProviderPathFromPSPath(path);
            if (File.Exists(literal)) return new[] { literal };
            Collection<string> resolved;
            try
            {
                resolved = GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
                if (provider.Name != "FileSystem") resolved = new Collection<string>();
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException ||
                                       ex is ProviderNotFoundException || ex is NotSupportedException)
            {
                resolved = new Collection<string>();
            }
            string[] files = resolved.Where(File.Exists).ToArray();
            if (files.Length > 0) return files;
            throw new SmtpMessageException(notFound, parameter, path,
                $"The file '{path}' given in -{parameter} was not found (looked for {literal}).",
                "Check the path; relative paths are resolved against the current location.");
        }

        // An empty cell in a CSV row means "not given", not "an empty address".
        private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

        private static string[]? NonEmpty(string[]? values)
        {
            if (values == null) return null;
            string[] given = values.Where(v => !string.IsNullOrWhiteSpace(v)).ToArray();
            return given.Length == 0 ? null : given;
        }

        private ISmtpCredentialSource? BuildCredentials()
        {
            ThrowIfConflictingDefaultCredentials(Credential != null || AccessToken != null || HasIdentityParameters);
            // Identity parameters (issue 18): the engine asks the token source per connection, once more after a 535.
            ISmtpCredentialSource? identity = IdentitySourceForEngine(From, out _oauth);
            if (identity != null) return identity;
            if (AccessToken != null)
            {
                string user = Credential?.UserName ?? From ?? string.Empty;
                return new FixedCredentialSource(TokenCredential(user, AccessToken));
            }
            if (Credential == null || Credential == PSCredential.Empty)
            {
                // Never the current identity towards other domains' exchangers.
                SmtpCredential? current = DirectDelivery ? null : CurrentIdentityCredential(implicitly: true);
                return current == null ? null : new CurrentIdentityCredentialSource(current);
            }
            return new FixedCredentialSource(WithServicePrincipal(PasswordCredential(Credential)));
        }

        // -Verbose (or -Verbose:$false) wins; otherwise $VerbosePreference, as WriteVerbose itself decides.
        private bool IsVerboseShown()
        {
            if (MyInvocation.BoundParameters.TryGetValue("Verbose", out object? bound))
                return bound is SwitchParameter flag ? flag.IsPresent : LanguagePrimitives.IsTrue(bound);
            object? value = GetVariableValue("VerbosePreference");
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            ActionPreference preference = value is ActionPreference known ? known
                : Enum.TryParse(Convert.ToString(value), true, out ActionPreference parsed) ? parsed
                : ActionPreference.SilentlyContinue;
            return preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore;
        }

        private void Terminate(string id, Exception ex, object? target) =>
            ThrowTerminatingError(ErrorMapper.Record(this, id, ex, target));

        /// <summary>The live transcript as -Verbose lines, from any thread.</summary>
        private sealed class VerboseSink : ITranscriptSink
        {
            private readonly SendSmtpMessageCommand _command;
            private readonly PostedWrites _writes;

            internal VerboseSink(SendSmtpMessageCommand command, PostedWrites writes)
            {
                _command = command;
                _writes = writes;
            }

            public void Write(SmtpTranscriptEntry entry)
            {
                string line = entry.ToString();
                _writes.Post(() => _command.WriteVerbose(line));
            }
        }
    }

    /// <summary>Tab completion for -Encoding: the charsets mail commonly uses.</summary>
    public sealed class EncodingCompleter : IArgumentCompleter
    {
        private static readonly string[] Names =
        {
            "utf-8", "us-ascii", "iso-8859-1", "iso-8859-15", "windows-1252", "gb2312", "gbk", "gb18030", "big5",
            "shift_jis", "iso-2022-jp", "euc-jp", "euc-kr", "koi8-r", "windows-1251", "utf-16",
        };

        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, System.Management.Automation.Language.CommandAst commandAst,
            IDictionary fakeBoundParameters) =>
            Names.Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
