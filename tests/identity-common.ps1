# Dot-sourced (after common.ps1) by the tests of the OAuth identity flows: loads the test identity provider
# (tests/SmtpTools.TestServer/TestIdentityProvider.cs) and helpers for certificates, key files and secret checks.

# The same TestServer assembly the other test files load (one copy per process).
. (Join-Path $PSScriptRoot 'TestServer.ps1')

# An identity provider whose tokens the OAuth Dovecot peer trusts (signed with the peer's key under its key id).
function Start-TestIdentityProvider {
    [SmtpTools.TestServer.TestIdentityProvider]::Start((Get-Content -Raw (Get-PeerSetting OAUTH_SIGNING_KEY)),
        (Get-PeerSetting OAUTH_KEY_ID))
}

# A self-signed RSA certificate with its private key, as an app registration's certificate credential.
function New-TestAppCertificate([string] $Subject = "CN=SmtpTools OAuth test $([Guid]::NewGuid().ToString('N').Substring(0, 8))") {
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new($Subject, $rsa,
        [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $now = [DateTimeOffset]::UtcNow
    $cert = $request.CreateSelfSigned($now.AddMinutes(-5), $now.AddDays(2))
    # Through PFX so the key is persisted with the certificate when it goes into a store.
    $pfx = $cert.Export([Security.Cryptography.X509Certificates.X509ContentType]::Pfx)
    [Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12($pfx, $null,
        [Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable)
}

function Add-CurrentUserCertificate($Certificate) {
    $store = [Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
    $store.Open('ReadWrite')
    try { $store.Add($Certificate) } finally { $store.Dispose() }
}

function Remove-CurrentUserCertificate([string] $Thumbprint) {
    $store = [Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
    $store.Open('ReadWrite')
    try {
        foreach ($c in @($store.Certificates.Find('FindByThumbprint', $Thumbprint, $false))) { $store.Remove($c) }
    }
    finally { $store.Dispose() }
}

function ConvertTo-Secure([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }

function Get-PlainText([securestring] $Secure) { [pscredential]::new('x', $Secure).GetNetworkCredential().Password }
