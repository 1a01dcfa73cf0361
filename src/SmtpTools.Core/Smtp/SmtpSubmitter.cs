using System;
using System.Diagnostics;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Mail;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Mime;

namespace SmtpTools.Core.Smtp
{
    /// <summary>How Send-SmtpMessage reaches servers: one smart host, or each domain's mail exchangers.</summary>
    internal sealed class SmtpSubmitOptions
    {
        internal string Server { get; set; } = string.Empty;
        internal int Port { get; set; } = 25;
        internal SmtpTlsMode Tls { get; set; } = SmtpTlsMode.Auto;
        internal string? ClientName { get; set; }
        internal bool SkipCertificateCheck { get; set; }
        internal bool AllowUnencryptedAuthentication { get; set; }
        internal TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
        internal SmtpCredential? Credential { get; set; }
        internal string? Mechanism { get; set; }

        /// <summary>Extra attempts after a transient failure (4xx, or a connection lost before the data was taken).</summary>
        internal int RetryCount { get; set; }

        /// <summary>The wait before the first retry; each later one waits twice as long.</summary>
        internal TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>Receives every transcript entry as it happens (the verbose stream).</summary>
        internal ITranscriptSink? LiveTranscript { get; set; }

        internal IProgress<SmtpProgress>? Progress { get; set; }

        /// <summary>DNS settings for direct delivery.</summary>
        internal MxRouterOptions Dns { get; set; } = new MxRouterOptions();

        /// <summary>Block the calling thread on socket I/O instead of awaiting it (see BlockingStream).</summary>
        internal bool BlockingIo { get; set; }

        /// <summary>A copy that can be given sinks of its own (one per connection).</summary>
        internal SmtpSubmitOptions Clone() => (SmtpSubmitOptions)MemberwiseClone();
    }

    /// <summary>One result plus what went wrong, for the cmdlet to turn into errors.</summary>
    internal sealed class SmtpSubmitOutcome
    {
        internal SmtpSubmitOutcome(SmtpSendResult result, Exception? failure, bool dataRefused, bool nullMx = false)
        {
            NullMx = nullMx;
            Result = result;
            Failure = failure;
            DataRefused = dataRefused;
        }

        internal SmtpSendResult Result { get; }

        /// <summary>Why no server took the message: an SmtpException or a DnsResolutionException; null otherwise.</summary>
        internal Exception? Failure { get; }

        /// <summary>True when the server refused the data itself (5xx or 4xx after the last retry).</summary>
        internal bool DataRefused { get; }

        /// <summary>True when the domain publishes a null MX (RFC 7505): it accepts no mail at all.</summary>
        internal bool NullMx { get; }
    }

    /// <summary>
    /// Sends messages one after the other, keeping the connection (and its login) open between them, so a pipeline of
    /// thousands of messages costs one TCP, TLS and AUTH handshake. Retries transient failures with backoff; with
    /// direct delivery tries each domain's exchangers in RFC 5321 §5.1 order.
    /// </summary>
    internal sealed class SmtpSubmitter : IDisposable
    {
        private static int _lastSessionId;

        private readonly SmtpSubmitOptions _options;
        private readonly MessageRecorder _recorder;
        private SmtpSession? _session;
        private string? _sessionKey;
        private int _sessionId;

        internal SmtpSubmitter(SmtpSubmitOptions options)
        {
            _options = options;
            _recorder = new MessageRecorder(options);
        }

        /// <summary>Sends through the smart host.</summary>
        internal async Task<SmtpSubmitOutcome> SendAsync(MimeMessageContent content, CancellationToken cancellationToken)
        {
            var target = new Target(_options.Server, _options.Server, null);
            return await DeliverAsync(content, null, new[] { target }, content.Envelope.Recipients, cancellationToken)
                .ConfigureAwait(false);
        }

        /// <summary>Sends to each recipient domain's mail exchangers; one outcome per domain.</summary>
        internal async Task<IReadOnlyList<SmtpSubmitOutcome>> SendDirectAsync(MimeMessageContent content,
            CancellationToken cancellationToken)
        {
            var outcomes = new List<SmtpSubmitOutcome>();
            var byDomain = content.Envelope.Recipients
                .GroupBy(r => r.Substring(r.LastIndexOf('@') + 1).ToLowerInvariant());
            foreach (var group in byDomain)
            {
                var started = _recorder.Now;
                List<SmtpTranscriptEntry> transcript = _recorder.Begin();
                MailRoute route;
                try
                {
                    route = await MxRouter.ResolveAsync(group.Key, _options.Dns, cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (DnsResolutionException ex)
                {
                    outcomes.Add(FailedOutcome(content, group.Key, group.Key, ex, started));
                    continue;
                }
                if (route.IsNullMx)
                {
                    var ex = new DnsResolutionException(group.Key, DnsFailureKind.NoMailRecords,
                        $"The domain {group.Key} accepts no mail: it publishes a null MX record (RFC 7505).");
                    outcomes.Add(FailedOutcome(content, group.Key, group.Key, ex, started,
                        nullMx: true));
                    continue;
                }

                // RFC 5321 §5.1: exchangers in preference order, every address of each; a host without an address
                // is skipped, and says so.
                var targets = new List<Target>();
                var skipped = new List<string>();
                foreach (MailExchanger exchanger in route.Exchangers)
                {
                    if (exchanger.Addresses.Length == 0)
                    {
                        _recorder.Info($"Skipping {exchanger.Host}: it has no address ({exchanger.AddressError}).");
                        skipped.Add($"{exchanger.Host.TrimEnd('.')}: no address ({exchanger.AddressError})");
                        continue;
                    }
                    targets.AddRange(exchanger.Addresses.Select(a => new Target(a.ToString(), exchanger.Host,
                        exchanger.Host.TrimEnd('.'))));
                }
                outcomes.Add(await DeliverAsync(content, group.Key, targets, group.ToList(), cancellationToken,
                    transcript, started, skipped).ConfigureAwait(false));
            }
            return outcomes;
        }

        /// <summary>Says QUIT on the open connection, if any.</summary>
        internal async Task CloseAsync(CancellationToken cancellationToken)
        {
            if (_session == null) return;
            try { await _session.QuitAsync(cancellationToken).ConfigureAwait(false); }
            catch (SmtpException) { }
            finally { DropSession(); }
        }

        /// <summary>Closes the connection without QUIT.</summary>
        public void Dispose() => DropSession();

        private async Task<SmtpSubmitOutcome> DeliverAsync(MimeMessageContent content, string? domain,
            IReadOnlyList<Target> targets, IReadOnlyList<string> recipients, CancellationToken cancellationToken,
            List<SmtpTranscriptEntry>? transcript = null, DateTimeOffset? started = null,
            IReadOnlyList<string>? skipped = null)
        {
            transcript ??= _recorder.Begin();
            DateTimeOffset start = started ?? _recorder.Now;
            var accepted = new List<string>();
            var finalRejections = new Dictionary<string, SmtpRecipientResult>(StringComparer.OrdinalIgnoreCase);
            var lastReplies = new Dictionary<string, SmtpRecipientResult>(StringComparer.OrdinalIgnoreCase);
            var pending = recipients.ToList();
            Exception? failure = null;
            bool dataRefused = false;
            SmtpReply? dataReply = null;
            Target? used = null;
            int attempts = 0;
            bool unknown = false;
            // Each host tried and why it failed (the last reason per host), so that "every MX is down" names them all.
            var tried = new List<KeyValuePair<string, string>>();
            void Tried(Target target, SmtpException ex)
            {
                string who = $"{target.Display} ({FormatEndpoint(target.Host)})";
                string why = $"{who} at stage {ex.Stage}: {ex.Reason.TrimEnd('.')}";
                int at = tried.FindIndex(t => t.Key == target.Key);
                if (at >= 0) tried[at] = new KeyValuePair<string, string>(target.Key, why);
                else tried.Add(new KeyValuePair<string, string>(target.Key, why));
            }

            if (targets.Count == 0)
            {
                string why = skipped != null && skipped.Count > 0
                    ? " (" + string.Join("; ", skipped) + ")"
                    : string.Empty;
                failure = new DnsResolutionException(domain ?? string.Empty, DnsFailureKind.NoMailRecords,
                    $"No mail exchanger of {domain} has an address to connect to{why}.");
            }

            while (pending.Count > 0 && targets.Count > 0 && attempts <= _options.RetryCount)
            {
                if (attempts > 0)
                {
                    // Backoff doubles each time: the server asked us to come back later, not at once.
                    TimeSpan wait = TimeSpan.FromTicks(_options.RetryDelay.Ticks * (1L << Math.Min(attempts - 1, 10)));
                    _recorder.Info($"Retrying in {wait.TotalSeconds:0.#} s (attempt {attempts + 1} of {_options.RetryCount + 1}).");
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                attempts++;
                bool permanent = false;

                foreach (Target target in targets)
                {
                    if (pending.Count == 0 || permanent) break;
                    SmtpSession session;
                    bool reused;
                    try
                    {
                        (session, reused) = await GetSessionAsync(target, cancellationToken).ConfigureAwait(false);
                    }
                    catch (SmtpException ex)
                    {
                        failure = ex;
                        Tried(target, ex);
                        _recorder.Info($"Could not connect to {target.Display} ({FormatEndpoint(target.Host)}).");
                        // A refused login or a certificate we may not trust will not get better at the next address.
                        if (ex is SmtpAuthenticationException || ex is SmtpTlsException) { permanent = true; }
                        continue;
                    }
                    used = target;

                    SmtpTransactionResult txn;
                    try
                    {
                        txn = await SendOnSessionAsync(session, reused, target, content, pending, cancellationToken)
                            .ConfigureAwait(false);
                    }
                    catch (SmtpException ex)
                    {
                        failure = ex;
                        Tried(target, ex);
                        DropSession();
                        // A reply to the data (421 after the final dot) is an answer: not delivered, and retryable.
                        // Only silence or a lost connection after the whole message leaves the outcome unknown.
                        if (!(ex is SmtpCommandException) && DataWasComplete(transcript))
                        {
                            unknown = true;
                            pending.Clear();
                            break;
                        }
                        // MAIL FROM refused for good: another server would refuse the same sender.
                        if (ex is SmtpCommandException c && c.Reply.IsPermanent) permanent = true;
                        continue;
                    }

                    failure = null;
                    foreach (SmtpRecipientResult r in txn.Recipients) lastReplies[r.Address] = r;
                    var rcptPermanent = txn.Recipients.Where(r => r.Reply.IsPermanent).ToList();
                    foreach (SmtpRecipientResult r in rcptPermanent) finalRejections[r.Address] = r;
                    dataReply = txn.DataReply ?? dataReply;
                    List<string> acceptedNow = txn.AcceptedRecipients.ToList();
                    if (acceptedNow.Count > 0 && txn.DataReply != null)
                    {
                        if (txn.Delivered)
                        {
                            accepted.AddRange(acceptedNow);
                        }
                        else
                        {
                            dataRefused = true;
                            foreach (string a in acceptedNow)
                            {
                                var r = new SmtpRecipientResult(a, txn.DataReply);
                                lastReplies[a] = r;
                                if (txn.DataReply.IsPermanent) finalRejections[a] = r;
                            }
                            if (txn.DataReply.IsPermanent) permanent = true;
                        }
                    }
                    pending = pending.Where(p => !accepted.Contains(p, StringComparer.OrdinalIgnoreCase) &&
                                                 !finalRejections.ContainsKey(p)).ToList();
                    // RFC 5321 §5.1: a 5xx ends the attempt at this domain; a 4xx moves on to the next exchanger.
                    if (rcptPermanent.Count > 0 && pending.Count == 0) break;
                }
                if (permanent) break;
            }

            if (pending.Count > 0 && failure == null && !dataRefused && lastReplies.Count == 0 && targets.Count > 0)
            {
                failure = new InvalidOperationException("No server could be reached.");
            }
            if (!dataRefused && pending.Any(p => lastReplies.TryGetValue(p, out var r) && r.Reply.Code == 250))
            {
                // Accepted at RCPT but the data never went through: the reason is the failure, not the RCPT reply.
                dataRefused = failure == null;
            }

            var rejected = new List<SmtpRecipientResult>();
            foreach (string r in recipients)
            {
                if (accepted.Contains(r, StringComparer.OrdinalIgnoreCase)) continue;
                if (finalRejections.TryGetValue(r, out var final)) rejected.Add(final);
                else if (lastReplies.TryGetValue(r, out var last) && !last.Accepted) rejected.Add(last);
            }

            SmtpSendStatus status = accepted.Count > 0 ? SmtpSendStatus.Sent
                : unknown ? SmtpSendStatus.Unknown : SmtpSendStatus.Failed;
            if (status == SmtpSendStatus.Failed && failure is SmtpException lastFailure && domain != null &&
                tried.Count + (skipped?.Count ?? 0) > 1)
            {
                failure = AllExchangersFailed(domain, tried.Select(t => t.Value), skipped, lastFailure);
            }
            string? error = status == SmtpSendStatus.Sent ? null
                : unknown ? "The message was sent but the server's answer never came; it may or may not have been delivered."
                : failure?.Message ?? (dataRefused && dataReply != null
                    ? $"The server refused the message: {dataReply.Code} {dataReply.Text}"
                    : "No recipient was accepted.");
            var result = new SmtpSendResult(content.MessageId, domain, used?.Display ?? targets.FirstOrDefault()?.Display
                ?? domain ?? _options.Server, _options.Port,
                _session != null && used != null && _sessionKey == used.Key ? _session.RemoteEndPoint?.ToString() : null,
                _session != null && used != null && _sessionKey == used.Key ? _session.Tls : null,
                used != null ? _sessionId : 0, status, content.Envelope.MailFrom, accepted, rejected,
                dataReply, Math.Max(attempts, 1), _recorder.Now - start, _recorder.End(), error: error);
            return new SmtpSubmitOutcome(result, status == SmtpSendStatus.Sent ? null : failure, dataRefused);
        }

        // One error for the domain that names every exchanger tried and why, not just the last one.
        private SmtpException AllExchangersFailed(string domain, IEnumerable<string> tried,
            IReadOnlyList<string>? skipped, SmtpException last)
        {
            List<string> hosts = (skipped ?? Array.Empty<string>()).Concat(tried).ToList();
            string reason = $"no mail exchanger of {domain} took the message; tried {hosts.Count}: " +
                            string.Join("; ", hosts) + ".";
            SmtpException all = last is SmtpConnectException
                ? new SmtpConnectException(reason, last)
                : new SmtpException(reason, last.Stage, last.LastReply, last);
            return all.WithContext(domain, _options.Port, last.Stage, last.Transcript, last.LastReply);
        }

        private SmtpSubmitOutcome FailedOutcome(MimeMessageContent content, string domain, string server,
            Exception failure, DateTimeOffset started, bool nullMx = false)
        {
            _recorder.Info(failure.Message);
            var result = new SmtpSendResult(content.MessageId, domain, server, _options.Port, null, null, 0,
                SmtpSendStatus.Failed, content.Envelope.MailFrom, Array.Empty<string>(),
                Array.Empty<SmtpRecipientResult>(), null, 1, _recorder.Now - started, _recorder.End(),
                error: failure.Message);
            return new SmtpSubmitOutcome(result, failure, false, nullMx);
        }

        private async Task<SmtpTransactionResult> SendOnSessionAsync(SmtpSession session, bool reused, Target target,
            MimeMessageContent content, IReadOnlyList<string> recipients, CancellationToken cancellationToken)
        {
            SmtpEnvelope envelope = BuildEnvelope(content, recipients);
            try
            {
                return await session.SendAsync(envelope, content, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpException ex) when (reused && ex.Stage == SmtpStage.MailFrom &&
                                           (!(ex is SmtpCommandException command) || command.Reply.Code == 421))
            {
                // The server closed an idle connection between two messages (silently, or with Postfix's 421 idle
                // timeout): open a fresh one, transparently.
                _recorder.Info("The connection was closed between messages; reconnecting.");
                DropSession();
                (SmtpSession fresh, _) = await GetSessionAsync(target, cancellationToken).ConfigureAwait(false);
                return await fresh.SendAsync(envelope, content, cancellationToken).ConfigureAwait(false);
            }
        }

        private static SmtpEnvelope BuildEnvelope(MimeMessageContent content, IReadOnlyList<string> recipients)
        {
            SmtpDsnNotify notify = ToNotify(content.Envelope.Notify);
            return new SmtpEnvelope(content.Envelope.MailFrom,
                recipients.Select(r => new SmtpRecipient(r, notify)).ToList());
        }

        private static SmtpDsnNotify ToNotify(DeliveryNotificationOptions options)
        {
            if ((options & DeliveryNotificationOptions.Never) != 0) return SmtpDsnNotify.Never;
            SmtpDsnNotify notify = SmtpDsnNotify.Default;
            if ((options & DeliveryNotificationOptions.OnSuccess) != 0) notify |= SmtpDsnNotify.Success;
            if ((options & DeliveryNotificationOptions.OnFailure) != 0) notify |= SmtpDsnNotify.Failure;
            if ((options & DeliveryNotificationOptions.Delay) != 0) notify |= SmtpDsnNotify.Delay;
            return notify;
        }

        private async Task<(SmtpSession Session, bool Reused)> GetSessionAsync(Target target,
            CancellationToken cancellationToken)
        {
            if (_session != null && _sessionKey == target.Key) return (_session, true);
            DropSession();

            // Opportunistic STARTTLS (RFC 7435) without a login: an unverifiable certificate still beats plain text,
            // so it is accepted and its problems are reported. With credentials the certificate must be good.
            SmtpTlsMode mode = _options.Tls;
            bool opportunistic = !_options.SkipCertificateCheck && _options.Credential == null &&
                                 (mode == SmtpTlsMode.StartTlsWhenAvailable ||
                                  (mode == SmtpTlsMode.Auto && _options.Port != 465));
            var sessionOptions = new SmtpSessionOptions(target.Host, _options.Port)
            {
                Tls = mode,
                ClientName = _options.ClientName,
                SkipCertificateCheck = _options.SkipCertificateCheck || opportunistic,
                TlsServerName = target.TlsName,
                AllowUnencryptedAuthentication = _options.AllowUnencryptedAuthentication,
                Timeouts = SmtpTimeouts.All(_options.Timeout),
                TranscriptSink = _recorder,
                Progress = new ProgressForwarder(_options),
                BlockingIo = _options.BlockingIo,
            };
            SmtpSession session = await SmtpSession.ConnectAsync(sessionOptions, cancellationToken)
                .ConfigureAwait(false);
            try
            {
                if (opportunistic && session.Tls != null && session.Tls.ValidationErrors.Count > 0)
                {
                    _recorder.Info("The server's certificate could not be verified (" +
                        string.Join("; ", session.Tls.ValidationErrors) +
                        "); without credentials the opportunistic TLS goes on: it still encrypts the message.");
                }
                if (_options.Credential != null)
                {
                    await session.AuthenticateAsync(_options.Credential, _options.Mechanism, cancellationToken)
                        .ConfigureAwait(false);
                }
            }
            catch
            {
                session.Dispose();
                throw;
            }
            _session = session;
            _sessionKey = target.Key;
            _sessionId = Interlocked.Increment(ref _lastSessionId);
            return (session, false);
        }

        private void DropSession()
        {
            _session?.Dispose();
            _session = null;
            _sessionKey = null;
        }

        // The session writes "<message: …>" after the final dot and "BDAT n LAST" before the last chunk: once either
        // is the last thing we sent, the server may have the whole message, whatever happened next.
        private static bool DataWasComplete(List<SmtpTranscriptEntry> transcript)
        {
            SmtpTranscriptEntry? lastClient;
            lock (transcript) lastClient = transcript.LastOrDefault(e => e.Direction == SmtpTranscriptDirection.Client);
            if (lastClient == null) return false;
            if (lastClient.Text.StartsWith("<message:", StringComparison.Ordinal)) return true;
            if (!lastClient.Text.StartsWith("<chunk:", StringComparison.Ordinal)) return false;
            SmtpTranscriptEntry? bdat;
            lock (transcript)
            {
                bdat = transcript.LastOrDefault(e => e.Direction == SmtpTranscriptDirection.Client &&
                                                     e.Text.StartsWith("BDAT ", StringComparison.Ordinal));
            }
            return bdat != null && bdat.Text.EndsWith(" LAST", StringComparison.Ordinal);
        }

        private string FormatEndpoint(string host) => SmtpException.FormatEndpoint(host, _options.Port);

        private sealed class Target
        {
            internal Target(string host, string display, string? tlsName)
            {
                Host = host;
                Display = display.TrimEnd('.');
                TlsName = tlsName;
            }

            /// <summary>Where to connect: a name or an address.</summary>
            internal string Host { get; }

            /// <summary>The name to show: the smart host or the exchanger's name.</summary>
            internal string Display { get; }

            /// <summary>The name the certificate should carry, when it differs from Host.</summary>
            internal string? TlsName { get; }

            internal string Key => Host + "|" + TlsName;
        }

        /// <summary>Collects the transcript of the message being sent and forwards every entry live.</summary>
        private sealed class MessageRecorder : ITranscriptSink
        {
            // Read at each write: the cmdlet gives a new live sink for each pipeline input, while one session may
            // carry many messages.
            private readonly SmtpSubmitOptions _options;
            private List<SmtpTranscriptEntry>? _current;
            private readonly DateTimeOffset _created = DateTimeOffset.Now;
            private readonly Stopwatch _clock = Stopwatch.StartNew();

            internal MessageRecorder(SmtpSubmitOptions options) => _options = options;

            /// <summary>The time now, without DateTimeOffset.Now's time-zone lookup (see SmtpSession.Now).</summary>
            internal DateTimeOffset Now => _created + _clock.Elapsed;

            internal List<SmtpTranscriptEntry> Begin()
            {
                var list = new List<SmtpTranscriptEntry>();
                Volatile.Write(ref _current, list);
                return list;
            }

            internal IReadOnlyList<SmtpTranscriptEntry> End()
            {
                List<SmtpTranscriptEntry>? list = Interlocked.Exchange(ref _current, null);
                if (list == null) return Array.Empty<SmtpTranscriptEntry>();
                lock (list) return list.ToArray();
            }

            internal void Info(string text)
            {
                TimeSpan elapsed = _clock.Elapsed;
                Write(new SmtpTranscriptEntry(_created + elapsed, elapsed, SmtpTranscriptDirection.Info, false, text));
            }

            public void Write(SmtpTranscriptEntry entry)
            {
                List<SmtpTranscriptEntry>? list = Volatile.Read(ref _current);
                if (list != null)
                {
                    lock (list) list.Add(entry);
                }
                _options.LiveTranscript?.Write(entry);
            }
        }

        /// <summary>Forwards progress to whatever sink the options hold now (see MessageRecorder).</summary>
        private sealed class ProgressForwarder : IProgress<SmtpProgress>
        {
            private readonly SmtpSubmitOptions _options;

            internal ProgressForwarder(SmtpSubmitOptions options) => _options = options;

            public void Report(SmtpProgress value) => _options.Progress?.Report(value);
        }
    }
}
