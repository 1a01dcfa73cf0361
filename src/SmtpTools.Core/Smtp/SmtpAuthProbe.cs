using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Codes;

namespace SmtpTools.Core.Smtp
{
    /// <summary>One mechanism's outcome: a result when AUTH was answered, an error when it could not be tried.</summary>
    internal sealed class SmtpAuthOutcome
    {
        internal SmtpAuthOutcome(string? mechanism, SmtpAuthResult? result, SmtpException? error)
        {
            Mechanism = mechanism;
            Result = result;
            Error = error;
        }

        internal string? Mechanism { get; }
        internal SmtpAuthResult? Result { get; }
        internal SmtpException? Error { get; }
    }

    /// <summary>
    /// Tests whether a credential can authenticate, without sending mail: connect, TLS, EHLO, AUTH, QUIT — one fresh
    /// connection per mechanism, so one attempt cannot influence the next (RFC 4954 §4 allows one AUTH per session).
    /// </summary>
    internal static class SmtpAuthProbe
    {
        private static SmtpReplyCode? Explain(SmtpReply reply)
        {
            try
            {
                return ReplyCodeExplainer.ExplainReply(reply, ReplyLanguage.English);
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException)
            {
                // An explanation is a courtesy; a reply the catalogue cannot read must not hide the result.
                return null;
            }
        }

        /// <summary>The mechanism list value that means every advertised mechanism the credential can use.</summary>
        internal const string All = "ALL";

        /// <summary>
        /// Tries each requested mechanism (none: the strongest advertised; "All": every usable advertised one) and
        /// reports each outcome as it completes through <paramref name="onOutcome"/> and in the returned list.
        /// </summary>
        internal static async Task<IReadOnlyList<SmtpAuthOutcome>> RunAsync(SmtpSessionOptions options,
            SmtpCredential credential, IReadOnlyList<string>? mechanisms, Action<SmtpAuthOutcome>? onOutcome,
            CancellationToken cancellationToken)
        {
            var outcomes = new List<SmtpAuthOutcome>();
            void Add(SmtpAuthOutcome outcome)
            {
                outcomes.Add(outcome);
                onOutcome?.Invoke(outcome);
            }

            var queue = new Queue<string?>();
            bool all = mechanisms != null &&
                       mechanisms.Any(m => string.Equals(m, All, StringComparison.OrdinalIgnoreCase));
            if (mechanisms == null || mechanisms.Count == 0 || all) queue.Enqueue(null);
            else foreach (string m in mechanisms.Select(m => m.ToUpperInvariant()).Distinct()) queue.Enqueue(m);

            bool first = true;
            while (queue.Count > 0)
            {
                string? mechanism = queue.Dequeue();
                try
                {
                    (SmtpAuthResult result, IReadOnlyList<string> offered) =
                        await ProbeOnceAsync(options, credential, mechanism, cancellationToken).ConfigureAwait(false);
                    Add(new SmtpAuthOutcome(result.Mechanism, result, null));
                    if (all && first)
                    {
                        foreach (string m in offered.Where(m => m != result.Mechanism && SaslMechanism.IsSupported(m) &&
                                                                 SaslMechanism.Mismatch(m, credential) == null))
                        {
                            queue.Enqueue(m);
                        }
                    }
                }
                catch (SmtpException ex)
                {
                    Add(new SmtpAuthOutcome(mechanism, null, ex));
                }
                first = false;
            }
            return outcomes;
        }

        private static async Task<(SmtpAuthResult, IReadOnlyList<string>)> ProbeOnceAsync(SmtpSessionOptions options,
            SmtpCredential credential, string? mechanism, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            using SmtpSession session = await SmtpSession.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            SmtpAuthAttempt attempt;
            try
            {
                attempt = await session.TryAuthenticateAsync(credential, mechanism, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (SmtpAuthenticationException)
            {
                // AUTH could not be tried (no TLS, mechanism not offered): still leave politely.
                try
                {
                    await session.QuitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SmtpException)
                {
                }
                throw;
            }
            await session.QuitAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> offered = session.Capabilities?.AuthMechanisms ?? Array.Empty<string>();
            var result = new SmtpAuthResult(options.Host, options.Port, session.RemoteEndPoint?.Address.ToString(),
                credential.UserName, attempt.Mechanism, attempt.Succeeded, attempt.Reply, attempt.ErrorDetails,
                session.CapabilitiesBeforeTls?.AuthMechanisms ?? Array.Empty<string>(), offered, session.Tls,
                session.StageTimes,
                clock.Elapsed, session.Transcript.Entries, Explain(attempt.Reply));
            return (result, offered);
        }
    }
}
