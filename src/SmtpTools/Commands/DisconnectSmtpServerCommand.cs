using System.Collections.Generic;
using System.Management.Automation;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Disconnect-SmtpServer: sends QUIT and closes sessions opened by Connect-SmtpServer.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "SmtpServer", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(SmtpConnection))]
    public sealed class DisconnectSmtpServerCommand : SmtpCmdletBase
    {
        private const string SessionSet = "Session";
        private const string IdSet = "Id";

        /// <summary>The sessions to close.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SessionSet)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(SmtpSessionCompleter))]
        public SmtpConnection[] Session { get; set; } = System.Array.Empty<SmtpConnection>();

        /// <summary>The numbers of the sessions to close.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("SessionId")]
        [ArgumentCompleter(typeof(SmtpSessionIdCompleter))]
        public int[] Id { get; set; } = System.Array.Empty<int>();

        /// <summary>Return each closed session.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var sessions = new List<SmtpConnection>();
            if (ParameterSetName == SessionSet)
            {
                sessions.AddRange(Session);
            }
            else
            {
                foreach (int id in Id)
                {
                    SmtpConnection? found = SmtpSessionRegistry.Find(id);
                    if (found != null)
                    {
                        sessions.Add(found);
                        continue;
                    }
                    WriteError(ErrorMapper.Record(this, "SmtpSessionNotFound",
                        new ItemNotFoundException($"There is no SMTP session number {id}."), id));
                }
            }

            foreach (SmtpConnection session in sessions) Close(session);
        }

        private void Close(SmtpConnection session)
        {
            if (!session.IsOpen)
            {
                WriteVerbose($"Session {session} was already closed ({session.CloseReason}).");
            }
            else
            {
                RelayTranscriptSink? sink = SmtpSessionRegistry.SinkFor(session);
                try
                {
                    Run(async (post, ct) =>
                    {
                        using (sink?.Attach(VerboseWriter(post)))
                        {
                            return await session.CloseAsync("Disconnect-SmtpServer", ct).ConfigureAwait(false);
                        }
                    });
                }
                catch (SmtpException ex)
                {
                    // The session is closed either way; a server that did not answer QUIT is worth a warning only.
                    WriteWarning($"Session {session} closed without a reply to QUIT: {ex.Message}");
                }
            }
            SmtpSessionRegistry.Remove(session);
            if (PassThru) WriteObject(session);
        }
    }
}
