using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace SmtpTools.Internal
{
    /// <summary>
    /// Reads messages for the cmdlets that take -Path, -LiteralPath (piped files) or -MimeMessage: paths resolve like
    /// any PowerShell cmdlet's, and a file that cannot be read is that input's error, named with the cmdlet's prefix.
    /// </summary>
    internal static class MessageInput
    {
        /// <summary>
        /// Hands each message of one record to <paramref name="handle"/> with its file name (null for -MimeMessage):
        /// the -MimeMessage object when one is given, else every file the paths name. What cannot be read is that
        /// input's error, and the others go on.
        /// </summary>
        internal static void ForEach(PSCmdlet cmdlet, object? mimeMessage, IEnumerable<string> paths, bool literal,
            string errorPrefix, Action<byte[], string?> handle)
        {
            if (mimeMessage != null)
            {
                byte[]? bytes = FromMimeMessage(cmdlet, mimeMessage, errorPrefix);
                if (bytes != null) handle(bytes, null);
                return;
            }
            foreach (string path in paths)
            {
                foreach (string file in Files(cmdlet, path, literal, errorPrefix))
                {
                    byte[]? bytes = Read(cmdlet, file, errorPrefix);
                    if (bytes != null) handle(bytes, file);
                }
            }
        }

        /// <summary>The files a -Path or -LiteralPath value names; writes an error and gives none when it names none.</summary>
        internal static IEnumerable<string> Files(PSCmdlet cmdlet, string path, bool literal, string errorPrefix)
        {
            List<string> files;
            try
            {
                files = new List<string>(literal
                    ? new[] { cmdlet.GetUnresolvedProviderPathFromPSPath(path) }
                    : cmdlet.GetResolvedProviderPathFromPSPath(path, out _));
            }
            catch (ItemNotFoundException ex)
            {
                cmdlet.WriteError(ErrorMapper.Record(cmdlet, errorPrefix + "FileNotFound", ex, path));
                yield break;
            }
            foreach (string file in files)
            {
                if (!Directory.Exists(file)) yield return file;
            }
        }

        /// <summary>The bytes of a file, or null after writing the error for it.</summary>
        internal static byte[]? Read(PSCmdlet cmdlet, string file, string errorPrefix)
        {
            try
            {
                return File.ReadAllBytes(file);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                string id = ex is FileNotFoundException || ex is DirectoryNotFoundException
                    ? errorPrefix + "FileNotFound"
                    : errorPrefix + "FileUnreadable";
                cmdlet.WriteError(ErrorMapper.Record(cmdlet, id, ex, file));
                return null;
            }
        }

        /// <summary>The bytes of a MimeKit.MimeMessage, or null after writing the error for a wrong object.</summary>
        internal static byte[]? FromMimeMessage(PSCmdlet cmdlet, object value, string errorPrefix)
        {
            object message = value is PSObject ps ? ps.BaseObject : value;
            try
            {
                return Core.Policy.Dkim.DkimMimeAdapter.ToBytes(message);
            }
            catch (ArgumentException ex)
            {
                cmdlet.WriteError(ErrorMapper.Record(cmdlet, errorPrefix + "NotAMimeMessage", ex, message));
                return null;
            }
        }
    }
}
