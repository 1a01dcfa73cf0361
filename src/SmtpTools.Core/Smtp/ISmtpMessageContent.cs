using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// A message ready for DATA or BDAT: its bytes are streamed, never buffered whole, so a 1 GB attachment can go out
    /// with flat memory. The SMTP core does the line-ending normalisation and dot-stuffing; content writes plain bytes.
    /// </summary>
    internal interface ISmtpMessageContent
    {
        /// <summary>Writes the whole message (headers, blank line, body) as it should arrive. Not dot-stuffed.</summary>
        Task WriteToAsync(Stream destination, CancellationToken cancellationToken);

        /// <summary>The same, blocking: a blocking session (BlockingIo) writes this way, so that reading an attachment
        /// blocks too instead of sending each file read to the thread pool and back.</summary>
        void WriteTo(Stream destination, CancellationToken cancellationToken);

        /// <summary>True when any byte above 127 appears, so MAIL FROM should say BODY=8BITMIME.</summary>
        bool Has8BitContent { get; }

        /// <summary>True when an address or header needs SMTPUTF8 (RFC 6531).</summary>
        bool NeedsSmtpUtf8 { get; }

        /// <summary>The size in bytes for MAIL FROM SIZE=, or null when it is not known without writing the message.</summary>
        long? Size { get; }
    }
}
