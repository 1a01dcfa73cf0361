using System;
using System.Text;

namespace SmtpTools.Core.Mime
{
    /// <summary>Builds the <see cref="SmtpMessageException"/> for each kind of bad input, so messages read
    /// alike.</summary>
    internal static class MessageErrors
    {
        /// <summary>Shows CR, LF, TAB and NUL visibly, so an error message never carries a raw line break.</summary>
        internal static string Visible(string value)
        {
            var builder = new StringBuilder(value.Length + 8);
            foreach (char c in value)
            {
                switch (c)
                {
                    case '\r': builder.Append("\\r"); break;
                    case '\n': builder.Append("\\n"); break;
                    case '\t': builder.Append("\\t"); break;
                    case '\0': builder.Append("\\0"); break;
                    default:
                        if (c < 0x20 || c == 0x7F) builder.Append("\\x").Append(((int)c).ToString("X2"));
                        else builder.Append(c);
                        break;
                }
            }

            return builder.ToString();
        }

        internal static SmtpMessageException InvalidAddress(string parameter, string address, string why) =>
            new SmtpMessageException(SmtpMessageError.InvalidAddress, parameter, Visible(address),
                $"The address '{Visible(address)}' given in -{parameter} is not a valid mailbox: {why}",
                "Write the address as user@example.com, \"Display Name\" <user@example.com> or " +
                "Name <user@example.com>.");

        internal static SmtpMessageException HeaderInjection(string parameter, string value) =>
            new SmtpMessageException(SmtpMessageError.HeaderInjection, parameter, Visible(value),
                $"The value of -{parameter} contains a line break (CR or LF) or NUL character: '{Visible(value)}'. " +
                "A line break in a header would start a new header line, so the message was refused.",
                $"Remove the line breaks from -{parameter}; a header value is a single line.");
    }
}
