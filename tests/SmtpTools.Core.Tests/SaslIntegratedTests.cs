using System;
using System.Collections.Generic;
using System.Linq;
using SmtpTools.Core.Smtp;
using Xunit;

namespace SmtpTools.Core.Tests
{
    /// <summary>
    /// GSSAPI, Negotiate and NTLM over a scripted security context: the SASL steps of RFC 4752 and [MS-SMTPNTLM]
    /// without a KDC (the real Kerberos exchange is tested against tests/peers in IntegratedAuth.Tests.ps1).
    /// </summary>
    public class SaslIntegratedTests
    {
        private static readonly SmtpCredential Current = SmtpCredential.CurrentIdentity();

        private sealed class ScriptedContext : NegotiateContext
        {
            private readonly Queue<(byte[]? Token, NegotiateStatus Status)> _steps;

            internal ScriptedContext(NegotiateRequest request, params (byte[]?, NegotiateStatus)[] steps)
            {
                Request = request;
                _steps = new Queue<(byte[]?, NegotiateStatus)>(steps);
            }

            internal NegotiateRequest Request { get; }
            internal List<byte[]?> Inputs { get; } = new List<byte[]?>();
            internal byte[]? Wrapped { get; private set; }
            internal byte[] UnwrapResult { get; set; } = { 0x07, 0x00, 0x10, 0x00 };
            internal bool Mutual { get; set; } = true;
            internal string NegotiatedPackage { get; set; } = "Kerberos";
            internal bool Disposed { get; private set; }

            internal override bool IsMutuallyAuthenticated => Mutual;
            internal override string Package => NegotiatedPackage;

            internal override byte[]? Step(byte[]? incoming, out NegotiateStatus status)
            {
                Inputs.Add(incoming);
                (byte[]? token, NegotiateStatus s) = _steps.Dequeue();
                status = s;
                return token;
            }

            // A stand-in for gss_wrap: a marker byte, then the data; Unwrap checks that marker.
            internal override byte[]? Wrap(byte[] data, out NegotiateStatus status)
            {
                Wrapped = data;
                status = NegotiateStatus.Completed;
                return new byte[] { 0xAA }.Concat(data).ToArray();
            }

            internal override byte[]? Unwrap(byte[] data, out NegotiateStatus status)
            {
                status = data.Length > 0 && data[0] == 0xBB ? NegotiateStatus.Completed : NegotiateStatus.MessageAltered;
                return status == NegotiateStatus.Completed ? UnwrapResult : null;
            }

            public override void Dispose() => Disposed = true;
        }

        private static (SaslMechanism Sasl, Func<ScriptedContext> Context) Create(string name, SmtpCredential credential,
            params (byte[]?, NegotiateStatus)[] steps)
        {
            ScriptedContext? context = null;
            SaslMechanism sasl = SaslMechanism.CreateIntegrated(name, credential, "mail.example.test",
                request => context = new ScriptedContext(request, steps));
            return (sasl, () => context!);
        }

        private static byte[] B(params byte[] bytes) => bytes;

        [Fact]
        public void Gssapi_KerberosWithMutualAuth_AnswersSecurityLayerWithNoLayerAndZeroSize()
        {
            var (sasl, context) = Create("GSSAPI", Current,
                (B(1, 2, 3), NegotiateStatus.ContinueNeeded), (null, NegotiateStatus.Completed));

            string? initial = sasl.InitialResponse();
            string afterApRep = sasl.Respond(B(9, 9));
            string layer = sasl.Respond(B(0xBB, 7, 0, 16, 0));

            Assert.Equal(Convert.ToBase64String(B(1, 2, 3)), initial);
            Assert.Equal(string.Empty, afterApRep);
            // RFC 4752 §3.1: layer 1 (none), max size 0, no authorization identity; wrapped.
            Assert.Equal(B(1, 0, 0, 0), context().Wrapped);
            Assert.Equal(Convert.ToBase64String(B(0xAA, 1, 0, 0, 0)), layer);
            Assert.Null(sasl.Failure);
            Assert.Equal("Kerberos", context().Request.Package);
            Assert.Equal("SMTP/mail.example.test", context().Request.TargetName);
            Assert.True(context().Request.RequireMutualAuthentication);
            Assert.Null(context().Request.UserName);
        }

        [Fact]
        public void Gssapi_ServerDoesNotProveItself_CancelsWithServerNotVerified()
        {
            var (sasl, context) = Create("GSSAPI", Current,
                (B(1), NegotiateStatus.ContinueNeeded), (null, NegotiateStatus.Completed));
            sasl.InitialResponse();
            context().Mutual = false;

            string answer = sasl.Respond(B(9));

            Assert.Equal("*", answer);
            Assert.Equal(SmtpAuthFailure.ServerNotVerified, sasl.Failure!.Failure);
        }

        [Fact]
        public void Gssapi_SecurityLayerMessageAltered_CancelsWithServerNotVerified()
        {
            var (sasl, _) = Create("GSSAPI", Current,
                (B(1), NegotiateStatus.ContinueNeeded), (null, NegotiateStatus.Completed));
            sasl.InitialResponse();
            sasl.Respond(B(9));

            string answer = sasl.Respond(B(0x00, 1, 0, 0, 0));

            Assert.Equal("*", answer);
            Assert.Equal(SmtpAuthFailure.ServerNotVerified, sasl.Failure!.Failure);
        }

        [Theory]
        [InlineData(new byte[] { 0x06, 0, 0x10, 0 }, "integrity or privacy")]
        [InlineData(new byte[] { 0x01, 0, 0 }, "RFC 4752 says 4")]
        public void Gssapi_ServerWithoutNoLayerOption_Cancels(byte[] offer, string words)
        {
            var (sasl, context) = Create("GSSAPI", Current,
                (B(1), NegotiateStatus.ContinueNeeded), (null, NegotiateStatus.Completed));
            sasl.InitialResponse();
            sasl.Respond(B(9));
            context().UnwrapResult = offer;

            string answer = sasl.Respond(B(0xBB));

            Assert.Equal("*", answer);
            Assert.Contains(words, sasl.Failure!.Message);
            Assert.Null(context().Wrapped);
        }

        [Fact]
        public void Gssapi_FirstStepFails_ThrowsBeforeAnythingIsSent()
        {
            var (sasl, _) = Create("GSSAPI", new SmtpCredential("CONTOSO\\alice", "pw"),
                (null, NegotiateStatus.TargetUnknown));

            var ex = Assert.Throws<SmtpAuthenticationException>(() => sasl.InitialResponse());

            Assert.Equal(SmtpAuthFailure.UnknownServicePrincipal, ex.Failure);
            Assert.Contains("SMTP/mail.example.test", ex.Message);
            Assert.Contains("-ServicePrincipalName", ex.Message);
        }

        [Fact]
        public void Gssapi_PasswordCredential_PassesUserDomainAndServicePrincipal()
        {
            var credential = new SmtpCredential("CONTOSO\\alice", "pw") { ServicePrincipalName = "SMTP/smtp.contoso.com" };
            var (sasl, context) = Create("GSSAPI", credential, (B(1), NegotiateStatus.ContinueNeeded));

            sasl.InitialResponse();

            Assert.Equal("alice", context().Request.UserName);
            Assert.Equal("CONTOSO", context().Request.Domain);
            Assert.Equal("pw", context().Request.Password);
            Assert.Equal("SMTP/smtp.contoso.com", context().Request.TargetName);
        }

        [Fact]
        public void Negotiate_SpnegoChoseNtlm_GoesOnWithoutMutualAuth()
        {
            var (sasl, context) = Create(SaslMechanism.Negotiate, Current,
                (B(1), NegotiateStatus.ContinueNeeded), (B(2), NegotiateStatus.Completed));
            sasl.InitialResponse();
            context().Mutual = false;
            context().NegotiatedPackage = "NTLM";

            string authenticate = sasl.Respond(B(9));
            string layer = sasl.Respond(B(0xBB));

            Assert.Equal("Negotiate", context().Request.Package);
            Assert.Equal(Convert.ToBase64String(B(2)), authenticate);
            Assert.Equal(Convert.ToBase64String(B(0xAA, 1, 0, 0, 0)), layer);
            Assert.Null(sasl.Failure);
            Assert.Equal("GSSAPI", SaslMechanism.WireName(SaslMechanism.Negotiate));
        }

        [Fact]
        public void Ntlm_NegotiateChallengeAuthenticate_HasNoSecurityLayer()
        {
            var (sasl, context) = Create("NTLM", new SmtpCredential("alice", "pw"),
                (B(1), NegotiateStatus.ContinueNeeded), (B(3), NegotiateStatus.Completed));

            string? negotiate = sasl.InitialResponse();
            string authenticate = sasl.Respond(B(2));
            string extra = sasl.Respond(B(0xBB));

            Assert.Equal(Convert.ToBase64String(B(1)), negotiate);
            Assert.Equal(Convert.ToBase64String(B(3)), authenticate);
            Assert.Equal("*", extra);
            Assert.False(context().Request.RequireMutualAuthentication);
            Assert.Null(context().Wrapped);
        }

        [Theory]
        [InlineData(IntegratedAuthErrors.Krb5ApErrSkew, 0u, true, "ClockSkew")]
        [InlineData(IntegratedAuthErrors.Krb5KdcErrServiceUnknown, 0xd0000u, true, "UnknownServicePrincipal")]
        [InlineData(IntegratedAuthErrors.Krb5ApErrTicketExpired, 0xd0000u, true, "TicketExpired")]
        [InlineData(0, IntegratedAuthErrors.GssSCredentialsExpired, true, "TicketExpired")]
        [InlineData(IntegratedAuthErrors.Krb5CcNotFound, IntegratedAuthErrors.GssSNoCred, true, "NoTicket")]
        [InlineData(IntegratedAuthErrors.Krb5KdcErrPreauthFailed, 0xd0000u, false, "LogonDenied")]
        [InlineData(-1765328230, 0xd0000u, true, "IntegratedFailed")]
        public void FromStep_MitMinorCode_PicksTheFailure(int minor, uint major, bool current, string expected)
        {
            var request = new NegotiateRequest("Kerberos", "SMTP/mail.example.test")
            {
                UserName = current ? null : "alice",
            };

            SmtpAuthenticationException ex = IntegratedAuthErrors.FromStep("GSSAPI", request, "alice@EXAMPLE.TEST",
                NegotiateStatus.GenericFailure, null, new GssApiFailure(major, minor, "library words"));

            Assert.Equal(expected, ex.Failure.ToString());
            Assert.Contains("(library words)", ex.Message);
            Assert.Equal("GSSAPI", ex.Mechanism);
        }

        [Theory]
        [InlineData(0x80090324u, "Kerberos", "ClockSkew")]
        [InlineData(0x80090303u, "Kerberos", "UnknownServicePrincipal")]
        [InlineData(0x80090322u, "Kerberos", "UnknownServicePrincipal")]
        [InlineData(0x8009030Eu, "Kerberos", "NoTicket")]
        [InlineData(0xC0000418u, "NTLM", "NtlmDisabled")]
        public void FromStep_SspiCode_PicksTheFailure(uint code, string package, string expected)
        {
            var request = new NegotiateRequest(package, "SMTP/mail.example.test");

            SmtpAuthenticationException ex = IntegratedAuthErrors.FromStep(package == "NTLM" ? "NTLM" : "GSSAPI",
                request, "CONTOSO\\alice", NegotiateStatus.GenericFailure, unchecked((int)code), null);

            Assert.Equal(expected, ex.Failure.ToString());
        }

        [Theory]
        [InlineData("GSSAPI", true, null)]
        [InlineData("NTLM", true, null)]
        [InlineData("PLAIN", true, "the current identity authenticates only with GSSAPI, NTLM or Negotiate")]
        [InlineData("GSSAPI", false, null)]
        [InlineData("XOAUTH2", false, "needs an access token")]
        public void Mismatch_CurrentIdentityAndPassword_SaysWhatFits(string name, bool current, string? words)
        {
            SmtpCredential credential = current ? Current : new SmtpCredential("alice", "pw");

            string? mismatch = SaslMechanism.Mismatch(name, credential);

            if (words == null) Assert.Null(mismatch);
            else Assert.Contains(words, mismatch);
        }

        [Theory]
        [InlineData("GSSAPI NTLM LOGIN", null, false, "GSSAPI")]
        [InlineData("NTLM LOGIN", null, true, "NTLM")]
        [InlineData("NTLM LOGIN", null, false, null)]
        [InlineData("PLAIN LOGIN", null, true, null)]
        [InlineData("GSSAPI NTLM", "ntlm", true, "NTLM")]
        [InlineData("GSSAPI", "plain", true, null)]
        public void Choose_OptionalCurrentIdentity_FollowsSendMailMessagesRule(string offered, string? requested,
            bool verifiedTls, string? expected)
        {
            string? chosen = IntegratedAuthentication.Choose(offered.Split(' '), requested, verifiedTls);

            Assert.Equal(expected, chosen);
        }
    }
}
