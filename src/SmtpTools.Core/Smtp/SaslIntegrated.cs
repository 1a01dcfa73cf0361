using System;

namespace SmtpTools.Core.Smtp
{
    internal abstract partial class SaslMechanism
    {
        /// <summary>The Windows-style choice: SPNEGO (Kerberos, or NTLM inside it) over AUTH GSSAPI, as Send-MailMessage.</summary>
        internal const string Negotiate = "NEGOTIATE";

        /// <summary>Mechanisms that need no password from the caller (they can use the current identity), preferred first.</summary>
        internal static readonly string[] IntegratedMechanisms = { "GSSAPI", "NTLM" };

        /// <summary>True for GSSAPI, NTLM and Negotiate.</summary>
        internal static bool IsIntegrated(string name) =>
            name == "GSSAPI" || name == "NTLM" || name == Negotiate;

        /// <summary>SMTP/host: the service principal an SMTP client asks for (host without brackets or port).</summary>
        internal static string DefaultServicePrincipalName(string host) => "SMTP/" + host.Trim('[', ']');

        /// <summary>Creates GSSAPI, NTLM or Negotiate over the given context factory (tests pass a scripted one).</summary>
        internal static SaslMechanism CreateIntegrated(string name, SmtpCredential credential, string host,
            Func<NegotiateRequest, NegotiateContext> open)
        {
            string package = name == "NTLM" ? "NTLM" : name == Negotiate ? "Negotiate" : "Kerberos";
            var request = new NegotiateRequest(package,
                credential.ServicePrincipalName ?? DefaultServicePrincipalName(host))
            {
                // Kerberos proves the server too (RFC 4752 §3.1 asks for mutual authentication), and its wrapped
                // security-layer messages need integrity; NTLM can do neither, and SMTP's NTLM has no such step.
                RequireMutualAuthentication = package != "NTLM",
                RequireIntegrity = package != "NTLM",
            };
            if (!credential.IsCurrentIdentity)
            {
                (request.Domain, request.UserName) = NegotiateRequest.SplitUserName(credential.UserName);
                request.Password = credential.Password;
            }
            return new Integrated(name, credential, request, open);
        }

        /// <summary>
        /// GSSAPI (RFC 4752), Negotiate (the same exchange with SPNEGO tokens) and NTLM (Microsoft's [MS-SMTPNTLM]:
        /// NEGOTIATE message as the initial response, CHALLENGE in the 334, AUTHENTICATE as the answer). Every token
        /// is made by the platform (<see cref="NegotiateContext"/>); no password or ticket passes through here.
        /// </summary>
        private sealed class Integrated : SaslMechanism
        {
            private readonly NegotiateRequest _request;
            private readonly Func<NegotiateRequest, NegotiateContext> _open;
            private NegotiateContext? _context;
            private Stage _stage;

            internal Integrated(string name, SmtpCredential credential, NegotiateRequest request,
                Func<NegotiateRequest, NegotiateContext> open) : base(name, credential)
            {
                _request = request;
                _open = open;
            }

            private enum Stage
            {
                Context,
                SecurityLayer,
                Done,
            }

            private bool IsNtlm => _request.Package == "NTLM";

            internal override string? InitialResponse()
            {
                string who = Credential.IsCurrentIdentity
                    ? "the current identity " + IntegratedIdentity.Detail()
                    : $"'{Credential.UserName}' (given with -Credential)";
                Log?.Invoke($"{Name}: authenticating as {who}" +
                            (IsNtlm ? "." : $" to the service principal {_request.TargetName}."));
                try
                {
                    _context = _open(_request);
                }
                catch (Exception ex) when (ex is PlatformNotSupportedException || ex is DllNotFoundException ||
                                           ex is EntryPointNotFoundException)
                {
                    throw IntegratedAuthErrors.Unavailable(Name, ex);
                }
                byte[]? token = _context.Step(null, out NegotiateStatus status);
                // Nothing is on the wire yet: the failure is this machine's, and the session stays usable.
                if (IsFailure(status)) throw StepFailed(status, first: true);
                if (status == NegotiateStatus.Completed) Complete();
                return token == null || token.Length == 0 ? null : Convert.ToBase64String(token);
            }

            internal override string Respond(byte[] challenge)
            {
                if (_context == null) return "*";
                switch (_stage)
                {
                    case Stage.Context:
                        byte[]? token = _context.Step(challenge, out NegotiateStatus status);
                        if (IsFailure(status))
                        {
                            Failure = StepFailed(status, first: false);
                            return "*";
                        }
                        if (status == NegotiateStatus.Completed && !Complete()) return "*";
                        return token == null ? string.Empty : Convert.ToBase64String(token);
                    case Stage.SecurityLayer:
                        return SecurityLayer(challenge);
                    default:
                        return "*";
                }
            }

            /// <summary>The context is established: check that a Kerberos server proved itself, then go on.</summary>
            private bool Complete()
            {
                if (IsNtlm)
                {
                    // The AUTHENTICATE message is the last token; nothing more needs the context.
                    _stage = Stage.Done;
                    _context!.Dispose();
                    return true;
                }
                string package = _context!.Package;
                if (!_context.IsMutuallyAuthenticated &&
                    !string.Equals(package, "NTLM", StringComparison.OrdinalIgnoreCase))
                {
                    Failure = new SmtpAuthenticationException(
                        $"the server did not prove that it holds the key of {_request.TargetName} (no Kerberos mutual " +
                        "authentication), so it may not be the server it claims to be. The exchange was cancelled.",
                        null, Name, SmtpAuthFailure.ServerNotVerified);
                    return false;
                }
                Log?.Invoke(string.Equals(package, "NTLM", StringComparison.OrdinalIgnoreCase)
                    ? $"{Name}: SPNEGO chose NTLM; the server is not verified by it."
                    : $"{Name}: the server proved that it holds the key of {_request.TargetName} (mutual authentication).");
                _stage = Stage.SecurityLayer;
                return true;
            }

            // RFC 4752 §3.1: the server's last challenge is 4 octets wrapped with integrity: a bit mask of the security
            // layers it offers (1 = none, 2 = integrity, 4 = privacy) and the largest message it accepts. The client
            // wraps its choice (none), a maximum size of 0 (none has no messages) and an empty authorization identity
            // (act as the authenticated one).
            private string SecurityLayer(byte[] challenge)
            {
                byte[]? offer = _context!.Unwrap(challenge, out NegotiateStatus status);
                if (offer == null || status != NegotiateStatus.Completed)
                {
                    Failure = new SmtpAuthenticationException(
                        $"the server's GSSAPI security-layer message did not verify ({status}), so it may not be the " +
                        $"server that holds {_request.TargetName}. The exchange was cancelled.", null, Name,
                        SmtpAuthFailure.ServerNotVerified);
                    return "*";
                }
                if (offer.Length != 4 || (offer[0] & 1) == 0)
                {
                    Failure = new SmtpAuthenticationException(offer.Length != 4
                        ? $"the server's GSSAPI security-layer message has {offer.Length} octets; RFC 4752 says 4."
                        : $"the server requires a GSSAPI integrity or privacy layer (offer 0x{offer[0]:X2}); SMTP " +
                          "clients rely on TLS instead, and this one offers no such layer.",
                        null, Name, SmtpAuthFailure.IntegratedFailed);
                    return "*";
                }
                byte[]? answer = _context.Wrap(new byte[] { 1, 0, 0, 0 }, out status);
                if (answer == null || status != NegotiateStatus.Completed)
                {
                    Failure = IntegratedAuthErrors.FromStep(Name, _request, Credential.UserName, status,
                        _context.NativeError, null);
                    return "*";
                }
                _stage = Stage.Done;
                _context.Dispose();
                Log?.Invoke($"{Name}: no security layer chosen (the server offered 0x{offer[0]:X2}); TLS protects " +
                            "the session, when it is on.");
                return Convert.ToBase64String(answer);
            }

            private static bool IsFailure(NegotiateStatus status) =>
                status != NegotiateStatus.Completed && status != NegotiateStatus.ContinueNeeded;

            private SmtpAuthenticationException StepFailed(NegotiateStatus status, bool first)
            {
                // .NET's status does not tell an expired ticket from an unknown principal; for the current identity
                // the GSSAPI library does, when the first step is repeated (GssApiDiagnostics).
                GssApiFailure? library = first && !IsNtlm && Credential.IsCurrentIdentity && GssApiDiagnostics.Applies
                    ? GssApiDiagnostics.ExplainFirstStep(_request.TargetName)
                    : null;
                return IntegratedAuthErrors.FromStep(Name, _request, Credential.UserName, status,
                    _context?.NativeError, library);
            }
        }
    }
}
