using System;
using System.Runtime.InteropServices;

namespace SmtpTools.Core.Smtp
{
    /// <summary>
    /// Windows SSPI (secur32) for Windows PowerShell 5.1, whose .NET Framework has no NegotiateAuthentication. Only
    /// what SMTP AUTH needs: InitializeSecurityContext for the tokens, EncryptMessage with SECQOP_WRAP_NO_ENCRYPT and
    /// DecryptMessage for RFC 4752's signed security-layer messages. Compiled on every build; CI runs on Linux, so this
    /// path has not been run by the tests (README, "Kerberos and NTLM").
    /// </summary>
    internal sealed class SspiNegotiateContext : NegotiateContext
    {
        private const int SecpkgCredOutbound = 2;
        private const int SecurityNativeDrep = 0x10;
        private const int SecWinntAuthIdentityUnicode = 2;
        private const int IscReqMutualAuth = 0x2;
        private const int IscReqAllocateMemory = 0x100;
        private const int IscReqConnection = 0x800;
        private const int IscReqIntegrity = 0x10000;
        private const int IscRetMutualAuth = 0x2;
        private const int SecEOk = 0;
        private const int SecIContinueNeeded = 0x00090312;
        private const int SecICompleteNeeded = 0x00090313;
        private const int SecICompleteAndContinue = 0x00090314;
        private const int SecpkgAttrSizes = 0;
        private const int SecpkgAttrPackageInfo = 10;
        private const int SecbufferData = 1;
        private const int SecbufferToken = 2;
        private const int SecbufferPadding = 9;
        private const int SecbufferStream = 10;
        private const uint SecqopWrapNoEncrypt = 0x80000001;

        private readonly NegotiateRequest _request;
        private SecHandle _credential;
        private SecHandle _context;
        private bool _hasContext;
        private int _attributes;
        private readonly int _acquireStatus;
        private bool _disposed;

        internal SspiNegotiateContext(NegotiateRequest request)
        {
            _request = request;
            IntPtr identity = IntPtr.Zero;
            try
            {
                if (request.UserName != null) identity = AllocIdentity(request);
                _acquireStatus = AcquireCredentialsHandleW(null, request.Package, SecpkgCredOutbound, IntPtr.Zero,
                    identity, IntPtr.Zero, IntPtr.Zero, out _credential, out _);
            }
            finally
            {
                if (identity != IntPtr.Zero) FreeIdentity(identity);
            }
        }

        internal override bool IsMutuallyAuthenticated => (_attributes & IscRetMutualAuth) != 0;

        internal override string Package
        {
            get
            {
                if (!_hasContext || QueryContextAttributesW(ref _context, SecpkgAttrPackageInfo, out IntPtr info) != 0)
                {
                    return _request.Package;
                }
                try
                {
                    // SecPkgContext_PackageInfo is one pointer, to SecPkgInfoW: ULONG fCapabilities, USHORT wVersion,
                    // USHORT wRPCID, ULONG cbMaxToken, then the Name pointer, aligned to the pointer size.
                    IntPtr name = Marshal.ReadIntPtr(info, IntPtr.Size == 8 ? 16 : 12);
                    return Marshal.PtrToStringUni(name) ?? _request.Package;
                }
                finally
                {
                    FreeContextBuffer(info);
                }
            }
        }

        internal override byte[]? Step(byte[]? incoming, out NegotiateStatus status)
        {
            if (_acquireStatus != SecEOk)
            {
                status = Fail(_acquireStatus);
                return null;
            }
            int flags = IscReqAllocateMemory | IscReqConnection;
            if (_request.RequireMutualAuthentication) flags |= IscReqMutualAuth;
            if (_request.RequireIntegrity) flags |= IscReqIntegrity;
            // Arrays of blittable structs pin in place, so SSPI writes its results straight into them.
            var output = new[] { new SecBuffer { BufferType = SecbufferToken } };
            byte[] input = incoming ?? Array.Empty<byte>();
            GCHandle inputPin = GCHandle.Alloc(input, GCHandleType.Pinned);
            var inputBuffers = new[]
            {
                new SecBuffer { Size = input.Length, BufferType = SecbufferToken, Pointer = inputPin.AddrOfPinnedObject() },
            };
            GCHandle outputPin = GCHandle.Alloc(output, GCHandleType.Pinned);
            GCHandle inputBuffersPin = GCHandle.Alloc(inputBuffers, GCHandleType.Pinned);
            try
            {
                var outputDesc = new SecBufferDesc { Version = 0, Count = 1, Buffers = outputPin.AddrOfPinnedObject() };
                var inputDesc = new SecBufferDesc { Version = 0, Count = 1, Buffers = inputBuffersPin.AddrOfPinnedObject() };
                int result = _hasContext
                    ? InitializeSecurityContextW(ref _credential, ref _context, _request.TargetName, flags, 0,
                        SecurityNativeDrep, ref inputDesc, 0, ref _context, ref outputDesc, out _attributes, out _)
                    : InitializeSecurityContextW(ref _credential, IntPtr.Zero, _request.TargetName, flags, 0,
                        SecurityNativeDrep, IntPtr.Zero, 0, ref _context, ref outputDesc, out _attributes, out _);
                if (result == SecICompleteNeeded || result == SecICompleteAndContinue)
                {
                    int completed = CompleteAuthToken(ref _context, ref outputDesc);
                    result = completed != SecEOk ? completed
                        : result == SecICompleteNeeded ? SecEOk : SecIContinueNeeded;
                }
                if (result == SecEOk || result == SecIContinueNeeded) _hasContext = true;
                status = ToStatus(result);
                if (status != NegotiateStatus.Completed && status != NegotiateStatus.ContinueNeeded) NativeError = result;
                return output[0].Size > 0 && output[0].Pointer != IntPtr.Zero
                    ? Copy(output[0].Pointer, output[0].Size)
                    : null;
            }
            finally
            {
                if (output[0].Pointer != IntPtr.Zero) FreeContextBuffer(output[0].Pointer);
                inputBuffersPin.Free();
                outputPin.Free();
                inputPin.Free();
            }
        }

        internal override byte[]? Wrap(byte[] data, out NegotiateStatus status)
        {
            int sizesStatus = QueryContextAttributesW(ref _context, SecpkgAttrSizes, out SecPkgContextSizes sizes);
            if (sizesStatus != SecEOk)
            {
                status = Fail(sizesStatus);
                return null;
            }
            // gss_wrap's token is the SSPI trailer, then the data, then any padding (the layout MIT and Microsoft
            // both document for interoperable wrapping).
            byte[] trailer = new byte[sizes.SecurityTrailer];
            byte[] body = (byte[])data.Clone();
            byte[] padding = new byte[Math.Max(sizes.BlockSize, 1)];
            var pins = new[]
            {
                GCHandle.Alloc(trailer, GCHandleType.Pinned), GCHandle.Alloc(body, GCHandleType.Pinned),
                GCHandle.Alloc(padding, GCHandleType.Pinned),
            };
            var buffers = new[]
            {
                new SecBuffer { Size = trailer.Length, BufferType = SecbufferToken, Pointer = pins[0].AddrOfPinnedObject() },
                new SecBuffer { Size = body.Length, BufferType = SecbufferData, Pointer = pins[1].AddrOfPinnedObject() },
                new SecBuffer { Size = padding.Length, BufferType = SecbufferPadding, Pointer = pins[2].AddrOfPinnedObject() },
            };
            GCHandle buffersPin = GCHandle.Alloc(buffers, GCHandleType.Pinned);
            try
            {
                var desc = new SecBufferDesc { Version = 0, Count = 3, Buffers = buffersPin.AddrOfPinnedObject() };
                int result = EncryptMessage(ref _context, SecqopWrapNoEncrypt, ref desc, 0);
                if (result != SecEOk)
                {
                    status = Fail(result);
                    return null;
                }
                byte[] wrapped = new byte[buffers[0].Size + buffers[1].Size + buffers[2].Size];
                Buffer.BlockCopy(trailer, 0, wrapped, 0, buffers[0].Size);
                Buffer.BlockCopy(body, 0, wrapped, buffers[0].Size, buffers[1].Size);
                Buffer.BlockCopy(padding, 0, wrapped, buffers[0].Size + buffers[1].Size, buffers[2].Size);
                status = NegotiateStatus.Completed;
                return wrapped;
            }
            finally
            {
                buffersPin.Free();
                foreach (GCHandle pin in pins) pin.Free();
            }
        }

        internal override byte[]? Unwrap(byte[] data, out NegotiateStatus status)
        {
            byte[] stream = (byte[])data.Clone();
            GCHandle streamPin = GCHandle.Alloc(stream, GCHandleType.Pinned);
            var buffers = new[]
            {
                new SecBuffer { Size = stream.Length, BufferType = SecbufferStream, Pointer = streamPin.AddrOfPinnedObject() },
                new SecBuffer { Size = 0, BufferType = SecbufferData, Pointer = IntPtr.Zero },
            };
            GCHandle buffersPin = GCHandle.Alloc(buffers, GCHandleType.Pinned);
            try
            {
                var desc = new SecBufferDesc { Version = 0, Count = 2, Buffers = buffersPin.AddrOfPinnedObject() };
                int result = DecryptMessage(ref _context, ref desc, 0, out _);
                if (result != SecEOk)
                {
                    status = Fail(result);
                    return null;
                }
                // The data buffer now points into the stream buffer, at the unwrapped message.
                status = NegotiateStatus.Completed;
                return Copy(buffers[1].Pointer, buffers[1].Size);
            }
            finally
            {
                buffersPin.Free();
                streamPin.Free();
            }
        }

        // The handles are plain structs, not SafeHandles: a context the caller never disposes (an AUTH exchange that
        // the server ended early) is freed here.
        ~SspiNegotiateContext() => Release();

        public override void Dispose()
        {
            Release();
            GC.SuppressFinalize(this);
        }

        private void Release()
        {
            if (_disposed) return;
            _disposed = true;
            if (_hasContext) DeleteSecurityContext(ref _context);
            if (_acquireStatus == SecEOk) FreeCredentialsHandle(ref _credential);
        }

        private NegotiateStatus Fail(int result)
        {
            NativeError = result;
            return ToStatus(result);
        }

        /// <summary>SSPI codes, mapped as .NET's NegotiateAuthentication maps them on Windows; the rest (clock skew,
        /// no authority, NTLM blocked) stay in <see cref="NegotiateContext.NativeError"/> for the error's words.</summary>
        private static NegotiateStatus ToStatus(int result) => unchecked((uint)result) switch
        {
            0 => NegotiateStatus.Completed,
            0x00090312 => NegotiateStatus.ContinueNeeded,
            0x80090303 => NegotiateStatus.TargetUnknown,       // SEC_E_TARGET_UNKNOWN
            0x8009030E => NegotiateStatus.UnknownCredentials,  // SEC_E_NO_CREDENTIALS
            0x8009030D => NegotiateStatus.UnknownCredentials,  // SEC_E_UNKNOWN_CREDENTIALS
            0x8009030C => NegotiateStatus.InvalidCredentials,  // SEC_E_LOGON_DENIED
            0x80090317 => NegotiateStatus.ContextExpired,      // SEC_E_CONTEXT_EXPIRED
            0x80090330 => NegotiateStatus.MessageAltered,      // SEC_E_MESSAGE_ALTERED
            0x80090308 => NegotiateStatus.InvalidToken,        // SEC_E_INVALID_TOKEN
            0x80090302 => NegotiateStatus.Unsupported,         // SEC_E_UNSUPPORTED_FUNCTION
            0x80090305 => NegotiateStatus.Unsupported,         // SEC_E_SECPKG_NOT_FOUND
            _ => NegotiateStatus.GenericFailure,
        };

        private static byte[] Copy(IntPtr pointer, int size)
        {
            byte[] result = new byte[size];
            if (size > 0) Marshal.Copy(pointer, result, 0, size);
            return result;
        }

        private static IntPtr AllocIdentity(NegotiateRequest request)
        {
            var identity = new SecWinntAuthIdentity
            {
                User = Marshal.StringToHGlobalUni(request.UserName),
                UserLength = request.UserName!.Length,
                Domain = Marshal.StringToHGlobalUni(request.Domain ?? string.Empty),
                DomainLength = (request.Domain ?? string.Empty).Length,
                Password = Marshal.StringToHGlobalUni(request.Password ?? string.Empty),
                PasswordLength = (request.Password ?? string.Empty).Length,
                Flags = SecWinntAuthIdentityUnicode,
            };
            IntPtr block = Marshal.AllocHGlobal(Marshal.SizeOf(typeof(SecWinntAuthIdentity)));
            Marshal.StructureToPtr(identity, block, false);
            return block;
        }

        private static void FreeIdentity(IntPtr block)
        {
            var identity = (SecWinntAuthIdentity)Marshal.PtrToStructure(block, typeof(SecWinntAuthIdentity))!;
            Marshal.FreeHGlobal(identity.User);
            Marshal.FreeHGlobal(identity.Domain);
            // The password is zeroed before it is freed, so it does not linger in the process heap.
            Marshal.Copy(new byte[identity.PasswordLength * 2], 0, identity.Password, identity.PasswordLength * 2);
            Marshal.FreeHGlobal(identity.Password);
            Marshal.FreeHGlobal(block);
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct SecHandle
        {
            internal IntPtr Lower;
            internal IntPtr Upper;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct SecBuffer
        {
            internal int Size;
            internal int BufferType;
            internal IntPtr Pointer;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct SecBufferDesc
        {
            internal int Version;
            internal int Count;
            internal IntPtr Buffers;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct SecPkgContextSizes
        {
            internal int MaxToken;
            internal int MaxSignature;
            internal int BlockSize;
            internal int SecurityTrailer;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct SecWinntAuthIdentity
        {
            internal IntPtr User;
            internal int UserLength;
            internal IntPtr Domain;
            internal int DomainLength;
            internal IntPtr Password;
            internal int PasswordLength;
            internal int Flags;
        }

        [DllImport("secur32.dll", CharSet = CharSet.Unicode)]
        private static extern int AcquireCredentialsHandleW(string? principal, string package, int credentialUse,
            IntPtr logonId, IntPtr authData, IntPtr getKeyFunction, IntPtr getKeyArgument, out SecHandle credential,
            out long expiry);

        [DllImport("secur32.dll", CharSet = CharSet.Unicode)]
        private static extern int InitializeSecurityContextW(ref SecHandle credential, IntPtr context, string target,
            int flags, int reserved1, int dataRepresentation, IntPtr input, int reserved2, ref SecHandle newContext,
            ref SecBufferDesc output, out int attributes, out long expiry);

        [DllImport("secur32.dll", CharSet = CharSet.Unicode)]
        private static extern int InitializeSecurityContextW(ref SecHandle credential, ref SecHandle context,
            string target, int flags, int reserved1, int dataRepresentation, ref SecBufferDesc input, int reserved2,
            ref SecHandle newContext, ref SecBufferDesc output, out int attributes, out long expiry);

        [DllImport("secur32.dll")]
        private static extern int CompleteAuthToken(ref SecHandle context, ref SecBufferDesc token);

        [DllImport("secur32.dll", CharSet = CharSet.Unicode)]
        private static extern int QueryContextAttributesW(ref SecHandle context, int attribute,
            out SecPkgContextSizes sizes);

        [DllImport("secur32.dll", CharSet = CharSet.Unicode)]
        private static extern int QueryContextAttributesW(ref SecHandle context, int attribute, out IntPtr buffer);

        [DllImport("secur32.dll")]
        private static extern int EncryptMessage(ref SecHandle context, uint qop, ref SecBufferDesc message,
            int sequence);

        [DllImport("secur32.dll")]
        private static extern int DecryptMessage(ref SecHandle context, ref SecBufferDesc message, int sequence,
            out uint qop);

        [DllImport("secur32.dll")]
        private static extern int FreeContextBuffer(IntPtr buffer);

        [DllImport("secur32.dll")]
        private static extern int DeleteSecurityContext(ref SecHandle context);

        [DllImport("secur32.dll")]
        private static extern int FreeCredentialsHandle(ref SecHandle credential);
    }
}
