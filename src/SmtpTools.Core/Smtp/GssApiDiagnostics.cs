using System;
using System.Runtime.InteropServices;
using System.Text;

namespace SmtpTools.Core.Smtp
{
    /// <summary>What the GSSAPI library said about a failed step: its status codes and its own words.</summary>
    internal sealed class GssApiFailure
    {
        internal GssApiFailure(uint major, int minor, string text)
        {
            Major = major;
            Minor = minor;
            Text = text;
        }

        /// <summary>The GSS major status (RFC 2744 §3.9.1), e.g. 0x70000 GSS_S_NO_CRED.</summary>
        internal uint Major { get; }

        /// <summary>The mechanism's code: for MIT Kerberos a com_err code such as KRB5KRB_AP_ERR_SKEW.</summary>
        internal int Minor { get; }

        /// <summary>gss_display_status of the minor code, e.g. "Ticket expired".</summary>
        internal string Text { get; }
    }

    /// <summary>
    /// Asks the system's MIT Kerberos GSSAPI library (Linux) who the current identity is and, after a failed first
    /// step, why: .NET's NegotiateAuthentication reports "GenericFailure" both for an expired ticket and for an unknown
    /// service principal, and keeps the library's minor code to itself. Repeating the first step here, with the same
    /// ticket cache and target, gives that code. Best effort: without the library every answer is null.
    /// </summary>
    internal static class GssApiDiagnostics
    {
        private const string Library = "libgssapi_krb5.so.2";
        private const int GssCInitiate = 1;
        private const int GssCMechCode = 2;
        private const uint GssCMutualFlag = 2;

        // 1.2.840.113554.1.2.1.4 (GSS_C_NT_HOSTBASED_SERVICE) and 1.2.840.113554.1.2.2 (Kerberos 5).
        private static readonly byte[] HostBasedServiceOid = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x04 };
        private static readonly byte[] KerberosOid = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02 };

        /// <summary>True where the library may exist: not on Windows, where SSPI answers instead.</summary>
        internal static bool Applies => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>The principal of the default ticket cache and the seconds it is still valid, or why there is none.</summary>
        internal static (string? Principal, uint Lifetime, GssApiFailure? Failure) DefaultCredential()
        {
            if (!Applies) return (null, 0, null);
            IntPtr credential = IntPtr.Zero;
            IntPtr name = IntPtr.Zero;
            try
            {
                uint major = gss_acquire_cred(out uint minor, IntPtr.Zero, 0, IntPtr.Zero, GssCInitiate,
                    out credential, IntPtr.Zero, out _);
                if (major != 0) return (null, 0, Failure(major, minor));
                major = gss_inquire_cred(out minor, credential, out name, out uint lifetime, out _, IntPtr.Zero);
                if (major != 0 && name == IntPtr.Zero) return (null, 0, Failure(major, minor));
                return (DisplayName(name), lifetime, null);
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                return (null, 0, null);
            }
            finally
            {
                if (name != IntPtr.Zero) gss_release_name(out _, ref name);
                if (credential != IntPtr.Zero) gss_release_cred(out _, ref credential);
            }
        }

        /// <summary>Repeats a Kerberos first step for SERVICE/host with the default credential; null when it works.</summary>
        internal static GssApiFailure? ExplainFirstStep(string targetName)
        {
            if (!Applies) return null;
            IntPtr oidMemory = IntPtr.Zero;
            IntPtr target = IntPtr.Zero;
            IntPtr context = IntPtr.Zero;
            var output = new GssBuffer();
            try
            {
                oidMemory = Marshal.AllocHGlobal(HostBasedServiceOid.Length + KerberosOid.Length);
                Marshal.Copy(HostBasedServiceOid, 0, oidMemory, HostBasedServiceOid.Length);
                Marshal.Copy(KerberosOid, 0, oidMemory + HostBasedServiceOid.Length, KerberosOid.Length);
                var nameType = new GssOid { Length = (uint)HostBasedServiceOid.Length, Elements = oidMemory };
                var mechanism = new GssOid
                {
                    Length = (uint)KerberosOid.Length, Elements = oidMemory + HostBasedServiceOid.Length,
                };
                // SERVICE/host, as Windows writes SPNs, is SERVICE@host as a GSSAPI host-based name (.NET converts
                // the same way).
                int slash = targetName.IndexOf('/');
                string hostBased = slash > 0
                    ? targetName.Substring(0, slash) + "@" + targetName.Substring(slash + 1)
                    : targetName;
                byte[] nameBytes = Encoding.UTF8.GetBytes(hostBased);
                IntPtr nameMemory = Marshal.AllocHGlobal(nameBytes.Length);
                try
                {
                    Marshal.Copy(nameBytes, 0, nameMemory, nameBytes.Length);
                    var nameBuffer = new GssBuffer { Length = (IntPtr)nameBytes.Length, Value = nameMemory };
                    uint major = gss_import_name(out uint minor, ref nameBuffer, ref nameType, out target);
                    if (major != 0) return Failure(major, minor);
                }
                finally
                {
                    Marshal.FreeHGlobal(nameMemory);
                }
                uint status = gss_init_sec_context(out uint initMinor, IntPtr.Zero, ref context, target,
                    ref mechanism, GssCMutualFlag, 0, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, ref output, out _, out _);
                // GSS_S_COMPLETE or GSS_S_CONTINUE_NEEDED (1): the step works here.
                return status == 0 || status == 1 ? null : Failure(status, initMinor);
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                return null;
            }
            finally
            {
                if (output.Value != IntPtr.Zero) gss_release_buffer(out _, ref output);
                if (context != IntPtr.Zero) gss_delete_sec_context(out _, ref context, IntPtr.Zero);
                if (target != IntPtr.Zero) gss_release_name(out _, ref target);
                if (oidMemory != IntPtr.Zero) Marshal.FreeHGlobal(oidMemory);
            }
        }

        private static GssApiFailure Failure(uint major, uint minor)
        {
            // The minor code says what happened (the major one is mostly "Unspecified GSS failure"). gss_inquire_cred
            // on an expired ticket sets only the major code (its minor one reads "Success").
            string text = minor != 0 && major != IntegratedAuthErrors.GssSCredentialsExpired
                ? DisplayStatus(minor, GssCMechCode)
                : DisplayStatus(major, 1);
            return new GssApiFailure(major, unchecked((int)minor), text);
        }

        private static string DisplayStatus(uint status, int type)
        {
            var text = new StringBuilder();
            uint messageContext = 0;
            do
            {
                var buffer = new GssBuffer();
                if (gss_display_status(out _, status, type, IntPtr.Zero, ref messageContext, ref buffer) != 0) break;
                try
                {
                    if (text.Length > 0) text.Append(' ');
                    text.Append(Marshal.PtrToStringAnsi(buffer.Value, (int)buffer.Length));
                }
                finally
                {
                    gss_release_buffer(out _, ref buffer);
                }
            } while (messageContext != 0);
            return text.ToString().Trim();
        }

        private static string? DisplayName(IntPtr name)
        {
            if (name == IntPtr.Zero) return null;
            var buffer = new GssBuffer();
            if (gss_display_name(out _, name, ref buffer, IntPtr.Zero) != 0) return null;
            try
            {
                return Marshal.PtrToStringAnsi(buffer.Value, (int)buffer.Length);
            }
            finally
            {
                gss_release_buffer(out _, ref buffer);
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct GssBuffer
        {
            internal IntPtr Length;
            internal IntPtr Value;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct GssOid
        {
            internal uint Length;
            internal IntPtr Elements;
        }

        [DllImport(Library)]
        private static extern uint gss_acquire_cred(out uint minor, IntPtr name, uint timeRequested, IntPtr mechanisms,
            int usage, out IntPtr credential, IntPtr actualMechanisms, out uint timeReceived);

        [DllImport(Library)]
        private static extern uint gss_inquire_cred(out uint minor, IntPtr credential, out IntPtr name,
            out uint lifetime, out int usage, IntPtr mechanisms);

        [DllImport(Library)]
        private static extern uint gss_display_name(out uint minor, IntPtr name, ref GssBuffer buffer, IntPtr nameType);

        [DllImport(Library)]
        private static extern uint gss_import_name(out uint minor, ref GssBuffer name, ref GssOid nameType,
            out IntPtr output);

        [DllImport(Library)]
        private static extern uint gss_init_sec_context(out uint minor, IntPtr credential, ref IntPtr context,
            IntPtr target, ref GssOid mechanism, uint flags, uint timeRequested, IntPtr channelBindings,
            IntPtr inputToken, IntPtr actualMechanism, ref GssBuffer outputToken, out uint returnedFlags,
            out uint timeReceived);

        [DllImport(Library)]
        private static extern uint gss_display_status(out uint minor, uint status, int statusType, IntPtr mechanism,
            ref uint messageContext, ref GssBuffer text);

        [DllImport(Library)]
        private static extern uint gss_release_buffer(out uint minor, ref GssBuffer buffer);

        [DllImport(Library)]
        private static extern uint gss_release_name(out uint minor, ref IntPtr name);

        [DllImport(Library)]
        private static extern uint gss_release_cred(out uint minor, ref IntPtr credential);

        [DllImport(Library)]
        private static extern uint gss_delete_sec_context(out uint minor, ref IntPtr context, IntPtr outputToken);
    }
}
