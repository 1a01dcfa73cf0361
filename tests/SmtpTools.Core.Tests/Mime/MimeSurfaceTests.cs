using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using SmtpTools.Core.Mime;
using Xunit;

namespace SmtpTools.Core.Tests.Mime
{
    /// <summary>
    /// STYLE.md §6: the module loads MimeKit into a private load context, so no MimeKit type may appear in a field,
    /// property, base type or signature of the Mime adapters, including compiler-made closures and state machines.
    /// </summary>
    public class MimeSurfaceTests
    {
        private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
            BindingFlags.Static | BindingFlags.DeclaredOnly;

        [Fact]
        public void MimeTypes_NoMimeKitTypeOutsideMethodBodies()
        {
            Assembly core = typeof(MessageComposer).Assembly;
            var types = core.GetTypes().Where(t =>
                t.Namespace == "SmtpTools.Core.Mime" || t == typeof(SmtpMessageException) ||
                t == typeof(SmtpMessageError)).ToList();
            Assert.Contains(typeof(MimeMessageContent), types);

            var problems = new List<string>();
            foreach (Type type in types)
            {
                if (type.BaseType != null && IsMimeKit(type.BaseType)) problems.Add($"{type} base {type.BaseType}");
                problems.AddRange(type.GetInterfaces().Where(IsMimeKit).Select(i => $"{type} implements {i}"));
                problems.AddRange(type.GetFields(All).Where(f => IsMimeKit(f.FieldType))
                    .Select(f => $"{type}.{f.Name}: {f.FieldType}"));
                problems.AddRange(type.GetProperties(All).Where(p => IsMimeKit(p.PropertyType))
                    .Select(p => $"{type}.{p.Name}: {p.PropertyType}"));
                foreach (MethodBase method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
                {
                    if (method is MethodInfo info && IsMimeKit(info.ReturnType))
                        problems.Add($"{type}.{method.Name} returns {info.ReturnType}");
                    problems.AddRange(method.GetParameters().Where(p => IsMimeKit(p.ParameterType))
                        .Select(p => $"{type}.{method.Name}({p.Name}: {p.ParameterType})"));
                }
            }

            Assert.Empty(problems);
        }

        private static bool IsMimeKit(Type type)
        {
            if (type.HasElementType) return IsMimeKit(type.GetElementType()!);
            if (type.IsGenericType && type.GetGenericArguments().Any(IsMimeKit)) return true;
            string? name = type.Assembly.GetName().Name;
            return name == "MimeKit" || name == "DnsClient" || name == "BouncyCastle.Cryptography";
        }
    }
}
