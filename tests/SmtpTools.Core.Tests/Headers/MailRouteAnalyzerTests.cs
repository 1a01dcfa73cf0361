using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
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
            Route(headers, trusted).Hops;

        private static MailRouteSummary Route(string headers, string[]? trusted = null,
            params ExpectedHost[] expectedPath) =>
            MailRouteAnalyzer.AnalyzeRoute(HeaderReader.ReceivedFromText(headers),
                new MailRouteOptions
                {
                    TrustedHosts = trusted ?? Array.Empty<string>(), ExpectedPath = expectedPath, Now = Now,
                }, "test");

        private static ExpectedHost Host(string name, params string[] addresses) =>
            new ExpectedHost(name, addresses.Select(IPAddress.Parse).ToArray());

        private static MailRouteFlagKind[] Kinds(MailRouteHop hop) => hop.Flags.Select(f => f.Kind).ToArray();

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
        public void Analyze_ByDiffersFromRecordedClient_FlagsTheLowerLineAsAddedBySender()
        {
            string headers = Line("c.example ([198.51.100.9])", "mx.receiver.example", T0905) +
                             Line("a.example ([192.0.2.1])", "b.example", "Fri, 1 Mar 2024 10:04:00 +0000");

            IReadOnlyList<MailRouteHop> hops = Analyze(headers);

            Assert.Empty(hops[1].Flags);
            Assert.Equal(new[] { MailRouteFlagKind.BrokenChain, MailRouteFlagKind.AddedBySender },
                hops[0].Flags.Select(f => f.Kind));
            string reason = hops[0].Flags[0].Reason;
            Assert.Contains("'b.example'", reason);
            Assert.Contains("[198.51.100.9]", reason);
            Assert.Contains("'c.example'", reason);
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
    
        [Fact]
        public void AnalyzeRoute_SeedExample_HandAddedLinesBelowTheRealHopAreAddedBySender()
        {
            MailRouteSummary route = Route(SeedHeaders);
            IReadOnlyList<MailRouteHop> hops = route.Hops;

            // Hop 3 is the real one: its server recorded turmeric.com, so galangal.org was only a claim.
            Assert.Equal(new[] { MailRouteFlagKind.NameMismatch }, Kinds(hops[2]));
            Assert.False(hops[2].AddedBySender);
            // Hop 2 names galangal.org as its receiver: the claimed name, not the recorded one.
            Assert.Equal(new[] { MailRouteFlagKind.BrokenChain, MailRouteFlagKind.AddedBySender }, Kinds(hops[1]));
            Assert.Contains("the name the client of the hop above only claimed", hops[1].Flags[0].Reason);
            Assert.Contains("turmeric.com [104.128.23.115]", hops[1].Flags[0].Reason);
            Assert.Equal(new[] { MailRouteFlagKind.AddedBySender }, Kinds(hops[0]));
            Assert.All(hops.Take(2), h => Assert.Equal(
                "It is below hop 3, where the real client was turmeric.com [104.128.23.115]; these lines were " +
                "written by the sender and prove nothing.",
                h.Flags.Single(f => f.Kind == MailRouteFlagKind.AddedBySender).Reason));

            Assert.Equal(MailRouteVerdict.Forged, route.Verdict);
            Assert.Equal(3, route.ForgedBelowHop);
            Assert.Equal(new[] { 1, 2 }, route.AddedBySenderHops);
            Assert.Equal("turmeric.com [104.128.23.115]", route.RealClient);
            Assert.StartsWith("Forged below hop 3: its server recorded the client as turmeric.com [104.128.23.115], " +
                "and hops 1-2 were written by the sender", route.Text);
            Assert.All(hops, h => Assert.Equal(route.Text, h.VerdictText));
        }

        [Fact]
        public void AnalyzeRoute_SeedExampleWithTrustedHost_StillFindsTheSendersLines()
        {
            MailRouteSummary route = Route(SeedHeaders, new[] { "mail.bieberdorf.edu" });

            Assert.Equal(MailRouteVerdict.Forged, route.Verdict);
            Assert.Equal(new[] { 1, 2 }, route.AddedBySenderHops);
            Assert.All(route.Hops.Take(2), h => Assert.Contains(h.Flags, f => f.Kind == MailRouteFlagKind.Untrusted));
        }

        // Mail between firewalls A and B goes straight from one to the other; a line through C was made up.
        private const string ThroughFirewalls =
            "Received: from fw-b.example (fw-b.example [198.51.100.2]) by mx.corp.example with ESMTP id 4; " + T1001 +
            "\nReceived: from fw-c.example (fw-c.example [203.0.113.66]) by fw-b.example with ESMTP id 3; " + T1000 +
            "\nReceived: from fw-a.example (fw-a.example [192.0.2.1]) by fw-c.example with ESMTP id 2; " + T1000 +
            "\nReceived: from pc.example (pc.example [192.0.2.50]) by fw-a.example with ESMTP id 1; " + T1000 + "\n";

        [Fact]
        public void AnalyzeRoute_ExpectedPathAB_FlagsTheHopsThroughC()
        {
            MailRouteSummary route = Route(ThroughFirewalls, null, Host("fw-a.example"), Host("fw-b.example"));

            Assert.Empty(route.Hops[0].Flags);
            Assert.Empty(route.Hops[3].Flags);
            Assert.All(new[] { route.Hops[1], route.Hops[2] }, h =>
            {
                MailRouteFlag flag = Assert.Single(h.Flags);
                Assert.Equal(MailRouteFlagKind.UnexpectedHost, flag.Kind);
                Assert.Contains("'fw-c.example'", flag.Reason);
            });
            Assert.Equal(MailRouteVerdict.Forged, route.Verdict);
            Assert.Equal("Forged: Mail between fw-a.example and fw-b.example passed through 'fw-c.example' " +
                "(hop 2 and 3), which -ExpectedPath rules out.", route.Text);
        }

        [Fact]
        public void AnalyzeRoute_ThroughCWithoutExpectedPath_IsConsistent()
        {
            MailRouteSummary route = Route(ThroughFirewalls);

            Assert.All(route.Hops, h => Assert.Empty(h.Flags));
            Assert.Equal(MailRouteVerdict.Consistent, route.Verdict);
            Assert.Equal("Consistent: each of the 4 hops chains to the client the next server recorded.", route.Text);
        }

        [Fact]
        public void AnalyzeRoute_ExpectedPathWithAddresses_DirectPathIsCleanAndAWrongAddressBreaksTheChain()
        {
            string direct =
                "Received: from fw-a.example (unknown [192.0.2.1]) by fw-b.example with ESMTP id 2; " + T1001 + "\n" +
                "Received: from pc.example (pc.example [192.0.2.50]) by fw-a.example with ESMTP id 1; " + T1000 + "\n";
            ExpectedHost[] path = { Host("fw-a.example", "192.0.2.1"), Host("fw-b.example", "198.51.100.2") };

            MailRouteSummary clean = Route(direct, null, path);
            MailRouteSummary moved = Route(direct.Replace("[192.0.2.1]", "[192.0.2.99]"), null, path);

            Assert.Equal(MailRouteVerdict.Consistent, clean.Verdict);
            Assert.All(clean.Hops, h => Assert.Empty(h.Flags));
            Assert.Equal(MailRouteVerdict.Forged, moved.Verdict);
            MailRouteFlag flag = moved.Hops[0].Flags.First();
            Assert.Equal(MailRouteFlagKind.BrokenChain, flag.Kind);
            Assert.Contains("192.0.2.1", flag.Reason);
            Assert.Contains("[192.0.2.99]", flag.Reason);
        }

        [Fact]
        public void AnalyzeRoute_RealGmailPath_IsConsistentWithNoFlags()
        {
            const string headers =
                "Received: from mail-lf1-f41.google.com (mail-lf1-f41.google.com [209.85.167.41])\n" +
                "\tby mx.example.net (Postfix) with ESMTPS id 4TqQ2k1ZbNz9sT\n" +
                "\tfor <me@example.net>; Fri,  1 Mar 2024 10:00:02 +0000 (UTC)\n" +
                "Received: by mail-lf1-f41.google.com with SMTP id 2adb3069b0e04-5131c0691feso2411270e87.1\n" +
                "        for <me@example.net>; Fri, 01 Mar 2024 02:00:01 -0800 (PST)\n" +
                "Received: by 2002:a05:6512:2350:b0:513:23d5:1b8e with HTTP; Fri, 1 Mar 2024 02:00:00 -0800 (PST)\n";

            MailRouteSummary route = Route(headers);

            Assert.All(route.Hops, h => Assert.Empty(h.Flags));
            Assert.Equal(MailRouteVerdict.Consistent, route.Verdict);
        }

        [Fact]
        public void AnalyzeRoute_RealMicrosoft365Path_IsConsistentWithNoFlags()
        {
            const string headers =
                "Received: from EUR05-AM6-obe.outbound.protection.outlook.com\n" +
                " (mail-am6eur05on2041.outbound.protection.outlook.com [40.107.22.41])\n" +
                " by mx.example.net (Postfix) with ESMTPS id 4TqQ3 for <me@example.net>;\n" +
                " Fri,  1 Mar 2024 10:00:03 +0000 (UTC)\n" +
                "Received: from AM6PR04MB5678.eurprd04.prod.outlook.com (2603:10a6:20b:1::12) by\n" +
                " DB9PR04MB1234.eurprd04.prod.outlook.com (2603:10a6:10:2::3) with Microsoft SMTP\n" +
                " Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id\n" +
                " 15.20.7316.35; Fri, 1 Mar 2024 10:00:02 +0000\n" +
                "Received: from AM6PR04MB5678.eurprd04.prod.outlook.com\n" +
                " ([fe80::3c1d:2e4f:5a6b:7c8d]) by AM6PR04MB5678.eurprd04.prod.outlook.com\n" +
                " ([fe80::3c1d:2e4f:5a6b:7c8d%4]) with mapi id 15.20.7316.034; Fri, 1 Mar 2024\n" +
                " 10:00:01 +0000\n";

            MailRouteSummary route = Route(headers);

            Assert.All(route.Hops, h => Assert.Empty(h.Flags));
            Assert.Equal(MailRouteVerdict.Consistent, route.Verdict);
        }

        [Fact]
        public void AnalyzeRoute_ForwardedByAListServer_IsConsistentWithNoFlags()
        {
            // Mailman on mail.python.org takes the post in, hands it to its own Postfix over loopback, and sends it on.
            const string headers =
                "Received: from mail.python.org (mail.python.org [188.166.95.178])\n" +
                "\tby mx.example.net (Postfix) with ESMTPS id 4TqQ9 for <me@example.net>;\n" +
                "\tFri,  1 Mar 2024 10:00:05 +0000 (UTC)\n" +
                "Received: from mail.python.org (localhost [127.0.0.1])\n" +
                "\tby mail.python.org (Postfix) with ESMTP id 4TqQ8; Fri,  1 Mar 2024 10:00:04 +0000 (UTC)\n" +
                "Received: from mail-ej1-f50.google.com (mail-ej1-f50.google.com [209.85.218.50])\n" +
                "\tby mail.python.org (Postfix) with ESMTPS id 4TqQ7 for <python-list@python.org>;\n" +
                "\tFri,  1 Mar 2024 10:00:03 +0000 (UTC)\n" +
                "Received: by mail-ej1-f50.google.com with SMTP id a640c23a62f3a-a44f2d894b7so1234567866b.1\n" +
                "        for <python-list@python.org>; Fri, 01 Mar 2024 02:00:02 -0800 (PST)\n";

            MailRouteSummary route = Route(headers);

            Assert.All(route.Hops, h => Assert.Empty(h.Flags));
            Assert.Equal(MailRouteVerdict.Consistent, route.Verdict);
        }

        // Postfix without reverse lookups, as the test peers run: every client is "unknown [address]".
        private const string RelayChain =
            "Received: from relay2.smtptools.test (unknown [127.0.0.3])\n" +
            "\tby mail.smtptools.test (Postfix) with ESMTPS id 56489B1EB05\n" +
            "\tfor <bob@smtptools.test>; Fri,  1 Mar 2024 10:01:00 +0000 (UTC)\n" +
            "Received: from relay1.smtptools.test (unknown [127.0.0.2])\n" +
            "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n" +
            "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n" +
            "\t(No client certificate requested)\n" +
            "\tby relay2.smtptools.test (Postfix) with ESMTPS id 42E4DB1EB03\n" +
            "\tfor <bob@smtptools.test>; Fri,  1 Mar 2024 10:01:00 +0000 (UTC)\n" +
            "Received: from client.smtptools.test (unknown [127.0.0.1])\n" +
            "\tby relay1.smtptools.test (Postfix) with ESMTPS id 2C360B1EB01\n" +
            "\tfor <bob@smtptools.test>; Fri,  1 Mar 2024 10:01:00 +0000 (UTC)\n";

        [Fact]
        public void AnalyzeRoute_RelayChainWithoutReverseNames_IsConsistentOnTheClaimedNames()
        {
            MailRouteSummary route = Route(RelayChain);

            Assert.All(route.Hops, h => Assert.Empty(h.Flags));
            Assert.Equal(new[] { "127.0.0.1", "127.0.0.2", "127.0.0.3" }, route.Hops.Select(h => h.FromAddress));
            Assert.Equal(MailRouteVerdict.Consistent, route.Verdict);
            Assert.Contains("2 links rest on the names their clients gave", route.Text);
        }

        [Fact]
        public void AnalyzeRoute_LinesAddedBelowTheRelayChain_AreExactlyTheOnesFlagged()
        {
            string headers = RelayChain +
                "Received: from lemongrass.org by galangal.org (8.7.3) id BB2; Fri, 1 Mar 2024 10:00:30 +0000\n" +
                "Received: from graprao.com by lemongrass.org (8.6.4) id CC3; Fri, 1 Mar 2024 10:00:10 +0000\n";

            MailRouteSummary route = Route(headers);

            Assert.Equal(new[] { 1, 2 }, route.Hops.Where(h => h.IsSuspicious).Select(h => h.Hop));
            Assert.Equal(new[] { 1, 2 }, route.AddedBySenderHops);
            Assert.Equal(3, route.ForgedBelowHop);
            Assert.Equal("[127.0.0.1] (no reverse name recorded; it said it was 'client.smtptools.test')",
                route.RealClient);
        }

        [Fact]
        public void AnalyzeRoute_NoServerRecordedAnAddress_IsUnverifiable()
        {
            string headers = Line("lemongrass.org", "galangal.org", T1001) +
                             Line("graprao.com", "lemongrass.org", T1000);

            MailRouteSummary route = Route(headers);

            Assert.Equal(MailRouteVerdict.Unverifiable, route.Verdict);
            Assert.All(route.Hops, h => Assert.Empty(h.Flags));
        }

        [Fact]
        public void AnalyzeRoute_NoTrustedLine_IsUnverifiable()
        {
            MailRouteSummary route = Route(RelayChain, new[] { "mx.elsewhere.example" });

            Assert.Equal(MailRouteVerdict.Unverifiable, route.Verdict);
            Assert.Contains("mx.elsewhere.example", route.Text);
        }

        [Fact]
        public void AnalyzeRoute_ChainHoldsButDatesGoBackwards_IsSuspicious()
        {
            string headers =
                Line("b.example (b.example [198.51.100.2])", "c.example", "Fri, 1 Mar 2024 09:00:00 +0000") +
                Line("a.example (a.example [198.51.100.1])", "b.example", T1000);

            MailRouteSummary route = Route(headers);

            Assert.Equal(MailRouteVerdict.Suspicious, route.Verdict);
            Assert.Equal("Suspicious: the hops chain, but hop 2 (TimeReversed) is flagged.", route.Text);
        }
    }
}
