using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.TestServer
{
    /// <summary>One token request as the endpoint saw it (never with its secret).</summary>
    public sealed record TokenRequestRecord(string Path, string? GrantType, string? ClientId, int Status, string? Error,
        string? Algorithm);

    /// <summary>
    /// A loopback identity provider that plays Microsoft's v2.0 token endpoint (client credentials with a secret or a
    /// certificate assertion, refresh tokens) and Google's (service-account jwt-bearer grants, refresh tokens). It
    /// checks each request the way the real ones do and answers in their JSON shapes, errors included. Access tokens
    /// are JWTs signed with the key the Dovecot test peer trusts, so a real server can accept or refuse them.
    /// </summary>
    /// <remarks>
    /// Two differences from the real providers, both forced by the test server: Google's real access tokens are opaque
    /// (these are JWTs, so Dovecot can validate them locally), and every token carries an "email" claim naming the
    /// mailbox it may log in as (Dovecot ties a token to a user by a claim; Exchange Online looks the permission up).
    /// </remarks>
    public sealed class TestIdentityProvider : IDisposable
    {
        public const string ExchangeAudience = "https://outlook.office365.com";
        public const string GoogleAudience = "https://mail.google.com/";
        private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
        private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly RSA _signingKey;
        private readonly string _keyId;
        private readonly ConcurrentDictionary<string, MicrosoftApp> _apps = new(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, ServiceAccount> _serviceAccounts = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, RefreshClient> _refreshClients = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> _googleUsers = new(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, byte> _usedJti = new(StringComparer.Ordinal);
        private readonly List<TokenRequestRecord> _requests = new();
        private readonly Task _loop;

        private sealed record MicrosoftApp(string TenantId, string ClientId, string? Secret, X509Certificate2? Certificate,
            string Mailbox, string ObjectId, string DisplayName);

        private sealed record ServiceAccount(string ClientEmail, string ClientId, RSA PublicKey, bool Delegated);

        private sealed record RefreshClient(string ClientId, string Secret, string RefreshToken, string User,
            OAuthKind Kind, string? TenantId);

        private enum OAuthKind { Microsoft, Google }

        private TestIdentityProvider(RSA signingKey, string keyId)
        {
            _signingKey = signingKey;
            _keyId = keyId;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _loop = Task.Run(AcceptLoopAsync);
        }

        /// <summary>Starts the endpoint; its tokens are signed with <paramref name="signingKeyPem"/> under <paramref name="keyId"/>.</summary>
        public static TestIdentityProvider Start(string signingKeyPem, string keyId)
        {
            RSA rsa = RSA.Create();
            rsa.ImportFromPem(signingKeyPem);
            return new TestIdentityProvider(rsa, keyId);
        }

        /// <summary>Starts the endpoint with a key of its own (tokens no real server trusts).</summary>
        public static TestIdentityProvider StartWithNewKey(string keyId = "test") =>
            new TestIdentityProvider(RSA.Create(2048), keyId);

        /// <summary>http://127.0.0.1:port, the -Authority for Microsoft flows.</summary>
        public string Authority => "http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>The Google token URL (token_uri of the key files this endpoint makes).</summary>
        public string GoogleTokenUrl => Authority + "/token";

        /// <summary>Lifetime of the access tokens it issues (expires_in); 3599 s by default, as both providers.</summary>
        public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(3599);

        /// <summary>How many of the next tokens to issue for the wrong audience (a token the server will refuse
        /// though it looks good to the client, as a revoked one would).</summary>
        public int RefusedTokensToIssue { get; set; }

        /// <summary>Every request so far, in order.</summary>
        public IReadOnlyList<TokenRequestRecord> Requests
        {
            get { lock (_requests) return _requests.ToArray(); }
        }

        /// <summary>How many access tokens were issued.</summary>
        public int TokensIssued => Requests.Count(r => r.Status == 200);

        /// <summary>The v2.0 token URL of a tenant.</summary>
        public string MicrosoftTokenUrl(string tenantId) => $"{Authority}/{tenantId}/oauth2/v2.0/token";

        /// <summary>Registers an app (client id) in a tenant, with a secret and/or a certificate (its public part is
        /// what the endpoint keeps, as an upload to the app registration would), allowed to send as <paramref name="mailbox"/>.</summary>
        public void AddMicrosoftApp(string tenantId, string clientId, string? secret, X509Certificate2? certificate,
            string mailbox, string displayName = "SmtpTools test app")
        {
            X509Certificate2? publicOnly = certificate == null ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
            _apps[clientId] = new MicrosoftApp(tenantId, clientId, secret, publicOnly, mailbox,
                Guid.NewGuid().ToString(), displayName);
        }

        /// <summary>Makes a service account and returns its JSON key file text (token_uri = this endpoint).</summary>
        public string NewServiceAccountKeyFile(string clientEmail, bool delegated = true)
        {
            var rsa = RSA.Create(2048);
            string keyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
            string clientId = string.Concat(Enumerable.Range(0, 21).Select(_ => RandomNumberGenerator.GetInt32(10)));
            var publicKey = RSA.Create();
            publicKey.ImportParameters(rsa.ExportParameters(false));
            _serviceAccounts[clientEmail] = new ServiceAccount(clientEmail, clientId, publicKey, delegated);
            var json = new JsonObject
            {
                ["type"] = "service_account",
                ["project_id"] = "smtptools-test",
                ["private_key_id"] = keyId,
                ["private_key"] = rsa.ExportPkcs8PrivateKeyPem() + "\n",
                ["client_email"] = clientEmail,
                ["client_id"] = clientId,
                ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
                ["token_uri"] = GoogleTokenUrl,
            };
            return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        }

        /// <summary>A Workspace user a service account may impersonate.</summary>
        public void AddGoogleUser(string address) => _googleUsers[address] = 0;

        /// <summary>An installed app's OAuth client with a user's refresh token (Google).</summary>
        public void AddGoogleRefreshToken(string clientId, string clientSecret, string refreshToken, string user) =>
            _refreshClients[refreshToken] = new RefreshClient(clientId, clientSecret, refreshToken, user, OAuthKind.Google, null);

        /// <summary>A Microsoft user's refresh token for a (public client) app registered with AddMicrosoftApp.</summary>
        public void AddMicrosoftRefreshToken(string tenantId, string clientId, string refreshToken, string user) =>
            _refreshClients[refreshToken] = new RefreshClient(clientId, "", refreshToken, user, OAuthKind.Microsoft, tenantId);

        /// <summary>Signs an access token with arbitrary claims (expired, wrong audience ...), for server-side tests.</summary>
        public string IssueToken(string mailbox, string audience, TimeSpan lifetime, RSA? key = null,
            DateTimeOffset? now = null)
        {
            DateTimeOffset t = now ?? DateTimeOffset.UtcNow;
            var claims = new JsonObject
            {
                ["aud"] = audience,
                ["iss"] = "https://sts.windows.net/test/",
                ["iat"] = t.ToUnixTimeSeconds(),
                ["nbf"] = t.ToUnixTimeSeconds(),
                ["exp"] = t.Add(lifetime).ToUnixTimeSeconds(),
                ["sub"] = mailbox,
                ["email"] = mailbox,
            };
            return Sign(claims, key ?? _signingKey);
        }

        // ---- HTTP ------------------------------------------------------------------------------------------------

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch { return; }
                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    NetworkStream stream = client.GetStream();
                    var reader = new StreamReader(stream, Encoding.ASCII, false, 1, leaveOpen: true);
                    string? requestLine = await reader.ReadLineAsync();
                    if (requestLine == null) return;
                    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    string? line;
                    while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                    {
                        int colon = line.IndexOf(':');
                        if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                    }
                    if (headers.TryGetValue("Expect", out string? expect) &&
                        expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
                    {
                        byte[] cont = Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n");
                        await stream.WriteAsync(cont);
                    }
                    int length = headers.TryGetValue("Content-Length", out string? cl) ? int.Parse(cl) : 0;
                    var body = new char[length];
                    int read = 0;
                    while (read < length)
                    {
                        int n = await reader.ReadAsync(body, read, length - read);
                        if (n == 0) break;
                        read += n;
                    }
                    string[] parts = requestLine.Split(' ');
                    (int status, string json) = Handle(parts[0], parts.Length > 1 ? parts[1] : "/",
                        headers.GetValueOrDefault("Content-Type"), new string(body, 0, read));
                    byte[] payload = Encoding.UTF8.GetBytes(json);
                    string head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : status == 401 ? "Unauthorized" : "Bad Request")}\r\n" +
                                  "Content-Type: application/json; charset=utf-8\r\n" +
                                  "Cache-Control: no-store, no-cache\r\n" +
                                  $"Content-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                    await stream.WriteAsync(payload);
                }
                catch (IOException)
                {
                }
            }
        }

        private (int, string) Handle(string method, string path, string? contentType, string body)
        {
            Dictionary<string, string> form = ParseForm(body);
            form.TryGetValue("grant_type", out string? grant);
            form.TryGetValue("client_id", out string? clientId);
            string? algorithm = null;
            (int status, JsonObject json) result;
            if (method != "POST" || contentType == null ||
                !contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                result = (400, new JsonObject { ["error"] = "invalid_request",
                    ["error_description"] = "The request must be a POST of application/x-www-form-urlencoded." });
            }
            else if (path == "/token")
            {
                result = HandleGoogle(form, grant);
            }
            else if (path.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal))
            {
                string tenant = path.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
                result = HandleMicrosoft(tenant, path, form, grant, clientId, out algorithm);
            }
            else
            {
                result = (404, new JsonObject { ["error"] = "not_found" });
            }
            lock (_requests)
            {
                _requests.Add(new TokenRequestRecord(path, grant, clientId ?? form.GetValueOrDefault("assertion") switch
                {
                    null => null,
                    string a => ReadPart(a, 1)?["iss"]?.GetValue<string>(),
                }, result.status, result.json["error"]?.GetValue<string>(), algorithm));
            }
            return (result.status, result.json.ToJsonString());
        }

        // ---- Microsoft -------------------------------------------------------------------------------------------

        private (int, JsonObject) HandleMicrosoft(string tenant, string path, Dictionary<string, string> form,
            string? grant, string? clientId, out string? algorithm)
        {
            algorithm = null;
            if (!_apps.Values.Any(a => a.TenantId.Equals(tenant, StringComparison.OrdinalIgnoreCase)))
                return Aad(400, "invalid_request", 90002, $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
            if (grant is not ("client_credentials" or "refresh_token"))
                return Aad(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
            if (string.IsNullOrEmpty(clientId))
                return Aad(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
            if (!_apps.TryGetValue(clientId, out MicrosoftApp? app) || !app.TenantId.Equals(tenant, StringComparison.OrdinalIgnoreCase))
                return Aad(400, "unauthorized_client", 700016, $"Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.");
            if (!form.TryGetValue("scope", out string? scope) || scope.Length == 0)
                return Aad(400, "invalid_request", 90014, "The required field 'scope' is missing from the credential.");
            if (grant == "refresh_token") return HandleMicrosoftRefresh(app, form, scope);
            if (grant == "client_credentials" && !scope.EndsWith("/.default", StringComparison.Ordinal))
                return Aad(400, "invalid_scope", 1002012, $"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
            string resource = scope[..scope.LastIndexOf('/')];
            if (!resource.Equals(ExchangeAudience, StringComparison.OrdinalIgnoreCase))
                return Aad(400, "invalid_resource", 500011, $"The resource principal named {resource} was not found in the tenant named {tenant}.");

            bool hasSecret = form.TryGetValue("client_secret", out string? secret);
            bool hasAssertion = form.TryGetValue("client_assertion", out string? assertion);
            if (!hasSecret && !hasAssertion)
                return Aad(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
            if (hasSecret)
            {
                if (app.Secret == null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret!), Encoding.UTF8.GetBytes(app.Secret)))
                    return Aad(401, "invalid_client", 7000215, $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'.");
            }
            else
            {
                if (form.GetValueOrDefault("client_assertion_type") != AssertionType)
                    return Aad(400, "invalid_request", 50027, "Invalid client_assertion_type.");
                string? why = CheckAssertion(app, assertion!, MicrosoftTokenUrl(tenant), out algorithm, out int code);
                if (why != null) return Aad(401, "invalid_client", code, why);
            }

            DateTimeOffset now = DateTimeOffset.UtcNow;
            bool refused = RefusedTokensToIssue > 0 && RefusedTokensToIssue-- > 0;
            var claims = new JsonObject
            {
                ["aud"] = refused ? "https://graph.microsoft.com" : ExchangeAudience,
                ["iss"] = $"https://sts.windows.net/{app.TenantId}/",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["nbf"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.Add(TokenLifetime).ToUnixTimeSeconds(),
                ["app_displayname"] = app.DisplayName,
                ["appid"] = app.ClientId,
                ["appidacr"] = hasSecret ? "1" : "2",
                ["idp"] = $"https://sts.windows.net/{app.TenantId}/",
                ["oid"] = app.ObjectId,
                ["roles"] = new JsonArray("SMTP.SendAsApp"),
                ["sub"] = app.ObjectId,
                ["tid"] = app.TenantId,
                ["ver"] = "1.0",
                ["email"] = app.Mailbox,
            };
            long seconds = (long)TokenLifetime.TotalSeconds;
            return (200, new JsonObject
            {
                ["token_type"] = "Bearer",
                ["expires_in"] = seconds,
                ["ext_expires_in"] = seconds,
                ["access_token"] = Sign(claims, _signingKey),
            });
        }

        // A public client's refresh-token grant: no client secret, the scope again, and a new refresh token back
        // (Microsoft rotates them; this endpoint also revokes the old one, so a client that ignores the rotation fails).
        private (int, JsonObject) HandleMicrosoftRefresh(MicrosoftApp app, Dictionary<string, string> form, string scope)
        {
            if (!form.TryGetValue("refresh_token", out string? refresh) ||
                !_refreshClients.TryRemove(refresh, out RefreshClient? owner) || owner.Kind != OAuthKind.Microsoft ||
                owner.ClientId != app.ClientId)
                return Aad(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity.");
            if (!scope.Contains("SMTP.Send", StringComparison.Ordinal))
                return Aad(400, "invalid_scope", 70011, $"The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.");
            string rotated = "rt-" + Guid.NewGuid().ToString("N");
            _refreshClients[rotated] = owner with { RefreshToken = rotated };
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var claims = new JsonObject
            {
                ["aud"] = "https://outlook.office.com",
                ["iss"] = $"https://sts.windows.net/{app.TenantId}/",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["nbf"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.Add(TokenLifetime).ToUnixTimeSeconds(),
                ["appid"] = app.ClientId,
                ["scp"] = "SMTP.Send",
                ["tid"] = app.TenantId,
                ["upn"] = owner.User,
                ["sub"] = owner.User,
                ["email"] = owner.User,
            };
            return (200, new JsonObject
            {
                ["token_type"] = "Bearer",
                ["scope"] = "https://outlook.office.com/SMTP.Send",
                ["expires_in"] = (long)TokenLifetime.TotalSeconds,
                ["ext_expires_in"] = (long)TokenLifetime.TotalSeconds,
                ["access_token"] = Sign(claims, _signingKey),
                ["refresh_token"] = rotated,
            });
        }

        // Microsoft identity platform, "certificate credentials": header alg/x5t(#S256), claims aud iss sub jti nbf exp.
        private string? CheckAssertion(MicrosoftApp app, string assertion, string tokenUrl, out string? algorithm,
            out int code)
        {
            code = 700027;
            algorithm = null;
            string[] parts = assertion.Split('.');
            JsonObject? header = ReadPart(assertion, 0);
            JsonObject? claims = ReadPart(assertion, 1);
            if (parts.Length != 3 || header == null || claims == null)
                return "Client assertion is not a valid JWT.";
            algorithm = header["alg"]?.GetValue<string>();
            X509Certificate2? cert = app.Certificate;
            if (cert == null) return "The client has no certificate credential registered. [Reason - The key was not found.]";
            string? x5tS256 = header["x5t#S256"]?.GetValue<string>();
            string? x5t = header["x5t"]?.GetValue<string>();
            bool thumbprintMatches = x5tS256 != null
                ? x5tS256 == B64(SHA256.HashData(cert.RawData))
                : x5t != null && x5t == B64(cert.GetCertHash());
            if (!thumbprintMatches)
                return $"Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{x5tS256 ?? x5t}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{app.ClientId}'.]";
            RSASignaturePadding padding = algorithm switch
            {
                "PS256" => RSASignaturePadding.Pss,
                "RS256" => RSASignaturePadding.Pkcs1,
                _ => null!,
            };
            if (padding == null) return $"Client assertion uses an unsupported algorithm '{algorithm}'.";
            using RSA key = cert.GetRSAPublicKey()!;
            if (!key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromB64(parts[2]),
                    HashAlgorithmName.SHA256, padding))
                return "Client assertion failed signature validation.";
            if (claims["aud"]?.GetValue<string>() != tokenUrl)
                return $"The audience claim value is invalid '{claims["aud"]}'. The audience claim must be the token endpoint {tokenUrl}.";
            if (claims["iss"]?.GetValue<string>() != app.ClientId || claims["sub"]?.GetValue<string>() != app.ClientId)
                return "The issuer and subject of the client assertion must be the client id.";
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            long? exp = claims["exp"]?.GetValue<long>();
            long? nbf = claims["nbf"]?.GetValue<long>();
            if (exp == null || exp < now - 300 || (nbf != null && nbf > now + 300))
            {
                code = 700024;
                return "Client assertion is not within its valid time range.";
            }
            string? jti = claims["jti"]?.GetValue<string>();
            if (string.IsNullOrEmpty(jti)) return "The client assertion has no jti claim.";
            if (!_usedJti.TryAdd(jti, 0)) return $"The client assertion's jti '{jti}' was already used.";
            return null;
        }

        private static (int, JsonObject) Aad(int status, string error, int code, string description)
        {
            string trace = Guid.NewGuid().ToString();
            string correlation = Guid.NewGuid().ToString();
            string timestamp = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            return (status, new JsonObject
            {
                ["error"] = error,
                ["error_description"] = $"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}",
                ["error_codes"] = new JsonArray(code),
                ["timestamp"] = timestamp,
                ["trace_id"] = trace,
                ["correlation_id"] = correlation,
                ["error_uri"] = $"https://login.microsoftonline.com/error?code={code}",
            });
        }

        // ---- Google ----------------------------------------------------------------------------------------------

        private (int, JsonObject) HandleGoogle(Dictionary<string, string> form, string? grant)
        {
            if (grant == JwtBearerGrant) return HandleServiceAccount(form);
            if (grant == "refresh_token") return HandleGoogleRefresh(form);
            return Google(400, "unsupported_grant_type", "Invalid grant_type: " + grant);
        }

        private (int, JsonObject) HandleServiceAccount(Dictionary<string, string> form)
        {
            if (!form.TryGetValue("assertion", out string? assertion))
                return Google(400, "invalid_request", "Missing required parameter: assertion");
            string[] parts = assertion.Split('.');
            JsonObject? header = ReadPart(assertion, 0);
            JsonObject? claims = ReadPart(assertion, 1);
            if (parts.Length != 3 || header == null || claims == null)
                return Google(400, "invalid_grant", "Invalid JWT: malformed.");
            string? iss = claims["iss"]?.GetValue<string>();
            if (iss == null || !_serviceAccounts.TryGetValue(iss, out ServiceAccount? account))
                return Google(400, "invalid_grant", "Invalid grant: account not found");
            if (header["alg"]?.GetValue<string>() != "RS256" ||
                !account.PublicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromB64(parts[2]),
                    HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                return Google(400, "invalid_grant", "Invalid JWT Signature.");
            if (claims["aud"]?.GetValue<string>() != GoogleTokenUrl)
                return Google(400, "invalid_grant", "Invalid JWT: Failed audience check.");
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            long? iat = claims["iat"]?.GetValue<long>();
            long? exp = claims["exp"]?.GetValue<long>();
            if (iat == null || exp == null || exp - iat > 3600 || exp < now || iat > now + 300)
                return Google(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
            string scope = claims["scope"]?.GetValue<string>() ?? "";
            if (scope.Length == 0)
                return Google(400, "invalid_scope", "Invalid oauth scope or ID token audience provided.");
            string? sub = claims["sub"]?.GetValue<string>();
            if (sub != null && !account.Delegated)
                return Google(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.");
            if (sub != null && !_googleUsers.ContainsKey(sub))
                return Google(400, "invalid_grant", "Invalid email or User ID");
            return GoogleToken(sub ?? account.ClientEmail, account.ClientId, scope, null);
        }

        private (int, JsonObject) HandleGoogleRefresh(Dictionary<string, string> form)
        {
            form.TryGetValue("client_id", out string? clientId);
            form.TryGetValue("client_secret", out string? secret);
            RefreshClient? client = _refreshClients.Values.FirstOrDefault(c => c.ClientId == clientId);
            if (client == null) return Google(401, "invalid_client", "The OAuth client was not found.");
            if (client.Secret != secret) return Google(401, "invalid_client", "Unauthorized");
            if (!form.TryGetValue("refresh_token", out string? refresh) || !_refreshClients.TryGetValue(refresh, out RefreshClient? owner) ||
                owner.ClientId != clientId)
                return Google(400, "invalid_grant", "Token has been expired or revoked.");
            return GoogleToken(owner.User, owner.ClientId, GoogleAudience, GoogleAudience);
        }

        private (int, JsonObject) GoogleToken(string user, string clientId, string scope, string? returnedScope)
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var claims = new JsonObject
            {
                ["aud"] = GoogleAudience,
                ["iss"] = "https://accounts.google.com",
                ["client_id"] = clientId,
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.Add(TokenLifetime).ToUnixTimeSeconds(),
                ["sub"] = user,
                ["email"] = user,
                ["scope"] = scope,
            };
            var answer = new JsonObject
            {
                ["access_token"] = Sign(claims, _signingKey),
                ["expires_in"] = (long)TokenLifetime.TotalSeconds,
                ["token_type"] = "Bearer",
            };
            if (returnedScope != null) answer["scope"] = returnedScope;
            return (200, answer);
        }

        private static (int, JsonObject) Google(int status, string error, string description) =>
            (status, new JsonObject { ["error"] = error, ["error_description"] = description });

        // ---- JWT helpers -----------------------------------------------------------------------------------------

        private string Sign(JsonObject claims, RSA key)
        {
            // Dovecot finds the verification key at <azp or "default">/<alg>/<kid>: no token here carries azp, so
            // the test peer keeps the one key at default/RS256/<kid>.
            var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = _keyId };
            string input = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." +
                           B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
            byte[] signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256,
                RSASignaturePadding.Pkcs1);
            return input + "." + B64(signature);
        }

        private static JsonObject? ReadPart(string jwt, int index)
        {
            string[] parts = jwt.Split('.');
            if (parts.Length != 3) return null;
            try { return JsonNode.Parse(FromB64(parts[index])) as JsonObject; }
            catch (Exception) { return null; }
        }

        private static string B64(byte[] data) =>
            Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        private static byte[] FromB64(string text)
        {
            string s = text.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
        }

        private static Dictionary<string, string> ParseForm(string body)
        {
            var form = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                string name = WebUtility.UrlDecode(eq < 0 ? pair : pair[..eq]);
                string value = eq < 0 ? "" : WebUtility.UrlDecode(pair[(eq + 1)..]);
                form[name] = value;
            }
            return form;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            try { _loop.Wait(2000); } catch (AggregateException) { }
            _signingKey.Dispose();
        }
    }
}
