using System;
using System.IO;
using MimeKit;
using SmtpTools.Core.Mime;
using Xunit;

namespace SmtpTools.Core.Tests.Mime
{
    public class Base64LineStreamTests
    {
        // Around a line (57 bytes), around a block (1,024 lines) and a few blocks with a short last line.
        public static TheoryData<int> Lengths => new TheoryData<int>
        {
            0, 1, 2, 3, 56, 57, 58, 114, 57 * 1024 - 1, 57 * 1024, 57 * 1024 + 1, 3 * 57 * 1024 + 100, 200_003,
        };

        [Theory]
        [MemberData(nameof(Lengths))]
        public void WrittenByMimeKit_AnyLength_SameBytesAsMimeKitsOwnEncoder(int length)
        {
            byte[] data = RandomBytes(length);

            byte[] mimeKits = WriteContent(new MimeContent(new MemoryStream(data), ContentEncoding.Default));
            byte[] ours = WriteContent(new MimeContent(new Base64LineStream(new MemoryStream(data)),
                ContentEncoding.Base64));

            Assert.Equal(mimeKits, ours);
            Assert.Equal(MimeMessageContent.Base64Length(length), ours.Length);
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Read_SmallReads_Rfc2045LinesEachEndedByCrlf(int length)
        {
            byte[] data = RandomBytes(length);
            using var stream = new Base64LineStream(new MemoryStream(data));

            string text = System.Text.Encoding.ASCII.GetString(ReadAll(stream, 1000));

            string expected = length == 0 ? string.Empty
                : Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks) + "\r\n";
            Assert.Equal(expected, text);
            Assert.Equal(text.Length, stream.Length);
            Assert.Equal(length, stream.SourceLength);
        }

        [Fact]
        public void Seek_ToStartAfterPartialRead_ReadsTheSameBytesAgain()
        {
            byte[] data = RandomBytes(150_000);
            using var stream = new Base64LineStream(new MemoryStream(data));
            byte[] whole = ReadAll(stream, 4096);

            stream.Seek(0, SeekOrigin.Begin);
            byte[] part = new byte[10_000];
            Assert.Equal(part.Length, stream.Read(part, 0, part.Length));
            stream.Position = 0;

            Assert.Equal(0, stream.Position);
            Assert.Equal(whole, ReadAll(stream, 777));
        }

        [Fact]
        public void Seek_ElsewhereThanTheStart_NotSupported()
        {
            using var stream = new Base64LineStream(new MemoryStream(RandomBytes(1000)));

            Assert.Throws<NotSupportedException>(() => stream.Seek(10, SeekOrigin.Begin));
        }

        private static byte[] WriteContent(MimeContent content)
        {
            var part = new MimePart("application", "octet-stream")
            {
                Content = content,
                ContentTransferEncoding = ContentEncoding.Base64,
            };
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            using var output = new MemoryStream();
            part.WriteTo(options, output, contentOnly: true);
            return output.ToArray();
        }

        private static byte[] ReadAll(Stream stream, int chunk)
        {
            using var output = new MemoryStream();
            byte[] buffer = new byte[chunk];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) output.Write(buffer, 0, n);
            return output.ToArray();
        }

        private static byte[] RandomBytes(int length)
        {
            byte[] data = new byte[length];
            new Random(length).NextBytes(data);
            return data;
        }
    }
}
