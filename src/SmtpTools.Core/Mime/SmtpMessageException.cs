using System;

namespace SmtpTools
{
    /// <summary>Why a message could not be built or written; each value is a stable error id.</summary>
    public enum SmtpMessageError
    {
        /// <summary>An address is not a valid mailbox (the target names it).</summary>
        InvalidAddress,
        /// <summary>No From address was given and the message has none.</summary>
        NoSender,
        /// <summary>The message has no To, Cc or Bcc recipient.</summary>
        NoRecipients,
        /// <summary>A CR, LF or NUL in a header value, display name or address would start a new header line.</summary>
        HeaderInjection,
        /// <summary>A custom header name is not a valid RFC 5322 field name.</summary>
        InvalidHeaderName,
        /// <summary>A custom header has its own parameter or defines the MIME structure.</summary>
        ReservedHeader,
        /// <summary>An attachment or inline file does not exist.</summary>
        AttachmentNotFound,
        /// <summary>An attachment or inline file exists but cannot be opened for reading.</summary>
        AttachmentUnreadable,
        /// <summary>An inline attachment's Content-Id is empty or not usable in a cid: reference.</summary>
        InvalidContentId,
        /// <summary>The encoding name is not known on this system.</summary>
        UnknownEncoding,
        /// <summary>Body was given together with TextBody or HtmlBody for the same part.</summary>
        ConflictingBody,
        /// <summary>The .eml file to send does not exist.</summary>
        MessageFileNotFound,
        /// <summary>The .eml file or MIME message object cannot be used as a message.</summary>
        InvalidMessage,
        /// <summary>The pickup directory does not exist.</summary>
        PickupDirectoryNotFound,
        /// <summary>The pickup directory exists but the message file cannot be written there.</summary>
        PickupDirectoryNotWritable,
    }

    /// <summary>A message that cannot be built or written as given; raised before any connection is made.</summary>
    public sealed class SmtpMessageException : Exception
    {
        internal SmtpMessageException(SmtpMessageError error, string? parameterName, string? target, string message,
            string? recommendedAction = null, Exception? innerException = null)
            : base(message, innerException)
        {
            Error = error;
            ParameterName = parameterName;
            Target = target;
            RecommendedAction = recommendedAction;
        }

        /// <summary>What is wrong, as a stable code.</summary>
        public SmtpMessageError Error { get; }

        /// <summary>The stable error id for an ErrorRecord: the name of <see cref="Error"/>.</summary>
        public string ErrorId => Error.ToString();

        /// <summary>The parameter that holds the bad value (for example "To" or "Attachments"), or null.</summary>
        public string? ParameterName { get; }

        /// <summary>The offending value (address, path, header name), with CR and LF shown as \r and \n.</summary>
        public string? Target { get; }

        /// <summary>What the user can do to fix it, or null.</summary>
        public string? RecommendedAction { get; }
    }
}
