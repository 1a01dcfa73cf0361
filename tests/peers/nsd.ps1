# NSD is the test peers' DNS server because it is small and authoritative-only: no recursion and no cache stand
# between the zone files and what the client sees, it runs in the foreground (`nsd -d`) from one config file, and it
# loads our zones and starts answering in well under a second.
# Dot-sourced by Start-Peers.ps1 / Stop-Peers.ps1; self-contained so a developer can also use it alone:
#   . tests/peers/nsd.ps1; $p = Start-NsdPeer -RunDir /tmp/nsd1 -Port 5399; ...; Stop-NsdPeer -RunDir /tmp/nsd1

# The bulk zone's rule, shared with the tests that check it: d0001.bulk.test .. d1000.bulk.test each have
# MX 10 mx<N mod 5>.bulk.test and MX 20 backup.bulk.test; mx<K>.bulk.test is A 127.0.1.<K+1>, backup is 127.0.1.100.
$script:NsdBulkDomainCount = 1000

function New-NsdBulkZone([string] $Path) {
    # Generated at start rather than committed: a thousand near-identical lines say less than the rule above.
    $text = [Text.StringBuilder]::new(80000)
    [void]$text.AppendLine('$ORIGIN bulk.test.').AppendLine('$TTL 300')
    [void]$text.AppendLine('@ IN SOA ns1.bulk.test. hostmaster.bulk.test. 1 3600 600 86400 300')
    [void]$text.AppendLine('@ IN NS ns1.bulk.test.').AppendLine('ns1 IN A 127.0.0.1')
    for ($k = 0; $k -lt 5; $k++) { [void]$text.AppendLine("mx$k IN A 127.0.1.$($k + 1)") }
    [void]$text.AppendLine('backup IN A 127.0.1.100')
    for ($n = 1; $n -le $script:NsdBulkDomainCount; $n++) {
        $name = 'd{0:D4}' -f $n
        [void]$text.AppendLine("$name IN MX 10 mx$($n % 5).bulk.test.").AppendLine("$name IN MX 20 backup.bulk.test.")
    }
    [IO.File]::WriteAllText($Path, $text.ToString())
}

# True when the server at 127.0.0.1:$Port answers a UDP query for the SOA of mx.test with NOERROR (a raw query, so
# neither dig nor any module is needed).
function Test-NsdAnswer([int] $Port) {
    $udp = [Net.Sockets.UdpClient]::new([Net.Sockets.AddressFamily]::InterNetwork)
    try {
        $udp.Client.ReceiveTimeout = 300
        [byte[]] $id = (Get-Random -Minimum 0 -Maximum 256), (Get-Random -Minimum 0 -Maximum 256)
        # Header: id, RD, one question; then mx.test as labels, QTYPE SOA (6), QCLASS IN (1).
        [byte[]] $query = $id + [byte[]](0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) +
            [byte[]](2, 0x6D, 0x78, 4, 0x74, 0x65, 0x73, 0x74, 0) + [byte[]](0, 6, 0, 1)
        [void]$udp.Send($query, $query.Length, '127.0.0.1', $Port)
        $remote = [Net.IPEndPoint]::new([Net.IPAddress]::Any, 0)
        $answer = $udp.Receive([ref]$remote)
        # Same id, QR set, RCODE 0.
        return ($answer.Length -ge 12 -and $answer[0] -eq $id[0] -and $answer[1] -eq $id[1] -and
            ($answer[2] -band 0x80) -and ($answer[3] -band 0x0F) -eq 0)
    }
    catch [Net.Sockets.SocketException] { return $false }
    finally { $udp.Dispose() }
}

function Start-NsdPeer {
    [CmdletBinding()]
    [OutputType([Diagnostics.Process])]
    param(
        [Parameter(Mandatory)][string] $RunDir,
        [Parameter(Mandatory)][int] $Port,
        # Zone files to serve: every *.zone here, the zone name being the file name without .zone.
        [string] $ZoneDirectory = (Join-Path $PSScriptRoot 'dns'),
        # Zone files made for this run (DKIM keys), served as well; the zone name is the file name without .zone.
        [string[]] $ExtraZone = @()
    )
    if (-not (Get-Command nsd -ErrorAction Ignore)) {
        throw 'NSD is not installed: install the Debian package with "apt-get install -y nsd".'
    }
    $dir = Join-Path $RunDir 'nsd'
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $bulkZone = Join-Path $dir 'bulk.test.zone'
    New-NsdBulkZone -Path $bulkZone

    $zoneFiles = @(Get-ChildItem -Path $ZoneDirectory -Filter '*.zone' | ForEach-Object FullName) + $bulkZone + $ExtraZone
    $zoneConfig = foreach ($file in $zoneFiles) {
        $zoneName = [IO.Path]::GetFileNameWithoutExtension($file)
        "zone:`n  name: `"$zoneName.`"`n  zonefile: `"$file`"`n"
    }
    # database "" keeps zones in memory only; rrl-ratelimit 0 because bulk tests send many queries from one address
    # and response-rate limiting would drop them; round-robin off keeps answers in zone order (the client shuffles).
    $config = @"
server:
  ip-address: 127.0.0.1@$Port
  port: $Port
  do-ip6: no
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  pidfile: "$dir/nsd.pid"
  logfile: "$RunDir/nsd.log"
  server-count: 1
  verbosity: 1
  hide-version: yes
  round-robin: no
  rrl-ratelimit: 0
remote-control:
  control-enable: no

$($zoneConfig -join "`n")
"@
    $configFile = Join-Path $dir 'nsd.conf'
    Set-Content -Path $configFile -Value $config
    $check = & nsd-checkconf $configFile 2>&1
    if ($LASTEXITCODE -ne 0) { throw "nsd-checkconf rejected $configFile`: $check" }

    # daemon.sh starts NSD in a session of its own with its output in a file, so it outlives the PowerShell that
    # started it and Stop-NsdPeer can end the whole session (NSD forks xfrd and a server process).
    $out = Join-Path $RunDir 'nsd.out'
    $pidFile = Join-Path $RunDir 'nsd.pid'
    & bash (Join-Path $PSScriptRoot 'daemon.sh') $pidFile $out nsd -d -c $configFile
    if ($LASTEXITCODE -ne 0) { throw "Could not start NSD; see $out." }
    $process = Get-Process -Id ([int](Get-Content $pidFile -Raw).Trim()) -ErrorAction Ignore

    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while (-not (Test-NsdAnswer -Port $Port)) {
        if ($null -eq $process -or $process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            $log = (Get-Content $out, (Join-Path $RunDir 'nsd.log') -Raw -ErrorAction Ignore) -join "`n"
            Stop-NsdPeer -RunDir $RunDir
            throw "NSD did not answer on 127.0.0.1:$Port. Its output:`n$log"
        }
        Start-Sleep -Milliseconds 50
    }
    return $process
}

function Stop-NsdPeer {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string] $RunDir)
    Set-StrictMode -Version 3.0
    $pidFile = Join-Path $RunDir 'nsd.pid'
    if (-not (Test-Path $pidFile)) { return }
    $sessionId = [int](Get-Content $pidFile -Raw).Trim()
    Remove-Item $pidFile -ErrorAction Ignore
    # 0 and 1 would name the kernel's threads and init: a misread PID file must never reach kill.
    if ($sessionId -le 1) { return }
    $inSession = {
        @(& ps -eo pid=,sid=,stat= | ForEach-Object {
                $fields = $_.Trim() -split '\s+'
                if ([int]$fields[1] -eq $sessionId -and $fields[2] -notlike 'Z*') { [int]$fields[0] }
            })
    }
    # SIGTERM first, so NSD stops its xfrd and server children itself; SIGKILL for whatever is left after 5 s.
    if (@(& $inSession) -contains $sessionId) { & kill -TERM $sessionId *> $null }
    $deadline = [DateTime]::UtcNow.AddSeconds(5)
    while (@(& $inSession).Count -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
    $left = @(& $inSession)
    if ($left.Count -gt 0) { & kill -KILL @left *> $null }
}
