using System;
using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// System.Net.Security.NegotiateAuthentication (.NET 7+, so PowerShell 7.3+), reached by reflection from this
    /// netstandard2.0 assembly: SSPI on Windows, the system's GSSAPI library (MIT or Heimdal Kerberos, gss-ntlmssp for
    /// NTLM) elsewhere. Its span-based methods cannot go through MethodInfo.Invoke, so they are bound once to typed
    /// delegates; the status enum is the generic argument, so the delegate matches the method exactly.
    /// </summary>
    internal sealed class RuntimeNegotiateContext : NegotiateContext
    {
        private static readonly Api? Runtime = Api.Find();

        private readonly object _context;
        private readonly Calls _calls;

        internal RuntimeNegotiateContext(NegotiateRequest request)
        {
            Api api = Runtime ?? throw new PlatformNotSupportedException("NegotiateAuthentication is not available.");
            object options = Activator.CreateInstance(api.OptionsType)!;
            NetworkCredential credential = request.UserName == null
                ? CredentialCache.DefaultNetworkCredentials
                : new NetworkCredential(request.UserName, request.Password ?? string.Empty, request.Domain ?? string.Empty);
            Set(options, "Package", request.Package);
            Set(options, "TargetName", request.TargetName);
            Set(options, "Credential", credential);
            Set(options, "RequireMutualAuthentication", request.RequireMutualAuthentication);
            Set(options, "RequiredProtectionLevel",
                request.RequireIntegrity ? ProtectionLevel.Sign : ProtectionLevel.None);
            try
            {
                _context = Activator.CreateInstance(api.ContextType, options)!;
            }
            catch (TargetInvocationException ex) when (ex.InnerException != null)
            {
                throw ex.InnerException;
            }
            _calls = (Calls)Activator.CreateInstance(typeof(Calls<>).MakeGenericType(api.StatusType), _context, api)!;
        }

        /// <summary>True when the runtime has NegotiateAuthentication.</summary>
        internal static bool IsAvailable => Runtime != null;

        internal override bool IsMutuallyAuthenticated => (bool)Runtime!.IsMutuallyAuthenticated.GetValue(_context)!;

        internal override string Package => (string?)Runtime!.PackageProperty.GetValue(_context) ?? string.Empty;

        internal override byte[]? Step(byte[]? incoming, out NegotiateStatus status) =>
            _calls.Step(incoming ?? Array.Empty<byte>(), out status);

        internal override byte[]? Wrap(byte[] data, out NegotiateStatus status) => _calls.Wrap(data, out status);

        internal override byte[]? Unwrap(byte[] data, out NegotiateStatus status) => _calls.Unwrap(data, out status);

        public override void Dispose() => ((IDisposable)_context).Dispose();

        private static void Set(object options, string name, object value) =>
            options.GetType().GetProperty(name)!.SetValue(options, value);

        private static NegotiateStatus ToStatus(object status) =>
            Enum.TryParse(status.ToString(), out NegotiateStatus known) ? known : NegotiateStatus.GenericFailure;

        /// <summary>The members used, found once; null when any is missing (then this runtime has no support).</summary>
        private sealed class Api
        {
            internal Type ContextType = null!;
            internal Type OptionsType = null!;
            internal Type StatusType = null!;
            internal MethodInfo GetOutgoingBlob = null!;
            internal MethodInfo WrapMethod = null!;
            internal MethodInfo UnwrapMethod = null!;
            internal PropertyInfo IsMutuallyAuthenticated = null!;
            internal PropertyInfo PackageProperty = null!;

            internal static Api? Find()
            {
                Assembly security = typeof(SslStream).Assembly;
                Type? context = security.GetType("System.Net.Security.NegotiateAuthentication");
                Type? options = security.GetType("System.Net.Security.NegotiateAuthenticationClientOptions");
                Type? status = security.GetType("System.Net.Security.NegotiateAuthenticationStatusCode");
                return context == null || options == null || status == null ? null : Members(context, options, status);
            }

            // Apart from Find, so that .NET Framework, which never gets here, never has to load the span types.
            [MethodImpl(MethodImplOptions.NoInlining)]
            private static Api? Members(Type context, Type options, Type status)
            {
                Type span = typeof(ReadOnlySpan<byte>);
                Type writer = typeof(IBufferWriter<byte>);
                Type statusRef = status.MakeByRefType();
                Type boolRef = typeof(bool).MakeByRefType();
                var api = new Api
                {
                    ContextType = context,
                    OptionsType = options,
                    StatusType = status,
                    GetOutgoingBlob = context.GetMethod("GetOutgoingBlob", new[] { span, statusRef })!,
                    WrapMethod = context.GetMethod("Wrap", new[] { span, writer, typeof(bool), boolRef })!,
                    UnwrapMethod = context.GetMethod("Unwrap", new[] { span, writer, boolRef })!,
                    IsMutuallyAuthenticated = context.GetProperty("IsMutuallyAuthenticated")!,
                    PackageProperty = context.GetProperty("Package")!,
                };
                return api.GetOutgoingBlob == null || api.WrapMethod == null || api.UnwrapMethod == null ||
                       api.IsMutuallyAuthenticated == null || api.PackageProperty == null
                    ? null
                    : api;
            }
        }

        private abstract class Calls
        {
            internal abstract byte[]? Step(byte[] incoming, out NegotiateStatus status);
            internal abstract byte[]? Wrap(byte[] data, out NegotiateStatus status);
            internal abstract byte[]? Unwrap(byte[] data, out NegotiateStatus status);
        }

        private delegate byte[]? StepCall<TStatus>(ReadOnlySpan<byte> incoming, out TStatus status);

        private delegate TStatus WrapCall<TStatus>(ReadOnlySpan<byte> input, IBufferWriter<byte> output,
            bool requestEncryption, out bool isEncrypted);

        private delegate TStatus UnwrapCall<TStatus>(ReadOnlySpan<byte> input, IBufferWriter<byte> output,
            out bool wasEncrypted);

        private sealed class Calls<TStatus> : Calls where TStatus : struct
        {
            private readonly StepCall<TStatus> _step;
            private readonly WrapCall<TStatus> _wrap;
            private readonly UnwrapCall<TStatus> _unwrap;

            public Calls(object context, Api api)
            {
                _step = (StepCall<TStatus>)Delegate.CreateDelegate(typeof(StepCall<TStatus>), context,
                    api.GetOutgoingBlob);
                _wrap = (WrapCall<TStatus>)Delegate.CreateDelegate(typeof(WrapCall<TStatus>), context, api.WrapMethod);
                _unwrap = (UnwrapCall<TStatus>)Delegate.CreateDelegate(typeof(UnwrapCall<TStatus>), context,
                    api.UnwrapMethod);
            }

            internal override byte[]? Step(byte[] incoming, out NegotiateStatus status)
            {
                byte[]? outgoing = _step(incoming, out TStatus code);
                status = ToStatus(code);
                return outgoing;
            }

            internal override byte[]? Wrap(byte[] data, out NegotiateStatus status)
            {
                var output = new GrowingBuffer();
                status = ToStatus(_wrap(data, output, false, out _));
                return status == NegotiateStatus.Completed ? output.ToArray() : null;
            }

            internal override byte[]? Unwrap(byte[] data, out NegotiateStatus status)
            {
                var output = new GrowingBuffer();
                status = ToStatus(_unwrap(data, output, out _));
                return status == NegotiateStatus.Completed ? output.ToArray() : null;
            }
        }

        /// <summary>An IBufferWriter over one array (System.Buffers.ArrayBufferWriter is not in netstandard2.0).</summary>
        private sealed class GrowingBuffer : IBufferWriter<byte>
        {
            private byte[] _buffer = new byte[256];
            private int _written;

            public void Advance(int count) => _written += count;

            public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

            public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

            internal byte[] ToArray()
            {
                byte[] result = new byte[_written];
                Buffer.BlockCopy(_buffer, 0, result, 0, _written);
                return result;
            }

            private byte[] Reserve(int sizeHint)
            {
                int needed = Math.Max(sizeHint, 1);
                if (_buffer.Length - _written < needed)
                {
                    Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _written + needed));
                }
                return _buffer;
            }
        }
    }
}
