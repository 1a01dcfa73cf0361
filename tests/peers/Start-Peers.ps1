<#
.SYNOPSIS
Starts the real test peers on 127.0.0.1 high ports: Postfix (plain+STARTTLS, implicit TLS, and an AUTH-required
submission port through Dovecot SASL) and NSD, an authoritative DNS server serving tests/peers/dns/*.zone.

.DESCRIPTION
Dot-source it (`. ./tests/peers/Start-Peers.ps1`) to get the SMTPTOOLS_* variables in the current process, or read
them from "$env:SMTPTOOLS_PEERS_DIR/peers.env". Idempotent: when the peers recorded in -StateFile still answer, they
are reused. Missing Debian packages are installed when running as root on Debian/Ubuntu; elsewhere the script stops
and names the packages to install. Stop everything with tests/peers/Stop-Peers.ps1.
#>
[CmdletBinding()]
param(
    # Where the current run folder is remembered, so a second start reuses it and Stop-Peers finds it.
    [string] $StateFile = (Join-Path $PSScriptRoot '../../out/peers/current'),
    # Preferred DNS port; another free port is used when it is taken (several checkouts may run peers at once).
    [int] $DnsPort = 5353
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot 'peers-common.ps1')
. (Join-Path $PSScriptRoot 'postfix.ps1')
. (Join-Path $PSScriptRoot 'nsd.ps1')
. (Join-Path $PSScriptRoot 'kerberos.ps1')
. (Join-Path $PSScriptRoot 'opendkim.ps1')
. (Join-Path $PSScriptRoot 'nginx.ps1')
. (Join-Path $PSScriptRoot 'unbound.ps1')
. (Join-Path $PSScriptRoot 'relays.ps1')
. (Join-Path $PSScriptRoot 'dovecot-oauth2.ps1')

function Get-PeersEnvironment([string] $RunDir) {
    $envFile = Join-Path $RunDir 'peers.env'
    if (-not (Test-Path $envFile)) { return $null }
    $values = [ordered]@{}
    foreach ($line in Get-Content $envFile) {
        $name, $value = $line -split '=', 2
        if ($name) { $values[$name] = $value }
    }
    return $values
}

function Test-PeersAlive($values) {
    foreach ($key in 'SMTPTOOLS_SMTP_PORT', 'SMTPTOOLS_SMTPS_PORT', 'SMTPTOOLS_SUBMISSION_PORT',
        'SMTPTOOLS_KRB_SUBMISSION_PORT', 'SMTPTOOLS_NTLM_SUBMISSION_PORT', 'SMTPTOOLS_OAUTH_SUBMISSION_PORT') {
        if (-not $values.Contains($key) -or -not (Test-TcpPort -Port ([int]$values[$key]))) { return $false }
    }
    if (-not $values.Contains('SMTPTOOLS_MTASTS_SERVER') -or
        -not (Test-TcpPort -Port ([int](($values['SMTPTOOLS_MTASTS_SERVER'] -split ':')[-1])))) { return $false }
    if (-not $values.Contains('SMTPTOOLS_RELAY1_PORT') -or
        -not (Test-TcpPort -Port ([int]$values['SMTPTOOLS_RELAY1_PORT']) -Address 127.0.0.2)) { return $false }
    $dnsPort = [int](($values['SMTPTOOLS_DNS_SERVER'] -split ':')[-1])
    return (Test-DnsPort -Port $dnsPort) -and (Test-NsdAnswer -Port ([int](($values['SMTPTOOLS_RESOLVER'] -split ':')[-1])))
}

$stateFull = [IO.Path]::GetFullPath($StateFile)
$previous = if (Test-Path $stateFull) { (Get-Content $stateFull -Raw).Trim() } else { $null }
$values = if ($previous) { Get-PeersEnvironment $previous } else { $null }

if ($values -and (Test-PeersAlive $values)) {
    Write-Host "Test peers already running in $previous"
}
else {
    if ($previous -and (Test-Path $previous)) {
        & (Join-Path $PSScriptRoot 'Stop-Peers.ps1') -StateFile $StateFile
    }
    Install-PeerPackages

    # Dovecot's socket path must stay under 108 bytes, so the run folder lives in /tmp with a short name.
    $runDir = Join-Path ([IO.Path]::GetTempPath()) ('stp-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $runDir | Out-Null
    & chmod 0755 $runDir
    New-Item -ItemType Directory -Force -Path (Split-Path $stateFull) | Out-Null
    Set-Content -Path $stateFull -Value $runDir

    $ports = Get-FreeTcpPort -Count 8
    $implicitTlsHost = Get-ImplicitTlsHost
    if (-not (Test-PortFree -Port $DnsPort)) { $DnsPort = (Get-FreeTcpPort -Count 1 -Udp)[0] }

    $tls = New-PeerCertificate -Directory (Join-Path $runDir 'tls')
    $user = 'alice@example.test'
    $password = 'Test-' + [Guid]::NewGuid().ToString('N').Substring(0, 12)

    $oauthKeyId = 'smtptools-test-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
    try {
        Start-DovecotPeer -RunDir $runDir -UserName $user -Password $password
        $oauthKey = New-OAuthSigningKey -RunDir $runDir -KeyId $oauthKeyId
        $oauthSasl = Start-OAuthDovecotPeer -RunDir $runDir
        $kerberos = Start-KerberosPeer -RunDir $runDir
        Start-KerberosDovecotPeer -RunDir $runDir -Keytab $kerberos.SMTPTOOLS_KRB5_KEYTAB -Krb5Config $kerberos.KRB5_CONFIG
        New-NtlmSaslConfig -RunDir $runDir -UserName $kerberos.SMTPTOOLS_KRB5_USER -Password $kerberos.SMTPTOOLS_KRB5_PASSWORD
        Start-PostfixPeer -RunDir $runDir -SmtpPort $ports[0] -SmtpsPort $ports[1] -SubmissionPort $ports[2] `
            -CertFile $tls.CertFile -KeyFile $tls.KeyFile -ImplicitTlsHost $implicitTlsHost `
            -ExtraServices (@(Get-KerberosSubmissionServices $runDir $ports[3] $ports[4]) +
                (Get-OAuthSubmissionService $ports[7] $oauthSasl))
        Wait-Until { Test-TcpPort -Port $ports[7] } "Postfix on 127.0.0.1:$($ports[7])" -Seconds 20
        $dkim = New-DkimPeer -RunDir $runDir
        $dane = New-DaneZone -RunDir $runDir -CertFile $tls.CertFile
        Start-NsdPeer -RunDir $runDir -Port $DnsPort -ExtraZone ($dkim.ZoneFiles + $dane.ZoneFile) | Out-Null
        Start-UnboundPeer -RunDir $runDir -Port $ports[5] -NsdPort $DnsPort -TrustAnchorFile $dane.KeyFile
        $sts = Start-MtaStsPeer -RunDir $runDir -Port $ports[6]
        $relays = Start-RelayPeers -RunDir $runDir -CatchAllPort $ports[0] -CertFile $tls.CertFile -KeyFile $tls.KeyFile
    }
    catch {
        Write-Warning "Starting the peers failed; stopping what did start. Logs are in $runDir."
        & (Join-Path $PSScriptRoot 'Stop-Peers.ps1') -StateFile $StateFile -KeepRunDir
        throw
    }

    $values = [ordered]@{
        SMTPTOOLS_PEERS_DIR       = $runDir
        SMTPTOOLS_SMTP_PORT       = $ports[0]
        SMTPTOOLS_SMTPS_PORT      = $ports[1]
        SMTPTOOLS_SUBMISSION_PORT = $ports[2]
        SMTPTOOLS_PORT465_HOST    = $implicitTlsHost
        SMTPTOOLS_TEST_USER       = $user
        SMTPTOOLS_TEST_PASSWORD   = $password
        SMTPTOOLS_MAILDIR         = Join-Path $runDir 'mail/catchall'
        SMTPTOOLS_CERT_FILE       = $tls.CertFile
        SMTPTOOLS_DNS_SERVER      = "127.0.0.1:$DnsPort"
        SMTPTOOLS_KRB_SUBMISSION_PORT = $ports[3]
        SMTPTOOLS_NTLM_SUBMISSION_PORT = $ports[4]
        SMTPTOOLS_DKIM_DIR        = $dkim.Directory
        SMTPTOOLS_RESOLVER        = "127.0.0.1:$($ports[5])"
        SMTPTOOLS_MTASTS_SERVER   = "127.0.0.1:$($ports[6])"
        SMTPTOOLS_TEST_CA         = $sts.CaFile
        SMTPTOOLS_DANE_TLSA       = $dane.TlsaRecord
        SMTPTOOLS_RELAY1_PORT     = $relays.Relay1Port
        # Postfix submission with the token-validating Dovecot, and the key its tokens must be signed with.
        SMTPTOOLS_OAUTH_SUBMISSION_PORT = $ports[7]
        SMTPTOOLS_OAUTH_SIGNING_KEY     = $oauthKey
        SMTPTOOLS_OAUTH_KEY_ID          = $oauthKeyId
    }
    foreach ($entry in $kerberos.GetEnumerator()) { $values[$entry.Key] = $entry.Value }
    Set-Content -Path (Join-Path $runDir 'peers.env') -Value ($values.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" })
    Write-Host ("Test peers up in {0}: SMTP {1}, SMTPS {2}, submission {3}, DNS {4}" -f $runDir, $ports[0], $ports[1],
        $ports[2], $values.SMTPTOOLS_DNS_SERVER)
}

foreach ($entry in $values.GetEnumerator()) {
    [Environment]::SetEnvironmentVariable($entry.Key, [string]$entry.Value)
}
