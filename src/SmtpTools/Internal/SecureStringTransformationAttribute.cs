using System;
using System.Management.Automation;
using System.Net;
using System.Security;

namespace SmtpTools.Internal
{
    /// <summary>
    /// Lets a SecureString parameter also take a plain string: OAuth tokens usually arrive as strings (for example the
    /// AccessToken property of a token response), and a SecureString-only parameter would make every caller convert.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is string text)
            {
                var secure = new SecureString();
                foreach (char c in text) secure.AppendChar(c);
                secure.MakeReadOnly();
                return secure;
            }
            return value;
        }

        /// <summary>The plain text, for the moment it goes into a SASL exchange.</summary>
        internal static string Reveal(SecureString secret) => new NetworkCredential(string.Empty, secret).Password;
    }
}
