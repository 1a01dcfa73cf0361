<#
.SYNOPSIS
Stops the test peers that Start-Peers.ps1 started (Postfix, Dovecot, NSD) and removes their run folder.
#>
[CmdletBinding()]
param(
    [string] $StateFile = (Join-Path $PSScriptRoot '../../out/peers/current'),
    # Keep the run folder (logs, Maildir) for a post-mortem.
    [switch] $KeepRunDir
)

$ErrorActionPreference = 'Continue'
. (Join-Path $PSScriptRoot 'peers-common.ps1')
. (Join-Path $PSScriptRoot 'postfix.ps1')
. (Join-Path $PSScriptRoot 'nsd.ps1')
. (Join-Path $PSScriptRoot 'kerberos.ps1')
. (Join-Path $PSScriptRoot 'nginx.ps1')
. (Join-Path $PSScriptRoot 'unbound.ps1')
. (Join-Path $PSScriptRoot 'relays.ps1')
. (Join-Path $PSScriptRoot 'dovecot-oauth2.ps1')

$stateFull = [IO.Path]::GetFullPath($StateFile)
if (-not (Test-Path $stateFull)) { return }
$runDir = (Get-Content $stateFull -Raw).Trim()
if ($runDir -and (Test-Path $runDir)) {
    Stop-RelayPeers -RunDir $runDir
    Stop-PostfixPeer -RunDir $runDir
    Stop-DovecotPeer -RunDir $runDir
    Stop-MtaStsPeer -RunDir $runDir
    Stop-UnboundPeer -RunDir $runDir
    Stop-OAuthDovecotPeer -RunDir $runDir
    Stop-NsdPeer -RunDir $runDir
    Stop-KerberosPeer -RunDir $runDir
    if (-not $KeepRunDir) { Remove-Item -Recurse -Force $runDir -ErrorAction SilentlyContinue }
}
Remove-Item $stateFull -ErrorAction SilentlyContinue
foreach ($name in @([Environment]::GetEnvironmentVariables().Keys -like 'SMTPTOOLS_*') + 'KRB5_CONFIG', 'KRB5_KDC_PROFILE', 'KRB5CCNAME') {
    [Environment]::SetEnvironmentVariable($name, $null)
}
