using System.Runtime.CompilerServices;
using SmtpTools.Core.Mime;

namespace SmtpTools.Core.Tests.Mime
{
    internal static class CodePagesSetup
    {
        // MimeKit caches charset lookups on first use; in the module the composer registers the code pages before
        // MimeKit is touched, but here a test may parse a message first, so register as the assembly loads.
        [ModuleInitializer]
        internal static void Register() => MessageEncoding.EnsureCodePages();
    }
}
