using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Headers;
using Xunit;

namespace SmtpTools.Core.Tests.Headers
{
    public class HeaderReaderTests
    {
        [Fact]
        public void ReceivedFromText_StopsAtBody_AndUnfolds()
        {
            IReadOnlyList<string> values =
                HeaderReader.ReceivedFromText(MailRouteAnalyzerTests.SeedHeaders.Replace("\n", "\r\n"));

            Assert.Equal(3, values.Count);
            Assert.StartsWith("from galangal.org (turmeric.com [104.128.23.115]) by mail.bieberdorf.edu", values[0]);
        }

        [Fact]
        public void ReceivedFromText_FieldNameInAnyCase_IsFound()
        {
            IReadOnlyList<string> values = HeaderReader.ReceivedFromText(
                "RECEIVED: from a by b; 1 Jan 2024 00:00:00 +0000\nX-Received: from c by d\nSubject: s\n");

            Assert.Equal(new[] { "from a by b; 1 Jan 2024 00:00:00 +0000" }, values);
        }

        [Fact]
        public async Task ReceivedFromFileAsync_ReadsOnlyTheHeader()
        {
            string path = Path.GetTempFileName();
            try
            {
                File.WriteAllText(path, MailRouteAnalyzerTests.SeedHeaders);

                IReadOnlyList<string> values = await HeaderReader.ReceivedFromFileAsync(path, CancellationToken.None);

                Assert.Equal(3, values.Count);
                Assert.EndsWith("id CC3; Fri, 1 Mar 2024 10:01:00 +0000", values[2]);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
