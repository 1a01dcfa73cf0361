using System.Management.Automation;

namespace SmtpTools.Internal
{
    /// <summary>Maps the core's SMTP exceptions to ErrorRecords with stable ids (STYLE.md §5).</summary>
    internal static class SmtpErrors
    {
        /// <summary>Builds the ErrorRecord for <paramref name="ex"/>; the message already names the server.</summary>
        internal static ErrorRecord FromException(SmtpException ex)
        {
            string endpoint = ex.Host == null ? string.Empty : SmtpException.FormatEndpoint(ex.Host, ex.Port);
            (string id, ErrorCategory category, object? target, string? action) = ex switch
            {
                SmtpConnectException _ => ("SmtpConnectFailed", ErrorCategory.ConnectionError, endpoint,
                    "Check the server name, the port and any firewall between here and the server."),
                SmtpTimeoutException _ => ("SmtpTimeout", ErrorCategory.OperationTimeout, endpoint,
                    "Check that the server answers, or allow more time with -Timeout."),
                SmtpTlsException _ => ("SmtpTlsFailed", ErrorCategory.SecurityError, ex.Host,
                    "Check the server's certificate and name; for a test server only, use -SkipCertificateCheck."),
                SmtpProtocolException _ => ("SmtpProtocolViolation", ErrorCategory.ProtocolError,
                    (object?)ex.LastReply ?? endpoint, null),
                SmtpAuthenticationException a => AuthError(a, endpoint),
                SmtpCommandException c when c.Reply.Code == 530 => ("SmtpAuthRequired",
                    ErrorCategory.PermissionDenied, c.Reply,
                    "Authenticate with -Credential, over TLS."),
                SmtpCommandException c when c.Reply.IsTransient => ("SmtpTransientFailure",
                    ErrorCategory.ResourceUnavailable, c.Reply, "Try again later."),
                SmtpCommandException c => ("SmtpCommandRejected", ErrorCategory.InvalidOperation, c.Reply, null),
                _ => ("SmtpFailed", ErrorCategory.InvalidOperation, endpoint, null),
            };
            var record = new ErrorRecord(ex, id, category, target);
            if (action != null) record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = action };
            return record;
        }

        private static (string, ErrorCategory, object?, string?) AuthError(SmtpAuthenticationException ex,
            string endpoint) => ex.Failure switch
        {
            SmtpAuthFailure.TlsRequired => ("SmtpAuthWithoutTls", ErrorCategory.SecurityError, endpoint,
                "Use -Tls StartTls or -Tls Implicit, or accept the risk with -AllowUnencryptedAuthentication."),
            SmtpAuthFailure.NotOffered => ("SmtpAuthNotOffered", ErrorCategory.NotEnabled, endpoint,
                "Use the submission port (587 with STARTTLS, or 465), where servers offer AUTH."),
            SmtpAuthFailure.MechanismNotOffered => ("SmtpAuthMechanismNotOffered", ErrorCategory.NotEnabled,
                ex.Mechanism, "Use -Mechanism All to try what the server offers."),
            SmtpAuthFailure.MechanismNotSupported => ("SmtpAuthMechanismNotSupported", ErrorCategory.NotImplemented,
                ex.Mechanism, null),
            SmtpAuthFailure.CredentialMismatch => ("SmtpAuthCredentialMismatch", ErrorCategory.InvalidArgument,
                ex.Mechanism, "Use -Credential for password mechanisms and -AccessToken for XOAUTH2 and OAUTHBEARER."),
            SmtpAuthFailure.ServerNotVerified => ("SmtpAuthServerNotVerified", ErrorCategory.SecurityError,
                ex.Host, "Check that you are talking to the right server."),
            _ when ex.Reply?.Code == 530 => ("SmtpAuthRequired", ErrorCategory.PermissionDenied, ex.Reply, null),
            _ => ("SmtpAuthRejected", ErrorCategory.AuthenticationError, (object?)ex.Reply ?? endpoint, null),
        };
    }
}
