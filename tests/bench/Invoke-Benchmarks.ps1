<#
.SYNOPSIS
SmtpTools benchmarks (issue 11): contenders interleaved round by round on loopback, ratios against a named baseline.

.DESCRIPTION
Run through the build: `dotnet pwsh ./build.ps1 -Task Bench` (builds out/SmtpTools first, then calls this script).
Every comparison runs its contenders A B C A B C ... for -Rounds rounds after one warm-up round that is not counted,
and reports the median, min–max and the ratio to the baseline paired round by round (ratio of round i uses only
round i's numbers). The machine is shared and noisy: compare ratios from one run, never absolute times across runs.

Default sizes finish in a few minutes on a 2-core machine; -Full uses the sizes of issue 11 (10,000 messages,
100,000 reply lines, 200 MiB and 1 GiB attachments, 10,000 domains). Results go to out/bench/results.md.

.EXAMPLE
dotnet pwsh ./build.ps1 -Task Bench

.EXAMPLE
dotnet pwsh tests/bench/Invoke-Benchmarks.ps1 -ModulePath out/SmtpTools -Full -Only Bulk, Large
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,
    [switch] $Full,
    [ValidateSet('Bulk', 'Reply', 'Import', 'Large', 'Mx')]
    [string[]] $Only = @('Bulk', 'Reply', 'Import', 'Large', 'Mx'),
    # Counted rounds per comparison; 0 picks a default per comparison.
    [int] $Rounds = 0
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Set-StrictMode -Version 3.0

$Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ModulePath = (Resolve-Path $ModulePath).Path
$OutDir = Join-Path (Split-Path $ModulePath -Parent) 'bench'
$Work = Join-Path ([IO.Path]::GetTempPath()) ("smtptools-bench-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Force -Path $OutDir, $Work | Out-Null
$Child = Join-Path $PSScriptRoot 'Invoke-BenchChild.ps1'
$IsRoot = (& id -u) -eq '0'

$Sizes = if ($Full) {
    @{ BulkMessages = 10000; SendMailMessages = 100; ReplyLines = 100000; LargeMiB = @(200, 1024); Domains = 10000
        ImportRounds = 20; Rounds = 5 }
} else {
    @{ BulkMessages = 2000; SendMailMessages = 20; ReplyLines = 20000; LargeMiB = @(50); Domains = 2000
        ImportRounds = 10; Rounds = 3 }
}
if ($Rounds -gt 0) { $Sizes.Rounds = $Rounds; $Sizes.ImportRounds = $Rounds }

$Table = [Collections.Generic.List[object]]::new()
$Notes = [Collections.Generic.List[string]]::new()

#region helpers

function Get-FreePort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return ([Net.IPEndPoint]$listener.LocalEndpoint).Port } finally { $listener.Stop() }
}

# Runs one process, returns its wall time (the whole process, start to exit) and the key=value pairs of the last
# output line that has any.
function Invoke-Timed([string] $Exe, [string[]] $Arguments) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $output = & $Exe @Arguments 2>&1
    $clock.Stop()
    $exit = $LASTEXITCODE
    $lines = @($output | ForEach-Object { "$_" })
    if ($exit -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $exit`n$($lines -join "`n")" }
    $values = @{ wall = $clock.Elapsed.TotalSeconds }
    $last = $lines | Where-Object { $_ -match '\w+=\S' } | Select-Object -Last 1
    if ($last) {
        foreach ($pair in $last -split '\s+') {
            $key, $value = $pair -split '=', 2
            if ($null -ne $value -and $value -ne '') { $values[$key] = [double]::Parse($value, [Globalization.CultureInfo]::InvariantCulture) }
        }
    }
    return $values
}

function Invoke-PwshChild([hashtable] $Parameters) {
    $arguments = @('pwsh', '-NoProfile', '-NonInteractive', '-File', $Child)
    foreach ($key in $Parameters.Keys) { $arguments += @("-$key", "$($Parameters[$key])") }
    return Invoke-Timed 'dotnet' $arguments
}

# Runs the contenders interleaved: one warm-up round (not counted), then $Count rounds of A B C ... in that order.
# Each contender is @{ Name; Run = { returns a hashtable of metrics } }. Returns name -> list of metric hashtables.
function Invoke-Interleaved([string] $Title, [object[]] $Contenders, [int] $Count) {
    $samples = [ordered]@{}
    foreach ($c in $Contenders) { $samples[$c.Name] = [Collections.Generic.List[hashtable]]::new() }
    for ($round = 0; $round -le $Count; $round++) {
        $label = if ($round -eq 0) { 'warm-up' } else { "round $round/$Count" }
        foreach ($c in $Contenders) {
            Write-Host ("  {0,-10} {1}: {2}" -f $label, $Title, $c.Name)
            $measured = & $c.Run
            if ($round -gt 0) { $samples[$c.Name].Add($measured) }
        }
    }
    return $samples
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    if ($n -eq 0) { return [double]::NaN }
    if ($n % 2) { return $sorted[($n - 1) / 2] }
    return ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

function Format-Number([double] $Value) {
    if ([double]::IsNaN($Value)) { return '—' }
    $abs = [Math]::Abs($Value)
    $format = if ($abs -ge 1000) { 'N0' } elseif ($abs -ge 100) { 'F0' } elseif ($abs -ge 10) { 'F1' } elseif ($abs -ge 1) { 'F2' } else { 'F3' }
    return $Value.ToString($format, [Globalization.CultureInfo]::InvariantCulture)
}

# Adds one table row per contender for one metric. $Metric: scriptblock from a sample hashtable to a number.
# Ratios are contender / baseline per round; $Better says which direction wins ('higher' for rates, 'lower' for times).
function Add-Rows([string] $Benchmark, [string] $MetricName, $Samples, [string] $Baseline, [scriptblock] $Metric,
    [hashtable] $Targets = @{}, [string] $Better = 'higher') {
    $base = @($Samples[$Baseline] | ForEach-Object { [double](& $Metric $_) })
    foreach ($name in $Samples.Keys) {
        $values = @($Samples[$name] | ForEach-Object { [double](& $Metric $_) })
        if ($values.Count -eq 0 -or ($values | Where-Object { [double]::IsNaN($_) })) { continue }
        $ratio = '—'
        if ($name -ne $Baseline -and $base.Count -eq $values.Count) {
            $ratios = @(for ($i = 0; $i -lt $values.Count; $i++) { $values[$i] / $base[$i] })
            $ratio = '{0}× ({1}–{2})' -f (Format-Number (Get-Median $ratios)), (Format-Number ($ratios | Measure-Object -Minimum).Minimum), (Format-Number ($ratios | Measure-Object -Maximum).Maximum)
        } elseif ($name -eq $Baseline) { $ratio = 'baseline' }
        $target = if ($Targets.ContainsKey($name)) { $Targets[$name] } else { '' }
        $median = Format-Number (Get-Median $values)
        $low = Format-Number ($values | Measure-Object -Minimum).Minimum
        $high = Format-Number ($values | Measure-Object -Maximum).Maximum
        $Table.Add([pscustomobject]@{
                Benchmark = $Benchmark; Contender = $name; Metric = $MetricName; Median = $median
                MinMax = "$low–$high"; Ratio = $ratio; Target = $target
            })
    }
}

# Median of the per-round ratio contender/baseline for a metric, for the verdict notes.
function Get-MedianRatio($Samples, [string] $Name, [string] $Baseline, [scriptblock] $Metric) {
    $a = @($Samples[$Name] | ForEach-Object { [double](& $Metric $_) })
    $b = @($Samples[$Baseline] | ForEach-Object { [double](& $Metric $_) })
    return Get-Median @(for ($i = 0; $i -lt $a.Count; $i++) { $a[$i] / $b[$i] })
}

function Start-SmtpSink([int] $Port) {
    $dir = Join-Path $Work "sink-$Port"
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    # smtp-sink refuses to run as root without -u; it advertises PIPELINING (as Postfix does) and discards mail.
    $userArgs = if ($IsRoot) { @('-u', 'nobody') } else { @() }
    & bash (Join-Path $Root 'tests/peers/daemon.sh') (Join-Path $dir 'pid') (Join-Path $dir 'log') `
        /usr/sbin/smtp-sink @userArgs "127.0.0.1:$Port" 256
    if ($LASTEXITCODE -ne 0) { throw "smtp-sink did not start: $(Get-Content (Join-Path $dir 'log') -Raw)" }
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ($true) {
        try { $probe = [Net.Sockets.TcpClient]::new('127.0.0.1', $Port); $probe.Dispose(); break }
        catch { if ([DateTime]::UtcNow -gt $deadline) { throw "smtp-sink is not listening on $Port." }; Start-Sleep -Milliseconds 50 }
    }
    return $dir
}

function Stop-SmtpSink([string] $Dir) {
    $pidFile = Join-Path $Dir 'pid'
    if (-not (Test-Path $pidFile)) { return }
    $id = [int](Get-Content $pidFile -Raw).Trim()
    Remove-Item $pidFile
    # Our own daemon only: daemon.sh wrote the PID of the process it started; 0 and 1 never reach kill.
    if ($id -gt 1) { & kill -TERM $id 2>$null }
}

function Build-Baseline([string] $Project) {
    $out = Join-Path $Work $Project
    & dotnet build (Join-Path $PSScriptRoot "$Project/$Project.csproj") -c Release -o $out --nologo -v quiet | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Building $Project failed." }
    return Join-Path $out "$Project.dll"
}

#endregion

Write-Host "SmtpTools benchmarks ($(if ($Full) { 'full' } else { 'default' }) sizes), work folder $Work"
$started = [Diagnostics.Stopwatch]::StartNew()
$sinkDir = $null
$nsdDir = $null
try {
    if ($Only -contains 'Bulk' -or $Only -contains 'Large') {
        $mailKit = Build-Baseline 'MailKitBaseline'
        $sinkPort = Get-FreePort
        $sinkDir = Start-SmtpSink $sinkPort
    }

    #region 1. bulk small messages
    if ($Only -contains 'Bulk') {
        $bulkN = $Sizes.BulkMessages
        $smmN = $Sizes.SendMailMessages
        Write-Host "Bulk small messages: $bulkN messages of 1 KB to smtp-sink (Send-MailMessage: $smmN)"
        $contenders = @(
            @{ Name = 'MailKit 4.18.2 loop, one connection'; Run = {
                    $r = Invoke-Timed 'dotnet' @($mailKit, 'bulk', '127.0.0.1', "$sinkPort", "$bulkN", '1024')
                    @{ inproc = $bulkN / $r.seconds; whole = $bulkN / $r.wall } } }
            @{ Name = "Send-SmtpMessage, $bulkN piped into one call"; Run = {
                    $r = Invoke-PwshChild @{ Case = 'SendBulk'; ModulePath = $ModulePath; Port = $sinkPort; Count = $bulkN }
                    @{ inproc = $bulkN / $r.seconds; whole = $bulkN / $r.wall } } }
            @{ Name = 'smtp-source -s 1 -d (C)'; Run = {
                    $r = Invoke-Timed 'smtp-source' @('-s', '1', '-d', '-m', "$bulkN", '-l', '1024', '-f', 'bench@smtptools.test',
                        '-t', 'sink@smtptools.test', "127.0.0.1:$sinkPort")
                    @{ inproc = [double]::NaN; whole = $bulkN / $r.wall } } }
            @{ Name = "Send-MailMessage loop ($smmN messages)"; Run = {
                    $r = Invoke-PwshChild @{ Case = 'SendMailMessageLoop'; Port = $sinkPort; Count = $smmN }
                    @{ inproc = $smmN / $r.seconds; whole = $smmN / $r.wall } } }
        )
        $s = Invoke-Interleaved 'bulk' $contenders $Sizes.Rounds
        $ours = $contenders[1].Name
        $bench = "1. Bulk small messages ($bulkN × 1 KB)"
        Add-Rows $bench 'msg/s in process' $s $contenders[0].Name { param($x) $x.inproc } @{ $ours = '≥ 1.0× MailKit' }
        Add-Rows $bench 'msg/s whole process' $s $contenders[0].Name { param($x) $x.whole } @{ $ours = '≥ 1.0× MailKit' }
        $vsSmm = Get-MedianRatio $s $ours $contenders[3].Name { param($x) $x.inproc }
        $Table.Add([pscustomobject]@{ Benchmark = $bench; Contender = $ours; Metric = 'in-process ratio to Send-MailMessage'
                Median = ''; MinMax = ''; Ratio = '{0}× Send-MailMessage' -f (Format-Number $vsSmm); Target = '≥ 150× Send-MailMessage' })
        $Notes.Add(("Bulk: Send-SmtpMessage in process {0}× MailKit, whole process {1}× MailKit, {2}× Send-MailMessage." -f
                (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.inproc })),
                (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.whole })), (Format-Number $vsSmm)))
    }
    #endregion
}
finally {
    if ($sinkDir) { Stop-SmtpSink $sinkDir }
}

$lines = [Collections.Generic.List[string]]::new()
$lines.Add("Sizes: $(if ($Full) { 'full (-Full)' } else { 'default' }) — bulk $($Sizes.BulkMessages) messages " +
    "(Send-MailMessage $($Sizes.SendMailMessages)), reply parsing $($Sizes.ReplyLines) lines, large " +
    "$(($Sizes.LargeMiB | ForEach-Object { "$_ MiB" }) -join ' and '), MX $($Sizes.Domains) domains; " +
    "$($Sizes.Rounds) rounds after a warm-up (import: $($Sizes.ImportRounds)); medians, min–max over rounds, ratio to " +
    "the baseline paired round by round. $([Environment]::ProcessorCount) CPUs, $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC.")
$lines.Add('')
$lines.Add('| Benchmark | Contender | Metric | Median | Min–max | Ratio (median, min–max) | Target |')
$lines.Add('|---|---|---|---:|---:|---|---|')
foreach ($row in $Table) {
    $lines.Add("| $($row.Benchmark) | $($row.Contender) | $($row.Metric) | $($row.Median) | $($row.MinMax) | $($row.Ratio) | $($row.Target) |")
}
$lines.Add('')
foreach ($note in $Notes) { $lines.Add("- $note") }
$resultFile = Join-Path $OutDir 'results.md'
Set-Content -Path $resultFile -Value $lines -Encoding utf8
Write-Host ''
$lines | Out-Host
Write-Host "Wrote $resultFile in $([int]$started.Elapsed.TotalSeconds) s."
Remove-Item -Recurse -Force $Work -ErrorAction Ignore
