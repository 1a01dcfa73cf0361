using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MimeKit;
using SmtpTools.Core.Mime;

namespace SmtpTools.Core.Tests.Mime
{
    /// <summary>A temporary folder for one test, removed afterwards.</summary>
    internal sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(),
                "smtptools-mime-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name, byte[] content)
        {
            string path = System.IO.Path.Combine(Path, name);
            System.IO.File.WriteAllBytes(path, content);
            return path;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, true);
            }
            catch (IOException)
            {
            }
        }
    }

    internal static class MimeTestHelpers
    {
        /// <summary>The HTML part of the seed's JavaMail example (text/html; charset=GB2312), with Chinese text
        /// from the same page so that GB2312 has something to encode.</summary>
        internal const string SeedHtml =
            "<meta http-equiv=Content-Type content=text/html; charset=gb2312>" +
            "<div align=center><a href=http://www.csdn.net> www.csdn.net </a></div>" +
            "<p>250 要求的邮件操作完成</p>";

        internal const string SeedSubject = "SMTP命令发送邮件及发送错误中文对应";

        internal static MessageSpec Spec() => new MessageSpec
        {
            From = "sender@example.test",
            To = { "rcpt@example.test" },
            Subject = "Test",
            Body = "Hello",
        };

        internal static async Task<byte[]> WriteAsync(MimeMessageContent content)
        {
            using var stream = new MemoryStream();
            await content.WriteToAsync(stream, CancellationToken.None);
            return stream.ToArray();
        }

        internal static MimeMessage Parse(byte[] bytes) => MimeMessage.Load(new MemoryStream(bytes));

        internal static string Hash(Stream stream)
        {
            using var sha = SHA256.Create();
            return Convert.ToHexString(sha.ComputeHash(stream));
        }

        internal static string HeaderBlock(byte[] bytes)
        {
            string text = Encoding.UTF8.GetString(bytes);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            return end < 0 ? text : text.Substring(0, end + 2);
        }
    }
}
