using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Identity
{
    /// <summary>Who issues the token: decides the error catalogue rows and the defaults.</summary>
    internal enum OAuthProvider
    {
        Microsoft,
        Google,
    }

    /// <summary>A token endpoint's success answer (RFC 6749 §5.1).</summary>
    internal sealed class OAuthTokenResponse
    {
        internal OAuthTokenResponse(string accessToken, DateTimeOffset expiresOn, string? scope, string? refreshToken)
        {
            AccessToken = accessToken;
            ExpiresOn = expiresOn;
            Scope = scope;
            RefreshToken = refreshToken;
        }

        internal string AccessToken { get; }
        internal DateTimeOffset ExpiresOn { get; }
        internal string? Scope { get; }

        /// <summary>A new refresh token, when the provider rotates them (Microsoft does).</summary>
        internal string? RefreshToken { get; }
    }

    /// <summary>
    /// One form POST to a token endpoint (RFC 6749 §4.4, RFC 7523 §2.1) on the runtime's own HttpClient, and the
    /// reading of its JSON answer, including Microsoft's and Google's error shapes.
    /// </summary>
    internal static class TokenEndpointClient
    {
        // One client for the process: a client per request would leave sockets in TIME_WAIT and redo TLS each time.
        // The system proxy applies, as for any Windows program.
        private static readonly Lazy<HttpClient> Http = new Lazy<HttpClient>(() =>
        {
            EnableTls12OnNetFramework();
            return new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })
            {
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
        });

        // Windows PowerShell 5.1 runs with the .NET Framework's pre-4.7 defaults, where HttpClient offers SSL 3 and
        // TLS 1.0 only unless the registry says otherwise; Microsoft's and Google's token endpoints require TLS 1.2.
        // Adding it (never removing what the process allows) is what every module that calls them does. On .NET
        // (PowerShell 7) the setting does not apply to HttpClient and is left alone.
        private static void EnableTls12OnNetFramework()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription
                    .StartsWith(".NET Framework", StringComparison.Ordinal))
            {
                return;
            }
            SecurityProtocolType current = ServicePointManager.SecurityProtocol;
            if (current != 0 && (current & SecurityProtocolType.Tls12) == 0)
            {
                ServicePointManager.SecurityProtocol = current | SecurityProtocolType.Tls12;
            }
        }

        /// <summary>How long one token request may take, unless the caller's timeout is shorter.</summary>
        internal static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(60);

        /// <summary>Checks that a token URL is absolute https, or http to a loopback host (a local test
        /// endpoint).</summary>
        /// <exception cref="SmtpIdentityException">The URL is not acceptable.</exception>
        internal static Uri ValidateEndpoint(string url, string parameterName)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) ||
                (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new SmtpIdentityException(SmtpIdentityError.InvalidAuthority,
                    $"'{url}' is not an absolute https URL.", $"Give {parameterName} as https://host[/path].");
            }
            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            {
                // A client secret or a signed assertion in clear text could be replayed by anyone on the path.
                throw new SmtpIdentityException(SmtpIdentityError.InvalidAuthority,
                    $"'{url}' is plain http: the secret or assertion would travel unencrypted.",
                    $"Use https for {parameterName}; plain http is accepted only for a loopback test endpoint.");
            }
            return uri;
        }

        /// <summary>POSTs the form and returns the token, or throws the endpoint's error as an exception.</summary>
        /// <exception cref="SmtpIdentityException">The endpoint refused, could not be reached or answered
        /// nonsense.</exception>
        internal static async Task<OAuthTokenResponse> RequestAsync(OAuthProvider provider, Uri endpoint,
            IEnumerable<KeyValuePair<string, string>> form, TimeSpan timeout, CancellationToken cancellationToken)
        {
            string body = string.Join("&", form.Select(p => Uri.EscapeDataString(p.Key) + "=" +
                                                          Uri.EscapeDataString(p.Value)));
            DateTimeOffset requested = DateTimeOffset.UtcNow;
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            HttpStatusCode status;
            string text;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
                };
                request.Headers.Accept.ParseAdd("application/json");
                using HttpResponseMessage response =
                    await Http.Value.SendAsync(request, timer.Token).ConfigureAwait(false);
                status = response.StatusCode;
                text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SmtpIdentityException(SmtpIdentityError.TokenEndpointTimeout,
                    $"The token endpoint {endpoint.GetLeftPart(UriPartial.Path)} did not answer within " +
                    $"{timeout.TotalSeconds:0} s.",
                    "Check the network path (proxy, firewall) to the identity provider, or allow more time with " +
                    "-Timeout.") { TokenEndpoint = endpoint.GetLeftPart(UriPartial.Path) };
            }
            catch (HttpRequestException ex)
            {
                string reason = ex.InnerException?.Message ?? ex.Message;
                throw new SmtpIdentityException(SmtpIdentityError.TokenEndpointUnreachable,
                    $"The token endpoint {endpoint.GetLeftPart(UriPartial.Path)} could not be reached: {reason}",
                    "Check -Authority, DNS, the proxy and the firewall between here and the identity provider.", ex)
                    { TokenEndpoint = endpoint.GetLeftPart(UriPartial.Path) };
            }
            return Read(provider, endpoint, status, text, requested);
        }

        internal static OAuthTokenResponse Read(OAuthProvider provider, Uri endpoint, HttpStatusCode status,
            string text, DateTimeOffset requested)
        {
            string where = endpoint.GetLeftPart(UriPartial.Path);
            Dictionary<string, object?>? json = null;
            try
            {
                json = JsonText.Parse(text) as Dictionary<string, object?>;
            }
            catch (FormatException)
            {
            }
            if (json == null)
            {
                throw new SmtpIdentityException(SmtpIdentityError.InvalidTokenResponse,
                    $"The token endpoint {where} answered HTTP {(int)status} with something that is not a JSON " +
                    "object" + (text.Length == 0 ? " (an empty body)." : "."),
                    "Check -Authority: it must name the identity provider, not a web page or a proxy's login page.")
                    { TokenEndpoint = where, HttpStatus = (int)status };
            }

            string? error = JsonText.GetString(json, "error");
            if ((int)status >= 200 && (int)status < 300 && error == null)
            {
                string? token = JsonText.GetString(json, "access_token");
                if (string.IsNullOrEmpty(token))
                {
                    throw new SmtpIdentityException(SmtpIdentityError.InvalidTokenResponse,
                        $"The token endpoint {where} answered without an access_token.", null)
                        { TokenEndpoint = where, HttpStatus = (int)status };
                }
                long? expiresIn = JsonText.GetInt64(json, "expires_in");
                DateTimeOffset expiresOn = expiresIn.HasValue
                    ? requested.AddSeconds(expiresIn.Value)
                    : ExpiryFromClaims(token!) ?? requested.AddHours(1);
                return new OAuthTokenResponse(token!, expiresOn, JsonText.GetString(json, "scope"),
                    JsonText.GetString(json, "refresh_token"));
            }

            string? description = JsonText.GetString(json, "error_description");
            var codes = new List<long>();
            if (json.TryGetValue("error_codes", out object? list) && list is List<object?> items)
            {
                foreach (object? item in items) if (item is long code) codes.Add(code);
            }
            OAuthErrorExplanation? explanation = OAuthErrorCatalog.Find(provider, error, description, codes);
            SmtpIdentityError kind = error switch
            {
                "invalid_client" => SmtpIdentityError.OAuthInvalidClient,
                "invalid_scope" => SmtpIdentityError.OAuthInvalidScope,
                "invalid_grant" => SmtpIdentityError.OAuthInvalidGrant,
                "unauthorized_client" => SmtpIdentityError.OAuthUnauthorizedClient,
                _ => SmtpIdentityError.OAuthTokenRequestFailed,
            };
            // Microsoft's description runs on with trace and correlation ids on further lines: the first line is the
            // message, the rest stays in OAuthErrorDescription for a support case.
            string firstLine = description == null ? string.Empty
                : description.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            string message = $"The token endpoint {where} refused the request (HTTP {(int)status}, " +
                             $"{error ?? "no error code"}){(firstLine.Length > 0 ? ": " + firstLine : ".")}";
            if (explanation != null) message += " " + explanation.Meaning;
            return ThrowError(kind, message, explanation?.WhatToDo, where, status, error, description, codes,
                explanation);
        }

        private static OAuthTokenResponse ThrowError(SmtpIdentityError kind, string message, string? action,
            string where, HttpStatusCode status, string? error, string? description, List<long> codes,
            OAuthErrorExplanation? explanation) =>
            throw new SmtpIdentityException(kind, message, action)
            {
                TokenEndpoint = where,
                HttpStatus = (int)status,
                OAuthError = error,
                OAuthErrorDescription = description,
                ErrorCodes = codes,
                Explanation = explanation,
            };

        private static DateTimeOffset? ExpiryFromClaims(string token)
        {
            Dictionary<string, object?>? claims = JsonWebToken.TryReadClaims(token);
            long? exp = claims == null ? null : JsonText.GetInt64(claims, "exp");
            return exp.HasValue ? JsonWebToken.FromUnixTime(exp.Value) : (DateTimeOffset?)null;
        }

        internal static string Format(long seconds) => seconds.ToString(CultureInfo.InvariantCulture);
    }
}
