using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmtpTools.Core.Identity
{
    /// <summary>Finds the app's certificate by thumbprint and gets at its private key.</summary>
    internal static class CertificateLocator
    {
        /// <summary>
        /// The certificate with this thumbprint from the CurrentUser, then the LocalMachine My store. Spaces, colons
        /// and the invisible marks that the Windows certificate dialog copies along are ignored.
        /// </summary>
        /// <exception cref="SmtpIdentityException">No such certificate, or none with a usable private key.</exception>
        internal static X509Certificate2 FindByThumbprint(string thumbprint)
        {
            string wanted = Normalize(thumbprint);
            if (wanted.Length != 40)
            {
                throw new SmtpIdentityException(SmtpIdentityError.CertificateNotFound,
                    $"'{thumbprint}' is not a certificate thumbprint (40 hexadecimal digits).",
                    "Copy the Thumbprint property: " +
                    "Get-ChildItem Cert:\\CurrentUser\\My | Format-List Subject, Thumbprint");
            }
            X509Certificate2? withoutKey = null;
            foreach (StoreLocation location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                X509Certificate2Collection found;
                try
                {
                    using var store = new X509Store(StoreName.My, location);
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                    found = store.Certificates.Find(X509FindType.FindByThumbprint, wanted, validOnly: false);
                }
                catch (Exception ex) when (ex is CryptographicException || ex is PlatformNotSupportedException)
                {
                    // The store does not exist here (LocalMachine\My on Linux and macOS): look in the next one.
                    continue;
                }
                foreach (X509Certificate2 candidate in found)
                {
                    if (candidate.HasPrivateKey) return candidate;
                    withoutKey = candidate;
                }
            }
            if (withoutKey != null)
            {
                throw new SmtpIdentityException(SmtpIdentityError.CertificateKeyUnusable,
                    $"The certificate {wanted} ({withoutKey.Subject}) is in the store without its private key.",
                    "Import the PFX (with the private key) into Cert:\\CurrentUser\\My of the account that runs the " +
                    "task, or into Cert:\\LocalMachine\\My and grant that account read access to the key.");
            }
            throw new SmtpIdentityException(SmtpIdentityError.CertificateNotFound,
                $"No certificate with thumbprint {wanted} is in the CurrentUser or LocalMachine My store.",
                "Import the PFX into Cert:\\CurrentUser\\My of the account that runs the script (a scheduled task's " +
                "account has its own store), or give the certificate itself with -Certificate.");
        }

        internal static string Normalize(string thumbprint)
        {
            var sb = new StringBuilder(40);
            foreach (char c in thumbprint)
            {
                if (Uri.IsHexDigit(c)) sb.Append(char.ToUpperInvariant(c));
            }
            return sb.ToString();
        }

        /// <summary>Checks up front that the certificate can sign, so a bad one fails before any request.</summary>
        /// <exception cref="SmtpIdentityException">No private key, or not an RSA key.</exception>
        internal static void CheckUsable(X509Certificate2 certificate)
        {
            using RSA key = PrivateKey(certificate);
        }

        /// <summary>The certificate's RSA private key (the caller disposes it).</summary>
        /// <exception cref="SmtpIdentityException">No private key, not RSA, or not accessible to this
        /// account.</exception>
        internal static RSA PrivateKey(X509Certificate2 certificate)
        {
            if (!certificate.HasPrivateKey)
            {
                throw new SmtpIdentityException(SmtpIdentityError.CertificateKeyUnusable,
                    $"The certificate {certificate.Thumbprint} ({certificate.Subject}) has no private key.",
                    "Load it from the PFX with its key: Get-PfxCertificate, or " +
                    "[Security.Cryptography.X509Certificates.X509Certificate2]::new('app.pfx', $password).");
            }
            RSA? key;
            try
            {
                key = certificate.GetRSAPrivateKey();
            }
            catch (CryptographicException ex)
            {
                throw new SmtpIdentityException(SmtpIdentityError.CertificateKeyUnusable,
                    $"The private key of certificate {certificate.Thumbprint} cannot be used by this account: " +
                    ex.Message,
                    "Grant the account that runs the script read access to the key (certlm.msc > the certificate > " +
                    "All Tasks > Manage Private Keys), or import the PFX into that account's CurrentUser\\My " +
                    "store.", ex);
            }
            return key ?? throw new SmtpIdentityException(SmtpIdentityError.CertificateKeyUnusable,
                $"The certificate {certificate.Thumbprint} does not have an RSA key; Microsoft's client assertions " +
                "are signed with RSA.", "Create the app's certificate with an RSA key (2048 bits or more).");
        }
    }
}
