<#
.SYNOPSIS
Makes a copy of the running PowerShell with its own assemblies compiled ReadyToRun, as PowerShell's installers ship
them, for Invoke-Benchmarks.ps1 -Pwsh.

.DESCRIPTION
The PowerShell dotnet tool pinned in .config/dotnet-tools.json ships its assemblies as IL only, so every PowerShell
method is compiled at run time: a bare start takes about three times as long as with the same PowerShell
precompiled. This script copies $PSHOME to -OutDir and compiles every assembly there that is IL only (PowerShell's
own and the libraries it ships) with crossgen2, which the .NET SDK restores from NuGet through a throwaway project
(.build/Add-ReadyToRun.ps1's Get-ReadyToRunTools).
Nothing outside -OutDir and a temporary folder is changed.

.EXAMPLE
dotnet pwsh tests/bench/New-ReadyToRunPwsh.ps1
dotnet out/pwsh-r2r/pwsh.dll -NoProfile -c exit

Invoke-Benchmarks.ps1 calls this script itself the first time (and whenever the PowerShell it runs under changes).
#>
[CmdletBinding()]
param(
    [string] $OutDir = (Join-Path $PSScriptRoot '../../out/pwsh-r2r')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$rid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
$framework = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
$work = Join-Path ([IO.Path]::GetTempPath()) ('smtptools-r2r-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Force -Path $work | Out-Null
try {
    # crossgen2 is the SDK's ReadyToRun compiler; the module build restores it the same way.
    . (Join-Path $PSScriptRoot '../../.build/Add-ReadyToRun.ps1')
    $crossgen = (Get-ReadyToRunTools -WorkDirectory (Join-Path $work 'probe') -RuntimeIdentifier $rid).Crossgen

    if (Test-Path $OutDir) { Remove-Item -Recurse -Force $OutDir }
    Copy-Item -Recurse $PSHOME $OutDir
    $OutDir = (Resolve-Path $OutDir).Path
    $os, $arch = $rid -split '-', 2
    # Every IL-only assembly of PowerShell's folder, its dependencies too (Newtonsoft.Json, ApplicationInsights for
    # its telemetry...): a ReadyToRun publish, which is how PowerShell's packages are made, compiles them all.
    $targets = Get-ChildItem $OutDir -Filter *.dll | Where-Object {
        $file = [IO.File]::OpenRead($_.FullName)
        try {
            $pe = [Reflection.PortableExecutable.PEReader]::new($file)
            $pe.HasMetadata -and $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -eq 0
        } catch [BadImageFormatException] { $false } finally { $file.Dispose() }
    }
    foreach ($dll in $targets) {
        $il = Join-Path $work $dll.Name
        Move-Item $dll.FullName $il
        & $crossgen $il -o $dll.FullName -r (Join-Path $framework '*.dll') -r (Join-Path $OutDir '*.dll') `
            --targetos $os --targetarch $arch -O | Out-Null
        if ($LASTEXITCODE -ne 0) {
            Move-Item $il $dll.FullName
            Write-Warning "crossgen2 could not compile $($dll.Name); it stays IL only."
        }
    }
    # Invoke-Benchmarks.ps1 reuses the copy while this line matches the PowerShell it runs under.
    Set-Content -LiteralPath (Join-Path $OutDir 'made-from.txt') -Value "$PSHOME $($PSVersionTable.PSVersion) all"
    Write-Host "ReadyToRun PowerShell in $OutDir ($($targets.Count) assemblies compiled). Run it as: dotnet $(Join-Path $OutDir 'pwsh.dll')"
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}
