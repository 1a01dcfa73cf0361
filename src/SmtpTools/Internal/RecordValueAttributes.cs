using System;
using System.Management.Automation;

namespace SmtpTools.Internal
{
    /// <summary>
    /// An empty cell in a CSV row is "not given": for a value type (an enum such as -Priority) that means its default,
    /// where PowerShell would otherwise refuse to bind "" and drop the row.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class EmptyAsDefaultAttribute : ArgumentTransformationAttribute
    {
        private readonly object _default;

        internal EmptyAsDefaultAttribute(object defaultValue) => _default = defaultValue;

        /// <inheritdoc />
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            return value is string text && text.Trim().Length == 0 ? _default : inputData;
        }
    }

    /// <summary>
    /// A switch bound from a CSV column reads the cell as a yes/no: PowerShell's own conversion makes any non-empty
    /// string true, so a "False" cell would have switched -BodyAsHtml on.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class FlexibleSwitchAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (!(value is string text)) return inputData;
            switch (text.Trim().ToLowerInvariant())
            {
                case "":
                case "0":
                case "false":
                case "$false":
                case "no":
                case "n":
                    return new SwitchParameter(false);
                case "1":
                case "true":
                case "$true":
                case "yes":
                case "y":
                    return new SwitchParameter(true);
                default:
                    throw new ArgumentTransformationMetadataException(
                        $"'{text}' is not a yes/no value; use True or False (or leave the cell empty).");
            }
        }
    }
}
