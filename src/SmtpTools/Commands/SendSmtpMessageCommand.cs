using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Mail;
using System.Runtime.ExceptionServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Mime;
using SmtpTools.Core.Smtp;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Send-SmtpMessage: Send-MailMessage's parameters over SmtpTools' own SMTP client.</summary>
    [Cmdlet(VerbsCommunications.Send, "SmtpMessage", DefaultParameterSetName = ComposeSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SmtpSendResult))]
    public sealed class SendSmtpMessageCommand : SmtpConnectionCmdletBase
    {
        private const string ComposeSet = "Compose";
        private const string PathSet = "Path";
        private const string MimeSet = "MimeMessage";

        private SmtpSubmitter? _submitter;  // -DirectDelivery only
        private SmtpSubmitOptions? _options;
        // Relay sends run on worker connections (SmtpSendWorkers); what they report comes back through _writes
        // and is written here, on the pipeline thread. _inFlight counts messages handed over and not yet reported.
        private SmtpSendWorkers? _workers;
        private PostedWrites? _writes;
        private int _inFlight;
        private string? _server;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _sent;
        private long _lastProgressTicks;
        private string _currentRecipients = string.Empty;
        private bool _verboseShown;
        private bool _descriptionShown;

        /// <summary>Recipients.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ComposeSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = MimeSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? To { get; set; }

        /// <summary>Carbon-copy recipients.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        public string[]? Cc { get; set; }

        /// <summary>Blind carbon-copy recipients.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        public string[]? Bcc { get; set; }

        /// <summary>The sender.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ComposeSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = MimeSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? From { get; set; }

        /// <summary>Reply-To addresses.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        public string[]? ReplyTo { get; set; }

        /// <summary>The Sender header.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        public string? Sender { get; set; }

        /// <summary>The subject.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [Alias("sub")]
        public string? Subject { get; set; }

        /// <summary>The body.</summary>
        [Parameter(Position = 2, ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        public string? Body { get; set; }

        /// <summary>Treat -Body as HTML.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [Alias("BAH")]
        public SwitchParameter BodyAsHtml { get; set; }

        /// <summary>Plain-text body (with -HtmlBody: multipart/alternative).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        public string? TextBody { get; set; }

        /// <summary>HTML body.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        public string? HtmlBody { get; set; }

        /// <summary>Files to attach.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ComposeSet)]
        [Alias("PsPath", "Attachment")]
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
        public MailPriority Priority { get; set; } = MailPriority.Normal;

        /// <summary>Which delivery status notifications to ask for.</summary>
        [Parameter]
        [Alias("DNO")]
        public DeliveryNotificationOptions DeliveryNotificationOption { get; set; } = DeliveryNotificationOptions.None;

        /// <summary>MAIL FROM when it differs from From; &lt;&gt; for the null sender.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? EnvelopeFrom { get; set; }

        /// <summary>The SMTP server; $PSEmailServer by default.</summary>
        [Parameter]
        [Alias("ComputerName", "Host", "HostName")]
        [ValidateNotNullOrEmpty]
        public string? SmtpServer { get; set; }

        /// <summary>The server's port.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 25;

        /// <summary>The account to log in with.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Require STARTTLS, like Send-MailMessage -UseSsl.</summary>
        [Parameter]
        public SwitchParameter UseSsl { get; set; }

        /// <summary>The SASL mechanism; the strongest offered by default.</summary>
        [Parameter]
        [ValidateSet("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER",
            IgnoreCase = true)]
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

        /// <summary>Write an .eml into this pickup folder instead of sending.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PickupDirectory { get; set; }

        /// <summary>A MimeKit.MimeMessage to send as it is.</summary>
        [Parameter(Mandatory = true, ParameterSetName = MimeSet)]
        public object? MimeMessage { get; set; }

        /// <summary>An .eml file to send as it is.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Write a result for each message.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            int ways = (DirectDelivery ? 1 : 0) + (PickupDirectory != null ? 1 : 0) + (SmtpServer != null ? 1 : 0);
            if (ways > 1)
            {
                Terminate(new ArgumentException("Give only one of -SmtpServer, -DirectDelivery and -PickupDirectory."),
                    "ConflictingDelivery", ErrorCategory.InvalidArgument, null,
                    "Remove all but one of -SmtpServer, -DirectDelivery and -PickupDirectory.");
            }
            _server = SmtpServer;
            if (_server == null && !DirectDelivery && PickupDirectory == null)
            {
                // Send-MailMessage falls back to the $PSEmailServer preference variable; so do we.
                _server = SessionState.PSVariable.GetValue("PSEmailServer") as string;
                if (string.IsNullOrWhiteSpace(_server))
                {
                    Terminate(new ArgumentException("No SMTP server was given, and $PSEmailServer is not set."),
                        "NoSmtpServer", ErrorCategory.InvalidArgument, null,
                        "Give -SmtpServer, set $PSEmailServer, or use -DirectDelivery or -PickupDirectory.");
                }
            }

            SmtpTlsMode tls = UseSsl && Tls == SmtpTlsMode.Auto ? SmtpTlsMode.StartTls : Tls;
            if (tls == SmtpTlsMode.None && (Credential != null || AccessToken != null) && !AllowUnencryptedAuthentication)
            {
                Terminate(new ArgumentException("-Tls None with -Credential or -AccessToken would send the secret in clear text."),
                    "CredentialWithoutTls", ErrorCategory.InvalidArgument, Tls,
                    "Use -Tls StartTls or -Tls Implicit, or accept the risk with -AllowUnencryptedAuthentication.");
            }

            _options = new SmtpSubmitOptions
            {
                Server = _server ?? string.Empty,
                Port = Port,
                Tls = tls,
                ClientName = ClientName,
                SkipCertificateCheck = SkipCertificateCheck,
                AllowUnencryptedAuthentication = AllowUnencryptedAuthentication,
                Timeout = TimeSpan.FromSeconds(Timeout),
                Credential = BuildCredential(),
                Mechanism = AuthMechanism,
                RetryCount = RetryCount,
                RetryDelay = TimeSpan.FromSeconds(RetryDelay),
                BlockingIo = true,
            };
            if (DirectDelivery)
            {
                _options.Dns.Timeout = TimeSpan.FromSeconds(Math.Min(Timeout, 30));
                if (DnsServer != null)
                {
                    try { _options.Dns.Servers = DnsServer.Select(MxRouterOptions.ParseServer).ToArray(); }
                    catch (ArgumentException ex)
                    {
                        Terminate(ex, "InvalidDnsServer", ErrorCategory.InvalidArgument, DnsServer,
                            "Give each DNS server as an IP address, optionally with :port.");
                    }
                }
            }
            // Through a smart host the sender threads keep their own submitters (StartWorkers); direct delivery sends
            // from the pipeline thread through this one.
            if (DirectDelivery) _submitter = new SmtpSubmitter(_options);
            _verboseShown = IsVerboseShown();
            // The -WhatIf/-Confirm/-Verbose text costs a header serialisation per message: decided once, here.
            _descriptionShown = _verboseShown || MyInvocation.BoundParameters.ContainsKey("WhatIf") ||
                                MyInvocation.BoundParameters.ContainsKey("Confirm") ||
                                LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
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

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            MimeMessageContent content;
            try
            {
                content = Run((post, ct) => LoadMessageAsync(ct));
            }
            catch (SmtpMessageException ex)
            {
                // A mistake in the input: found before any connection, and no later message would fix it. The
                // messages already handed to the workers are reported first.
                WriteFinished(0);
                ErrorCategory category = ex.Error.ToString().EndsWith("NotFound", StringComparison.Ordinal)
                    ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidArgument;
                Terminate(ex, ex.ErrorId, category, ex.Target, ex.RecommendedAction);
                return;
            }

            bool handedOver = false;
            try
            {
                string where = PickupDirectory != null ? $"pickup folder {PickupDirectory}"
                    : DirectDelivery ? "the recipients' mail exchangers"
                    : $"{_server}:{Port}";
                string recipients = string.Join(", ", content.Envelope.Recipients);
                string detail = _descriptionShown ? ":\n" + content.Describe() : ".";
                if (!ShouldProcess($"Sending this message to {recipients} through {where}{detail}",
                        $"Send the message to {recipients} through {where}?", "Send-SmtpMessage"))
                {
                    return;
                }

                if (PickupDirectory != null)
                {
                    string written = Run((post, ct) => PickupDirectoryWriter.WriteAsync(content, PickupDirectory, ct));
                    if (PassThru)
                    {
                        WriteObject(new SmtpSendResult(content.MessageId, null, PickupDirectory, 0, null, null, 0,
                            SmtpSendStatus.Written, content.Envelope.MailFrom, content.Envelope.Recipients.ToArray(),
                            Array.Empty<SmtpRecipientResult>(), null, 1, TimeSpan.Zero,
                            Array.Empty<SmtpTranscriptEntry>(), written));
                    }
                    return;
                }

                _currentRecipients = recipients;
                if (!DirectDelivery)
                {
                    // The next message is composed (above) while this one goes out; with -ThrottleLimit 1 it is
                    // handed over only after this one is reported, so errors and results keep their order.
                    WriteFinished(ThrottleLimit - 1);
                    StartWorkers();
                    _inFlight++;
                    handedOver = true;
                    _workers!.Enqueue(content, (outcome, error) => _writes!.Post(() =>
                    {
                        _inFlight--;
                        if (outcome != null) Report(outcome);
                        else if (error is OperationCanceledException) throw new PipelineStoppedException();
                        else ExceptionDispatchInfo.Capture(error!).Throw();
                    }));
                    return;
                }

                IReadOnlyList<SmtpSubmitOutcome> outcomes = Run(async (post, ct) =>
                {
                    // No live transcript without -Verbose: see StartWorkers.
                    _options!.LiveTranscript = _verboseShown ? VerboseTranscript(post) : null;
                    _options.Progress = new ProgressSink(post, this);
                    return await _submitter!.SendDirectAsync(content, ct).ConfigureAwait(false);
                });
                foreach (SmtpSubmitOutcome outcome in outcomes) Report(outcome);
            }
            finally
            {
                if (!handedOver) content.Dispose();
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (_workers != null)
            {
                WriteFinished(0);
                _workers.Complete();
                _workers.Join();
                WriteFinished(0);
            }
            if (_submitter != null) Run(async (post, ct) => { await _submitter.CloseAsync(ct).ConfigureAwait(false); return true; });
            WriteProgress(new ProgressRecord(1, "Send-SmtpMessage", "Done") { RecordType = ProgressRecordType.Completed });
        }

        /// <inheritdoc />
        protected override void StopProcessing()
        {
            base.StopProcessing();
            _submitter?.Dispose();
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // After an error that stopped the pipeline, messages still in flight are cancelled, not left behind.
                _workers?.Dispose();
                _writes?.Dispose();
                _submitter?.Dispose();
            }
            base.Dispose(disposing);
        }

        private void StartWorkers()
        {
            if (_workers != null) return;
            PostedWrites writes = _writes = new PostedWrites();
            _workers = new SmtpSendWorkers(ThrottleLimit, _ =>
            {
                SmtpSubmitOptions options = _options!.Clone();
                // Without -Verbose each transcript line would still cost a string, a closure and a wake-up of the
                // pipeline thread, only to be dropped there (tests/bench: about a third of the time per message).
                options.LiveTranscript = _verboseShown ? VerboseTranscript(writes.Post) : null;
                options.Progress = new ProgressSink(writes.Post, this);
                return options;
            }, CancelToken);
        }

        /// <summary>Writes what the workers reported, waiting until no more than <paramref name="maxInFlight"/>
        /// messages are still out.</summary>
        private void WriteFinished(int maxInFlight)
        {
            if (_writes == null) return;
            while (_inFlight > maxInFlight)
            {
                if (!_writes.WriteNext(CancelToken)) throw new PipelineStoppedException();
            }
            _writes.WriteQueued();
        }

        private Task<MimeMessageContent> LoadMessageAsync(CancellationToken cancellationToken)
        {
            DeliveryNotificationOptions notify = DeliveryNotificationOption;
            switch (ParameterSetName)
            {
                case PathSet:
                    return MessageComposer.LoadAsync(GetUnresolvedProviderPathFromPSPath(Path!), EnvelopeFrom,
                        To, notify, cancellationToken);
                case MimeSet:
                    object message = MimeMessage is PSObject ps ? ps.BaseObject : MimeMessage!;
                    return MessageComposer.FromMimeMessageAsync(message, EnvelopeFrom, To, notify, cancellationToken);
                default:
                    return MessageComposer.ComposeAsync(BuildSpec(), cancellationToken);
            }
        }

        private MessageSpec BuildSpec()
        {
            var spec = new MessageSpec
            {
                From = From,
                To = To?.ToList() ?? new List<string>(),
                Cc = Cc?.ToList() ?? new List<string>(),
                Bcc = Bcc?.ToList() ?? new List<string>(),
                ReplyTo = ReplyTo?.ToList() ?? new List<string>(),
                Sender = Sender,
                Subject = Subject,
                Body = Body,
                BodyAsHtml = BodyAsHtml,
                TextBody = TextBody,
                HtmlBody = HtmlBody,
                Attachments = (Attachments ?? Array.Empty<string>()).Select(GetUnresolvedProviderPathFromPSPath).ToList(),
                Encoding = Encoding is PSObject ps ? ps.BaseObject : Encoding,
                Priority = Priority,
                DeliveryNotificationOption = DeliveryNotificationOption,
                EnvelopeFrom = EnvelopeFrom,
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

        private SmtpCredential? BuildCredential()
        {
            if (AccessToken != null)
            {
                string user = Credential?.UserName ?? From ?? string.Empty;
                return TokenCredential(user, AccessToken);
            }
            if (Credential == null || Credential == PSCredential.Empty) return null;
            return PasswordCredential(Credential);
        }

        private void Report(SmtpSubmitOutcome outcome)
        {
            SmtpSendResult result = outcome.Result;
            _sent += result.Delivered ? 1 : 0;
            // Unknown first: the failure behind it (a timeout, a lost connection) came after the whole message was
            // sent, so its own error id would suggest a resend that may duplicate the message.
            if (result.Status == SmtpSendStatus.Unknown)
            {
                string why = outcome.Failure != null ? $" ({outcome.Failure.Message})" : string.Empty;
                WriteError(Error(new InvalidOperationException(result.Error + why, outcome.Failure),
                    "SmtpDeliveryUnknown",
                    ErrorCategory.OperationTimeout, result.MessageId,
                    "Check the recipient's mailbox or the server's log before sending again: a resend may duplicate it."));
            }
            else if (outcome.Failure is SmtpException smtp) WriteError(SmtpErrors.FromException(smtp));
            else if (outcome.Failure is DnsResolutionException dns) WriteError(DnsError(dns, outcome.NullMx));
            else if (outcome.DataRefused && result.DataReply != null)
            {
                SmtpReply reply = result.DataReply;
                WriteError(Error(new InvalidOperationException(
                        $"{result.Server} refused the message {result.MessageId}: {reply.Code} {reply.Text}"),
                    reply.IsTransient ? "SmtpTransientFailure" : "SmtpDataRejected",
                    reply.IsTransient ? ErrorCategory.ResourceUnavailable : ErrorCategory.InvalidOperation, reply,
                    "Get-SmtpReplyCode explains the reply."));
            }
            else if (!result.Delivered && result.RejectedRecipients.Count > 0)
            {
                bool allTransient = result.RejectedRecipients.All(r => r.Reply.IsTransient);
                string replies = string.Join("; ", result.RejectedRecipients.Select(r =>
                    $"{r.Address}: {r.Reply.Code} {r.Reply.Text}"));
                WriteError(Error(new InvalidOperationException(
                        $"{result.Server} accepted no recipient of message {result.MessageId}: {replies}"),
                    allTransient ? "SmtpTransientFailure" : "SmtpNoRecipientAccepted",
                    allTransient ? ErrorCategory.ResourceUnavailable : ErrorCategory.InvalidOperation,
                    result.RejectedRecipients.Count == 1 ? result.RejectedRecipients[0].Address : (object)result,
                    allTransient ? "Try again later, or raise -RetryCount." : "Check the recipient addresses."));
            }

            if (result.Delivered)
            {
                // Sent to the others; each refusal is its own error, naming the recipient.
                foreach (SmtpRecipientResult rejected in result.RejectedRecipients)
                {
                    WriteError(Error(new InvalidOperationException(
                            $"{result.Server} refused the recipient {rejected.Address}: {rejected.Reply.Code} {rejected.Reply.Text}"),
                        rejected.Reply.IsTransient ? "SmtpTransientFailure" : "SmtpRecipientRejected",
                        rejected.Reply.IsTransient ? ErrorCategory.ResourceUnavailable : ErrorCategory.InvalidOperation,
                        rejected.Address, "Get-SmtpReplyCode explains the reply."));
                }
            }
            if (result.Tls != null && result.Tls.ValidationErrors.Count > 0 && !SkipCertificateCheck)
            {
                WriteWarning($"The certificate of {result.Server} could not be verified: " +
                    string.Join("; ", result.Tls.ValidationErrors).TrimEnd('.') + ". The message was still encrypted.");
            }
            if (PassThru) WriteObject(result);
        }

        private static ErrorRecord DnsError(DnsResolutionException ex, bool nullMx)
        {
            if (nullMx)
            {
                return Error(ex, "MailExchangerNullMx", ErrorCategory.InvalidOperation, ex.Domain,
                    "The domain says it accepts no mail; check the recipient address.");
            }
            return ResolveMailExchangerCommand.ToErrorRecord(ex);
        }

        private static ErrorRecord Error(Exception ex, string id, ErrorCategory category, object? target,
            string? action)
        {
            var record = new ErrorRecord(ex, id, category, target);
            if (action != null) record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = action };
            return record;
        }

        private void Terminate(Exception ex, string id, ErrorCategory category, object? target, string? action) =>
            ThrowTerminatingError(Error(ex, id, category, target, action));

        /// <summary>Write-Progress for long runs and large messages, at most ten updates a second.</summary>
        private sealed class ProgressSink : IProgress<SmtpProgress>
        {
            private readonly Action<Action> _post;
            private readonly SendSmtpMessageCommand _command;

            internal ProgressSink(Action<Action> post, SendSmtpMessageCommand command)
            {
                _post = post;
                _command = command;
            }

            public void Report(SmtpProgress value)
            {
                long now = _command._clock.ElapsedTicks;
                bool dataDone = value.Stage == SmtpStage.Data && value.BytesTotal.HasValue &&
                                value.BytesSent >= value.BytesTotal.Value;
                if (!dataDone && now - Interlocked.Read(ref _command._lastProgressTicks) < Stopwatch.Frequency / 10) return;
                Interlocked.Exchange(ref _command._lastProgressTicks, now);
                double seconds = Math.Max(_command._clock.Elapsed.TotalSeconds, 0.001);
                var record = new ProgressRecord(1, "Send-SmtpMessage",
                    $"{_command._sent} sent ({_command._sent / seconds:0.#}/s); {value.Stage}")
                {
                    CurrentOperation = $"{value.Host}:{value.Port}, to {_command._currentRecipients}",
                };
                if (value.Stage == SmtpStage.Data && value.BytesTotal > 0)
                    record.PercentComplete = (int)Math.Min(100, value.BytesSent * 100 / value.BytesTotal.Value);
                _post(() => _command.WriteProgress(record));
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
