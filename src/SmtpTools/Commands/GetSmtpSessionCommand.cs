using System.Linq;
using System.Management.Automation;
using SmtpTools.Internal;

namespace SmtpTools.Commands
{
    /// <summary>Get-SmtpSession: the sessions opened by Connect-SmtpServer that are still open.</summary>
    [Cmdlet(VerbsCommon.Get, "SmtpSession")]
    [OutputType(typeof(SmtpConnection))]
    public sealed class GetSmtpSessionCommand : SmtpCmdletBase
    {
        /// <summary>Only the sessions with these numbers.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("SessionId")]
        [ArgumentCompleter(typeof(SmtpSessionIdCompleter))]
        public int[]? Id { get; set; }

        /// <summary>Only the sessions to servers whose name matches (wildcards allowed).</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string? SmtpServer { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var open = SmtpSessionRegistry.Open();
            var pattern = SmtpServer == null
                ? null
                : WildcardPattern.Get(SmtpServer, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            var matching = open.Where(s => pattern == null || pattern.IsMatch(s.SmtpServer)).ToList();
            if (Id == null)
            {
                foreach (SmtpConnection session in matching) WriteObject(session);
                return;
            }
            foreach (int id in Id)
            {
                SmtpConnection? session = matching.FirstOrDefault(s => s.Id == id);
                if (session != null)
                {
                    WriteObject(session);
                    continue;
                }
                WriteError(ErrorMapper.Record(this, "SmtpSessionNotFound",
                    new ItemNotFoundException($"There is no open SMTP session number {id}."), id));
            }
        }
    }
}
