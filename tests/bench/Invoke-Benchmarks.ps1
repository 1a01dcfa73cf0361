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

.EXAMPLE
dotnet pwsh tests/bench/Invoke-Benchmarks.ps1 -ModulePath out/SmtpTools -Full -Pwsh dotnet

The same run with the contenders in the pinned dotnet tool itself (IL only) instead of the ReadyToRun copy that
the bench makes once in out/pwsh-r2r and uses by default.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,
    [switch] $Full,
    [ValidateSet('Task', 'Bulk', 'Reply', 'Import', 'Large', 'Mx')]
    [string[]] $Only = @('Task', 'Bulk', 'Reply', 'Import', 'Large', 'Mx'),
    # Counted rounds per comparison; 0 picks a default per comparison.
    [int] $Rounds = 0,
    # The PowerShell every pwsh contender runs in. 'ReadyToRun' (the default): the running PowerShell compiled ahead
    # of time as its installers ship it, made once by New-ReadyToRunPwsh.ps1 into out/pwsh-r2r and reused while it
    # was made from this same PowerShell. 'dotnet': the pinned dotnet tool itself, whose assemblies are IL only, so
    # every PowerShell method is compiled at run time. Anything else is a command line, e.g. 'pwsh' for an installed
    # one, or 'dotnet', '<path>/pwsh.dll' for another build.
    [string[]] $Pwsh = @('ReadyToRun'),
    # Another build of the module, e.g. out/SmtpTools of a worktree at an older commit: every SmtpTools contender
    # also runs with it in the same rounds, and the notes give this build's ratio to it, paired round by round.
    [string] $CompareModulePath
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Set-StrictMode -Version 3.0

$Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ModulePath = (Resolve-Path $ModulePath).Path
$OutDir = Join-Path (Split-Path $ModulePath -Parent) 'bench'
if ($CompareModulePath) { $CompareModulePath = (Resolve-Path $CompareModulePath).Path }
# The module the contender being run imports: $ModulePath, or $CompareModulePath for the compared copies.
$CurrentModule = $ModulePath
$Work = Join-Path ([IO.Path]::GetTempPath()) ("smtptools-bench-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Force -Path $OutDir, $Work | Out-Null
$Child = Join-Path $PSScriptRoot 'Invoke-BenchChild.ps1'
$IsRoot = (& id -u) -eq '0'

$Sizes = if ($Full) {
    @{ BulkMessages = 10000; SendMailMessages = 100; ReplyLines = 100000; LargeMiB = @(200, 1024); Domains = 10000
        ImportRounds = 20; Rounds = 5 }
} else {
    @{ BulkMessages = 2000; SendMailMessages = 20; ReplyLines = 20000; LargeMiB = @(50); Domains = 2000
        ImportRounds = 8; Rounds = 3 }
}
if ($Rounds -gt 0) { $Sizes.Rounds = $Rounds; $Sizes.ImportRounds = $Rounds }

# Which PowerShell the contenders run in, for the table's heading.
if ($Pwsh.Count -eq 1 -and $Pwsh[0] -eq 'ReadyToRun') {
    $r2rDir = Join-Path $Root 'out/pwsh-r2r'
    $stamp = Join-Path $r2rDir 'made-from.txt'
    $source = "$PSHOME $($PSVersionTable.PSVersion) all"
    # Running inside the copy itself: it is what we want, and it must not be rebuilt over itself.
    $inCopy = (Test-Path $r2rDir) -and [IO.Path]::GetFullPath($PSHOME).TrimEnd('/') -eq (Resolve-Path $r2rDir).Path.TrimEnd('/')
    if (-not $inCopy -and -not ((Test-Path $stamp) -and (Get-Content -LiteralPath $stamp -Raw).Trim() -eq $source)) {
        Write-Host "Making a ReadyToRun copy of PowerShell $($PSVersionTable.PSVersion) in $r2rDir (once; about 20 s to 2 min)."
        & (Join-Path $PSScriptRoot 'New-ReadyToRunPwsh.ps1') -OutDir $r2rDir
    }
    $Pwsh = @('dotnet', (Join-Path $r2rDir 'pwsh.dll'))
    $PwshLabel = "PowerShell $($PSVersionTable.PSVersion) compiled ReadyToRun as its installers ship it (``out/pwsh-r2r``, " +
        'made by `tests/bench/New-ReadyToRunPwsh.ps1`)'
} elseif ($Pwsh.Count -eq 1 -and $Pwsh[0] -eq 'dotnet') {
    $Pwsh = @('dotnet', 'pwsh')
    $PwshLabel = "the pinned dotnet tool ``dotnet pwsh`` $($PSVersionTable.PSVersion) (IL only, no precompiled code)"
} else {
    $PwshLabel = "``$($Pwsh -join ' ')``"
}

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

# Runs the PowerShell of -Pwsh with -NoProfile -NonInteractive and the given arguments, timed (Invoke-Timed).
function Invoke-Pwsh([string[]] $Arguments) {
    return Invoke-Timed $Pwsh[0] (@($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive') + $Arguments)
}

function Invoke-PwshChild([hashtable] $Parameters) {
    $arguments = @('-File', $Child)
    foreach ($key in $Parameters.Keys) { $arguments += @("-$key", "$($Parameters[$key])") }
    return Invoke-Pwsh $arguments
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
            $script:CurrentModule = if ($c.ContainsKey('Module')) { $c.Module } else { $ModulePath }
            $measured = & $c.Run
            if ($round -gt 0) { $samples[$c.Name].Add($measured) }
        }
    }
    return $samples
}

# With -CompareModulePath: each of our contenders (Ours = $true) is followed by the same one importing the compared
# build, so both run in every round.
function Add-Compared([object[]] $Contenders) {
    if (-not $CompareModulePath) { return $Contenders }
    $all = foreach ($c in $Contenders) {
        $c
        if ($c.ContainsKey('Ours') -and $c.Ours) {
            @{ Name = "$($c.Name) [compared build]"; Run = $c.Run; Module = $CompareModulePath; ComparedWith = $c.Name }
        }
    }
    return @($all)
}

# The notes' A/B lines: this build against the compared one, per round, for one metric.
function Add-ComparedNotes([string] $Benchmark, $Samples, [object[]] $Contenders, [string] $MetricName,
    [scriptblock] $Metric) {
    foreach ($c in $Contenders | Where-Object { $_.ContainsKey('ComparedWith') }) {
        $a = @($Samples[$c.ComparedWith] | ForEach-Object { [double](& $Metric $_) })
        $b = @($Samples[$c.Name] | ForEach-Object { [double](& $Metric $_) })
        $ratios = @(for ($i = 0; $i -lt $a.Count; $i++) { $a[$i] / $b[$i] })
        $note = 'A/B {0}, {1}, {2}: this build {3}× the compared build ({4}–{5}, {6} rounds)' -f $Benchmark,
            $c.ComparedWith, $MetricName, (Format-Number (Get-Median $ratios)),
            (Format-Number ($ratios | Measure-Object -Minimum).Minimum),
            (Format-Number ($ratios | Measure-Object -Maximum).Maximum), $ratios.Count
        # CPU seconds of the measured work: steadier than wall time when other work shares the cores.
        $cpuA = @($Samples[$c.ComparedWith] | ForEach-Object { if ($_.ContainsKey('cpu') -and $_.cpu) { [double]$_.cpu } })
        $cpuB = @($Samples[$c.Name] | ForEach-Object { if ($_.ContainsKey('cpu') -and $_.cpu) { [double]$_.cpu } })
        if ($cpuA.Count -eq $a.Count -and $cpuB.Count -eq $a.Count -and $a.Count -gt 0) {
            $cpuRatios = @(for ($i = 0; $i -lt $a.Count; $i++) { $cpuA[$i] / $cpuB[$i] })
            $note += '; CPU time {0}× the compared build''s ({1}–{2}, lower is better)' -f (Format-Number (Get-Median $cpuRatios)),
                (Format-Number ($cpuRatios | Measure-Object -Minimum).Minimum),
                (Format-Number ($cpuRatios | Measure-Object -Maximum).Maximum)
        }
        $Notes.Add($note + '.')
    }
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
# Ratios are contender / baseline per round (the metric name says whether higher or lower is better); -Delta reports
# contender - baseline per round instead (memory).
function Add-Rows([string] $Benchmark, [string] $MetricName, $Samples, [string] $Baseline, [scriptblock] $Metric,
    [hashtable] $Targets = @{}, [switch] $Delta) {
    $base = @($Samples[$Baseline] | ForEach-Object { [double](& $Metric $_) })
    foreach ($name in $Samples.Keys) {
        $values = @($Samples[$name] | ForEach-Object { [double](& $Metric $_) })
        if ($values.Count -eq 0 -or ($values | Where-Object { [double]::IsNaN($_) })) { continue }
        $ratio = '—'
        if ($name -ne $Baseline -and $base.Count -eq $values.Count) {
            if ($Delta) {
                # Memory: the difference to the baseline in the same round, not a ratio.
                $diffs = @(for ($i = 0; $i -lt $values.Count; $i++) { $values[$i] - $base[$i] })
                $ratio = '{0:+0;-0} MiB ({1:+0;-0}–{2:+0;-0})' -f (Get-Median $diffs), ($diffs | Measure-Object -Minimum).Minimum,
                    ($diffs | Measure-Object -Maximum).Maximum
            } else {
                $ratios = @(for ($i = 0; $i -lt $values.Count; $i++) { $values[$i] / $base[$i] })
                $ratio = '{0}× ({1}–{2})' -f (Format-Number (Get-Median $ratios)), (Format-Number ($ratios | Measure-Object -Minimum).Minimum), (Format-Number ($ratios | Measure-Object -Maximum).Maximum)
            }
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

# Mixed reply lines as a server log has them: single-line replies with and without enhanced codes, and multi-line
# EHLO replies whose continuation lines the cmdlet must join. Seeded, so every run parses the same text.
function New-ReplyFile([string] $Path, [int] $Lines) {
    $random = [Random]::new(11)
    $single = @(
        '250 2.0.0 Ok: queued as 4F2C81A0B3', '250 2.1.0 Ok', '250 2.1.5 Ok', '354 End data with <CR><LF>.<CR><LF>',
        '221 2.0.0 Bye', '220 mx.example.test ESMTP Postfix', '421 4.7.0 mx.example.test Error: too many connections',
        '450 4.2.1 <deferred@example.test>: Recipient address rejected: Try again later',
        '451 4.3.0 Error: queue file write error', '452 4.5.3 Error: too many recipients',
        '550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table',
        '550 5.7.1 Message rejected as spam', '552 5.3.4 Message size exceeds fixed limit', '553 5.1.3 Bad address',
        '554 5.7.1 <client.example.test[192.0.2.7]>: Client host rejected: Access denied', '535 5.7.8 Error: authentication failed',
        '530 5.7.0 Must issue a STARTTLS command first', '500 5.5.2 Error: command not recognized', '502 5.5.1 Command not implemented'
    )
    $ehlo = @('250-mx.example.test', '250-PIPELINING', '250-SIZE 10240000', '250-STARTTLS', '250-ENHANCEDSTATUSCODES',
        '250-8BITMIME', '250 DSN')
    $text = [Text.StringBuilder]::new($Lines * 48)
    $written = 0
    while ($written -lt $Lines) {
        if ($random.Next(10) -eq 0 -and $Lines - $written -ge $ehlo.Count) {
            foreach ($line in $ehlo) { [void]$text.Append($line).Append("`n") }
            $written += $ehlo.Count
        } else {
            [void]$text.Append($single[$random.Next($single.Count)]).Append("`n")
            $written++
        }
    }
    [IO.File]::WriteAllText($Path, $text.ToString())
}

# d00001.bench.test .. : MX 10 mx1.<domain>, MX 20 mx2.<domain>; each exchanger has one A (192.0.2.0/24 style, from
# the documentation ranges) and one AAAA, all names distinct so no lookup is answered from a cache.
function New-BenchZone([string] $ZoneFile, [string] $DomainFile, [int] $Count) {
    $zone = [Text.StringBuilder]::new($Count * 200)
    [void]$zone.AppendLine('$ORIGIN bench.test.').AppendLine('$TTL 300')
    [void]$zone.AppendLine('@ IN SOA ns1.bench.test. hostmaster.bench.test. 1 3600 600 86400 300')
    [void]$zone.AppendLine('@ IN NS ns1.bench.test.').AppendLine('ns1 IN A 127.0.0.1')
    $domains = [Text.StringBuilder]::new($Count * 20)
    for ($i = 1; $i -le $Count; $i++) {
        $name = 'd{0:D5}' -f $i
        $a = '198.51.{0}.{1}' -f (($i -shr 7) -band 255), (($i -band 127) * 2)
        $b = '198.51.{0}.{1}' -f (($i -shr 7) -band 255), (($i -band 127) * 2 + 1)
        [void]$zone.AppendLine("$name IN MX 10 mx1.$name").AppendLine("$name IN MX 20 mx2.$name")
        [void]$zone.AppendLine("mx1.$name IN A $a").AppendLine("mx1.$name IN AAAA 2001:db8::1:$('{0:x}' -f $i)")
        [void]$zone.AppendLine("mx2.$name IN A $b").AppendLine("mx2.$name IN AAAA 2001:db8::2:$('{0:x}' -f $i)")
        [void]$domains.Append("$name.bench.test`n")
    }
    [IO.File]::WriteAllText($ZoneFile, $zone.ToString())
    [IO.File]::WriteAllText($DomainFile, $domains.ToString())
}

# dig from bind9-dnsutils; installed only when running as root on Debian, otherwise the contender is skipped.
function Get-Dig {
    $found = Get-Command dig -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($found) { return $found.Source }
    if ($IsRoot -and (Test-Path /etc/debian_version)) {
        Write-Host 'Installing bind9-dnsutils for the dig contender.'
        & apt-get install -y -q bind9-dnsutils *> (Join-Path $Work 'apt.log')
        if ($LASTEXITCODE -ne 0) {
            & apt-get update -q *>> (Join-Path $Work 'apt.log')
            & apt-get install -y -q bind9-dnsutils *>> (Join-Path $Work 'apt.log')
        }
        $found = Get-Command dig -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if ($found) { return $found.Source }
    }
    Write-Host 'dig is not installed (and this is not root on Debian): the dig contender is skipped.'
    return $null
}

#endregion

Write-Host "SmtpTools benchmarks ($(if ($Full) { 'full' } else { 'default' }) sizes), work folder $Work"
$started = [Diagnostics.Stopwatch]::StartNew()
try {
    $sinkDir = $null
    $nsdDir = $null
    try {
        if ($Only -contains 'Task' -or $Only -contains 'Bulk' -or $Only -contains 'Large') {
            $mailKit = Build-Baseline 'MailKitBaseline'
            $sinkPort = Get-FreePort
            $sinkDir = Start-SmtpSink $sinkPort
        }

        #region 0. scheduled-task send
        if ($Only -contains 'Task') {
            # What the task scheduler runs every night: a fresh pwsh on a script that mails one report with a CSV
            # attached. The same script twice, once with each cmdlet, each with its usual parameters.
            $csv = Join-Path $Work 'report.csv'
            $rows = [Text.StringBuilder]::new(310KB)
            [void]$rows.Append("Date,Server,Queue,Delivered,Deferred,Bounced`r`n")
            for ($i = 0; $rows.Length -lt 300KB; $i++) {
                [void]$rows.AppendFormat('2026-11-{0:D2},mx{1}.example.test,{2},{3},{4},{5}' + "`r`n", $i % 28 + 1, $i % 7,
                    $i * 37 % 1000, $i * 7919 % 100000, $i * 13 % 500, $i * 3 % 50)
            }
            [IO.File]::WriteAllText($csv, $rows.ToString())
            $send = "-SmtpServer 127.0.0.1 -Port $sinkPort -From 'reports@smtptools.test' -To 'admins@smtptools.test' " +
                "-Subject 'Nightly queue report' -Body `$body -Attachments '$csv'"
            $peak = "'vmhwm_kib=' + ([IO.File]::ReadAllLines('/proc/self/status') -match '^VmHWM' -replace '\D', '')"
            $smmScript = Join-Path $Work 'report-Send-MailMessage.ps1'
            $oursScript = Join-Path $Work 'report-Send-SmtpMessage.ps1'
            Set-Content -LiteralPath $smmScript -Value @(
                '$ErrorActionPreference = ''Stop''', '$body = "Queue report for $(Get-Date -Format d), attached."',
                "Send-MailMessage $send -WarningAction Ignore", $peak)
            Set-Content -LiteralPath $oursScript -Value @(
                '$ErrorActionPreference = ''Stop''', 'Import-Module $args[0]',
                '$body = "Queue report for $(Get-Date -Format d), attached."', "Send-SmtpMessage $send", $peak)
            Write-Host "Scheduled-task send: pwsh -File <script> mailing a $([int]((Get-Item $csv).Length / 1KB)) KB CSV"
            $contenders = @(
                @{ Name = 'pwsh -File report.ps1 with Send-MailMessage'; Run = {
                        $r = Invoke-Pwsh @('-File', $smmScript); @{ wall = $r.wall; rss = $r.vmhwm_kib / 1024 } } }
                @{ Name = 'pwsh -File report.ps1 with Import-Module SmtpTools; Send-SmtpMessage'; Ours = $true; Run = {
                        $r = Invoke-Pwsh @('-File', $oursScript, $CurrentModule); @{ wall = $r.wall; rss = $r.vmhwm_kib / 1024 } } }
            )
            $s = Invoke-Interleaved 'task' (Add-Compared $contenders) $Sizes.ImportRounds
            $ours = $contenders[1].Name
            $bench = '0. Scheduled-task send (one message, 300 KB CSV attached)'
            Add-Rows $bench 'seconds, whole process (lower is better)' $s $contenders[0].Name { param($x) $x.wall } `
                @{ $ours = '≤ 1.0× Send-MailMessage' }
            Add-Rows $bench 'peak RSS MiB (VmHWM)' $s $contenders[0].Name { param($x) $x.rss } `
                @{ $ours = '≤ Send-MailMessage + 8 MiB' } -Delta
            Add-ComparedNotes $bench $s (Add-Compared $contenders) 'speed (1/seconds)' { param($x) 1 / $x.wall }
            $Notes.Add(('Scheduled-task send: {0}× Send-MailMessage''s wall time; peak RSS {1:+0.0;-0.0} MiB over it.' -f
                    (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.wall })),
                    (Get-Median @(for ($i = 0; $i -lt $s[$ours].Count; $i++) { $s[$ours][$i].rss - $s[$contenders[0].Name][$i].rss }))))
        }
        #endregion

        #region 1. bulk small messages
        if ($Only -contains 'Bulk') {
            $bulkN = $Sizes.BulkMessages
            $smmN = $Sizes.SendMailMessages
            Write-Host "Bulk small messages: $bulkN messages of 1 KB to smtp-sink (Send-MailMessage: $smmN)"
            $contenders = @(
                @{ Name = 'MailKit 4.18.2 loop, one connection'; Run = {
                        $r = Invoke-Timed 'dotnet' @($mailKit, 'bulk', '127.0.0.1', "$sinkPort", "$bulkN", '1024')
                        @{ inproc = $bulkN / $r.seconds; whole = $bulkN / $r.wall; cpu = $r.cpu } } }
                @{ Name = "Send-SmtpMessage, $bulkN piped into one call"; Ours = $true; Run = {
                        $r = Invoke-PwshChild @{ Case = 'SendBulk'; ModulePath = $CurrentModule; Port = $sinkPort; Count = $bulkN }
                        @{ inproc = $bulkN / $r.seconds; whole = $bulkN / $r.wall; cpu = $r.cpu } } }
                @{ Name = 'smtp-source -s 1 -d (C)'; Run = {
                        $r = Invoke-Timed 'smtp-source' @('-s', '1', '-d', '-m', "$bulkN", '-l', '1024', '-f', 'bench@smtptools.test',
                            '-t', 'sink@smtptools.test', "127.0.0.1:$sinkPort")
                        @{ inproc = [double]::NaN; whole = $bulkN / $r.wall } } }
                @{ Name = "Send-MailMessage loop ($smmN messages)"; Run = {
                        $r = Invoke-PwshChild @{ Case = 'SendMailMessageLoop'; Port = $sinkPort; Count = $smmN }
                        @{ inproc = $smmN / $r.seconds; whole = $smmN / $r.wall } } }
            )
            $s = Invoke-Interleaved 'bulk' (Add-Compared $contenders) $Sizes.Rounds
            $ours = $contenders[1].Name
            $bench = "1. Bulk small messages ($bulkN × 1 KB)"
            Add-Rows $bench 'msg/s in process' $s $contenders[0].Name { param($x) $x.inproc } @{ $ours = '≥ 1.3× MailKit' }
            Add-Rows $bench 'msg/s whole process' $s $contenders[0].Name { param($x) $x.whole } @{ $ours = '≥ 1.0× MailKit' }
            Add-ComparedNotes $bench $s (Add-Compared $contenders) 'msg/s in process' { param($x) $x.inproc }
            Add-ComparedNotes $bench $s (Add-Compared $contenders) 'msg/s whole process' { param($x) $x.whole }
            $vsSmm = Get-MedianRatio $s $ours $contenders[3].Name { param($x) $x.inproc }
            $Table.Add([pscustomobject]@{ Benchmark = $bench; Contender = $ours; Metric = 'in-process ratio to Send-MailMessage'
                    Median = ''; MinMax = ''; Ratio = '{0}× Send-MailMessage' -f (Format-Number $vsSmm); Target = '≥ 150× Send-MailMessage' })
            $Notes.Add(("Bulk: Send-SmtpMessage in process {0}× MailKit, whole process {1}× MailKit, {2}× Send-MailMessage." -f
                    (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.inproc })),
                    (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.whole })), (Format-Number $vsSmm)))

            # The same messages over four connections at once, against MailKit with four threads, one connection each.
            $contenders = @(
                @{ Name = 'MailKit 4.18.2, 4 connections (4 threads)'; Run = {
                        $r = Invoke-Timed 'dotnet' @($mailKit, 'bulk', '127.0.0.1', "$sinkPort", "$bulkN", '1024', '4')
                        @{ inproc = $bulkN / $r.seconds; whole = $bulkN / $r.wall; cpu = $r.cpu } } }
                @{ Name = "Send-SmtpMessage -ThrottleLimit 4, $bulkN piped"; Ours = $true; Run = {
                        $r = Invoke-PwshChild @{ Case = 'SendBulk'; ModulePath = $CurrentModule; Port = $sinkPort; Count = $bulkN
                            Throttle = 4 }
                        @{ inproc = $bulkN / $r.seconds; whole = $bulkN / $r.wall; cpu = $r.cpu } } }
            )
            $s = Invoke-Interleaved 'bulk, 4 connections' (Add-Compared $contenders) $Sizes.Rounds
            $ours = $contenders[1].Name
            $bench = "1b. Bulk small messages, 4 connections ($bulkN × 1 KB)"
            Add-Rows $bench 'msg/s in process' $s $contenders[0].Name { param($x) $x.inproc } @{ $ours = '≥ 1.2× MailKit ×4' }
            Add-Rows $bench 'msg/s whole process' $s $contenders[0].Name { param($x) $x.whole }
            Add-ComparedNotes $bench $s (Add-Compared $contenders) 'msg/s in process' { param($x) $x.inproc }
            $Notes.Add(("Bulk, 4 connections: Send-SmtpMessage -ThrottleLimit 4 in process {0}× MailKit with 4 connections." -f
                    (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.inproc }))))
        }
        #endregion

        #region 2. reply parsing
        if ($Only -contains 'Reply') {
            $replyN = $Sizes.ReplyLines
            $replyFile = Join-Path $Work 'replies.txt'
            New-ReplyFile -Path $replyFile -Lines $replyN
            Write-Host "Reply parsing: $replyN mixed reply lines"
            $contenders = @(
                @{ Name = 'Get-Content | Select-String (regex reference)'; Run = {
                        $r = Invoke-PwshChild @{ Case = 'ReplySelectString'; File = $replyFile }
                        @{ inproc = $replyN / $r.seconds; whole = $replyN / $r.wall; cpu = $r.cpu } } }
                @{ Name = 'Get-Content | Get-SmtpReplyCode'; Ours = $true; Run = {
                        $r = Invoke-PwshChild @{ Case = 'ReplyPipeline'; ModulePath = $CurrentModule; File = $replyFile }
                        @{ inproc = $replyN / $r.seconds; whole = $replyN / $r.wall; cpu = $r.cpu } } }
                @{ Name = 'Get-SmtpReplyCode -Reply (Get-Content)'; Ours = $true; Run = {
                        $r = Invoke-PwshChild @{ Case = 'ReplyParameter'; ModulePath = $CurrentModule; File = $replyFile }
                        @{ inproc = $replyN / $r.seconds; whole = $replyN / $r.wall; cpu = $r.cpu } } }
            )
            $s = Invoke-Interleaved 'reply' (Add-Compared $contenders) $Sizes.Rounds
            $bench = "2. Reply parsing ($replyN lines)"
            $targets = @{ $contenders[1].Name = '≥ 100,000 lines/s'; $contenders[2].Name = '≥ 100,000 lines/s' }
            Add-Rows $bench 'lines/s in process' $s $contenders[0].Name { param($x) $x.inproc } $targets
            Add-Rows $bench 'lines/s whole process' $s $contenders[0].Name { param($x) $x.whole }
            Add-ComparedNotes $bench $s (Add-Compared $contenders) 'lines/s in process' { param($x) $x.inproc }
            foreach ($c in $contenders[1..2]) {
                $Notes.Add(('Reply parsing: {0} {1} lines/s in process (target ≥ 100,000).' -f $c.Name,
                        (Format-Number (Get-Median @($s[$c.Name] | ForEach-Object { $_.inproc })))))
            }
        }
        #endregion

        #region 3. import and first use
        if ($Only -contains 'Import') {
            Write-Host "Import and first use: $($Pwsh -join ' ') -NoProfile -c ..."
            # What importing any binary module costs here: one cmdlet, no views, no dependencies.
            $oneCmdlet = Join-Path (Split-Path (Build-Baseline 'OneCmdletModule') -Parent) 'OneCmdletModule.psd1'
            $contenders = @(
                @{ Name = 'pwsh -c exit'; Run = { Invoke-Pwsh @('-c', 'exit') } }
                @{ Name = 'pwsh -c Import-Module <one-cmdlet binary module> (reference)'; Run = {
                        Invoke-Pwsh @('-c', "Import-Module '$oneCmdlet'") } }
                @{ Name = 'pwsh -c Import-Module SmtpTools'; Ours = $true; Run = {
                        Invoke-Pwsh @('-c', "Import-Module '$CurrentModule'") } }
                @{ Name = 'pwsh -c Import-Module; Get-SmtpReplyCode 550'; Ours = $true; Run = {
                        Invoke-Pwsh @('-c',
                            "Import-Module '$CurrentModule'; `$null = Get-SmtpReplyCode 550") } }
            )
            $s = Invoke-Interleaved 'import' (Add-Compared $contenders) $Sizes.ImportRounds
            $bench = '3. Import and first use'
            Add-Rows $bench 'seconds, whole process (lower is better)' $s $contenders[0].Name { param($x) $x.wall } `
                @{ $contenders[2].Name = '≤ 1.10× bare start'; $contenders[3].Name = '≤ 1.15× bare start' }
            Add-ComparedNotes $bench $s (Add-Compared $contenders) 'speed (1/seconds)' { param($x) 1 / $x.wall }
            $Notes.Add(('Import: {0}× bare start (a one-cmdlet binary module: {2}×); import + Get-SmtpReplyCode 550: {1}× bare start.' -f
                    (Format-Number (Get-MedianRatio $s $contenders[2].Name $contenders[0].Name { param($x) $x.wall })),
                    (Format-Number (Get-MedianRatio $s $contenders[3].Name $contenders[0].Name { param($x) $x.wall })),
                    (Format-Number (Get-MedianRatio $s $contenders[1].Name $contenders[0].Name { param($x) $x.wall }))))
        }
        #endregion

        #region 4. large message
        if ($Only -contains 'Large') {
            foreach ($mib in $Sizes.LargeMiB) {
                $largeFile = Join-Path $Work "attachment-$mib.bin"
                # Random bytes: base64 of them is what a real export costs, and nothing can compress it away.
                & bash -c "head -c $($mib)M /dev/urandom > '$largeFile'"
                Write-Host "Large message: one message with a $mib MiB attachment"
                $contenders = @(
                    @{ Name = 'MailKit 4.18.2, attachment streamed from disk'; Run = {
                            $r = Invoke-Timed 'dotnet' @($mailKit, 'large', '127.0.0.1', "$sinkPort", $largeFile)
                            @{ inproc = $mib / $r.seconds; whole = $mib / $r.wall; rss = $r.vmhwm_kib / 1024; cpu = $r.cpu } } }
                    @{ Name = 'Send-SmtpMessage -Attachments'; Ours = $true; Run = {
                            $r = Invoke-PwshChild @{ Case = 'SendLarge'; ModulePath = $CurrentModule; Port = $sinkPort; File = $largeFile }
                            @{ inproc = $mib / $r.seconds; whole = $mib / $r.wall; rss = $r.vmhwm_kib / 1024; cpu = $r.cpu } } }
                    @{ Name = 'bare pwsh (peak RSS reference)'; Run = {
                            $r = Invoke-Pwsh @('-c',
                                "'vmhwm_kib=' + ([IO.File]::ReadAllLines('/proc/self/status') -match '^VmHWM' -replace '\D', '')")
                            @{ inproc = [double]::NaN; whole = [double]::NaN; rss = $r.vmhwm_kib / 1024 } } }
                )
                $s = Invoke-Interleaved "large $mib MiB" (Add-Compared $contenders) $Sizes.Rounds
                $bench = "4. Large message ($mib MiB attachment)"
                $ours = $contenders[1].Name
                Add-Rows $bench 'MiB/s in process' $s $contenders[0].Name { param($x) $x.inproc } @{ $ours = '≥ 1.0× MailKit' }
                Add-Rows $bench 'MiB/s whole process' $s $contenders[0].Name { param($x) $x.whole } @{ $ours = '≥ 1.0× MailKit' }
                Add-ComparedNotes $bench $s (Add-Compared $contenders) 'MiB/s in process' { param($x) $x.inproc }
                Add-Rows $bench 'peak RSS MiB (VmHWM)' $s $contenders[2].Name { param($x) $x.rss } `
                    @{ $ours = '≤ bare pwsh + 64 MiB' } -Delta
                $Notes.Add(('Large {0} MiB: Send-SmtpMessage {1}× MailKit speed in process; peak RSS {2} MiB over bare pwsh.' -f $mib,
                        (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.inproc })),
                        (Format-Number (Get-Median @(for ($i = 0; $i -lt $s[$ours].Count; $i++) { $s[$ours][$i].rss - $s[$contenders[2].Name][$i].rss })))))
                Remove-Item $largeFile
            }
        }
        #endregion
    }
    finally {
        if ($sinkDir) { Stop-SmtpSink $sinkDir }
    }

    try {
        #region 5. bulk MX
        if ($Only -contains 'Mx') {
            $domainN = $Sizes.Domains
            $dnsBaseline = Build-Baseline 'DnsClientBaseline'
            $zoneDir = Join-Path $Work 'zones'
            $domainFile = Join-Path $Work 'domains.txt'
            New-Item -ItemType Directory -Force -Path $zoneDir | Out-Null
            New-BenchZone -ZoneFile (Join-Path $zoneDir 'bench.test.zone') -DomainFile $domainFile -Count $domainN
            # Start-NsdPeer's readiness probe asks for the SOA of mx.test, so the peers' own zones are served too.
            Copy-Item (Join-Path $Root 'tests/peers/dns/*.zone') $zoneDir
            . (Join-Path $Root 'tests/peers/nsd.ps1')
            $nsdDir = Join-Path $Work 'nsd-run'
            $dnsPort = Get-FreePort
            $null = Start-NsdPeer -RunDir $nsdDir -Port $dnsPort -ZoneDirectory $zoneDir
            $dnsServer = "127.0.0.1:$dnsPort"
            $dig = Get-Dig
            $digFile = Join-Path $Work 'dig-queries.txt'
            Get-Content $domainFile | ForEach-Object { "$_ MX" } | Set-Content $digFile
            Write-Host "Bulk MX: $domainN domains (2 MX each, A and AAAA per exchanger) from NSD on $dnsServer"
            $contenders = @(
                @{ Name = 'DnsClient 1.8.0 loop, 32 concurrent'; Run = {
                        $r = Invoke-Timed 'dotnet' @($dnsBaseline, $dnsServer, $domainFile, '32')
                        @{ inproc = $domainN / $r.seconds; whole = $domainN / $r.wall; cpu = $r.cpu } } }
                @{ Name = "Resolve-MailExchanger, $domainN piped"; Ours = $true; Run = {
                        $r = Invoke-PwshChild @{ Case = 'ResolveBulk'; ModulePath = $CurrentModule; File = $domainFile; DnsServer = $dnsServer }
                        @{ inproc = $domainN / $r.seconds; whole = $domainN / $r.wall; cpu = $r.cpu } } }
            )
            if ($dig) {
                $contenders += @{ Name = 'dig -f (MX queries only, sequential)'; Run = {
                        $r = Invoke-Timed 'bash' @('-c', "'$dig' @127.0.0.1 -p $dnsPort -f '$digFile' +noall +answer > /dev/null")
                        @{ inproc = [double]::NaN; whole = $domainN / $r.wall } } }
            }
            $s = Invoke-Interleaved 'mx' (Add-Compared $contenders) $Sizes.Rounds
            $bench = "5. Bulk MX ($domainN domains)"
            $ours = $contenders[1].Name
            Add-Rows $bench 'domains/s in process' $s $contenders[0].Name { param($x) $x.inproc } @{ $ours = '≥ 1.0× DnsClient' }
            Add-Rows $bench 'domains/s whole process' $s $contenders[0].Name { param($x) $x.whole }
            Add-ComparedNotes $bench $s (Add-Compared $contenders) 'domains/s in process' { param($x) $x.inproc }
            $note = 'Bulk MX: Resolve-MailExchanger {0}× DnsClient in process, {1}× whole process' -f
                (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.inproc })),
                (Format-Number (Get-MedianRatio $s $ours $contenders[0].Name { param($x) $x.whole }))
            if ($dig) {
                $vsDig = Get-MedianRatio $s $ours $contenders[2].Name { param($x) $x.whole }
                $Table.Add([pscustomobject]@{ Benchmark = $bench; Contender = $ours; Metric = 'whole-process ratio to dig -f'
                        Median = ''; MinMax = ''; Ratio = '{0}× dig' -f (Format-Number $vsDig); Target = '≥ 2× dig' })
                $note += ', {0}× dig -f (whole process).' -f (Format-Number $vsDig)
            } else {
                $note += '; dig is not installed, so the dig contender was skipped.'
            }
            $Notes.Add($note)
        }
        #endregion
    }
    finally {
        if ($nsdDir) { Stop-NsdPeer -RunDir $nsdDir }
    }

    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add("Sizes: $(if ($Full) { 'full (-Full)' } else { 'default' }) — bulk $($Sizes.BulkMessages) messages " +
        "(Send-MailMessage $($Sizes.SendMailMessages)), reply parsing $($Sizes.ReplyLines) lines, large " +
        "$(($Sizes.LargeMiB | ForEach-Object { "$_ MiB" }) -join ' and '), MX $($Sizes.Domains) domains; " +
        "$($Sizes.Rounds) rounds after a warm-up (import: $($Sizes.ImportRounds)); medians, min–max over rounds, ratio to " +
        "the baseline paired round by round. PowerShell contenders run in $PwshLabel. " +
        "$([Environment]::ProcessorCount) CPUs, $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC.")
    $lines.Add('')
    $lines.Add('| Benchmark | Contender | Metric | Median | Min–max | Ratio (median, min–max) | Target |')
    $lines.Add('|---|---|---|---:|---:|---|---|')
    foreach ($row in $Table) {
        $cells = foreach ($cell in $row.Benchmark, $row.Contender, $row.Metric, $row.Median, $row.MinMax, $row.Ratio, $row.Target) {
            "$cell".Replace('|', '\|')
        }
        $lines.Add('| ' + ($cells -join ' | ') + ' |')
    }
    $lines.Add('')
    foreach ($note in $Notes) { $lines.Add("- $note") }
    $resultFile = Join-Path $OutDir 'results.md'
    Set-Content -Path $resultFile -Value $lines -Encoding utf8
    Write-Host ''
    $lines | Out-Host
    Write-Host "Wrote $resultFile in $([int]$started.Elapsed.TotalSeconds) s."
}
finally {
    # The work folder holds the generated attachments (up to 1 GiB with -Full): never leave it behind.
    Remove-Item -Recurse -Force $Work -ErrorAction Ignore
}
