using System;
using System.Globalization;
using System.Management.Automation;
using SmtpTools.Core.Codes;

namespace SmtpTools.Internal
{
    /// <summary>
    /// Puts the provider's explanation of a refusing reply into its ErrorRecord, so the error itself says what QQ
    /// Mail's "535 Error: 请使用授权码登录" or Microsoft's "550 5.7.30" means and what to do, in the UI language.
    /// </summary>
    internal static class ReplyErrorDetails
    {
        /// <summary>
        /// Adds the vendor's meaning to the message and its advice to RecommendedAction, when one fits the refusing
        /// reply: the error's target, or the reply the exception carries.
        /// </summary>
        internal static void Attach(ErrorRecord record, object? target, Exception? exception = null)
        {
            SmtpReply? reply = target as SmtpReply ?? (exception as SmtpCommandException)?.Reply ??
                (exception as SmtpAuthenticationException)?.Reply;
            if (reply == null || reply.IsPositive) return;
            ReplyLanguage language = ReplyTexts.ForCulture(CultureInfo.CurrentUICulture.Name);
            SmtpVendorStatus? vendor = ReplyCodeExplainer.ExplainReply(reply, language).Vendor;
            if (vendor == null) return;
            string message = record.ErrorDetails?.Message ?? record.Exception.Message;
            string? action = record.ErrorDetails?.RecommendedAction;
            record.ErrorDetails = new ErrorDetails(message + " " + vendor.Vendor + ": " + vendor.Meaning)
            {
                RecommendedAction = string.IsNullOrEmpty(action) ? vendor.WhatToDo : action + " " + vendor.WhatToDo,
            };
        }
    }
}
