<#
.SYNOPSIS
Adds copies of SmtpTools.dll, SmtpTools.Core.dll, MimeKit.dll and DnsClient.dll precompiled (ReadyToRun) for each
platform to a laid-out module folder, as r2r/<rid>/ (MimeKit and DnsClient in r2r/<rid>/dependencies/).

.DESCRIPTION
The module is one netstandard2.0 build, IL only, so PowerShell 7 compiles every method of ours and MimeKit's while the
first message is sent: about 900 methods for one message, most of the extra time a scheduled task's send takes over
Send-MailMessage, whose System.Net.Mail ships precompiled with the runtime. A ReadyToRun file carries that code, but
only for one operating system and architecture (another OS cannot even map it) and only CoreCLR uses it, so the IL
copies stay where they are for Windows PowerShell 5.1 and every other platform, and SmtpTools.Loader picks
r2r/<rid>/ at import when it exists for the running one. The SDK restores crossgen2 and each platform's runtime pack
(the framework the code is compiled against) through a throwaway project, as a ReadyToRun publish would.
#>
function Add-ReadyToRun {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $ModuleDirectory,
        [Parameter(Mandatory)] [string] $WorkDirectory,
        [string[]] $RuntimeIdentifier = @('linux-x64', 'win-x64')
    )
    # BouncyCastle (S/MIME, DKIM keys) is left out: no send or lookup loads it, and it would add 11 MB per platform.
    $assemblies = @('SmtpTools.dll', 'SmtpTools.Core.dll', 'dependencies/MimeKit.dll', 'dependencies/DnsClient.dll')
    $framework = "net$([Environment]::Version.Major).0"
    $tools = Get-ReadyToRunTools -WorkDirectory $WorkDirectory -RuntimeIdentifier $RuntimeIdentifier
    # System.Management.Automation is compiled against, never shipped: PowerShell brings its own.
    $automation = Join-Path $PSHOME 'System.Management.Automation.dll'

    foreach ($rid in $RuntimeIdentifier) {
        $runtime = $tools.Runtimes[$rid]
        $out = Join-Path $ModuleDirectory "r2r/$rid"
        New-Item -ItemType Directory -Force -Path $out | Out-Null
        $os, $arch = $rid -split '-', 2
        $inFramework = @(Get-ChildItem -LiteralPath (Join-Path $runtime "lib/$framework") -Filter *.dll | ForEach-Object Name)
        # The framework's own copy wins over a dependency's older one (System.Memory, System.Formats.Asn1...), as at run time.
        $dependencies = @(Get-ChildItem -LiteralPath (Join-Path $ModuleDirectory 'dependencies') -Filter *.dll |
                Where-Object Name -NotIn $inFramework | ForEach-Object FullName)
        $references = @(
            '-r', (Join-Path $runtime "lib/$framework/*.dll"), '-r', (Join-Path $runtime 'native/System.Private.CoreLib.dll'),
            '-r', $automation, '-r', (Join-Path $ModuleDirectory 'SmtpTools.dll'),
            '-r', (Join-Path $ModuleDirectory 'SmtpTools.Core.dll'), '-r', (Join-Path $ModuleDirectory 'SmtpTools.Loader.dll')
        ) + @($dependencies | ForEach-Object { '-r'; $_ })
        New-Item -ItemType Directory -Force -Path (Join-Path $out 'dependencies') | Out-Null
        foreach ($assembly in $assemblies) {
            # Same relative path as the IL copy: a dependency beside SmtpTools.Core could be found by a probe of the
            # folder SmtpTools.Core came from and land in the shared default context instead of our private one.
            $target = Join-Path $out $assembly
            & $tools.Crossgen (Join-Path $ModuleDirectory $assembly) -o $target @references `
                --targetos $os --targetarch $arch -O | Out-Null
            if ($LASTEXITCODE -ne 0) { throw "crossgen2 could not compile $assembly for $rid (exit code $LASTEXITCODE)." }
        }
    }
}

<#
.SYNOPSIS
Restores crossgen2 for this machine and the runtime pack of each platform through a throwaway project, as a
ReadyToRun publish would, and returns crossgen2's path and each platform's runtime folder (runtimes/<rid>).
#>
function Get-ReadyToRunTools([string] $WorkDirectory, [string[]] $RuntimeIdentifier) {
    $major = [Environment]::Version.Major
    New-Item -ItemType Directory -Force -Path $WorkDirectory | Out-Null
    Set-Content -LiteralPath (Join-Path $WorkDirectory 'Probe.csproj') -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net$major.0</TargetFramework>
    <RuntimeIdentifiers>$($RuntimeIdentifier -join ';')</RuntimeIdentifiers>
    <SelfContained>false</SelfContained>
    <PublishReadyToRun>true</PublishReadyToRun>
  </PropertyGroup>
</Project>
"@
    Set-Content -LiteralPath (Join-Path $WorkDirectory 'Directory.Build.props') -Value '<Project />'
    Set-Content -LiteralPath (Join-Path $WorkDirectory 'Directory.Packages.props') -Value '<Project />'
    & dotnet restore (Join-Path $WorkDirectory 'Probe.csproj') --nologo -v quiet | Out-Host
    if ($LASTEXITCODE -ne 0) { throw 'Restoring crossgen2 and the runtime packs failed (dotnet restore of the ReadyToRun probe).' }

    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    function Find-Pack([string] $Id) {
        $dir = Get-ChildItem -LiteralPath (Join-Path $packages $Id) -Directory -ErrorAction Ignore |
            Where-Object { $_.Name -match "^$major\.\d+\.\d+$" } | Sort-Object { [version]$_.Name } | Select-Object -Last 1
        if (-not $dir) { throw "$Id $major.x is not under $packages after the restore." }
        return $dir.FullName
    }
    $hostRid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $crossgen = Get-ChildItem -LiteralPath (Join-Path (Find-Pack "microsoft.netcore.app.crossgen2.$hostRid") 'tools') -File |
        Where-Object Name -In 'crossgen2', 'crossgen2.exe' | Select-Object -First 1
    if (-not $crossgen) { throw "crossgen2 is missing from microsoft.netcore.app.crossgen2.$hostRid." }
    $runtimes = @{}
    foreach ($rid in $RuntimeIdentifier) {
        $runtimes[$rid] = Join-Path (Find-Pack "microsoft.netcore.app.runtime.$rid") "runtimes/$rid"
    }
    return [pscustomobject]@{ Crossgen = $crossgen.FullName; Runtimes = $runtimes }
}
