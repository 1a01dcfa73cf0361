using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>The outcome of one authentication attempt by Test-SmtpAuth: one mechanism on one fresh connection.</summary>
    public sealed class SmtpAuthResult
    {
        internal SmtpAuthResult(string server, int port, string? address, string userName, string mechanism,
            bool succeeded, SmtpReply reply, string? errorDetails, IReadOnlyList<string> mechanismsBeforeTls,
            IReadOnlyList<string> mechanismsAfterTls, SmtpTlsInfo? tls, IReadOnlyDictionary<SmtpStage, TimeSpan> stageTimes,
            TimeSpan elapsed, IReadOnlyList<SmtpTranscriptEntry> transcript, SmtpReplyCode? explanation)
        {
            Server = server;
            Port = port;
            Address = address;
            UserName = userName;
            Mechanism = mechanism;
            Succeeded = succeeded;
            Reply = reply;
            ErrorDetails = errorDetails;
            MechanismsBeforeTls = mechanismsBeforeTls;
            MechanismsAfterTls = mechanismsAfterTls;
            Tls = tls;
            StageTimes = stageTimes;
            Elapsed = elapsed;
            Transcript = transcript;
            Explanation = explanation;
        }

        /// <summary>The server as given.</summary>
        public string Server { get; }

        /// <summary>The TCP port.</summary>
        public int Port { get; }

        /// <summary>The IP address actually connected to.</summary>
        public string? Address { get; }

        /// <summary>The user name that was tried (never the password or token).</summary>
        public string UserName { get; }

        /// <summary>The SASL mechanism tried.</summary>
        public string Mechanism { get; }

        /// <summary>True when the server answered 235: the credential can submit mail.</summary>
        public bool Succeeded { get; }

        /// <summary>The server's final reply to AUTH.</summary>
        public SmtpReply Reply { get; }

        /// <summary>The reply code, for tables.</summary>
        public int ReplyCode => Reply.Code;

        /// <summary>The enhanced status code of the final reply, or null.</summary>
        public string? EnhancedStatus => Reply.EnhancedStatus;

        /// <summary>The decoded OAuth error JSON (XOAUTH2, OAUTHBEARER), when the server sent one.</summary>
        public string? ErrorDetails { get; }

        /// <summary>AUTH mechanisms advertised in the clear; empty when none or when TLS was implicit.</summary>
        public IReadOnlyList<string> MechanismsBeforeTls { get; }

        /// <summary>AUTH mechanisms advertised on the connection used (after TLS when TLS is on).</summary>
        public IReadOnlyList<string> MechanismsAfterTls { get; }

        /// <summary>The TLS session, or null when the connection stayed in the clear.</summary>
        public SmtpTlsInfo? Tls { get; }

        /// <summary>Time spent in each stage.</summary>
        public IReadOnlyDictionary<SmtpStage, TimeSpan> StageTimes { get; }

        /// <summary>Time from connecting to QUIT.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>What the final reply means and what to do about it (for example 535 5.7.139: OAuth needed).</summary>
        public SmtpReplyCode? Explanation { get; }

        /// <summary>The token tried, with its claims decoded (audience, tenant, app, roles, expiry), or null for a
        /// password or a token that is not a JWT. Never the signature.</summary>
        public SmtpAccessToken? AccessToken { get; internal set; }

        /// <summary>What a failure with a token most likely means and what to do, in words (null when
        /// unknown).</summary>
        public string? Advice { get; internal set; }

        /// <summary>The conversation, one entry per line, every secret replaced by a marker.</summary>
        public IReadOnlyList<SmtpTranscriptEntry> Transcript { get; }

        /// <summary>Mechanism, outcome and reply.</summary>
        public override string ToString() =>
            $"{Mechanism}: {(Succeeded ? "succeeded" : "failed")} ({Reply.Code} {Reply.Text})";
    }
}
