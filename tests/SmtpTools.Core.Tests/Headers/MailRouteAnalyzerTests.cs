using System;
using System.Collections.Generic;
using System.Linq;
using SmtpTools.Core.Headers;
using Xunit;

namespace SmtpTools.Core.Tests.Headers
{
    public class MailRouteAnalyzerTests
    {
        private const string T1000 = "Fri, 1 Mar 2024 10:00:00 +0000";
        private const string T1001 = "Fri, 1 Mar 2024 10:01:00 +0000";
        private const string T0905 = "Fri, 1 Mar 2024 10:05:00 +0000";
        private static readonly DateTimeOffset Now = new DateTimeOffset(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

        // The seed's example, as a receiver sees it: the top line is genuine, the two below were added by hand.
        internal const string SeedHeaders =
            "Received: from galangal.org (turmeric.com [104.128.23.115])\n" +
            "\tby mail.bieberdorf.edu (8.8.5) id AA1; Fri, 1 Mar 2024 10:05:00 +0000\n" +
            "Received: from lemongrass.org by galangal.org (8.7.3) id BB2; Fri, 1 Mar 2024 10:03:00 +0000\n" +
            "Received: from graprao.com by lemongrass.org (8.6.4) id CC3; Fri, 1 Mar 2024 10:01:00 +0000\n" +
            "Subject: test\n\nbody\nReceived: not a header\n";

        private static IReadOnlyList<MailRouteHop> Analyze(string headers, params string[] trusted) =>
            MailRouteAnalyzer.Analyze(HeaderReader.ReceivedFromText(headers),
                new MailRouteOptions { TrustedHosts = trusted, Now = Now }, "test");

        private static string Line(string from, string by, string date) =>
            $"Received: from {from} by {by} with ESMTP id X; {date}\n";

        [Fact]
        public void Analyze_SeedExample_HopsOldestFirstWithDelays()
        {
            IReadOnlyList<MailRouteHop> hops = Analyze(SeedHeaders);

            Assert.Equal(new[] { 1, 2, 3 }, hops.Select(h => h.Hop));
            Assert.Equal(new[] { "graprao.com", "lemongrass.org", "galangal.org" }, hops.Select(h => h.FromName));
            Assert.Equal(new[] { "lemongrass.org", "galangal.org", "mail.bieberdorf.edu" }, hops.Select(h => h.ByName));
            Assert.Null(hops[0].Delay);
            Assert.Equal(TimeSpan.FromMinutes(2), hops[1].Delay);
            Assert.Equal(TimeSpan.FromMinutes(2), hops[2].Delay);
        }

        [Fact]
        public void Analyze_ClaimedNameDiffersFromRecordedName_FlagsMismatchWithBothNames()
        {
            MailRouteHop top = Analyze(SeedHeaders)[2];

            MailRouteFlag flag = Assert.Single(top.Flags, f => f.Kind == MailRouteFlagKind.NameMismatch);
            Assert.Contains("galangal.org", flag.Reason);
            Assert.Contains("turmeric.com", flag.Reason);
            Assert.Contains("104.128.23.115", flag.Reason);
        }

        [Fact]
        public void Analyze_TrustedHostGiven_FlagsEveryLineBelowIt()
        {
            IReadOnlyList<MailRouteHop> hops = Analyze(SeedHeaders, "mail.bieberdorf.edu");

            Assert.True(hops[2].IsTrusted);
            Assert.DoesNotContain(hops[2].Flags, f => f.Kind == MailRouteFlagKind.Untrusted);
            Assert.All(hops.Take(2), h =>
            {
                MailRouteFlag flag = Assert.Single(h.Flags, f => f.Kind == MailRouteFlagKind.Untrusted);
                Assert.Contains("mail.bieberdorf.edu", flag.Reason);
            });
        }

        [Fact]
        public void Analyze_NoLineByATrustedHost_FlagsAll()
        {
            IReadOnlyList<MailRouteHop> hops = Analyze(SeedHeaders, "mx.elsewhere.example");

            Assert.All(hops, h => Assert.Contains(h.Flags, f => f.Kind == MailRouteFlagKind.Untrusted));
        }

        [Fact]
        public void Analyze_TrustedWildcard_MatchesSubdomain()
        {
            IReadOnlyList<MailRouteHop> hops = Analyze(SeedHeaders, "*.bieberdorf.edu");

            Assert.Equal(new[] { false, false, true }, hops.Select(h => h.IsTrusted));
        }

        [Fact]
        public void Analyze_ByDiffersFromNextFrom_FlagsBrokenChainOnLaterHop()
        {
            string headers = Line("c.example ([198.51.100.9])", "mx.receiver.example", T0905) +
                             Line("a.example ([192.0.2.1])", "b.example", "Fri, 1 Mar 2024 10:04:00 +0000");

            IReadOnlyList<MailRouteHop> hops = Analyze(headers);

            Assert.Empty(hops[0].Flags);
            MailRouteFlag flag = Assert.Single(hops[1].Flags);
            Assert.Equal(MailRouteFlagKind.BrokenChain, flag.Kind);
            Assert.Contains("'c.example'", flag.Reason);
            Assert.Contains("'b.example'", flag.Reason);
        }

        [Fact]
        public void Analyze_ChainThroughReverseNameOrShortName_IsNotBroken()
        {
            string headers = Line("relay (relay.corp.example [203.0.113.5])", "mx.receiver.example",
                                 T0905) +
                             Line("a.example ([198.51.100.1])", "relay.corp.example", "Fri, 1 Mar 2024 10:04:00 +0000");

            IReadOnlyList<MailRouteHop> hops = Analyze(headers);

            Assert.DoesNotContain(hops.SelectMany(h => h.Flags), f => f.Kind == MailRouteFlagKind.BrokenChain);
        }

        [Fact]
        public void Analyze_TimestampGoesBackwards_FlagsLaterHop()
        {
            string headers = Line("b.example ([198.51.100.2])", "c.example", "Fri, 1 Mar 2024 09:00:00 +0000") +
                             Line("a.example ([198.51.100.1])", "b.example", T1000);

            IReadOnlyList<MailRouteHop> hops = Analyze(headers);

            MailRouteFlag flag = Assert.Single(hops[1].Flags);
            Assert.Equal(MailRouteFlagKind.TimeReversed, flag.Kind);
            Assert.Contains("60 minutes before hop 1", flag.Reason);
            Assert.Equal(TimeSpan.FromHours(-1), hops[1].Delay);
        }

        [Fact]
        public void Analyze_SmallSkewWithinTolerance_IsNotFlagged()
        {
            string headers = Line("b.example ([198.51.100.2])", "c.example", "Fri, 1 Mar 2024 09:58:00 +0000") +
                             Line("a.example ([198.51.100.1])", "b.example", T1000);

            Assert.All(Analyze(headers), h => Assert.Empty(h.Flags));
        }

        [Fact]
        public void Analyze_SameInstantInOtherZone_IsNotBackwards()
        {
            string headers = Line("b.example ([198.51.100.2])", "c.example", "Fri, 1 Mar 2024 11:00:00 +0100") +
                             Line("a.example ([198.51.100.1])", "b.example", T1000);

            IReadOnlyList<MailRouteHop> hops = Analyze(headers);

            Assert.All(hops, h => Assert.Empty(h.Flags));
            Assert.Equal(TimeSpan.Zero, hops[1].Delay);
        }

        [Fact]
        public void Analyze_FutureTimestamp_IsFlagged()
        {
            IReadOnlyList<MailRouteHop> hops =
                Analyze(Line("a.example ([198.51.100.1])", "b.example", "Sat, 2 Mar 2024 12:00:00 +0000"));

            MailRouteFlag flag = Assert.Single(hops[0].Flags);
            Assert.Equal(MailRouteFlagKind.FutureTimestamp, flag.Kind);
            Assert.Contains("in the future", flag.Reason);
        }

        [Fact]
        public void Analyze_PrivateAddressAfterPublic_IsFlagged()
        {
            string headers = Line("b.example (b.example [10.1.2.3])", "c.example", T1001) +
                             Line("a.example (a.example [198.51.100.1])", "b.example", T1000);

            IReadOnlyList<MailRouteHop> hops = Analyze(headers);

            Assert.Empty(hops[0].Flags);
            MailRouteFlag flag = Assert.Single(hops[1].Flags);
            Assert.Equal(MailRouteFlagKind.PrivateAfterPublic, flag.Kind);
            Assert.Contains("10.1.2.3", flag.Reason);
            Assert.Contains("198.51.100.1", flag.Reason);
        }

        [Fact]
        public void Analyze_PrivateAddressAtTrustedInternalRelay_IsNotFlagged()
        {
            string headers = Line("b.example (b.example [10.1.2.3])", "c.example", T1001) +
                             Line("a.example (a.example [198.51.100.1])", "b.example", T1000);

            IReadOnlyList<MailRouteHop> hops = Analyze(headers, "b.example", "c.example");

            Assert.All(hops, h => Assert.Empty(h.Flags));
        }

        [Fact]
        public void Analyze_PrivateBeforePublic_IsNormal()
        {
            string headers = Line("b.example (b.example [198.51.100.7])", "c.example", T1001) +
                             Line("laptop (laptop.lan [192.168.1.20])", "b.example", T1000);

            Assert.All(Analyze(headers), h => Assert.DoesNotContain(h.Flags,
                f => f.Kind == MailRouteFlagKind.PrivateAfterPublic));
        }

        [Fact]
        public void Analyze_AddressLiteralHeloNotTheClientAddress_FlagsMismatch()
        {
            IReadOnlyList<MailRouteHop> hops =
                Analyze(Line("[192.0.2.99] (unknown [198.51.100.1])", "b.example", T1000));

            MailRouteFlag flag = Assert.Single(hops[0].Flags);
            Assert.Equal(MailRouteFlagKind.NameMismatch, flag.Kind);
        }

        [Fact]
        public void Analyze_LineWithoutDate_IsMalformed()
        {
            IReadOnlyList<MailRouteHop> hops = Analyze("Received: from a.example by b.example id 1\n");

            MailRouteFlag flag = Assert.Single(hops[0].Flags);
            Assert.Equal(MailRouteFlagKind.Malformed, flag.Kind);
            Assert.Null(hops[0].Timestamp);
        }
    }
}
