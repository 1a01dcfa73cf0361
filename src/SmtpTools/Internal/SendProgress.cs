using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;

namespace SmtpTools.Internal
{
    /// <summary>
    /// Write-Progress for Send-SmtpMessage: one activity for the whole run (sent, failed, rate, where and to whom
    /// now), and a child activity with the percentage only while a large message's bytes go out. At most ten updates
    /// a second each, however many messages; the core reports stages from worker threads, and the records are
    /// written on the pipeline thread through <see cref="PostedWrites"/>.
    /// </summary>
    internal sealed class SendProgress : IProgress<SmtpProgress>
    {
        private const int RunActivity = 1;
        private const int MessageActivity = 2;
        private const long LargeMessage = 1024 * 1024;
        private static readonly long Interval = Stopwatch.Frequency / 10;

        private readonly PSCmdlet _cmdlet;
        private readonly PostedWrites _writes;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lastRun = long.MinValue / 2;
        private long _lastMessage = long.MinValue / 2;
        private int _sent;
        private int _failed;
        private string _current = string.Empty;
        private bool _runShown;
        private bool _messageShown;

        internal SendProgress(PSCmdlet cmdlet, PostedWrites writes)
        {
            _cmdlet = cmdlet;
            _writes = writes;
        }

        /// <summary>The recipients of the message handed over last.</summary>
        internal string Current
        {
            set => Volatile.Write(ref _current, value);
        }

        /// <summary>Counts a result (pipeline thread).</summary>
        internal void Count(SmtpSendResult result)
        {
            if (result.Delivered || result.Status == SmtpSendStatus.Written) Interlocked.Increment(ref _sent);
            else Interlocked.Increment(ref _failed);
        }

        /// <summary>Counts a record that could not become a message (pipeline thread).</summary>
        internal void Failed() => Interlocked.Increment(ref _failed);

        /// <inheritdoc />
        public void Report(SmtpProgress value)
        {
            long now = _clock.ElapsedTicks;
            if (value.Stage == SmtpStage.Data && value.BytesTotal > LargeMessage && Due(ref _lastMessage, now))
            {
                int percent = (int)Math.Min(100, value.BytesSent * 100 / value.BytesTotal!.Value);
                var record = new ProgressRecord(MessageActivity, "Sending the message",
                    $"{value.BytesSent / 1048576.0:0.0} of {value.BytesTotal.Value / 1048576.0:0.0} MiB")
                {
                    ParentActivityId = RunActivity,
                    PercentComplete = percent,
                };
                _writes.Post(() =>
                {
                    _messageShown = true;
                    _cmdlet.WriteProgress(record);
                });
            }
            if (!Due(ref _lastRun, now)) return;
            string where = SmtpException.FormatEndpoint(value.Host, value.Port);
            string to = Volatile.Read(ref _current);
            _writes.Post(() =>
            {
                _runShown = true;
                _cmdlet.WriteProgress(new ProgressRecord(RunActivity, "Send-SmtpMessage", Status())
                {
                    CurrentOperation = $"{value.Stage} with {where}" + (to.Length > 0 ? $", to {to}" : string.Empty),
                });
            });
        }

        /// <summary>Ends both activities (pipeline thread).</summary>
        internal void Complete()
        {
            if (_messageShown)
            {
                _messageShown = false;
                _cmdlet.WriteProgress(new ProgressRecord(MessageActivity, "Sending the message", "Done")
                {
                    ParentActivityId = RunActivity,
                    RecordType = ProgressRecordType.Completed,
                });
            }
            if (_runShown)
            {
                _runShown = false;
                _cmdlet.WriteProgress(new ProgressRecord(RunActivity, "Send-SmtpMessage", Status())
                {
                    RecordType = ProgressRecordType.Completed,
                });
            }
        }

        private string Status()
        {
            int sent = Volatile.Read(ref _sent);
            double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            return $"{sent} sent, {Volatile.Read(ref _failed)} failed ({sent / seconds:0.#} a second)";
        }

        // One update per interval, whichever thread asks first.
        private static bool Due(ref long last, long now)
        {
            long seen = Interlocked.Read(ref last);
            return now - seen >= Interval && Interlocked.CompareExchange(ref last, now, seen) == seen;
        }
    }
}
