# The MTA-STS policy server: nginx from Debian serving tests/peers/sts/<name>.txt as
# https://mta-sts.<name>.sts.test/.well-known/mta-sts.txt on a loopback port, with a certificate from a CA made for
# the run. Nothing trusts that CA but the tests that name it (SMTPTOOLS_TEST_CA): product code validates as always.
# Dot-sourced by Start-Peers.ps1 / Stop-Peers.ps1; alone:
#   . tests/peers/peers-common.ps1; . tests/peers/nginx.ps1; Start-MtaStsPeer -RunDir /tmp/sts1 -Port 8443

# The policy hosts the certificate names; mta-sts.badcert.sts.test is left out on purpose.
$script:MtaStsPolicies = 'enforce', 'testing', 'mismatch', 'redirect', 'nopolicy'

function New-TestCertificateAuthority([string] $Directory, [string[]] $DnsNames) {
    $caKey = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $caRequest = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=SmtpTools test CA',
        $caKey, [Security.Cryptography.HashAlgorithmName]::SHA256)
    $caRequest.CertificateExtensions.Add(
        [Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $caRequest.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new(
        [Security.Cryptography.X509Certificates.X509KeyUsageFlags]'KeyCertSign, CrlSign', $true))
    $now = [DateTimeOffset]::UtcNow
    $ca = $caRequest.CreateSelfSigned($now.AddMinutes(-5), $now.AddDays(7))

    $key = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$($DnsNames[0])", $key,
        [Security.Cryptography.HashAlgorithmName]::SHA256)
    $san = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    foreach ($name in $DnsNames) { $san.AddDnsName($name) }
    $request.CertificateExtensions.Add($san.Build())
    $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $false))
    $usage = [Security.Cryptography.OidCollection]::new()
    [void]$usage.Add([Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.1'))
    $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($usage, $false))
    $serial = [byte[]](1..16 | ForEach-Object { Get-Random -Maximum 256 })
    $cert = $request.Create($ca, $now.AddMinutes(-5), $now.AddDays(6), $serial)

    New-Item -ItemType Directory -Force -Path $Directory | Out-Null
    $caFile = Join-Path $Directory 'ca.crt'
    Set-Content -Path $caFile -Value $ca.ExportCertificatePem() -NoNewline
    Set-Content -Path (Join-Path $Directory 'server.crt') -Value ($cert.ExportCertificatePem() + "`n" + $ca.ExportCertificatePem()) -NoNewline
    Set-Content -Path (Join-Path $Directory 'server.key') -Value $key.ExportPkcs8PrivateKeyPem() -NoNewline
    & chmod 0600 (Join-Path $Directory 'server.key')
    return $caFile
}

function Start-MtaStsPeer {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string] $RunDir, [Parameter(Mandatory)][int] $Port,
        [string] $PolicyDirectory = (Join-Path $PSScriptRoot 'sts'))
    if (-not (Get-Command nginx -ErrorAction Ignore)) { throw 'nginx is not installed: apt-get install -y nginx' }
    $dir = Join-Path $RunDir 'nginx'
    $www = Join-Path $dir 'www'
    New-Item -ItemType Directory -Force -Path $www | Out-Null
    $names = @($script:MtaStsPolicies | ForEach-Object { "mta-sts.$_.sts.test" })
    $caFile = New-TestCertificateAuthority -Directory (Join-Path $dir 'tls') -DnsNames $names
    foreach ($file in Get-ChildItem -Path $PolicyDirectory -Filter '*.txt') {
        $target = Join-Path $www "mta-sts.$($file.BaseName).sts.test/.well-known"
        New-Item -ItemType Directory -Force -Path $target | Out-Null
        Copy-Item $file.FullName (Join-Path $target 'mta-sts.txt')
    }
    & chmod -R a+rX $dir
    Set-Content -Path (Join-Path $dir 'nginx.conf') -Value @"
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $RunDir/nginx.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    types { }
    default_type text/plain;
    ssl_certificate $dir/tls/server.crt;
    ssl_certificate_key $dir/tls/server.key;
    server {
        listen 127.0.0.1:$Port ssl default_server;
        server_name _;
        root $www/`$host;
    }
    server {
        listen 127.0.0.1:$Port ssl;
        server_name mta-sts.redirect.sts.test;
        return 301 https://www.sts.test/mta-sts.txt;
    }
}
"@
    New-Item -ItemType Directory -Force -Path (Join-Path $dir 'tmp') | Out-Null
    $check = & nginx -t -q -c (Join-Path $dir 'nginx.conf') -p $dir 2>&1
    if ($LASTEXITCODE -ne 0) { throw "nginx rejected its configuration: $check" }
    Start-PeerDaemon -RunDir $RunDir -Name 'nginx' -Command @('nginx', '-c', (Join-Path $dir 'nginx.conf'), '-p', $dir)
    Wait-Until { Test-TcpPort -Port $Port } "nginx on port $Port"
    return [pscustomobject]@{ Port = $Port; CaFile = $caFile }
}

function Stop-MtaStsPeer([string] $RunDir) {
    $pidFile = Join-Path $RunDir 'nginx.pid'
    if (-not (Test-Path $pidFile)) { return }
    Stop-ProcessSession -SessionId ([int](Get-Content $pidFile -Raw).Trim())
    Remove-Item $pidFile -ErrorAction Ignore
}
