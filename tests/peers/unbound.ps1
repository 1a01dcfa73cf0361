# DNSSEC for the DANE tests: the dane.test zone is signed for the run (ldns-keygen, ldns-signzone from Debian's
# ldnsutils), NSD serves it, and Unbound runs as a local validating resolver in front of NSD with the run's key as its
# trust anchor. Asked through Unbound, TLSA answers carry the AD bit; asked of NSD directly, they do not.
# Dot-sourced by Start-Peers.ps1 / Stop-Peers.ps1.

# The signed zone file to hand to NSD, with a TLSA 3 1 1 record of $CertFile (the Postfix peer's certificate).
function New-DaneZone([string] $RunDir, [string] $CertFile, [string] $Template = (Join-Path $PSScriptRoot 'dane/dane.test.zone.in')) {
    foreach ($program in 'ldns-keygen', 'ldns-signzone') {
        if (-not (Get-Command $program -ErrorAction Ignore)) { throw "$program is not installed: apt-get install -y ldnsutils" }
    }
    $dir = Join-Path $RunDir 'dane'
    New-Item -ItemType Directory -Force -Path (Join-Path $dir 'signed') | Out-Null
    $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content $CertFile -Raw))
    $spki = $cert.PublicKey.ExportSubjectPublicKeyInfo()
    $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($spki)).ToLowerInvariant()
    $zone = Join-Path $dir 'dane.test.zone'
    Set-Content -Path $zone -Value ((Get-Content $Template) + "_25._tcp.mx IN TLSA 3 1 1 $hash")
    Push-Location $dir
    try {
        # One ECDSA P-256 key as KSK (ldns-signzone signs every set with it): enough for a validator.
        $base = (& ldns-keygen -a ECDSAP256SHA256 -k dane.test 2>&1 | Select-Object -Last 1).Trim()
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path "$base.key")) { throw "ldns-keygen failed: $base" }
        $out = & ldns-signzone -f (Join-Path $dir 'signed/dane.test.zone') $zone $base 2>&1
        if ($LASTEXITCODE -ne 0) { throw "ldns-signzone failed: $out" }
    }
    finally { Pop-Location }
    return [pscustomobject]@{
        ZoneFile   = Join-Path $dir 'signed/dane.test.zone'
        KeyFile    = Join-Path $dir "$base.key"
        TlsaRecord = "3 1 1 $hash"
    }
}

function Start-UnboundPeer([string] $RunDir, [int] $Port, [int] $NsdPort, [string] $TrustAnchorFile) {
    if (-not (Get-Command unbound -ErrorAction Ignore)) { throw 'unbound is not installed: apt-get install -y unbound' }
    $dir = Join-Path $RunDir 'unbound'
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $config = Join-Path $dir 'unbound.conf'
    # test. is a special-use name Unbound answers itself by default (nodefault lifts that); the stub sends it to NSD,
    # and the run's DNSKEY is the only trust anchor, so dane.test validates and everything else is insecure.
    Set-Content -Path $config -Value @"
server:
  interface: 127.0.0.1@$Port
  port: $Port
  do-ip6: no
  username: ""
  chroot: ""
  directory: "$dir"
  pidfile: "$dir/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  num-threads: 1
  so-reuseport: no
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  module-config: "validator iterator"
  trust-anchor-file: "$TrustAnchorFile"
  local-zone: "test." nodefault
  qname-minimisation: no
  cache-max-ttl: 5
  cache-max-negative-ttl: 5
remote-control:
  control-enable: no
stub-zone:
  name: "test."
  stub-addr: 127.0.0.1@$NsdPort
"@
    $check = & unbound-checkconf $config 2>&1
    if ($LASTEXITCODE -ne 0) { throw "unbound-checkconf rejected $config`: $check" }
    Start-PeerDaemon -RunDir $RunDir -Name 'unbound' -Command @('unbound', '-d', '-c', $config)
    # A recursive query (RD set) for mx.test SOA: Unbound refuses queries without RD for names it has not cached.
    Wait-Until { Test-NsdAnswer -Port $Port } "Unbound on port $Port"
}

function Stop-UnboundPeer([string] $RunDir) {
    $pidFile = Join-Path $RunDir 'unbound.pid'
    if (-not (Test-Path $pidFile)) { return }
    Stop-ProcessSession -SessionId ([int](Get-Content $pidFile -Raw).Trim())
    Remove-Item $pidFile -ErrorAction Ignore
}
