using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>Why no access token could be had; each value is a stable error id.</summary>
    public enum SmtpIdentityError
    {
        /// <summary>The identity parameters do not make one flow (a piece is missing, or two exclude each
        /// other).</summary>
        IdentityParametersInvalid,
        /// <summary>The authority or token URL is not an absolute https URL (http only on loopback).</summary>
        InvalidAuthority,
        /// <summary>No certificate with the thumbprint is in the CurrentUser or LocalMachine My store.</summary>
        CertificateNotFound,
        /// <summary>The certificate has no private key this process can use, or it is not an RSA key.</summary>
        CertificateKeyUnusable,
        /// <summary>The service-account key file does not exist.</summary>
        ServiceAccountKeyFileNotFound,
        /// <summary>The service-account key file is not a Google service-account JSON key.</summary>
        ServiceAccountKeyFileInvalid,
        /// <summary>The token endpoint refused the client: unknown client, wrong secret, bad assertion.</summary>
        OAuthInvalidClient,
        /// <summary>The token endpoint refused the scope.</summary>
        OAuthInvalidScope,
        /// <summary>The token endpoint refused the grant (assertion, refresh token, impersonated user).</summary>
        OAuthInvalidGrant,
        /// <summary>The client may not use this flow or scope (Google: domain-wide delegation missing).</summary>
        OAuthUnauthorizedClient,
        /// <summary>Any other error answer of the token endpoint (tenant not found, access denied ...).</summary>
        OAuthTokenRequestFailed,
        /// <summary>The token endpoint could not be reached.</summary>
        TokenEndpointUnreachable,
        /// <summary>The token endpoint did not answer in time.</summary>
        TokenEndpointTimeout,
        /// <summary>The token endpoint's answer is not an OAuth token response.</summary>
        InvalidTokenResponse,
    }

    /// <summary>An access token could not be obtained. The message never holds a secret, a token or an
    /// assertion.</summary>
    public sealed class SmtpIdentityException : Exception
    {
        internal SmtpIdentityException(SmtpIdentityError error, string message, string? recommendedAction = null,
            Exception? innerException = null)
            : base(message, innerException)
        {
            Error = error;
            RecommendedAction = recommendedAction;
        }

        /// <summary>What went wrong, as a stable code.</summary>
        public SmtpIdentityError Error { get; }

        /// <summary>The stable error id for an ErrorRecord: the name of <see cref="Error"/>.</summary>
        public string ErrorId => Error.ToString();

        /// <summary>What to do about it, when known.</summary>
        public string? RecommendedAction { get; }

        /// <summary>The token URL that answered (or failed to), when a request was made.</summary>
        public string? TokenEndpoint { get; internal set; }

        /// <summary>The HTTP status of the error answer, or null.</summary>
        public int? HttpStatus { get; internal set; }

        /// <summary>The OAuth error code of the answer (invalid_client, invalid_scope ...), or null.</summary>
        public string? OAuthError { get; internal set; }

        /// <summary>The answer's error_description as the provider wrote it (trace ids included).</summary>
        public string? OAuthErrorDescription { get; internal set; }

        /// <summary>Microsoft's AADSTS numbers from error_codes.</summary>
        public IReadOnlyList<long> ErrorCodes { get; internal set; } = Array.Empty<long>();

        /// <summary>The catalogue's explanation of the error, when it knows it.</summary>
        public OAuthErrorExplanation? Explanation { get; internal set; }
    }

    /// <summary>What an identity provider's error means and what to do, in English and Simplified Chinese.</summary>
    public sealed class OAuthErrorExplanation
    {
        internal OAuthErrorExplanation(string provider, string code, string error, string? matchText, string meaning,
            string whatToDo, string? meaningZh, string? whatToDoZh, string? source)
        {
            Provider = provider;
            Code = code;
            Error = error;
            MatchText = matchText;
            Meaning = meaning;
            WhatToDo = whatToDo;
            MeaningZh = meaningZh;
            WhatToDoZh = whatToDoZh;
            Source = source;
        }

        /// <summary>Microsoft Entra ID or Google.</summary>
        public string Provider { get; }

        /// <summary>AADSTS code (Microsoft) or OAuth error code (Google).</summary>
        public string Code { get; }

        /// <summary>The OAuth error code the provider sends with it.</summary>
        public string Error { get; }

        /// <summary>The text of error_description this row is about, when the code alone is not enough.</summary>
        public string? MatchText { get; }

        /// <summary>What happened, in English.</summary>
        public string Meaning { get; }

        /// <summary>What to do, in English.</summary>
        public string WhatToDo { get; }

        /// <summary>What happened, in Simplified Chinese.</summary>
        public string? MeaningZh { get; }

        /// <summary>What to do, in Simplified Chinese.</summary>
        public string? WhatToDoZh { get; }

        /// <summary>Where the explanation comes from.</summary>
        public string? Source { get; }

        /// <summary>Code and meaning.</summary>
        public override string ToString() => Code + ": " + Meaning;
    }
}
