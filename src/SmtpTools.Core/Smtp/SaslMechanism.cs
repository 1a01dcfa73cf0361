using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace SmtpTools.Core.Smtp
{
    /// <summary>The client side of one SASL mechanism for SMTP AUTH (RFC 4954): an initial response and answers to 334s.</summary>
    internal abstract partial class SaslMechanism
    {
        /// <summary>Password mechanisms, strongest first.</summary>
        internal static readonly string[] PasswordMechanisms =
            { "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN" };

        /// <summary>Token mechanisms, preferred first: OAUTHBEARER is the standard (RFC 7628), XOAUTH2 its forerunner.</summary>
        internal static readonly string[] TokenMechanisms = { "OAUTHBEARER", "XOAUTH2" };

        protected SaslMechanism(string name, SmtpCredential credential)
        {
            Name = name;
            Credential = credential;
        }

        /// <summary>The mechanism name as sent after AUTH.</summary>
        internal string Name { get; }

        protected SmtpCredential Credential { get; }

        /// <summary>Set when the server proved it does not know the password (SCRAM server signature mismatch).</summary>
        internal bool ServerVerificationFailed { get; private protected set; }

        /// <summary>The decoded JSON of an OAuth error challenge, when the server sent one.</summary>
        internal string? ErrorDetails { get; private protected set; }

        /// <summary>Set when the exchange failed on this side after it began (the 334 was answered with "*").</summary>
        internal SmtpAuthenticationException? Failure { get; private protected set; }

        /// <summary>Receives lines for the transcript, such as the identity an integrated mechanism uses.</summary>
        internal Action<string>? Log { get; set; }

        /// <summary>True for the mechanisms this library knows.</summary>
        internal static bool IsSupported(string name) =>
            PasswordMechanisms.Contains(name) || TokenMechanisms.Contains(name) || IsIntegrated(name);

        /// <summary>True when the mechanism needs an access token rather than a password.</summary>
        internal static bool UsesToken(string name) => TokenMechanisms.Contains(name);

        /// <summary>Why <paramref name="credential"/> cannot be used with <paramref name="name"/>, or null when it can.</summary>
        internal static string? Mismatch(string name, SmtpCredential credential)
        {
            if (credential.IsCurrentIdentity)
            {
                return IsIntegrated(name)
                    ? null
                    : $"{name} needs {(UsesToken(name) ? "an access token" : "a password")}; the current identity " +
                      "authenticates only with GSSAPI, NTLM or Negotiate.";
            }
            bool token = credential.AccessToken != null;
            if (IsIntegrated(name)) return token ? $"{name} needs a password or the current identity, but an access " +
                                                   "token was given." : null;
            if (UsesToken(name) == token) return null;
            return token
                ? $"{name} needs a password, but an access token was given."
                : $"{name} needs an access token, but a password was given.";
        }

        /// <summary>The mechanisms that can use <paramref name="credential"/>, preferred first.</summary>
        internal static string[] PreferenceFor(SmtpCredential credential)
        {
            if (credential.IsCurrentIdentity) return IntegratedMechanisms;
            if (credential.AccessToken != null) return TokenMechanisms;
            // A password goes to the password mechanisms first, as before; GSSAPI and NTLM are used when the server
            // offers nothing else (an Exchange connector that offers only "GSSAPI NTLM").
            return PasswordMechanisms.Concat(IntegratedMechanisms).ToArray();
        }

        /// <summary>What the credential is, for "none of the mechanisms can use ..." messages.</summary>
        internal static string Describe(SmtpCredential credential) =>
            credential.IsCurrentIdentity ? "the current identity (it needs GSSAPI or NTLM)"
            : credential.AccessToken != null ? "an access token"
            : "a password";

        /// <summary>The mechanism name on the AUTH line: Negotiate is SPNEGO over AUTH GSSAPI.</summary>
        internal static string WireName(string name) => name == Negotiate ? "GSSAPI" : name;

        /// <summary>Creates the mechanism; the credential must hold what it needs.</summary>
        internal static SaslMechanism Create(string name, SmtpCredential credential, string host, int port)
        {
            switch (name)
            {
                case "PLAIN": return new Plain(credential);
                case "LOGIN": return new Login(credential);
                case "CRAM-MD5": return new CramMd5(credential);
                case "XOAUTH2": return new XOAuth2(credential);
                case "OAUTHBEARER": return new OAuthBearer(credential, host, port);
                case "SCRAM-SHA-1": return new Scram("SCRAM-SHA-1", credential, HashAlgorithmName.SHA1);
                case "SCRAM-SHA-256": return new Scram("SCRAM-SHA-256", credential, HashAlgorithmName.SHA256);
                case "GSSAPI":
                case "NTLM":
                case Negotiate:
                    return CreateIntegrated(name, credential, host, NegotiateContext.Create);
                default: throw new ArgumentException($"The SASL mechanism {name} is not supported.", nameof(name));
            }
        }

        /// <summary>The base64 initial response to put on the AUTH line, or null to wait for a challenge.</summary>
        internal virtual string? InitialResponse() => null;

        /// <summary>The line answering a 334 challenge (already base64-decoded): base64, empty, or "*" to cancel.</summary>
        internal abstract string Respond(byte[] challenge);

        protected static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

        protected string Password => Credential.Password ?? string.Empty;

        private sealed class Plain : SaslMechanism
        {
            internal Plain(SmtpCredential credential) : base("PLAIN", credential)
            {
            }

            // RFC 4616 §2: [authzid] NUL authcid NUL passwd.
            internal override string? InitialResponse() => Base64("\0" + Credential.UserName + "\0" + Password);

            // PLAIN has a single step; a further challenge is answered by cancelling.
            internal override string Respond(byte[] challenge) => "*";
        }

        private sealed class Login : SaslMechanism
        {
            private int _step;

            internal Login(SmtpCredential credential) : base("LOGIN", credential)
            {
            }

            // draft-murchison-sasl-login-00 §2: user name, then password; the challenge text is ignored.
            internal override string Respond(byte[] challenge) => _step++ switch
            {
                0 => Base64(Credential.UserName),
                1 => Base64(Password),
                _ => "*",
            };
        }

        private sealed class CramMd5 : SaslMechanism
        {
            private bool _answered;

            internal CramMd5(SmtpCredential credential) : base("CRAM-MD5", credential)
            {
            }

            // RFC 2195 §2: user SP lowercase-hex(HMAC-MD5(key = password, text = challenge)).
            internal override string Respond(byte[] challenge)
            {
                if (_answered) return "*";
                _answered = true;
                using var hmac = new HMACMD5(Encoding.UTF8.GetBytes(Password));
                byte[] digest = hmac.ComputeHash(challenge);
                var hex = new StringBuilder(digest.Length * 2);
                foreach (byte b in digest) hex.Append(b.ToString("x2"));
                return Base64(Credential.UserName + " " + hex);
            }
        }

        private sealed class XOAuth2 : SaslMechanism
        {
            internal XOAuth2(SmtpCredential credential) : base("XOAUTH2", credential)
            {
            }

            // Google's XOAUTH2: "user=" user ^A "auth=Bearer " token ^A ^A.
            internal override string? InitialResponse() =>
                Base64("user=" + Credential.UserName + "\u0001auth=Bearer " + Credential.AccessToken + "\u0001\u0001");

            // An error arrives as a 334 with base64 JSON; the client answers with an empty line and gets the 5yz.
            internal override string Respond(byte[] challenge)
            {
                ErrorDetails = Encoding.UTF8.GetString(challenge);
                return string.Empty;
            }
        }

        private sealed class OAuthBearer : SaslMechanism
        {
            private readonly string _host;
            private readonly int _port;

            internal OAuthBearer(SmtpCredential credential, string host, int port) : base("OAUTHBEARER", credential)
            {
                _host = host;
                _port = port;
            }

            // RFC 7628 §3.1: gs2 header, then host, port and auth key-value pairs, each ended by ^A.
            internal override string? InitialResponse() =>
                Base64("n,a=" + Credential.UserName.Replace("=", "=3D").Replace(",", "=2C") + ",\u0001host=" + _host +
                       "\u0001port=" + _port + "\u0001auth=Bearer " + Credential.AccessToken + "\u0001\u0001");

            // RFC 7628 §3.2.3: after the error JSON the client sends a single ^A, and the server fails the exchange.
            internal override string Respond(byte[] challenge)
            {
                ErrorDetails = Encoding.UTF8.GetString(challenge);
                return "AQ==";
            }
        }

        /// <summary>SCRAM (RFC 5802, RFC 7677) without channel binding; the server proves it knows the password too.</summary>
        internal sealed class Scram : SaslMechanism
        {
            private readonly HashAlgorithmName _hash;
            private readonly string _clientNonce;
            private string _clientFirstBare = string.Empty;
            private byte[]? _expectedServerSignature;
            private int _step;

            internal Scram(string name, SmtpCredential credential, HashAlgorithmName hash, string? clientNonce = null)
                : base(name, credential)
            {
                _hash = hash;
                if (clientNonce == null)
                {
                    byte[] random = new byte[24];
                    using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(random);
                    clientNonce = Convert.ToBase64String(random);
                }
                _clientNonce = clientNonce;
            }

            // RFC 5802 §7: gs2-header "n,," (no channel binding, no authzid), then n=user,r=nonce.
            internal override string? InitialResponse()
            {
                _clientFirstBare = "n=" + Credential.UserName.Replace("=", "=3D").Replace(",", "=2C") +
                                   ",r=" + _clientNonce;
                return Base64("n,," + _clientFirstBare);
            }

            internal override string Respond(byte[] challenge)
            {
                string text = Encoding.UTF8.GetString(challenge);
                switch (_step++)
                {
                    case 0:
                        return ClientFinal(text) ?? "*";
                    case 1:
                        // RFC 5802 §5.1: v= must equal our computed server signature, or the server is not genuine.
                        string? v = Attribute(text, 'v');
                        if (v == null || _expectedServerSignature == null ||
                            !Convert.ToBase64String(_expectedServerSignature).Equals(v, StringComparison.Ordinal))
                        {
                            ServerVerificationFailed = true;
                            return "*";
                        }
                        return string.Empty;
                    default:
                        return "*";
                }
            }

            private string? ClientFinal(string serverFirst)
            {
                string? nonce = Attribute(serverFirst, 'r');
                string? salt = Attribute(serverFirst, 's');
                string? iterationText = Attribute(serverFirst, 'i');
                if (nonce == null || salt == null || iterationText == null ||
                    !nonce.StartsWith(_clientNonce, StringComparison.Ordinal) ||
                    !int.TryParse(iterationText, out int iterations) || iterations < 1)
                {
                    return null;
                }
                byte[] saltBytes;
                try
                {
                    saltBytes = Convert.FromBase64String(salt);
                }
                catch (FormatException)
                {
                    return null;
                }

                string withoutProof = "c=biws,r=" + nonce;
                byte[] salted = Hi(Encoding.UTF8.GetBytes(Password), saltBytes, iterations);
                byte[] clientKey = Hmac(salted, "Client Key");
                byte[] storedKey = Hash(clientKey);
                string authMessage = _clientFirstBare + "," + serverFirst + "," + withoutProof;
                byte[] clientSignature = Hmac(storedKey, authMessage);
                byte[] proof = new byte[clientKey.Length];
                for (int i = 0; i < proof.Length; i++) proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
                _expectedServerSignature = Hmac(Hmac(salted, "Server Key"), authMessage);
                return Base64(withoutProof + ",p=" + Convert.ToBase64String(proof));
            }

            private static string? Attribute(string message, char name)
            {
                foreach (string part in message.Split(','))
                {
                    if (part.Length >= 2 && part[0] == name && part[1] == '=') return part.Substring(2);
                }
                return null;
            }

            private HMAC NewHmac(byte[] key) => _hash == HashAlgorithmName.SHA256
                ? (HMAC)new HMACSHA256(key)
                : new HMACSHA1(key);

            private byte[] Hmac(byte[] key, string text) => Hmac(key, Encoding.UTF8.GetBytes(text));

            private byte[] Hmac(byte[] key, byte[] data)
            {
                using HMAC hmac = NewHmac(key);
                return hmac.ComputeHash(data);
            }

            private byte[] Hash(byte[] data)
            {
                using HashAlgorithm h = _hash == HashAlgorithmName.SHA256
                    ? (HashAlgorithm)SHA256.Create()
                    : SHA1.Create();
                return h.ComputeHash(data);
            }

            // RFC 5802 §2.2: Hi() is PBKDF2 with HMAC as the PRF and one block; written out because netstandard2.0's
            // Rfc2898DeriveBytes only does SHA-1.
            private byte[] Hi(byte[] password, byte[] salt, int iterations)
            {
                using HMAC hmac = NewHmac(password);
                byte[] block = new byte[salt.Length + 4];
                Buffer.BlockCopy(salt, 0, block, 0, salt.Length);
                block[block.Length - 1] = 1;
                byte[] u = hmac.ComputeHash(block);
                byte[] result = (byte[])u.Clone();
                for (int n = 1; n < iterations; n++)
                {
                    u = hmac.ComputeHash(u);
                    for (int i = 0; i < result.Length; i++) result[i] ^= u[i];
                }
                return result;
            }
        }
    }
}
