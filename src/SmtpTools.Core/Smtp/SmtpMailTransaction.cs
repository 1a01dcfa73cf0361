using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// One mail transaction: MAIL FROM, every RCPT TO (pipelined when the server allows, RFC 2920), then the data.
    /// Refused recipients are part of the result; a refused sender, a 421 or a broken connection throws, and an
    /// exception thrown once the whole message was on the wire says so (<see cref="SmtpException.MessageMayHaveBeenDelivered"/>).
    /// </summary>
    internal sealed class SmtpMailTransaction
    {
        private readonly SmtpWire _wire;
        private readonly SmtpSessionOptions _options;
        private readonly SmtpDataTransfer _data;

        internal SmtpMailTransaction(SmtpWire wire, SmtpSessionOptions options)
        {
            _wire = wire;
            _options = options;
            _data = new SmtpDataTransfer(wire, options);
        }

        /// <summary>The data transfer, for a DATA a user typed in an interactive session.</summary>
        internal SmtpDataTransfer Data => _data;

        internal async Task<SmtpTransactionResult> RunAsync(SmtpEnvelope envelope, ISmtpMessageContent content,
            SmtpCapabilities caps, bool encrypted, CancellationToken cancellationToken)
        {
            System.TimeSpan started = _wire.Elapsed;
            bool utf8 = content.NeedsSmtpUtf8 || !IsAscii(envelope.From) ||
                        envelope.Recipients.Any(r => !IsAscii(r.Address));
            if (utf8 && !caps.SmtpUtf8)
            {
                // RFC 6531 §3.2: without SMTPUTF8 the client must not send UTF-8 addresses or headers.
                throw Refused(new SmtpException(
                    "the message has non-ASCII addresses or headers, and the server does not offer SMTPUTF8.",
                    SmtpStage.MailFrom) { Kind = SmtpFailureKind.SmtpUtf8NotOffered });
            }
            if (caps.SizeLimit > 0 && content.Size > caps.SizeLimit)
            {
                // RFC 1870 §4: the server announced its limit after EHLO; a larger message would only be refused at
                // MAIL or after its data, so it is not offered at all.
                throw Refused(new SmtpException(
                    $"the message is {Bytes(content.Size!.Value)}, and the server accepts at most " +
                    $"{Bytes(caps.SizeLimit.Value)} (SIZE {caps.SizeLimit.Value.ToString(CultureInfo.InvariantCulture)}" +
                    " in its EHLO reply).", SmtpStage.MailFrom) { Kind = SmtpFailureKind.SmtpMessageTooLarge });
            }
            if (content.Has8BitContent && !caps.EightBitMime)
            {
                // RFC 6152 asks for 7-bit content without 8BITMIME; refusing would strand mail on old servers,
                // so the content goes as is and the transcript says so.
                _wire.Info("The message has 8-bit content but the server does not offer 8BITMIME; sending it as is.");
            }
            if (envelope.RequireTls && !(caps.RequireTls && encrypted))
            {
                throw Refused(new SmtpException(
                    "REQUIRETLS was asked for, but the server does not offer it over TLS (RFC 8689).",
                    SmtpStage.MailFrom) { Kind = SmtpFailureKind.RequireTlsNotOffered });
            }

            string mail = BuildMailFrom(envelope, content, caps, utf8);
            string[] rcpts = envelope.Recipients.Select(r => BuildRcptTo(r, caps)).ToArray();
            // Checked before anything is sent, so a bad recipient cannot leave a half-open transaction.
            SmtpWire.CheckSingleLine(mail);
            foreach (string rcpt in rcpts) SmtpWire.CheckSingleLine(rcpt);
            bool chunking = _options.UseChunking && caps.Chunking;
            bool pipelining = _options.UsePipelining && caps.Pipelining;

            SmtpReply mailReply;
            var recipients = new List<SmtpRecipientResult>();
            SmtpReply? dataCommandReply = null;

            if (pipelining)
            {
                // RFC 2920 §3.1: MAIL, every RCPT and DATA go out in one write; replies are matched by count.
                var batch = new List<string> { mail };
                batch.AddRange(rcpts);
                if (!chunking) batch.Add("DATA");
                mailReply = await _wire.RunAsync(SmtpStage.MailFrom, _options.Timeouts.Command, async (_, ct) =>
                {
                    await _wire.SendLinesAsync(batch, ct).ConfigureAwait(false);
                    return await _wire.ReadReplyAsync(ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                // RFC 5321 §3.8: after 421 the server closes; the replies still due will never come.
                if (mailReply.Code == 421) throw MailFromRefused(envelope, mailReply);
                for (int i = 0; i < rcpts.Length; i++)
                {
                    SmtpReply r = await _wire.RunAsync(SmtpStage.RcptTo, _options.Timeouts.Command,
                        (_, ct) => _wire.ReadReplyAsync(ct), cancellationToken).ConfigureAwait(false);
                    recipients.Add(new SmtpRecipientResult(envelope.Recipients[i].Address, r));
                    if (r.Code == 421) break;
                }
                if (!chunking && recipients.Count == rcpts.Length && recipients.All(r => r.Reply.Code != 421))
                {
                    dataCommandReply = await _wire.RunAsync(SmtpStage.Data, _options.Timeouts.Command,
                        (_, ct) => _wire.ReadReplyAsync(ct), cancellationToken).ConfigureAwait(false);
                }
                if (!mailReply.IsSuccess)
                {
                    // A 354 to DATA despite everything must still be ended before the session can go on.
                    if (dataCommandReply?.Code == 354)
                        await _data.EndEmptyDataAsync(cancellationToken).ConfigureAwait(false);
                    throw MailFromRefused(envelope, mailReply);
                }
            }
            else
            {
                mailReply = await _wire.RunAsync(SmtpStage.MailFrom, _options.Timeouts.Command,
                    (_, ct) => _wire.CommandAsync(mail, ct), cancellationToken).ConfigureAwait(false);
                if (!mailReply.IsSuccess) throw MailFromRefused(envelope, mailReply);
                for (int i = 0; i < rcpts.Length; i++)
                {
                    SmtpReply r = await _wire.RunAsync(SmtpStage.RcptTo, _options.Timeouts.Command,
                        (_, ct) => _wire.CommandAsync(rcpts[i], ct), cancellationToken).ConfigureAwait(false);
                    recipients.Add(new SmtpRecipientResult(envelope.Recipients[i].Address, r));
                    if (r.Code == 421) break;
                }
            }

            SmtpRecipientResult? closing = recipients.FirstOrDefault(r => r.Reply.Code == 421);
            if (closing != null)
            {
                throw _wire.Contextualize(new SmtpCommandException(
                    $"the server is closing the session ({closing.Reply.Code} {closing.Reply.Text}).",
                    SmtpStage.RcptTo, closing.Reply), SmtpStage.RcptTo);
            }

            if (!recipients.Any(r => r.Accepted))
            {
                // RFC 2920 §3.1: a 354 with no valid recipient is ended with a lone ".".
                SmtpReply? ended = dataCommandReply?.Code == 354
                    ? await _data.EndEmptyDataAsync(cancellationToken).ConfigureAwait(false)
                    : null;
                _wire.Info("No recipient was accepted; the message was not sent.");
                await RsetQuietlyAsync(cancellationToken).ConfigureAwait(false);
                return new SmtpTransactionResult(envelope.From, mailReply, recipients, ended != null && ended.IsSuccess
                    ? ended : null, 0, 0, pipelining, false, _wire.Elapsed - started);
            }

            SmtpReply dataReply;
            long bytes;
            long lines;
            try
            {
                if (chunking)
                {
                    (dataReply, bytes, lines) = await _data.SendBdatAsync(content, cancellationToken)
                        .ConfigureAwait(false);
                }
                else
                {
                    dataCommandReply ??= await _wire.RunAsync(SmtpStage.Data, _options.Timeouts.Command,
                        (_, ct) => _wire.CommandAsync("DATA", ct), cancellationToken).ConfigureAwait(false);
                    if (dataCommandReply.Code != 354)
                    {
                        if (dataCommandReply.Code == 421) throw DataRefused(dataCommandReply);
                        await RsetQuietlyAsync(cancellationToken).ConfigureAwait(false);
                        return new SmtpTransactionResult(envelope.From, mailReply, recipients, dataCommandReply, 0, 0,
                            pipelining, false, _wire.Elapsed - started);
                    }
                    (dataReply, bytes, lines) = await _data.SendDataAsync(content, cancellationToken)
                        .ConfigureAwait(false);
                }
            }
            catch (SmtpException ex) when (_data.MessageComplete && !(ex is SmtpCommandException))
            {
                // Silence or a lost connection once the whole message was out: the server may have it. A reply (even
                // 421) is an answer and leaves no doubt.
                ex.MessageMayHaveBeenDelivered = true;
                throw;
            }
            if (dataReply.Code == 421) throw DataRefused(dataReply);
            if (chunking && !dataReply.IsSuccess) await RsetQuietlyAsync(cancellationToken).ConfigureAwait(false);
            return new SmtpTransactionResult(envelope.From, mailReply, recipients, dataReply, bytes, lines,
                pipelining, chunking, _wire.Elapsed - started);
        }

        private SmtpException Refused(SmtpException ex) => _wire.Contextualize(ex, SmtpStage.MailFrom);

        private static string Bytes(long value) => value >= 1024 * 1024
            ? (value / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture) + " MiB (" +
              value.ToString("N0", CultureInfo.InvariantCulture) + " bytes)"
            : value.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

        private async Task RsetQuietlyAsync(CancellationToken cancellationToken)
        {
            SmtpReply reply = await _wire.RunAsync(SmtpStage.Command, _options.Timeouts.Command,
                (_, ct) => _wire.CommandAsync("RSET", ct), cancellationToken).ConfigureAwait(false);
            if (!reply.IsSuccess) _wire.Info($"RSET was answered with {reply.Code}.");
        }

        private SmtpException MailFromRefused(SmtpEnvelope envelope, SmtpReply reply) => _wire.Contextualize(
            new SmtpCommandException(reply.Code == 421
                ? $"the server is closing the session ({reply.Code} {reply.Text})."
                : $"the server refused the sender <{envelope.From}> ({reply.Code} {reply.Text}).", SmtpStage.MailFrom,
                reply), SmtpStage.MailFrom);

        private SmtpException DataRefused(SmtpReply reply) => _wire.Contextualize(new SmtpCommandException(
            $"the server is closing the session ({reply.Code} {reply.Text}).", SmtpStage.Data, reply), SmtpStage.Data);

        private static string BuildMailFrom(SmtpEnvelope envelope, ISmtpMessageContent content, SmtpCapabilities caps,
            bool utf8)
        {
            var sb = new StringBuilder("MAIL FROM:<").Append(envelope.From).Append('>');
            // RFC 1870 §3: the size estimate, only to a server that announced SIZE.
            if (caps.Size && content.Size.HasValue)
                sb.Append(" SIZE=").Append(content.Size.Value.ToString(CultureInfo.InvariantCulture));
            // RFC 6152 / RFC 6531 §3.4: 8-bit bodies declare BODY=8BITMIME; SMTPUTF8 implies it.
            if ((content.Has8BitContent || utf8) && caps.EightBitMime) sb.Append(" BODY=8BITMIME");
            if (utf8) sb.Append(" SMTPUTF8");
            // RFC 3461 §4: DSN parameters only when the server offers DSN.
            if (caps.Dsn && envelope.Return != SmtpDsnReturn.Default)
                sb.Append(" RET=").Append(envelope.Return == SmtpDsnReturn.Full ? "FULL" : "HDRS");
            if (caps.Dsn && !string.IsNullOrEmpty(envelope.EnvelopeId))
                sb.Append(" ENVID=").Append(XText(envelope.EnvelopeId!));
            if (envelope.RequireTls) sb.Append(" REQUIRETLS");
            return sb.ToString();
        }

        private static string BuildRcptTo(SmtpRecipient recipient, SmtpCapabilities caps)
        {
            var sb = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
            if (caps.Dsn && recipient.Notify != SmtpDsnNotify.Default)
            {
                // RFC 3461 §4.1: NEVER stands alone; otherwise a comma list.
                var parts = new List<string>();
                if ((recipient.Notify & SmtpDsnNotify.Never) != 0) parts.Add("NEVER");
                else
                {
                    if ((recipient.Notify & SmtpDsnNotify.Success) != 0) parts.Add("SUCCESS");
                    if ((recipient.Notify & SmtpDsnNotify.Failure) != 0) parts.Add("FAILURE");
                    if ((recipient.Notify & SmtpDsnNotify.Delay) != 0) parts.Add("DELAY");
                }
                sb.Append(" NOTIFY=").Append(string.Join(",", parts));
            }
            // RFC 3461 §4.2: ORCPT=rfc822;xtext. A non-ASCII address would need RFC 6533's utf-8 type; it is left out.
            if (caps.Dsn && recipient.OriginalRecipient != null && IsAscii(recipient.OriginalRecipient))
                sb.Append(" ORCPT=rfc822;").Append(XText(recipient.OriginalRecipient));
            return sb.ToString();
        }

        /// <summary>RFC 3461 §4: "+", "=" and anything outside "!".."~" become "+XX".</summary>
        internal static string XText(string value)
        {
            var sb = new StringBuilder();
            foreach (byte b in Encoding.UTF8.GetBytes(value))
            {
                if (b < 0x21 || b > 0x7E || b == (byte)'+' || b == (byte)'=') sb.Append('+').Append(b.ToString("X2"));
                else sb.Append((char)b);
            }
            return sb.ToString();
        }

        private static bool IsAscii(string s) => s.All(c => c < 128);
    }
}
