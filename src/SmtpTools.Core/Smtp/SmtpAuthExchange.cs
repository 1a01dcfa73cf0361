using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>AUTH (RFC 4954): which mechanism fits the credential and the server, and the SASL exchange itself.</summary>
    internal static class SmtpAuthExchange
    {
        /// <summary>Picks the mechanism for <paramref name="credential"/> among those advertised, or says why none fits.</summary>
        internal static string ChooseMechanism(SmtpCapabilities? capabilities, bool encrypted, SmtpCredential credential,
            string? requested)
        {
            IReadOnlyList<string> offered = capabilities?.AuthMechanisms ?? Array.Empty<string>();
            if (offered.Count == 0)
            {
                string hint = !encrypted && capabilities?.StartTls == true
                    ? " before TLS; it offers STARTTLS, and many servers only offer AUTH after it"
                    : string.Empty;
                throw new SmtpAuthenticationException($"the server offers no AUTH mechanism{hint}.", null,
                    requested?.ToUpperInvariant(), SmtpAuthFailure.NotOffered);
            }
            if (requested != null)
            {
                string name = requested.ToUpperInvariant();
                if (!SaslMechanism.IsSupported(name))
                {
                    throw new SmtpAuthenticationException(
                        $"the SASL mechanism {name} is not supported; use one of " +
                        $"{string.Join(", ", SaslMechanism.PasswordMechanisms.Concat(SaslMechanism.TokenMechanisms)
                            .Concat(SaslMechanism.IntegratedMechanisms))}, Negotiate.",
                        null, name, SmtpAuthFailure.MechanismNotSupported);
                }
                if (!offered.Contains(SaslMechanism.WireName(name)))
                {
                    throw new SmtpAuthenticationException(
                        $"the server does not offer AUTH {name}; it offers {string.Join(", ", offered)}.", null, name,
                        SmtpAuthFailure.MechanismNotOffered);
                }
                string? mismatch = SaslMechanism.Mismatch(name, credential);
                if (mismatch != null)
                {
                    throw new SmtpAuthenticationException(mismatch, null, name, SmtpAuthFailure.CredentialMismatch);
                }
                return name;
            }
            string? chosen = SaslMechanism.PreferenceFor(credential).FirstOrDefault(offered.Contains);
            if (chosen == null)
            {
                throw new SmtpAuthenticationException(
                    $"none of the mechanisms the server offers ({string.Join(", ", offered)}) can use " +
                    SaslMechanism.Describe(credential) + ".", null, null, credential.IsCurrentIdentity
                        ? SmtpAuthFailure.PasswordMechanismsOnly
                        : SmtpAuthFailure.CredentialMismatch);
            }
            return chosen;
        }

        /// <summary>Runs one AUTH exchange and returns its final reply; throws only when AUTH cannot be tried.</summary>
        internal static async Task<SmtpAuthAttempt> RunAsync(SmtpWire wire, SmtpSessionOptions options, string name,
            SmtpCredential credential, bool encrypted, CancellationToken cancellationToken)
        {
            // RFC 4954 §4, §14 and RFC 7628 §5: credentials go only over TLS, unless the caller insists. Kerberos
            // (GSSAPI) is the exception RFC 4752 was made for: a ticket is useless without its session key, and the
            // server proves itself (mutual authentication).
            if (!encrypted && !options.AllowUnencryptedAuthentication && name != "GSSAPI")
            {
                throw new SmtpAuthenticationException(
                    $"refusing to send credentials ({name}) over a connection without TLS. Use TLS " +
                    "(-Tls StartTls or Implicit), or allow it explicitly with -AllowUnencryptedAuthentication.",
                    null, name, SmtpAuthFailure.TlsRequired);
            }

            SaslMechanism sasl = SaslMechanism.Create(name, credential, options.Host, options.Port);
            sasl.Log = wire.Info;
            string wireName = SaslMechanism.WireName(name);
            SmtpReply reply = await wire.RunAsync(SmtpStage.Auth, options.Timeouts.Command, async (_, ct) =>
            {
                string? initial = sasl.InitialResponse();
                // RFC 4954 §4: an initial response that would make the AUTH line longer than 512 octets (a Kerberos
                // ticket does) is sent as the answer to the server's first, empty, 334 instead.
                string? deferred = null;
                if (initial != null && "AUTH ".Length + wireName.Length + 1 + initial.Length + 2 > 512)
                {
                    deferred = initial;
                    initial = null;
                }
                string command = "AUTH " + wireName + (initial == null ? string.Empty : " " + initial);
                await wire.SendLineAsync(command, SmtpRedaction.AuthCommand(command), ct).ConfigureAwait(false);
                SmtpReply r = await wire.ReadReplyAsync(ct).ConfigureAwait(false);
                int rounds = 0;
                if (deferred != null && r.Code == 334)
                {
                    await wire.SendLineAsync(deferred, SmtpRedaction.SaslResponse(deferred), ct).ConfigureAwait(false);
                    r = await wire.ReadReplyAsync(ct).ConfigureAwait(false);
                }
                while (r.Code == 334 && rounds++ < 10)
                {
                    byte[]? challenge = DecodeBase64(r.Lines[0].Trim());
                    if (challenge == null)
                    {
                        // RFC 4954 §4: a challenge that does not decode must be answered with "*".
                        await wire.SendLineAsync("*", "*", ct).ConfigureAwait(false);
                        SmtpReply cancelled = await wire.ReadReplyAsync(ct).ConfigureAwait(false);
                        throw new SmtpProtocolException(
                            $"the server sent an AUTH challenge that is not valid base64 (\"{r.Lines[0]}\").",
                            SmtpStage.Auth, cancelled);
                    }
                    string answer = sasl.Respond(challenge);
                    if (sasl.ErrorDetails != null) wire.Info($"{name} error from the server: {sasl.ErrorDetails}");
                    await wire.SendLineAsync(answer, SmtpRedaction.SaslResponse(answer), ct).ConfigureAwait(false);
                    r = await wire.ReadReplyAsync(ct).ConfigureAwait(false);
                }
                return r;
            }, cancellationToken).ConfigureAwait(false);

            if (sasl.ServerVerificationFailed)
            {
                throw new SmtpAuthenticationException(
                    $"the server's {name} signature is wrong: it does not know the password, so it may not be the " +
                    "server it claims to be. The exchange was cancelled.", reply, name,
                    SmtpAuthFailure.ServerNotVerified);
            }
            if (sasl.Failure != null) throw sasl.Failure;
            return new SmtpAuthAttempt(name, reply, sasl.ErrorDetails);
        }

        private static byte[]? DecodeBase64(string text)
        {
            if (text.Length == 0) return Array.Empty<byte>();
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// What the transcript shows of a line that may carry a secret. Every path that sends AUTH or answers a 334
    /// goes through here, the typed commands of an interactive session included, so no transcript ever holds one.
    /// </summary>
    internal static class SmtpRedaction
    {
        internal const string Marker = "<redacted>";

        /// <summary>"AUTH MECH" stays; an initial response after it does not (RFC 4954 §4).</summary>
        internal static string AuthCommand(string line)
        {
            string trimmed = line.TrimStart();
            if (!trimmed.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase)) return line;
            string[] parts = trimmed.Split(new[] { ' ' }, 3, StringSplitOptions.RemoveEmptyEntries);
            return parts.Length <= 2 ? line : parts[0] + " " + parts[1] + " " + Marker;
        }

        /// <summary>An answer to a 334: only an empty line and the cancelling "*" are shown.</summary>
        internal static string SaslResponse(string line) =>
            line.Length == 0 || line.Trim() == "*" ? line : Marker;

        /// <summary>A line typed by a user: AUTH arguments, and anything sent after a 334, are hidden.</summary>
        internal static string TypedLine(string line, SmtpReply? lastReply) =>
            lastReply?.Code == 334 ? SaslResponse(line) : AuthCommand(line);
    }
}
