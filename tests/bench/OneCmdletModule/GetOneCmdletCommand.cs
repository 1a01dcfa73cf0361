using System.Management.Automation;

namespace OneCmdletModule
{
    /// <summary>The one cmdlet of the import reference module: writes 1.</summary>
    [Cmdlet(VerbsCommon.Get, "OneCmdlet")]
    [OutputType(typeof(int))]
    public sealed class GetOneCmdletCommand : PSCmdlet
    {
        /// <inheritdoc />
        protected override void ProcessRecord() => WriteObject(1);
    }
}
