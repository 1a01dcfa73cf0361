using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Mail;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Dns;
using SmtpTools.Core.Mime;

namespace SmtpTools.Core.Smtp
{
    /// <summary>Where messages go, and how: the connection, the route, retries and the sinks.</summary>
    internal sealed class SmtpSubmitOptions : SmtpConnectionSettings
    {
        /// <summary>Smart host (the default), each domain's mail exchangers, or a pickup folder.</summary>
        internal SmtpRoute Route { get; set; } = SmtpRoute.SmartHost;

        /// <summary>The pickup folder, for <see cref="SmtpRoute.PickupDirectory"/> (a full path).</summary>
        internal string? PickupDirectory { get; set; }

        /// <summary>Extra attempts after a transient failure (4xx, or a connection lost before the data was taken).</summary>
        internal int RetryCount { get; set; }

        /// <summary>The wait before the first retry; each later one waits twice as long.</summary>
        internal TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>Receives every transcript entry as it happens (the verbose stream); called from any thread.</summary>
        internal ITranscriptSink? LiveTranscript { get; set; }

        /// <summary>Receives stage and byte progress; called from any thread.</summary>
        internal IProgress<SmtpProgress>? Progress { get; set; }

        /// <summary>DNS settings for direct delivery.</summary>
        internal MxRouterOptions Dns { get; set; } = new MxRouterOptions();

        /// <summary>Direct delivery: check each exchanger's certificate against MTA-STS and TLSA, and report it.</summary>
        internal bool CheckTlsPolicy { get; set; }

        /// <summary>Direct delivery: refuse an exchanger whose certificate an enforce policy or validated TLSA rejects.</summary>
        internal bool RequireTlsPolicy { get; set; }
    }

    /// <summary>The three ways Send-SmtpMessage delivers.</summary>
    internal enum SmtpRoute
    {
        /// <summary>Through one server (the smart host), which relays.</summary>
        SmartHost,
        /// <summary>To each recipient domain's mail exchangers, in RFC 5321 §5.1 order.</summary>
        DirectToMx,
        /// <summary>As an .eml file into a folder an MTA picks up from.</summary>
        PickupDirectory,
    }

    /// <summary>One result, plus the failure behind it, for the cmdlet to turn into errors.</summary>
    internal sealed class SmtpSubmitOutcome
    {
        internal SmtpSubmitOutcome(SmtpSendResult result, Exception? failure, bool stopsBatch = false)
        {
            Result = result;
            Failure = failure;
            StopsBatch = stopsBatch;
        }

        internal SmtpSendResult Result { get; }

        /// <summary>Why the message did not get through (an SmtpException or DnsResolutionException), when one was
        /// thrown; null when the server's replies say it all (refused recipients, refused data).</summary>
        internal Exception? Failure { get; }

        /// <summary>
        /// True when the smart host itself cannot be used (no connection, greeting refused, TLS or login failed, after
        /// any retries): no later message would get through either, so the command stops after this one.
        /// </summary>
        internal bool StopsBatch { get; }
    }

    /// <summary>
    /// Sends messages one after the other over one connection, keeping it (and its login) open between them, so a
    /// pipeline of thousands of messages costs one TCP, TLS and AUTH handshake. Retries transient failures with
    /// backoff; with direct delivery tries each domain's exchangers in RFC 5321 §5.1 order. One result per message
    /// (per domain with direct delivery), each with a <see cref="SmtpSendStatus"/> and, when not sent, a
    /// <see cref="SmtpFailureKind"/>.
    /// </summary>
    internal sealed class SmtpSubmitter : IDisposable
    {
        private static int _lastSessionId;

        private readonly SmtpSubmitOptions _options;
        private readonly MessageRecorder _recorder;
        private SmtpSession? _session;
        private Policy.Transport.DirectTlsPolicy? _tlsPolicy;
        private string? _sessionKey;
        private int _sessionId;

        internal SmtpSubmitter(SmtpSubmitOptions options)
        {
            _options = options;
            _recorder = new MessageRecorder(options);
        }

        /// <summary>Delivers one message by the options' route: one outcome, or one per domain for direct delivery.</summary>
        internal async Task<IReadOnlyList<SmtpSubmitOutcome>> DeliverAsync(MimeMessageContent content,
            CancellationToken cancellationToken)
        {
            switch (_options.Route)
            {
                case SmtpRoute.DirectToMx:
                    return await SendDirectAsync(content, cancellationToken).ConfigureAwait(false);
                case SmtpRoute.PickupDirectory:
                    return new[] { await WriteToPickupAsync(content, cancellationToken).ConfigureAwait(false) };
                default:
                    return new[] { await SendAsync(content, cancellationToken).ConfigureAwait(false) };
            }
        }

        /// <summary>Sends through the smart host.</summary>
        internal async Task<SmtpSubmitOutcome> SendAsync(MimeMessageContent content, CancellationToken cancellationToken)
        {
            var target = new Target(_options.Server, _options.Server, null);
            return await DeliverToAsync(content, null, new[] { target }, content.Envelope.Recipients,
                cancellationToken).ConfigureAwait(false);
        }

        private async Task<SmtpSubmitOutcome> WriteToPickupAsync(MimeMessageContent content,
            CancellationToken cancellationToken)
        {
            DateTimeOffset started = _recorder.Now;
            string written = await PickupDirectoryWriter.WriteAsync(content, _options.PickupDirectory!,
                cancellationToken).ConfigureAwait(false);
            var result = new SmtpSendResult(content.MessageId, null, _options.PickupDirectory!, 0, null, null, 0,
                SmtpSendStatus.Written, null, content.Envelope.MailFrom, content.Envelope.Recipients.ToArray(),
                content.Envelope.Recipients.ToArray(),
                Array.Empty<SmtpRecipientResult>(), null, 1, _recorder.Now - started,
                Array.Empty<SmtpTranscriptEntry>(), written);
            return new SmtpSubmitOutcome(result, null);
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
                _recorder.Begin();
                MailRoute route;
                try
                {
                    route = await MxRouter.ResolveAsync(group.Key, _options.Dns, cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (DnsResolutionException ex)
                {
                    outcomes.Add(FailedOutcome(content, group.Key, group.ToList(), ex, SmtpFailures.Dns(ex.Kind), started));
                    continue;
                }
                if (route.IsNullMx)
                {
                    var ex = new DnsResolutionException(group.Key, DnsFailureKind.NoMailRecords,
                        $"The domain {group.Key} accepts no mail: it publishes a null MX record (RFC 7505).");
                    outcomes.Add(FailedOutcome(content, group.Key, group.ToList(), ex, SmtpFailureKind.MailExchangerNullMx,
                        started));
                    continue;
                }

                if (_options.CheckTlsPolicy || _options.RequireTlsPolicy)
                {
                    _tlsPolicy ??= new Policy.Transport.DirectTlsPolicy(_options.Dns);
                    await _tlsPolicy.PrepareAsync(group.Key, route.Exchangers.Select(e => e.Host.TrimEnd('.'))
                        .Distinct(StringComparer.OrdinalIgnoreCase).ToList(), _recorder.Info, cancellationToken)
                        .ConfigureAwait(false);
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
                outcomes.Add(await DeliverToAsync(content, group.Key, targets, group.ToList(), cancellationToken,
                    started, skipped, begun: true).ConfigureAwait(false));
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
        public void Dispose()
        {
            DropSession();
            _tlsPolicy?.Dispose();
        }

        private async Task<SmtpSubmitOutcome> DeliverToAsync(MimeMessageContent content, string? domain,
            IReadOnlyList<Target> targets, IReadOnlyList<string> recipients, CancellationToken cancellationToken,
            DateTimeOffset? started = null, IReadOnlyList<string>? skipped = null, bool begun = false)
        {
            if (!begun) _recorder.Begin();
            DateTimeOffset start = started ?? _recorder.Now;
            var attempt = new Attempt(recipients);
            Target? used = null;
            int attempts = 0;
            bool permanent = false;

            if (targets.Count == 0)
            {
                string why = skipped != null && skipped.Count > 0
                    ? " (" + string.Join("; ", skipped) + ")"
                    : string.Empty;
                attempt.Fail(new DnsResolutionException(domain ?? string.Empty, DnsFailureKind.NoMailRecords,
                    $"No mail exchanger of {domain} has an address to connect to{why}."));
            }

            while (attempt.Pending.Count > 0 && targets.Count > 0 && attempts <= _options.RetryCount && !permanent)
            {
                if (attempts > 0)
                {
                    // Backoff doubles each time: the server asked us to come back later, not at once.
                    TimeSpan wait = TimeSpan.FromTicks(_options.RetryDelay.Ticks * (1L << Math.Min(attempts - 1, 10)));
                    _recorder.Info($"Retrying in {wait.TotalSeconds:0.#} s (attempt {attempts + 1} of " +
                                   $"{_options.RetryCount + 1}).");
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                attempts++;

                foreach (Target target in targets)
                {
                    if (attempt.Pending.Count == 0 || permanent) break;
                    SmtpSession session;
                    bool reused;
                    try
                    {
                        (session, reused) = await GetSessionAsync(target, cancellationToken).ConfigureAwait(false);
                    }
                    catch (SmtpException ex)
                    {
                        attempt.Fail(ex, target, _options.Port);
                        _recorder.Info(Describe(target, ex));
                        // A refused login or a certificate we may not trust will not get better at the next address.
                        if (ex is SmtpAuthenticationException || ex is SmtpTlsException ||
                            ex.FailureKind == SmtpFailureKind.SmtpTlsModeMismatch)
                        {
                            permanent = true;
                        }
                        continue;
                    }
                    used = target;

                    SmtpTransactionResult txn;
                    try
                    {
                        txn = await SendOnSessionAsync(session, reused, target, content, attempt.Pending,
                            cancellationToken).ConfigureAwait(false);
                    }
                    catch (SmtpException ex)
                    {
                        attempt.Fail(ex, target, _options.Port);
                        // A message refused before any command (size, SMTPUTF8) leaves the connection usable.
                        if (session.State != SmtpSessionState.Ready) DropSession();
                        // Only silence or a lost connection after the whole message leaves the outcome unknown; a
                        // reply to the data (421 after the final dot) is an answer: not delivered, and retryable.
                        if (ex.MessageMayHaveBeenDelivered)
                        {
                            attempt.Unknown = true;
                            break;
                        }
                        // A refusal the next server would repeat: the message itself (SIZE, SMTPUTF8) or the sender.
                        if (ex.Kind.HasValue || (ex is SmtpCommandException c && c.Reply.IsPermanent)) permanent = true;
                        continue;
                    }

                    if (attempt.Take(txn)) permanent = true;
                    // RFC 5321 §5.1: a 5xx ends the attempt at this domain; a 4xx moves on to the next exchanger.
                    if (attempt.Pending.Count == 0) break;
                }
                if (attempt.Unknown) break;
            }

            return Finish(content, domain, recipients, targets, skipped, used, attempts, start, attempt);
        }

        private SmtpSubmitOutcome Finish(MimeMessageContent content, string? domain, IReadOnlyList<string> recipients,
            IReadOnlyList<Target> targets,
            IReadOnlyList<string>? skipped, Target? used, int attempts, DateTimeOffset start, Attempt attempt)
        {
            IReadOnlyList<SmtpRecipientResult> rejected = attempt.Rejected();
            Exception? failure = attempt.Failure;
            SmtpSendStatus status;
            SmtpFailureKind? kind = null;
            string? error = null;
            SmtpReply? dataReply = attempt.DataReply;
            if (attempt.Accepted.Count > 0)
            {
                status = rejected.Count > 0 ? SmtpSendStatus.PartiallySent : SmtpSendStatus.Sent;
                failure = null;
            }
            else if (attempt.Unknown)
            {
                status = SmtpSendStatus.Unknown;
                kind = SmtpFailureKind.SmtpDeliveryUnknown;
                error = "The message was sent but the server's answer never came; it may or may not have been " +
                        "delivered.";
            }
            else if (attempt.DataRefused && dataReply != null)
            {
                bool transient = dataReply.IsTransient;
                status = transient ? SmtpSendStatus.Deferred : SmtpSendStatus.Rejected;
                kind = transient ? SmtpFailureKind.SmtpTransientFailure : SmtpFailureKind.SmtpDataRejected;
                error = $"The server refused the message: {dataReply.Code} {dataReply.Text}";
                failure = null;
            }
            else if (failure == null && rejected.Count > 0)
            {
                bool transient = rejected.All(r => r.Reply.IsTransient);
                status = transient ? SmtpSendStatus.Deferred : SmtpSendStatus.Rejected;
                kind = transient ? SmtpFailureKind.SmtpTransientFailure : SmtpFailureKind.SmtpNoRecipientAccepted;
                error = "No recipient was accepted: " + string.Join("; ", rejected.Select(r =>
                    $"{r.Address}: {r.Reply.Code} {r.Reply.Text}"));
            }
            else
            {
                failure ??= new SmtpConnectException("no server could be reached.");
                if (failure is SmtpException lastFailure && domain != null &&
                    attempt.Tried.Count + (skipped?.Count ?? 0) > 1)
                {
                    failure = AllExchangersFailed(domain, attempt.Tried.Select(t => t.Value), skipped, lastFailure);
                }
                kind = SmtpFailures.Classify(failure);
                status = StatusOf(failure, kind.Value);
                error = failure.Message;
            }

            bool current = _session != null && used != null && _sessionKey == used.Key;
            var result = new SmtpSendResult(content.MessageId, domain,
                used?.Display ?? targets.FirstOrDefault()?.Display ?? domain ?? _options.Server, _options.Port,
                current ? _session!.RemoteEndPoint?.ToString() : null, current ? _session!.Tls : null,
                used != null ? _sessionId : 0, status, kind, content.Envelope.MailFrom, recipients, attempt.Accepted, rejected,
                dataReply, Math.Max(attempts, 1), _recorder.Now - start, _recorder.End(), error: error);
            bool stops = _options.Route == SmtpRoute.SmartHost && failure is SmtpException se &&
                         se.Stage < SmtpStage.MailFrom && !se.MessageMayHaveBeenDelivered &&
                         attempt.Accepted.Count == 0;
            return new SmtpSubmitOutcome(result, status == SmtpSendStatus.Sent ? null : failure, stops);
        }

        /// <summary>
        /// Deferred when trying again later may work; NotAttempted when the message never reached a transaction
        /// (TLS, login, input the server cannot take); Rejected when a server refused it for good.
        /// </summary>
        private static SmtpSendStatus StatusOf(Exception failure, SmtpFailureKind kind)
        {
            switch (kind)
            {
                case SmtpFailureKind.SmtpConnectFailed:
                case SmtpFailureKind.SmtpTimeout:
                case SmtpFailureKind.SmtpTransientFailure:
                case SmtpFailureKind.SmtpProtocolViolation:
                case SmtpFailureKind.DnsTimeout:
                case SmtpFailureKind.DnsServerFailure:
                case SmtpFailureKind.DnsServerUnreachable:
                    return SmtpSendStatus.Deferred;
                case SmtpFailureKind.Cancelled:
                    return SmtpSendStatus.NotAttempted;
            }
            if (failure is SmtpException smtp && smtp.Stage < SmtpStage.MailFrom) return SmtpSendStatus.NotAttempted;
            return SmtpSendStatus.Rejected;
        }

        // The last line of the transcript names what really failed, not "could not connect" for a refused login.
        private string Describe(Target target, SmtpException ex)
        {
            string who = $"{target.Display} ({FormatEndpoint(target.Host)})";
            return ex.Stage switch
            {
                SmtpStage.Connect when ex is SmtpConnectException => $"Could not connect to {who}.",
                SmtpStage.Auth => $"{who} did not accept the login: {ex.Reason}",
                SmtpStage.StartTls => $"TLS with {who} failed: {ex.Reason}",
                _ when ex is SmtpTlsException => $"TLS with {who} failed: {ex.Reason}",
                _ => $"{who} failed at stage {ex.Stage}: {ex.Reason}",
            };
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
                : new SmtpException(reason, last.Stage, last.LastReply, last) { Kind = last.FailureKind };
            return all.WithContext(domain, _options.Port, last.Stage, last.Transcript, last.LastReply);
        }

        private SmtpSubmitOutcome FailedOutcome(MimeMessageContent content, string domain,
            IReadOnlyList<string> recipients, Exception failure,
            SmtpFailureKind kind, DateTimeOffset started)
        {
            _recorder.Info(failure.Message);
            SmtpSendStatus status = StatusOf(failure, kind);
            var result = new SmtpSendResult(content.MessageId, domain, domain, _options.Port, null, null, 0,
                status, kind, content.Envelope.MailFrom, recipients, Array.Empty<string>(),
                Array.Empty<SmtpRecipientResult>(), null, 1, _recorder.Now - started, _recorder.End(),
                error: failure.Message);
            return new SmtpSubmitOutcome(result, failure);
        }

        private async Task<SmtpTransactionResult> SendOnSessionAsync(SmtpSession session, bool reused, Target target,
            MimeMessageContent content, IReadOnlyList<string> recipients, CancellationToken cancellationToken)
        {
            SmtpEnvelope envelope = BuildEnvelope(content, recipients);
            try
            {
                return await session.SendAsync(envelope, content, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpException ex) when (reused && ex.Stage == SmtpStage.MailFrom && !ex.Kind.HasValue &&
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
            if (_session != null && _sessionKey == target.Key && _session.State == SmtpSessionState.Ready)
                return (_session, true);
            DropSession();

            // Opportunistic STARTTLS (RFC 7435) without a login: an unverifiable certificate still beats plain text,
            // so it is accepted and its problems are reported. With credentials the certificate must be good.
            SmtpTlsMode mode = _options.Tls;
            bool opportunistic = !_options.SkipCertificateCheck &&
                                 (_options.Credentials == null ||
                                  IntegratedAuthentication.IsOptional(_options.Credentials)) &&
                                 (mode == SmtpTlsMode.StartTlsWhenAvailable ||
                                  (mode == SmtpTlsMode.Auto && _options.Port != 465));
            SmtpSessionOptions sessionOptions = _options.SessionOptions(target.Host, target.TlsName, opportunistic);
            if (_tlsPolicy != null && target.TlsName != null)
            {
                sessionOptions.TlsPolicy = _tlsPolicy.CheckFor(target.TlsName);
                sessionOptions.RequireTlsPolicy = _options.RequireTlsPolicy;
                // A required policy makes STARTTLS mandatory: a server that does not offer it fails (RFC 8461 §5).
                if (_options.RequireTlsPolicy && sessionOptions.Tls != SmtpTlsMode.Implicit &&
                    _tlsPolicy.Requires(target.TlsName)) sessionOptions.Tls = SmtpTlsMode.StartTls;
            }
            sessionOptions.TranscriptSink = _recorder;
            sessionOptions.Progress = _options.Progress;
            sessionOptions.Clock = _recorder.Clock;
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
                if (_options.Credentials != null)
                {
                    await IntegratedAuthentication.LogInAsync(session, _options.Credentials, _options.Mechanism,
                        _recorder.Info, mechanism => LogInAsync(session, mechanism, cancellationToken))
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

        private async Task LogInAsync(SmtpSession session, string? mechanism, CancellationToken cancellationToken)
        {
            ISmtpCredentialSource source = _options.Credentials!;
            SmtpCredential credential = await source.GetCredentialAsync(false, cancellationToken).ConfigureAwait(false);
            SmtpAuthAttempt attempt = await session.TryAuthenticateAsync(credential, mechanism,
                cancellationToken).ConfigureAwait(false);
            if (!attempt.Succeeded && source.CanRefresh && attempt.Reply.Code == 535)
            {
                // A token the source thought valid was refused (revoked, or a clock between here and the issuer):
                // one fresh token, on this connection if the server still talks, never a loop.
                _recorder.Info($"{attempt.Mechanism} was refused with a token that should still be valid; asking " +
                               "for a new token once.");
                credential = await source.GetCredentialAsync(true, cancellationToken).ConfigureAwait(false);
                attempt = await session.TryAuthenticateAsync(credential, mechanism, cancellationToken)
                    .ConfigureAwait(false);
            }
            if (!attempt.Succeeded) throw session.LoginRefused(attempt, credential);
        }

        private void DropSession()
        {
            _session?.Dispose();
            _session = null;
            _sessionKey = null;
        }

        private string FormatEndpoint(string host) => SmtpException.FormatEndpoint(host, _options.Port);

        /// <summary>What one message's attempts have learned so far, recipient by recipient.</summary>
        private sealed class Attempt
        {
            private readonly IReadOnlyList<string> _recipients;
            private readonly Dictionary<string, SmtpRecipientResult> _final =
                new Dictionary<string, SmtpRecipientResult>(StringComparer.OrdinalIgnoreCase);
            private readonly Dictionary<string, SmtpRecipientResult> _last =
                new Dictionary<string, SmtpRecipientResult>(StringComparer.OrdinalIgnoreCase);

            internal Attempt(IReadOnlyList<string> recipients)
            {
                _recipients = recipients;
                Pending = recipients.ToList();
            }

            internal List<string> Pending { get; private set; }
            internal List<string> Accepted { get; } = new List<string>();
            internal Exception? Failure { get; private set; }
            internal bool DataRefused { get; private set; }
            internal SmtpReply? DataReply { get; private set; }
            internal bool Unknown { get; set; }

            /// <summary>Each host tried and why it failed (the last reason per host), to name them all.</summary>
            internal List<KeyValuePair<string, string>> Tried { get; } = new List<KeyValuePair<string, string>>();

            internal void Fail(Exception failure, Target? target = null, int port = 0)
            {
                Failure = failure;
                if (target == null || !(failure is SmtpException ex)) return;
                string why = $"{target.Display} ({SmtpException.FormatEndpoint(target.Host, port)}) at stage " +
                             $"{ex.Stage}: {ex.Reason.TrimEnd('.')}";
                int at = Tried.FindIndex(t => t.Key == target.Key);
                if (at >= 0) Tried[at] = new KeyValuePair<string, string>(target.Key, why);
                else Tried.Add(new KeyValuePair<string, string>(target.Key, why));
            }

            /// <summary>Records a transaction; true when it was refused for good.</summary>
            internal bool Take(SmtpTransactionResult txn)
            {
                Failure = null;
                bool permanent = false;
                foreach (SmtpRecipientResult r in txn.Recipients)
                {
                    _last[r.Address] = r;
                    if (r.Reply.IsPermanent) _final[r.Address] = r;
                }
                DataReply = txn.DataReply ?? DataReply;
                List<string> acceptedNow = txn.AcceptedRecipients.ToList();
                if (acceptedNow.Count > 0 && txn.DataReply != null)
                {
                    if (txn.Delivered)
                    {
                        Accepted.AddRange(acceptedNow);
                        DataRefused = false;
                    }
                    else
                    {
                        DataRefused = true;
                        foreach (string a in acceptedNow)
                        {
                            var r = new SmtpRecipientResult(a, txn.DataReply);
                            _last[a] = r;
                            if (txn.DataReply.IsPermanent) _final[a] = r;
                        }
                        if (txn.DataReply.IsPermanent) permanent = true;
                    }
                }
                Pending = Pending.Where(p => !Accepted.Contains(p, StringComparer.OrdinalIgnoreCase) &&
                                             !_final.ContainsKey(p)).ToList();
                return permanent;
            }

            internal IReadOnlyList<SmtpRecipientResult> Rejected()
            {
                var rejected = new List<SmtpRecipientResult>();
                foreach (string r in _recipients)
                {
                    if (Accepted.Contains(r, StringComparer.OrdinalIgnoreCase)) continue;
                    if (_final.TryGetValue(r, out var final)) rejected.Add(final);
                    else if (_last.TryGetValue(r, out var last) && !last.Accepted) rejected.Add(last);
                }
                return rejected;
            }
        }

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
            private readonly SmtpSubmitOptions _options;
            private List<SmtpTranscriptEntry>? _current;

            internal MessageRecorder(SmtpSubmitOptions options) => _options = options;

            /// <summary>The clock of every entry this sender records, its sessions' included.</summary>
            internal SmtpClock Clock { get; } = new SmtpClock();

            internal DateTimeOffset Now => Clock.Now;

            internal void Begin() => Volatile.Write(ref _current, new List<SmtpTranscriptEntry>());

            internal IReadOnlyList<SmtpTranscriptEntry> End()
            {
                List<SmtpTranscriptEntry>? list = Interlocked.Exchange(ref _current, null);
                if (list == null) return Array.Empty<SmtpTranscriptEntry>();
                lock (list) return list.ToArray();
            }

            internal void Info(string text) => Write(Clock.Entry(SmtpTranscriptDirection.Info, false, text));

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
    }
}
