using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>A ready-made message from bytes in memory or a file, streamed as is (the writer normalises it).</summary>
    internal sealed class ByteArrayMessageContent : ISmtpMessageContent
    {
        private readonly byte[]? _bytes;
        private readonly string? _path;

        private ByteArrayMessageContent(byte[]? bytes, string? path, bool has8Bit, long size, bool needsSmtpUtf8)
        {
            _bytes = bytes;
            _path = path;
            Has8BitContent = has8Bit;
            Size = size;
            NeedsSmtpUtf8 = needsSmtpUtf8;
        }

        /// <summary>A message held in memory.</summary>
        internal static ByteArrayMessageContent FromBytes(byte[] bytes, bool needsSmtpUtf8 = false) =>
            new ByteArrayMessageContent(bytes, null, bytes.Any(b => b > 127), bytes.LongLength, needsSmtpUtf8);

        /// <summary>A message in a file, read once to learn its size and whether it has 8-bit bytes.</summary>
        internal static ByteArrayMessageContent FromFile(string path, bool needsSmtpUtf8 = false)
        {
            bool has8Bit = false;
            long size = 0;
            var buffer = new byte[81920];
            using (var file = File.OpenRead(path))
            {
                int n;
                while ((n = file.Read(buffer, 0, buffer.Length)) > 0)
                {
                    size += n;
                    for (int i = 0; i < n && !has8Bit; i++) has8Bit = buffer[i] > 127;
                }
            }
            return new ByteArrayMessageContent(null, path, has8Bit, size, needsSmtpUtf8);
        }

        /// <inheritdoc />
        public bool Has8BitContent { get; }

        /// <inheritdoc />
        public bool NeedsSmtpUtf8 { get; }

        /// <inheritdoc />
        public long? Size { get; }

        /// <inheritdoc />
        public void WriteTo(Stream destination, CancellationToken cancellationToken)
        {
            if (_bytes != null)
            {
                destination.Write(_bytes, 0, _bytes.Length);
                return;
            }
            using var file = new FileStream(_path!, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, false);
            file.CopyTo(destination, 81920);
        }

        /// <inheritdoc />
        public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
        {
            if (_bytes != null)
            {
                await destination.WriteAsync(_bytes, 0, _bytes.Length, cancellationToken).ConfigureAwait(false);
                return;
            }
            using var file = new FileStream(_path!, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, true);
            await file.CopyToAsync(destination, 81920, cancellationToken).ConfigureAwait(false);
        }
    }
}
