using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

// The MailKit baseline of tests/bench: the best .NET SMTP client doing what Send-SmtpMessage does, one connection.
//   MailKitBaseline bulk  <host> <port> <count> <bodyBytes> [connections]
//                                                            N small messages over reused connections (default one)
//   MailKitBaseline large <host> <port> <file>                one message, the file attached, streamed from disk
// Prints one line: "seconds=<time around the send loop> cpu=<CPU seconds of the process over that time> messages=<n>
// vmhwm_kib=<peak RSS>".
internal static class Program
{
    private static int Main(string[] args)
    {
        string mode = args[0];
        string host = args[1];
        int port = int.Parse(args[2]);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int sent = 0;
        if (mode == "bulk")
        {
            int count = int.Parse(args[3]);
            string body = new string('x', int.Parse(args[4]) - 2) + "\r\n";
            int connections = args.Length > 5 ? int.Parse(args[5]) : 1;
            // Each connection sends its share on a thread of its own, reusing the connection (MailKit's SmtpClient
            // is one conversation at a time).
            var threads = Enumerable.Range(0, connections).Select(c => new System.Threading.Thread(() =>
            {
                using var client = new SmtpClient();
                client.Connect(host, port, SecureSocketOptions.None);
                int share = count / connections + (c < count % connections ? 1 : 0);
                for (int i = 0; i < share; i++)
                {
                    var message = new MimeMessage();
                    message.From.Add(MailboxAddress.Parse("bench@smtptools.test"));
                    message.To.Add(MailboxAddress.Parse("sink@smtptools.test"));
                    message.Subject = "Bench " + i;
                    message.Body = new TextPart("plain") { Text = body };
                    client.Send(message);
                    System.Threading.Interlocked.Increment(ref sent);
                }
                client.Disconnect(true);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }
        else if (mode == "large")
        {
            using var client = new SmtpClient();
            client.Connect(host, port, SecureSocketOptions.None);
            string file = args[3];
            using FileStream stream = File.OpenRead(file);
            var attachment = new MimePart("application", "octet-stream")
            {
                Content = new MimeContent(stream),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = Path.GetFileName(file),
            };
            var multipart = new Multipart("mixed") { new TextPart("plain") { Text = "Large attachment.\r\n" }, attachment };
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("bench@smtptools.test"));
            message.To.Add(MailboxAddress.Parse("sink@smtptools.test"));
            message.Subject = "Bench large";
            message.Body = multipart;
            client.Send(message);
            client.Disconnect(true);
            sent++;
        }
        else
        {
            throw new ArgumentException("mode must be bulk or large");
        }
        clock.Stop();
        Console.WriteLine(FormattableString.Invariant(
            $"seconds={clock.Elapsed.TotalSeconds:F6} cpu={(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F6} messages={sent} vmhwm_kib={PeakRssKib()}"));
        return 0;
    }

    // VmHWM: the peak resident set of this process, what the harness compares with a bare pwsh.
    private static long PeakRssKib()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line == null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
}
