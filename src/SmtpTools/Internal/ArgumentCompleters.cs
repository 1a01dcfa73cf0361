using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace SmtpTools.Internal
{
    /// <summary>Completes -SmtpServer with the servers used earlier in this session, most recent first.</summary>
    public sealed class SmtpServerCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = new TypedWord(wordToComplete);
            foreach ((string server, string ports) in SmtpServerHistory.Used())
            {
                if (!typed.Matches(server)) continue;
                yield return new CompletionResult(typed.Quote(server), server, CompletionResultType.ParameterValue,
                    $"{server}, used on port {ports}");
            }
        }
    }

    /// <summary>
    /// Completes -Session with the open sessions: the list shows "3 mail.contoso.com:25", and the completion is
    /// (Get-SmtpSession -Id 3), which gives the session object the parameter takes.
    /// </summary>
    public sealed class SmtpSessionCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            foreach (SmtpConnection session in SmtpSessionCompletion.Matching(wordToComplete))
            {
                yield return new CompletionResult($"(Get-SmtpSession -Id {Id(session)})",
                    SmtpSessionCompletion.ListText(session), CompletionResultType.ParameterValue,
                    SmtpSessionCompletion.ToolTip(session));
            }
        }

        private static string Id(SmtpConnection session) => session.Id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Completes -Id with the numbers of the open sessions, each shown with its server.</summary>
    public sealed class SmtpSessionIdCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            foreach (SmtpConnection session in SmtpSessionCompletion.Matching(wordToComplete))
            {
                yield return new CompletionResult(session.Id.ToString(CultureInfo.InvariantCulture),
                    SmtpSessionCompletion.ListText(session), CompletionResultType.ParameterValue,
                    SmtpSessionCompletion.ToolTip(session));
            }
        }
    }

    /// <summary>Completes Invoke-SmtpCommand's command with the SMTP verbs, each with its syntax as a tooltip.</summary>
    /// <remarks>
    /// BDAT is left out: its chunk must follow the command at once (RFC 3030 §2), which a typed line cannot do, so
    /// Invoke-SmtpCommand refuses it; DATA with -Data sends a message.
    /// </remarks>
    public sealed class SmtpVerbCompleter : IArgumentCompleter
    {
        private static readonly (string Verb, string Syntax)[] Verbs =
        {
            ("EHLO", "EHLO <client name>: greets the server and asks for its extensions (RFC 5321 §4.1.1.1)."),
            ("HELO", "HELO <client name>: greets an old server that knows no extensions."),
            ("MAIL", "MAIL FROM:<sender>: starts a transaction."),
            ("RCPT", "RCPT TO:<recipient>: adds a recipient; the reply says whether the server takes it."),
            ("DATA", "DATA: sends the message given with -Data after the server's 354."),
            ("RSET", "RSET: abandons the current transaction."),
            ("VRFY", "VRFY <user>: asks whether a mailbox exists (most servers answer 252)."),
            ("EXPN", "EXPN <list>: asks for the members of a mailing list."),
            ("HELP", "HELP [command]: asks the server for help."),
            ("NOOP", "NOOP: does nothing; keeps the session alive and checks that the server answers."),
            ("QUIT", "QUIT: ends the session."),
            ("STARTTLS", "STARTTLS: upgrades the session to TLS (RFC 3207)."),
            ("AUTH", "AUTH <mechanism>: logs in; with -Credential or -AccessToken the whole exchange is done for you."),
        };

        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = new TypedWord(wordToComplete);
            foreach ((string verb, string syntax) in Verbs)
            {
                if (!typed.Matches(verb)) continue;
                yield return new CompletionResult(typed.Quote(verb), verb, CompletionResultType.ParameterValue, syntax);
            }
        }
    }

    internal static class SmtpSessionCompletion
    {
        /// <summary>The open sessions whose number or server starts with what was typed.</summary>
        internal static IEnumerable<SmtpConnection> Matching(string wordToComplete)
        {
            var typed = new TypedWord(wordToComplete);
            foreach (SmtpConnection session in SmtpSessionRegistry.Open())
            {
                if (typed.Matches(session.Id.ToString(CultureInfo.InvariantCulture)) || typed.Matches(session.SmtpServer))
                {
                    yield return session;
                }
            }
        }

        internal static string ListText(SmtpConnection session) =>
            session.Id.ToString(CultureInfo.InvariantCulture) + " " +
            SmtpException.FormatEndpoint(session.SmtpServer, session.Port);

        internal static string ToolTip(SmtpConnection session)
        {
            string text = $"Session {ListText(session)}, {(session.Tls == null ? "no TLS" : ViewText.TlsLabel(session.Tls))}";
            if (session.AuthenticatedAs != null) text += $", authenticated as {session.AuthenticatedAs}";
            return text + ", opened " + session.Opened.ToString("T", CultureInfo.CurrentCulture) + ".";
        }
    }

    /// <summary>What was typed so far, with the quote it may start with.</summary>
    internal readonly struct TypedWord
    {
        private readonly string _prefix;
        private readonly char? _quote;

        internal TypedWord(string? word)
        {
            string text = word ?? string.Empty;
            _quote = text.Length > 0 && (text[0] == '\'' || text[0] == '"') ? text[0] : (char?)null;
            _prefix = (_quote == null ? text : text.Substring(1)).TrimEnd(_quote ?? '\0');
        }

        internal bool Matches(string candidate) =>
            candidate.StartsWith(_prefix, StringComparison.OrdinalIgnoreCase);

        /// <summary>The candidate in the quotes the user opened, or quoted when it needs quotes.</summary>
        internal string Quote(string candidate)
        {
            char? quote = _quote ?? (NeedsQuotes(candidate) ? '\'' : (char?)null);
            if (quote == null) return candidate;
            string escaped = quote == '\'' ? candidate.Replace("'", "''") : candidate;
            return quote.Value + escaped + quote.Value;
        }

        private static bool NeedsQuotes(string text)
        {
            foreach (char c in text)
            {
                if (char.IsWhiteSpace(c) || "'\"`$&|;,(){}<>@#".IndexOf(c) >= 0) return true;
            }
            return false;
        }
    }
}
