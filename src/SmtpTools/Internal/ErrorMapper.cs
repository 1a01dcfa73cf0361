using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace SmtpTools.Internal
{
    /// <summary>
    /// The one table from every failure the module reports to its ErrorRecord: id, category, default target and
    /// what to do about it (STYLE.md §5). Every cmdlet builds its ErrorRecords here and nowhere else, so an id
    /// always means one thing, never has the category NotSpecified, and its advice names only parameters the calling
    /// cmdlet has. about_SmtpTools lists every id; tests/ErrorMapper.Tests.ps1 holds the table to both.
    /// </summary>
    public static class ErrorMapper
    {
        /// <summary>What the ErrorRecord's target is when the caller does not give one.</summary>
        public enum TargetKind
        {
            /// <summary>The caller's value (a recipient, a path, a record, a domain).</summary>
            Given,
            /// <summary>host:port of the SMTP server.</summary>
            Endpoint,
            /// <summary>The SMTP server's host name.</summary>
            Host,
            /// <summary>The server's reply (SmtpReply), or host:port when there is none.</summary>
            Reply,
        }

        /// <summary>One row: an id and what goes with it.</summary>
        public sealed class Row
        {
            internal Row(string id, ErrorCategory category, TargetKind target, string[] actions)
            {
                Id = id;
                Category = category;
                Target = target;
                Actions = actions;
            }

            /// <summary>The ErrorRecord id (FullyQualifiedErrorId before the comma).</summary>
            public string Id { get; }

            /// <summary>The category.</summary>
            public ErrorCategory Category { get; }

            /// <summary>The default target.</summary>
            public TargetKind Target { get; }

            /// <summary>
            /// Advice in order of preference; the first whose -Parameters all exist on the calling cmdlet is used,
            /// so advice never names a parameter the cmdlet lacks. The last names none, or is empty for no advice.
            /// </summary>
            public IReadOnlyList<string> Actions { get; }
        }

        private static readonly Dictionary<string, Row> Table = Build();

        /// <summary>Every row, for the tests and about_SmtpTools.</summary>
        public static IReadOnlyCollection<Row> Rows => Table.Values;

        private static Dictionary<string, Row> Build()
        {
            var rows = new List<Row>();
            void Add(string id, ErrorCategory category, TargetKind target, params string[] actions) =>
                rows.Add(new Row(id, category, target, actions));
            const TargetKind given = TargetKind.Given;

            // ---- SMTP (SmtpFailureKind) ------------------------------------------------------------------------
            Add(nameof(SmtpFailureKind.SmtpConnectFailed), ErrorCategory.ConnectionError, TargetKind.Endpoint,
                "Check the server name, the port (-Port) and any firewall between here and the server.",
                "Check the server name, the port and any firewall between here and the server.");
            Add(nameof(SmtpFailureKind.SmtpTimeout), ErrorCategory.OperationTimeout, TargetKind.Endpoint,
                "Check that the server answers, or allow more time with -Timeout.",
                "Check that the server answers.");
            Add(nameof(SmtpFailureKind.SmtpTlsFailed), ErrorCategory.SecurityError, TargetKind.Host,
                "Check the server's certificate and name; for a test server only, use -SkipCertificateCheck.",
                "Check the server's certificate and name.");
            Add(nameof(SmtpFailureKind.SmtpTlsModeMismatch), ErrorCategory.InvalidArgument, TargetKind.Endpoint,
                "Use -Tls Auto (implicit TLS on port 465, STARTTLS elsewhere), or the -Tls mode the port speaks: " +
                "Implicit for 465, StartTls for 587 and 25.",
                "Use implicit TLS on port 465 and STARTTLS on 587 and 25.");
            Add(nameof(SmtpFailureKind.SmtpProtocolViolation), ErrorCategory.ProtocolError, TargetKind.Reply,
                "The server broke the SMTP conversation; -Verbose shows the transcript.", "");
            Add(nameof(SmtpFailureKind.SmtpAuthRejected), ErrorCategory.AuthenticationError, TargetKind.Reply,
                "Check the user name and password (-Credential) or token; Get-SmtpReplyCode explains the reply.",
                "Check the user name and password or token; Get-SmtpReplyCode explains the reply.");
            Add(nameof(SmtpFailureKind.SmtpAuthRequired), ErrorCategory.PermissionDenied, TargetKind.Reply,
                "Authenticate with -Credential, over TLS (-Tls StartTls or Implicit).",
                "The server wants a login over TLS first; use Connect-SmtpServer -Credential.");
            Add(nameof(SmtpFailureKind.SmtpAuthWithoutTls), ErrorCategory.SecurityError, TargetKind.Endpoint,
                "Use -Tls StartTls or -Tls Implicit, or accept the risk with -AllowUnencryptedAuthentication.",
                "Authenticate only over TLS: send STARTTLS first.");
            Add(nameof(SmtpFailureKind.SmtpAuthNotOffered), ErrorCategory.NotEnabled, TargetKind.Endpoint,
                "Use the submission port (-Port 587 with STARTTLS, or 465), where servers offer AUTH.",
                "Use the submission port (587 with STARTTLS, or 465), where servers offer AUTH.");
            Add(nameof(SmtpFailureKind.SmtpAuthMechanismNotOffered), ErrorCategory.NotEnabled, given,
                "Use -Mechanism All to try what the server offers.",
                "Leave -AuthMechanism out to use the strongest mechanism the server offers.",
                "Choose a mechanism the server offers (see its EHLO reply).");
            Add(nameof(SmtpFailureKind.SmtpAuthMechanismNotSupported), ErrorCategory.NotImplemented, given,
                "Choose one of the mechanisms -Mechanism lists.",
                "Choose one of the mechanisms -AuthMechanism lists.", "");
            Add(nameof(SmtpFailureKind.SmtpAuthCredentialMismatch), ErrorCategory.InvalidArgument, given,
                "Use -Credential for password mechanisms and -AccessToken for XOAUTH2 and OAUTHBEARER.", "");
            Add(nameof(SmtpFailureKind.SmtpAuthServerNotVerified), ErrorCategory.SecurityError, TargetKind.Host,
                "Check that you are talking to the right server.");
            // Kerberos and NTLM failures on this machine (issue 23); the target is the mechanism, or host:port.
            Add(nameof(SmtpFailureKind.SmtpAuthNoTicket), ErrorCategory.AuthenticationError, given,
                "Get a Kerberos ticket with kinit (Linux, macOS) or run as a domain account (Windows); or pass " +
                "-Credential.",
                "Get a Kerberos ticket with kinit (Linux, macOS), or run as a domain account (Windows).");
            Add(nameof(SmtpFailureKind.SmtpAuthTicketExpired), ErrorCategory.AuthenticationError, given,
                "Renew the ticket with kinit (or change the expired password), then try again.");
            Add(nameof(SmtpFailureKind.SmtpAuthClockSkew), ErrorCategory.SecurityError, TargetKind.Endpoint,
                "Correct this machine's clock (NTP, or w32tm /resync); Kerberos allows 5 minutes by default.");
            Add(nameof(SmtpFailureKind.SmtpAuthUnknownSpn), ErrorCategory.ObjectNotFound, TargetKind.Endpoint,
                "Connect by the name the server is registered under, or give -ServicePrincipalName SMTP/<that name>.",
                "Connect by the name the server is registered under.");
            Add(nameof(SmtpFailureKind.SmtpAuthNtlmDisabled), ErrorCategory.NotEnabled, given,
                "Use -Mechanism GSSAPI (Kerberos); on Linux, NTLM needs the gss-ntlmssp package.",
                "Use -AuthMechanism GSSAPI (Kerberos); on Linux, NTLM needs the gss-ntlmssp package.",
                "Use Kerberos (GSSAPI); on Linux, NTLM needs the gss-ntlmssp package.");
            Add(nameof(SmtpFailureKind.SmtpAuthPasswordMechanismsOnly), ErrorCategory.NotEnabled, TargetKind.Endpoint,
                "The server needs a password: pass -Credential, or use a connector that offers GSSAPI or NTLM.",
                "The server needs a password: use a connector that offers GSSAPI or NTLM, or log in with one.");
            Add(nameof(SmtpFailureKind.SmtpAuthLogonDenied), ErrorCategory.AuthenticationError, given,
                "Check the user name (user@REALM or DOMAIN\\user) and the password (-Credential).",
                "Check the user name (user@REALM or DOMAIN\\user) and the password.");
            Add(nameof(SmtpFailureKind.SmtpAuthIntegratedUnavailable), ErrorCategory.NotInstalled, given,
                "Run PowerShell 7.3 or later, or Windows PowerShell 5.1 on Windows; or pass -Credential.",
                "Run PowerShell 7.3 or later, or Windows PowerShell 5.1 on Windows.");
            Add(nameof(SmtpFailureKind.SmtpAuthIntegratedFailed), ErrorCategory.AuthenticationError, given,
                "Check the Kerberos configuration (krb5.conf, the KDC) and the server's principal name.");
            Add(nameof(SmtpFailureKind.SmtpTransientFailure), ErrorCategory.ResourceUnavailable, TargetKind.Reply,
                "Try again later, or raise -RetryCount.", "Try again later.");
            Add(nameof(SmtpFailureKind.SmtpCommandRejected), ErrorCategory.InvalidOperation, TargetKind.Reply,
                "Get-SmtpReplyCode explains the reply.");
            Add(nameof(SmtpFailureKind.SmtpRecipientRejected), ErrorCategory.InvalidOperation, given,
                "Check the recipient address; Get-SmtpReplyCode explains the reply.");
            Add(nameof(SmtpFailureKind.SmtpNoRecipientAccepted), ErrorCategory.InvalidOperation, given,
                "Check the recipient addresses; Get-SmtpReplyCode explains the replies.");
            Add(nameof(SmtpFailureKind.SmtpDataRejected), ErrorCategory.InvalidOperation, TargetKind.Reply,
                "Get-SmtpReplyCode explains the reply.");
            Add(nameof(SmtpFailureKind.SmtpDeliveryUnknown), ErrorCategory.OperationTimeout, given,
                "Check the recipient's mailbox or the server's log before sending again: a resend may duplicate it.");
            Add(nameof(SmtpFailureKind.SmtpMessageTooLarge), ErrorCategory.LimitsExceeded, given,
                "Send a smaller message: fewer or compressed attachments, or a link to the file instead.");
            Add(nameof(SmtpFailureKind.SmtpUtf8NotOffered), ErrorCategory.NotEnabled, given,
                "Use ASCII addresses, or a server that offers SMTPUTF8.");
            Add(nameof(SmtpFailureKind.RequireTlsNotOffered), ErrorCategory.NotEnabled, given,
                "Use a server that offers REQUIRETLS over TLS.");
            Add(nameof(SmtpFailureKind.SmtpFailed), ErrorCategory.InvalidOperation, TargetKind.Endpoint, "");
            Add(nameof(SmtpFailureKind.Cancelled), ErrorCategory.OperationStopped, given, "");

            // ---- DNS (SmtpFailureKind, from DnsFailureKind) ----------------------------------------------------
            Add(nameof(SmtpFailureKind.InvalidDomainName), ErrorCategory.InvalidArgument, given,
                "Give a domain name or an e-mail address.");
            Add(nameof(SmtpFailureKind.DomainNotFound), ErrorCategory.ObjectNotFound, given,
                "Check the spelling of the domain.");
            Add(nameof(SmtpFailureKind.MailExchangerNotFound), ErrorCategory.ObjectNotFound, given,
                "The domain publishes no MX, A or AAAA record: it cannot receive mail.");
            Add(nameof(SmtpFailureKind.MailExchangerNullMx), ErrorCategory.InvalidOperation, given,
                "The domain says it accepts no mail; check the recipient address.");
            Add(nameof(SmtpFailureKind.DnsCnameLoop), ErrorCategory.InvalidData, given,
                "The domain's DNS aliases point at each other; its DNS administrator must fix them.");
            Add(nameof(SmtpFailureKind.DnsCnameChainTooLong), ErrorCategory.LimitsExceeded, given,
                "The domain's DNS aliases lead through too many names.");
            Add(nameof(SmtpFailureKind.DnsRefused), ErrorCategory.PermissionDenied, given,
                "Ask a DNS server that resolves this domain for you (-Server).",
                "Ask a DNS server that resolves this domain for you (-DnsServer).",
                "Ask a DNS server that resolves this domain for you.");
            Add(nameof(SmtpFailureKind.DnsTimeout), ErrorCategory.OperationTimeout, given,
                "Check that the DNS server is reachable, or raise -Timeout and -Retry.",
                "Check that the DNS server is reachable (-DnsServer), or raise -Timeout.",
                "Check that the DNS server is reachable.");
            Add(nameof(SmtpFailureKind.DnsServerUnreachable), ErrorCategory.ConnectionError, given,
                "Check the DNS server address and port (-Server).",
                "Check the DNS server address and port (-DnsServer).",
                "Check the DNS server address and port.");
            Add(nameof(SmtpFailureKind.DnsServerFailure), ErrorCategory.ResourceUnavailable, given,
                "The DNS server could not answer; try again later or ask another server (-Server).",
                "The DNS server could not answer; try again later or ask another server (-DnsServer).",
                "The DNS server could not answer; try again later.");

            // ---- message input (SmtpMessageError) ---------------------------------------------------------------
            Add(nameof(SmtpMessageError.InvalidAddress), ErrorCategory.InvalidArgument, given,
                "Write the address as user@example.com, \"Display Name\" <user@example.com> or Name <user@example.com>.");
            Add(nameof(SmtpMessageError.NoSender), ErrorCategory.InvalidArgument, given,
                "Give the sender with -From.", "");
            Add(nameof(SmtpMessageError.NoRecipients), ErrorCategory.InvalidArgument, given,
                "Give at least one recipient with -To, -Cc or -Bcc.", "");
            Add(nameof(SmtpMessageError.HeaderInjection), ErrorCategory.InvalidArgument, given,
                "Remove the line breaks: a header value is a single line.");
            Add(nameof(SmtpMessageError.InvalidHeaderName), ErrorCategory.InvalidArgument, given,
                "A header name is printable ASCII without spaces or colons (RFC 5322 §3.6.8).");
            Add(nameof(SmtpMessageError.ReservedHeader), ErrorCategory.InvalidArgument, given,
                "Use the cmdlet's own parameter for that header (-From, -To, -Subject …).", "");
            Add(nameof(SmtpMessageError.AttachmentNotFound), ErrorCategory.ObjectNotFound, given,
                "Check the path; relative paths are resolved against the current location ($PWD).");
            Add(nameof(SmtpMessageError.AttachmentUnreadable), ErrorCategory.ReadError, given,
                "Check that the file can be read by this account and is not locked by another program.");
            Add(nameof(SmtpMessageError.InvalidContentId), ErrorCategory.InvalidArgument, given,
                "Use a Content-Id of letters, digits and . - _ only, as referenced by cid: in the HTML body.");
            Add(nameof(SmtpMessageError.UnknownEncoding), ErrorCategory.InvalidArgument, given,
                "Use a charset name such as utf-8, gb2312, gbk, big5, iso-8859-1 or shift_jis (-Encoding).",
                "Use a charset name such as utf-8, gb2312, gbk, big5, iso-8859-1 or shift_jis.");
            Add(nameof(SmtpMessageError.ConflictingBody), ErrorCategory.InvalidArgument, given,
                "Give -Body (with -BodyAsHtml for HTML), or -TextBody and -HtmlBody, not both.", "");
            Add(nameof(SmtpMessageError.MessageFileNotFound), ErrorCategory.ObjectNotFound, given,
                "Check the path of the .eml file; relative paths are resolved against the current location.");
            Add(nameof(SmtpMessageError.InvalidMessage), ErrorCategory.InvalidData, given,
                "Give a complete RFC 5322 message (an .eml file as saved by a mail client).");
            Add(nameof(SmtpMessageError.PickupDirectoryNotFound), ErrorCategory.ObjectNotFound, given,
                "Create the folder, or give the pickup folder of your mail server (-PickupDirectory).",
                "Create the folder first.");
            Add(nameof(SmtpMessageError.PickupDirectoryNotWritable), ErrorCategory.PermissionDenied, given,
                "Give this account write access to the pickup folder.");

            // ---- command-level mistakes (terminate before any connection) --------------------------------------
            Add("ConflictingDelivery", ErrorCategory.InvalidArgument, given,
                "Remove all but one of -SmtpServer, -DirectDelivery and -PickupDirectory.");
            Add("NoSmtpServer", ErrorCategory.InvalidArgument, given,
                "Give -SmtpServer, set $PSEmailServer, or use -DirectDelivery or -PickupDirectory.");
            Add("CredentialWithoutTls", ErrorCategory.InvalidArgument, given,
                "Use -Tls StartTls or -Tls Implicit, or accept the risk with -AllowUnencryptedAuthentication.");
            Add("InvalidSmtpServer", ErrorCategory.InvalidArgument, given,
                "Give the server as name, name:port, address, or [IPv6 address]:port (or the port with -Port).");
            Add("ConflictingPort", ErrorCategory.InvalidArgument, given,
                "Give the port once: in -SmtpServer (host:port) or with -Port.");
            Add("InvalidDnsServer", ErrorCategory.InvalidArgument, given,
                "Give -Server as an IP address or a host name, with an optional :port.",
                "Give -DnsServer as an IP address or a host name, with an optional :port.", "");
            Add("DnsServerNotFound", ErrorCategory.ObjectNotFound, given,
                "Check the DNS server's name, or give its IP address (-Server).",
                "Check the DNS server's name, or give its IP address (-DnsServer).", "");
            Add("DefaultCredentialsWithCredential", ErrorCategory.InvalidArgument, given,
                "Remove -UseDefaultCredentials, or the credential (-Credential, -AccessToken).", "");
            Add("NothingToTest", ErrorCategory.InvalidArgument, given,
                "Give -Credential or -AccessToken, or leave out -UseDefaultCredentials:$false.", "");
            Add("MechanismWithoutCredential", ErrorCategory.InvalidArgument, given,
                "Add -Credential, -AccessToken or -UseDefaultCredentials, or leave out -Mechanism.", "");
            Add("TlsPolicyWithoutDomain", ErrorCategory.InvalidArgument, given,
                "Give the mail domain with -PolicyDomain and the server by its host name, or pipe " +
                "Resolve-MailExchanger's output.", "");
            Add("DnsServerNotConfigured", ErrorCategory.ResourceUnavailable, given,
                "Name a DNS server (-Server).", "Name a DNS server (-DnsServer).", "");

            // ---- OAuth identity flows (SmtpIdentityError; issue 18) --------------------------------------------------
            // The exception's own advice (from the AADSTS/Google catalogue) comes first; these are the fallbacks.
            Add(nameof(SmtpIdentityError.IdentityParametersInvalid), ErrorCategory.InvalidArgument, given,
                "See Get-Help about_SmtpTools_OAuth for the parameters of each flow.");
            Add(nameof(SmtpIdentityError.InvalidAuthority), ErrorCategory.InvalidArgument, given,
                "Give -Authority as an https URL.", "Give the authority as an https URL.");
            Add(nameof(SmtpIdentityError.CertificateNotFound), ErrorCategory.ObjectNotFound, given,
                "Import the certificate with its private key into Cert:\\CurrentUser\\My of the account that runs " +
                "the script.");
            Add(nameof(SmtpIdentityError.CertificateKeyUnusable), ErrorCategory.SecurityError, given,
                "Use a certificate with an RSA private key this account can read.");
            Add(nameof(SmtpIdentityError.ServiceAccountKeyFileNotFound), ErrorCategory.ObjectNotFound, given,
                "Check the path of the JSON key file (-ServiceAccountKeyFile).", "Check the path of the JSON key file.");
            Add(nameof(SmtpIdentityError.ServiceAccountKeyFileInvalid), ErrorCategory.InvalidData, given,
                "Download a JSON key for the service account from the Google Cloud console.");
            Add(nameof(SmtpIdentityError.OAuthInvalidClient), ErrorCategory.AuthenticationError, given,
                "Check -ClientId and the certificate or secret registered for the app.",
                "Check the client id and the certificate or secret registered for the app.");
            Add(nameof(SmtpIdentityError.OAuthInvalidScope), ErrorCategory.InvalidArgument, given,
                "Leave -Scope out to ask for the default scope.", "Ask for the provider's default scope.");
            Add(nameof(SmtpIdentityError.OAuthInvalidGrant), ErrorCategory.AuthenticationError, given,
                "Check the refresh token, the key file or the impersonated mailbox.");
            Add(nameof(SmtpIdentityError.OAuthUnauthorizedClient), ErrorCategory.AuthenticationError, given,
                "Check that the app exists in the tenant, or the service account's domain-wide delegation.");
            Add(nameof(SmtpIdentityError.OAuthTokenRequestFailed), ErrorCategory.AuthenticationError, given,
                "Check -TenantId and -Authority; the error names the provider's code.",
                "The error names the provider's code.");
            Add(nameof(SmtpIdentityError.TokenEndpointUnreachable), ErrorCategory.ConnectionError, given,
                "Check -Authority, DNS, the proxy and the firewall on the way to the identity provider.",
                "Check DNS, the proxy and the firewall on the way to the identity provider.");
            Add(nameof(SmtpIdentityError.TokenEndpointTimeout), ErrorCategory.OperationTimeout, given,
                "Check the way to the identity provider, or allow more time with -Timeout.",
                "Check the way to the identity provider.");
            Add(nameof(SmtpIdentityError.InvalidTokenResponse), ErrorCategory.ProtocolError, given,
                "Check -Authority: it must name the identity provider's token endpoint.",
                "Check that the authority names the identity provider's token endpoint.");

            // ---- the other cmdlets ---------------------------------------------------------------------------
            Add("InvalidReplyCode", ErrorCategory.InvalidArgument, given,
                "Give a three-digit code from 200 to 599, such as 550.");
            Add("InvalidEnhancedCode", ErrorCategory.InvalidArgument, given,
                "Give an enhanced status code as class.subject.detail, such as 5.7.1.");
            Add("InvalidReplyLine", ErrorCategory.InvalidArgument, given,
                "Give a reply as the server sent it, starting with its code, such as '550 5.1.1 User unknown'.");
            Add("SmtpSessionNotFound", ErrorCategory.ObjectNotFound, given,
                "Run Get-SmtpSession to list the open sessions, or open one with Connect-SmtpServer.");
            Add("SmtpSessionClosed", ErrorCategory.ResourceUnavailable, given,
                "Open a new session with Connect-SmtpServer.");
            Add("SmtpSessionBusy", ErrorCategory.ResourceBusy, given,
                "Wait for the command running on this session to finish.");
            Add("SmtpCommandInvalid", ErrorCategory.InvalidArgument, given,
                "Give DATA's message with -Data; send other commands one line at a time.");
            Add("MailRouteNegativeClockSkew", ErrorCategory.InvalidArgument, given,
                "Give -ClockSkew as a positive time span, such as (New-TimeSpan -Minutes 5).");
            Add("MailRouteNotAMimeMessage", ErrorCategory.InvalidArgument, given,
                "Give a MimeKit.MimeMessage to -MimeMessage, or a path to -Path.");
            Add("MailRouteFileNotFound", ErrorCategory.ObjectNotFound, given,
                "Check the path; relative paths are resolved against the current location ($PWD).");
            Add("MailRouteFileUnreadable", ErrorCategory.ReadError, given,
                "Check that the file can be read by this account.");
            Add("MailRouteInvalidExpectedAddress", ErrorCategory.InvalidArgument, given,
                "Give each host's sending address in -ExpectedPath, such as @{ 'fw-a.example.com' = '192.0.2.10' }, " +
                "or only the host names.",
                "Give each host's sending address as an IP address, or only the host names.");
            Add("UnknownReplyEncoding", ErrorCategory.InvalidArgument, given,
                "Give -ReplyEncoding a charset name such as utf-8, gb18030, big5, shift_jis or iso-8859-1, or leave " +
                "it out to detect UTF-8, GB18030 or Latin-1 for each reply.",
                "Use a charset name such as utf-8, gb18030, big5, shift_jis or iso-8859-1.");

            // ---- the mail-policy cmdlets (SPF, DKIM, DMARC, Test-MailDomain) -----------------------------------
            foreach (string prefix in new[] { "Dkim", "Dmarc" })
            {
                Add(prefix + "FileNotFound", ErrorCategory.ObjectNotFound, given,
                    "Check the path; relative paths are resolved against the current location ($PWD).");
                Add(prefix + "FileUnreadable", ErrorCategory.ReadError, given,
                    "Check that the file can be read by this account.");
                Add(prefix + "NotAMimeMessage", ErrorCategory.InvalidArgument, given,
                    "Give a MimeKit.MimeMessage to -MimeMessage, or a path to -Path.");
            }
            Add("PublicSuffixListUnreadable", ErrorCategory.ReadError, given,
                "Name a readable public_suffix_list.dat with -PublicSuffixList, or leave -PublicSuffixList out.");
            Add("TlsPolicyWithoutDirectDelivery", ErrorCategory.InvalidArgument, given,
                "Use -RequireTlsPolicy with -DirectDelivery, or leave it out.");
            Add("InvalidMtaStsServer", ErrorCategory.InvalidArgument, given,
                "Give -MtaStsServer as an IP address, with an optional :port.");

            return rows.ToDictionary(r => r.Id, StringComparer.Ordinal);
        }

        /// <summary>The row for <paramref name="id"/>.</summary>
        /// <exception cref="ArgumentException">The id is not in the table (a bug: every id must be).</exception>
        public static Row RowFor(string id) => Table.TryGetValue(id, out Row? row)
            ? row
            : throw new ArgumentException($"The error id '{id}' is not in SmtpTools' error table.", nameof(id));

        private static readonly Regex ParameterToken = new Regex(@"(?<![\w-])-([A-Z][A-Za-z]+)\b");

        /// <summary>The advice of <paramref name="id"/> for <paramref name="command"/>: the first alternative whose
        /// parameters the command has; null when there is none.</summary>
        public static string? ActionFor(string id, CommandInfo? command)
        {
            foreach (string action in RowFor(id).Actions)
            {
                bool fits = ParameterToken.Matches(action).Cast<Match>().All(m => HasParameter(command,
                    m.Groups[1].Value));
                if (fits) return action.Length == 0 ? null : action;
            }
            return null;
        }

        /// <summary>The parameter names an action names, for the tests.</summary>
        public static IEnumerable<string> ParametersNamedBy(string action) =>
            ParameterToken.Matches(action).Cast<Match>().Select(m => m.Groups[1].Value);

        private static bool HasParameter(CommandInfo? command, string name)
        {
            if (command == null) return false;
            try
            {
                return command.Parameters.Values.Any(p =>
                    string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) ||
                    p.Aliases.Any(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)));
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is PSNotSupportedException)
            {
                return false;
            }
        }

        /// <summary>The ErrorRecord for id <paramref name="id"/>.</summary>
        internal static ErrorRecord Record(PSCmdlet cmdlet, string id, Exception exception, object? target)
        {
            Row row = RowFor(id);
            var record = new ErrorRecord(exception, id, row.Category, target);
            // An identity failure knows its own remedy (the AADSTS or Google error it came with).
            string? action = (exception as SmtpIdentityException)?.RecommendedAction ??
                             ActionFor(id, cmdlet.MyInvocation.MyCommand);
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action };
            ReplyErrorDetails.Attach(record, target, exception);
            return record;
        }

        /// <summary>
        /// The ErrorRecord for anything the core raised: the id from the exception unless <paramref name="id"/> is
        /// given; <paramref name="target"/> overrides the row's default target.
        /// </summary>
        internal static ErrorRecord Record(PSCmdlet cmdlet, Exception exception, object? target = null,
            string? id = null)
        {
            // The delivery engine carries a token failure as the login's SmtpException (see IdentitySourceForEngine).
            if (exception is SmtpException { InnerException: SmtpIdentityException inner }) exception = inner;
            id ??= exception switch
            {
                SmtpMessageException m => m.ErrorId,
                SmtpIdentityException i => i.ErrorId,
                _ => SmtpFailures.Classify(exception).ToString(),
            };
            return Record(cmdlet, id, exception, target ?? DefaultTarget(RowFor(id).Target, exception));
        }

        private static object? DefaultTarget(TargetKind kind, Exception exception)
        {
            switch (exception)
            {
                case SmtpException smtp:
                    string? endpoint = smtp.Host == null ? null : SmtpException.FormatEndpoint(smtp.Host, smtp.Port);
                    SmtpReply? reply = (smtp as SmtpCommandException)?.Reply ??
                                       (smtp as SmtpAuthenticationException)?.Reply ?? smtp.LastReply;
                    return kind switch
                    {
                        TargetKind.Host => smtp.Host,
                        TargetKind.Reply => (object?)reply ?? endpoint,
                        TargetKind.Given when smtp is SmtpAuthenticationException a => a.Mechanism,
                        _ => endpoint,
                    };
                case DnsResolutionException dns:
                    return dns.Domain;
                case SmtpMessageException message:
                    return message.Target;
                case SmtpIdentityException identity:
                    return identity.TokenEndpoint;
                default:
                    return null;
            }
        }
    }
}
