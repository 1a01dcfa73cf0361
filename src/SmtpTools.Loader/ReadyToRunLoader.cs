using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SmtpTools.Loader
{
    /// <summary>
    /// Loads SmtpTools.dll and SmtpTools.Core.dll precompiled (ReadyToRun) for this platform, when the module ships
    /// them, before PowerShell loads the module's IL-only copies.
    /// </summary>
    /// <remarks>
    /// The module is one netstandard2.0 build, so its assemblies are IL only and every method is compiled while the
    /// first message is being sent. PowerShell 7 can run code precompiled for its platform instead, but such a file
    /// cannot even be mapped on another operating system, and Windows PowerShell 5.1 never uses it: the module root keeps
    /// the IL copies, and the precompiled ones sit in r2r/&lt;rid&gt;/. This assembly is the manifest's first nested
    /// module, so PowerShell imports it before the root module; once an assembly named SmtpTools is loaded, PowerShell 7
    /// uses it for the root module instead of loading SmtpTools.dll again. It references nothing of ours, so loading it
    /// decides nothing yet.
    /// </remarks>
    public sealed class ReadyToRunLoader : IModuleAssemblyInitializer
    {
        /// <summary>Called by PowerShell when it imports the nested module.</summary>
        public void OnImport() => TryLoad(Path.GetDirectoryName(typeof(ReadyToRunLoader).Assembly.Location)!);

        /// <summary>The folder of the precompiled copies for the running platform, or null when it has none.</summary>
        public static string? PlatformDirectory(string moduleDirectory)
        {
            if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase))
                return null;
            string os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : string.Empty;
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                _ => string.Empty,
            };
            if (os.Length == 0 || arch.Length == 0) return null;
            string directory = Path.Combine(moduleDirectory, "r2r", os + "-" + arch);
            return Directory.Exists(directory) ? directory : null;
        }

        /// <summary>
        /// Whether the file at <paramref name="path"/> is an image for this operating system and architecture. The
        /// runtime remembers an image it failed to load under its name, and would then refuse the IL copy too.
        /// </summary>
        public static bool IsForThisPlatform(string path)
        {
            ushort expected = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => 0x8664,
                Architecture.Arm64 => 0xAA64,
                _ => 0,
            };
            // ReadyToRun images for Linux and macOS mark the machine field with an OS-specific XOR.
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) expected ^= 0x7B79;
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) expected ^= 0x4644;
            try
            {
                using var file = File.OpenRead(path);
                var header = new byte[4096];
                int read = file.Read(header, 0, header.Length);
                if (read < 0x40) return false;
                int pe = BitConverter.ToInt32(header, 0x3C);
                if (pe < 0 || pe + 6 > read || header[pe] != 'P' || header[pe + 1] != 'E') return false;
                return BitConverter.ToUInt16(header, pe + 4) == expected;
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }

        private static void TryLoad(string moduleDirectory)
        {
            string? directory = PlatformDirectory(moduleDirectory);
            if (directory == null || !IsForThisPlatform(Path.Combine(directory, "SmtpTools.Core.dll")) ||
                !IsForThisPlatform(Path.Combine(directory, "SmtpTools.dll")))
            {
                return;
            }
            foreach (Assembly loaded in AppDomain.CurrentDomain.GetAssemblies())
            {
                // Imported before (from here or another copy of the module): PowerShell reuses what is loaded.
                if (loaded.GetName().Name == "SmtpTools.Core") return;
            }
            try
            {
                // Into the default context by path, as PowerShell loads a module's assembly; Assembly.LoadFrom would also
                // let the runtime load dependencies found beside them into that context, past our resolver. Core first:
                // SmtpTools.dll binds to the SmtpTools.Core already loaded under its name.
                Type context = Type.GetType("System.Runtime.Loader.AssemblyLoadContext, System.Runtime.Loader", true)!;
                object defaultContext = context.GetProperty("Default")!.GetValue(null)!;
                MethodInfo load = context.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })!;
                load.Invoke(defaultContext, new object[] { Path.Combine(directory, "SmtpTools.Core.dll") });
                load.Invoke(defaultContext, new object[] { Path.Combine(directory, "SmtpTools.dll") });
            }
            catch (TargetInvocationException e) when (e.InnerException is IOException ||
                e.InnerException is BadImageFormatException || e.InnerException is UnauthorizedAccessException)
            {
                // The IL copies in the module root serve instead; they are the same code.
            }
        }
    }
}
