using System;
using System.Management.Automation;
using System.Security;

namespace SmtpTools.Internal
{
    /// <summary>
    /// Refuses a plain string for a secret parameter (-ClientSecret, -RefreshToken) with a message that does not
    /// repeat it. Without this, PowerShell's own conversion error quotes the value ("Cannot convert the "..." value
    /// of type System.String to type SecureString"), and the secret lands in $Error and in transcripts.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class SecureOnlyAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value == null || value is SecureString) return value;
            throw new ArgumentTransformationMetadataException(
                $"This parameter takes a SecureString, not a {value.GetType().Name} (the value is not shown here). " +
                "Use Get-Secret from a SecretManagement vault, Import-Clixml of a file made with Export-Clixml, " +
                "Read-Host -AsSecureString, or ConvertTo-SecureString -AsPlainText -Force for a value that is " +
                "already in plain text (an environment variable, say).");
        }
    }
}
