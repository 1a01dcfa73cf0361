using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace SmtpTools
{
    /// <summary>Hooks the dependency resolver while the module is loaded.</summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>Called by PowerShell on Import-Module.</summary>
        public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += DependencyResolver.Resolve;

        /// <summary>Called by PowerShell on Remove-Module.</summary>
        public void OnRemove(PSModuleInfo module)
        {
            Internal.SmtpSessionRegistry.CloseAll("the SmtpTools module was removed");
            AppDomain.CurrentDomain.AssemblyResolve -= DependencyResolver.Resolve;
        }
    }

    /// <summary>
    /// Loads SmtpTools.Core's third-party dependencies from the module's dependencies/ folder. PowerShell probes the
    /// module folder itself, so nothing third-party lives there; this resolver is the only way they load. On PowerShell 7
    /// they go into a private AssemblyLoadContext named SmtpTools, so other modules' copies of MimeKit never clash, and
    /// from r2r/&lt;rid&gt;/ when the module ships them precompiled for the platform (see SmtpTools.Loader).
    /// </summary>
    internal static class DependencyResolver
    {
        // SmtpTools.Loader always sits in the module root; SmtpTools.dll itself may be the precompiled copy in r2r/<rid>/.
        private static readonly string ModuleDirectory =
            Path.GetDirectoryName(typeof(Loader.ReadyToRunLoader).Assembly.Location)!;
        private static readonly string DependencyDirectory = Path.Combine(ModuleDirectory, "dependencies");
        private static readonly string? PlatformDirectory = Loader.ReadyToRunLoader.PlatformDirectory(ModuleDirectory);
        private static readonly string? PlatformDependencyDirectory =
            PlatformDirectory == null ? null : Path.Combine(PlatformDirectory, "dependencies");
        private static readonly bool IsNetFramework =
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(
                ".NET Framework", StringComparison.OrdinalIgnoreCase);
        private static readonly object Gate = new object();
        private static object? _loadContext;
        private static MethodInfo? _loadFromPath;

        // .NET Framework has no binding redirects for powershell.exe: these load by simple name, whatever version asked.
        private static readonly string[] RedirectedOnFramework =
        {
            "System.Memory", "System.Buffers", "System.Runtime.CompilerServices.Unsafe", "System.Numerics.Vectors",
        };

        internal static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            string? requester = args.RequestingAssembly?.Location;
            string? requesterDirectory = requester == null ? null : Path.GetDirectoryName(requester);
            bool fromUs = requester == null || IsOurs(requesterDirectory, ModuleDirectory) ||
                IsOurs(requesterDirectory, DependencyDirectory) || IsOurs(requesterDirectory, PlatformDirectory) ||
                IsOurs(requesterDirectory, PlatformDependencyDirectory);
            if (!fromUs) return null;

            string name = new AssemblyName(args.Name).Name ?? string.Empty;
            string candidate = Path.Combine(DependencyDirectory, name + ".dll");
            if (!File.Exists(candidate)) return null;

            if (IsNetFramework)
            {
                if (Array.IndexOf(RedirectedOnFramework, name) < 0 && requester == null) return null;
                return Assembly.LoadFrom(candidate);
            }
            string? precompiled =
                PlatformDependencyDirectory == null ? null : Path.Combine(PlatformDependencyDirectory, name + ".dll");
            if (precompiled != null && File.Exists(precompiled) && Loader.ReadyToRunLoader.IsForThisPlatform(precompiled))
            {
                try { return LoadIntoPrivateContext(precompiled); }
                catch (TargetInvocationException e) when (e.InnerException is BadImageFormatException ||
                    e.InnerException is IOException)
                {
                    // The IL copy is the same code.
                }
            }
            return LoadIntoPrivateContext(candidate);
        }

        private static bool IsOurs(string? directory, string? ours) =>
            ours != null && string.Equals(directory, ours, StringComparison.OrdinalIgnoreCase);

        // netstandard2.0 cannot name AssemblyLoadContext, so it is reached through reflection on PowerShell 7.
        private static Assembly LoadIntoPrivateContext(string path)
        {
            lock (Gate)
            {
                if (_loadContext == null)
                {
                    Type alcType = Type.GetType("System.Runtime.Loader.AssemblyLoadContext, System.Runtime.Loader", true)!;
                    ConstructorInfo ctor = alcType.GetConstructor(new[] { typeof(string), typeof(bool) })!;
                    _loadContext = ctor.Invoke(new object[] { "SmtpTools", false });
                    _loadFromPath = alcType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })!;
                }
                return (Assembly)_loadFromPath!.Invoke(_loadContext, new object[] { path })!;
            }
        }
    }
}
