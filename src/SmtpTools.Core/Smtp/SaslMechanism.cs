using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace SmtpTools.Core.Smtp
{
    /// <summary>The client side of one SASL mechanism for SMTP AUTH (RFC 4954): an initial response and answers to 334s.</summary>
    internal abstract class SaslMechanism
    {
        /// <summary>Password mechanisms, strongest first.</summary>
        internal static readonly string[] PasswordMechanisms = { "CRAM-MD5", "PLAIN", "LOGIN" };

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

        /// <summary>The decoded JSON of an OAuth error challenge, when the server sent one.</summary>
        internal string? ErrorDetails { get; private protected set; }

        /// <summary>True for the mechanisms this library knows.</summary>
        internal static bool IsSupported(string name) =>
            PasswordMechanisms.Contains(name) || TokenMechanisms.Contains(name);

        /// <summary>True when the mechanism needs an access token rather than a password.</summary>
        internal static bool UsesToken(string name) => TokenMechanisms.Contains(name);

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
    }
}
