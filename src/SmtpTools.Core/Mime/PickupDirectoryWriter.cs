using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Mime
{
    /// <summary>
    /// Drops a message into an IIS/Exchange-style pickup folder as a uniquely named .eml. The file is written under
    /// a temporary name in the same folder and renamed when complete, so the pickup service never sees half a file.
    /// </summary>
    internal static class PickupDirectoryWriter
    {
        /// <summary>Writes the message with X-Sender/X-Receiver envelope lines first, as System.Net.Mail's
        /// SpecifiedPickupDirectory does, so that Bcc recipients are delivered without a Bcc header.</summary>
        /// <returns>The full path of the new .eml file.</returns>
        /// <exception cref="SmtpMessageException">PickupDirectoryNotFound or PickupDirectoryNotWritable.</exception>
        internal static async Task<string> WriteAsync(MimeMessageContent content, string directory,
            CancellationToken cancellationToken)
        {
            if (content is null) throw new ArgumentNullException(nameof(content));
            if (string.IsNullOrWhiteSpace(directory) || !Directory.Exists(directory))
                throw new SmtpMessageException(SmtpMessageError.PickupDirectoryNotFound, "PickupDirectory",
                    directory ?? string.Empty, $"The pickup directory '{directory}' does not exist.",
                    "Create the folder, or give the full path of the pickup folder of the mail server.");

            string folder = Path.GetFullPath(directory);
            string id = Guid.NewGuid().ToString("N");
            // The pickup service only takes *.eml, so the temporary name is never picked up half-written.
            string temp = Path.Combine(folder, id + ".tmp");
            string final = Path.Combine(folder, id + ".eml");
            try
            {
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024,
                    FileOptions.Asynchronous))
                {
                    byte[] envelope = Encoding.UTF8.GetBytes(EnvelopeLines(content.Envelope));
                    await file.WriteAsync(envelope, 0, envelope.Length, cancellationToken).ConfigureAwait(false);
                    await content.WriteToAsync(file, cancellationToken).ConfigureAwait(false);
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                    // Data on disk before the name appears, so a crash cannot leave a truncated .eml.
                    file.Flush(true);
                }

                MoveToUniqueName(temp, ref final, folder);
                return final;
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is IOException)
            {
                TryDelete(temp);
                throw new SmtpMessageException(SmtpMessageError.PickupDirectoryNotWritable, "PickupDirectory", folder,
                    $"The message could not be written to the pickup directory '{folder}': {e.Message}",
                    "Check that this account may create and rename files in the folder and that the disk has room.", e);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        private static string EnvelopeLines(MessageEnvelope envelope)
        {
            var text = new StringBuilder();
            text.Append("X-Sender: ").Append(envelope.MailFrom.Length == 0 ? "<>" : envelope.MailFrom).Append("\r\n");
            foreach (string recipient in envelope.Recipients)
                text.Append("X-Receiver: ").Append(recipient).Append("\r\n");
            return text.ToString();
        }

        private static void MoveToUniqueName(string temp, ref string final, string folder)
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    // File.Move never overwrites on netstandard2.0: an existing name throws and a new one is tried.
                    File.Move(temp, final);
                    return;
                }
                catch (IOException) when (attempt < 5 && File.Exists(final))
                {
                    final = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".eml");
                }
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                if (File.Exists(path)) File.Delete(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // The temporary file keeps its .tmp name, which the pickup service ignores.
            }
        }
    }
}
