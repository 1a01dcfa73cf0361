# NSD: a small authoritative-only server that runs in the foreground from one config file and loads zone files in
# well under a second, with no recursion to get in the way of what the zone files say.

function Start-NsdPeer([string] $RunDir, [int] $Port) {
    $dir = Join-Path $RunDir 'nsd'
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $zones = Get-ChildItem -Path (Join-Path $PSScriptRoot 'dns') -Filter '*.zone'
    $zoneConfig = foreach ($zone in $zones) {
        "zone:`n  name: `"$($zone.BaseName).`"`n  zonefile: `"$($zone.FullName)`"`n"
    }
    $config = @"
server:
  ip-address: 127.0.0.1@$Port
  port: $Port
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  pidfile: "$dir/nsd.pid"
  logfile: "$RunDir/nsd.log"
  zonesdir: "$PSScriptRoot/dns"
  server-count: 1
  verbosity: 1
  rrl-ratelimit: 0
remote-control:
  control-enable: no

$($zoneConfig -join "`n")
"@
    $configFile = Join-Path $dir 'nsd.conf'
    Set-Content -Path $configFile -Value $config
    $check = & nsd-checkconf $configFile 2>&1
    if ($LASTEXITCODE -ne 0) { throw "nsd-checkconf rejected $configFile`: $check" }
    Start-PeerDaemon -RunDir $RunDir -Name nsd -Command nsd, '-d', '-c', $configFile
    Wait-Until { Test-DnsPort -Port $Port } "NSD on 127.0.0.1:$Port" -Seconds 20
}

function Stop-NsdPeer([string] $RunDir) {
    $pidFile = Join-Path $RunDir 'nsd.pid'
    if (Test-Path $pidFile) {
        $nsdPid = [int](Get-Content $pidFile -Raw).Trim()
        Stop-ProcessSession -SessionId $nsdPid
    }
}
