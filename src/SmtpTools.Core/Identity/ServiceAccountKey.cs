using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace SmtpTools.Core.Identity
{
    /// <summary>A Google service-account key file (the JSON the Cloud console downloads).</summary>
    internal sealed class ServiceAccountKey
    {
        private readonly string _privateKeyPem;

        private ServiceAccountKey(string clientEmail, string? clientId, string privateKeyId, string privateKeyPem,
            string tokenUri)
        {
            ClientEmail = clientEmail;
            ClientId = clientId;
            PrivateKeyId = privateKeyId;
            _privateKeyPem = privateKeyPem;
            TokenUri = tokenUri;
            using var sha = SHA256.Create();
            Fingerprint = Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(privateKeyPem)));
        }

        internal string ClientEmail { get; }

        /// <summary>The numeric client id an administrator enters for domain-wide delegation.</summary>
        internal string? ClientId { get; }

        internal string PrivateKeyId { get; }
        internal string TokenUri { get; }

        /// <summary>A hash of the private key, for the token cache key.</summary>
        internal string Fingerprint { get; }

        internal RSA CreateKey() => RsaKeyReader.FromPem(_privateKeyPem);

        /// <summary>Reads and checks a key file.</summary>
        /// <exception cref="SmtpIdentityException">Missing, unreadable, or not a service-account key.</exception>
        internal static ServiceAccountKey Load(string path)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw new SmtpIdentityException(SmtpIdentityError.ServiceAccountKeyFileNotFound,
                    $"The service-account key file {path} does not exist.",
                    "Give the path of the JSON key downloaded from the Google Cloud console " +
                    "(IAM > Service accounts > Keys).",
                    ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Invalid(path, "it cannot be read: " + ex.Message, ex);
            }
            return Parse(text, path);
        }

        internal static ServiceAccountKey Parse(string json, string path)
        {
            Dictionary<string, object?> obj;
            try
            {
                obj = JsonText.ParseObject(json);
            }
            catch (FormatException ex)
            {
                throw Invalid(path, "it is not JSON (" + ex.Message + ")", ex);
            }
            string? type = JsonText.GetString(obj, "type");
            if (type != "service_account")
            {
                throw Invalid(path, type == "authorized_user"
                    ? "it is a user's credential (authorized_user); give its client id, secret and refresh token " +
                      "with -ClientId -ClientSecret -RefreshToken instead"
                    : $"its type is '{type ?? "(none)"}', not 'service_account'", null);
            }
            string email = JsonText.GetString(obj, "client_email") ??
                           throw Invalid(path, "client_email is missing", null);
            string pem = JsonText.GetString(obj, "private_key") ?? throw Invalid(path, "private_key is missing", null);
            string tokenUri = JsonText.GetString(obj, "token_uri") ?? OAuthTokenFlow.GoogleTokenEndpoint;
            var key = new ServiceAccountKey(email, JsonText.GetString(obj, "client_id"),
                JsonText.GetString(obj, "private_key_id") ?? string.Empty, pem, tokenUri);
            try
            {
                using RSA check = key.CreateKey();
            }
            catch (FormatException ex)
            {
                throw Invalid(path, "its private_key cannot be read: " + ex.Message, ex);
            }
            return key;
        }

        private static SmtpIdentityException Invalid(string path, string why, Exception? inner) =>
            new SmtpIdentityException(SmtpIdentityError.ServiceAccountKeyFileInvalid,
                $"The file {path} is not a usable Google service-account key: {why}.",
                "Download a JSON key for the service account (IAM > Service accounts > Keys > Add key > JSON).", inner);
    }
}
