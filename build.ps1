<#
.SYNOPSIS
Builds, tests, benchmarks and packages SmtpTools.

.DESCRIPTION
Run with the pinned PowerShell: `dotnet tool restore`, then `dotnet pwsh ./build.ps1 -Task Test`.

  Build    restores and builds the module into out/SmtpTools/ (manifest, SmtpTools.dll, SmtpTools.Core.dll,
           dependencies/, format and help files).
  Test     Build, then starts the real peers (Postfix + Dovecot, NSD), runs xUnit and Pester, stops the peers, and
           prints "N passed, N failed" for both suites together as its last line.
  Bench    Build, then runs the benchmarks in tests/bench (ratios against named baselines in the same run).
  Package  Build, then writes out/SmtpTools.<version>.nupkg for Install-PSResource / Install-Module.
  Clean    removes out/ and the bin/obj folders.

.EXAMPLE
dotnet pwsh ./build.ps1 -Task Test -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Runs only the Pester files whose name matches (for example 'Send-SmtpMessage', or 'Send-SmtpMessage,Module');
    # xUnit still runs in full unless -XunitFilter narrows it.
    [string] $PesterFilter = '*',

    # Passed to `dotnet test --filter` (for example 'FullyQualifiedName~SmtpReplyReader').
    [string] $XunitFilter,

    # Longer fuzz and load variants of the reliability suite.
    [switch] $Long
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'SmtpTools'
$Results = Join-Path $Out 'TestResults'
$PesterVersion = '5.9.1'
$OtherDnsClientVersion = '1.6.1'
$OtherMimeKitVersion = '4.18.0'
$OtherMsalVersion = '4.61.3'
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'SmtpTools.psd1')
$Version = $Manifest.ModuleVersion

# The third-party assemblies SmtpTools.Core needs at run time. They go to dependencies/, never beside SmtpTools.dll:
# PowerShell probes the module folder and would load them into the shared default context (STYLE.md §6).
$Dependencies = @(
    'MimeKit', 'BouncyCastle.Cryptography', 'DnsClient', 'System.Buffers', 'System.Memory',
    'System.Runtime.CompilerServices.Unsafe', 'System.Numerics.Vectors', 'System.Security.Cryptography.Pkcs',
    'System.Formats.Asn1', 'System.Text.Encoding.CodePages', 'Microsoft.Bcl.Cryptography',
    'Microsoft.Bcl.AsyncInterfaces', 'System.Threading.Tasks.Extensions', 'System.Diagnostics.DiagnosticSource',
    'Microsoft.Win32.Registry', 'System.Security.AccessControl', 'System.Security.Principal.Windows',
    'System.Collections.Immutable', 'System.Reflection.Metadata', 'System.Data.DataSetExtensions',
    'System.Security.Cryptography.Cng'
)
# Never shipped: PowerShell brings its own System.Management.Automation.
$NeverShipped = @('System.Management.Automation', 'Microsoft.Management.Infrastructure')

# Runs a native command with its output on the host, so it never mixes into a function's return value.
function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

<# Synopsis: Removes build output. #>
function Invoke-Clean {
    foreach ($dir in @($Out) + @(Get-ChildItem -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory -Recurse -Include bin, obj | ForEach-Object FullName)) {
        if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    }
}

<# Synopsis: Publishes the cmdlet project with the manifest's version. #>
function Invoke-BuildManaged {
    $publish = Join-Path $Out 'publish'
    if (Test-Path $publish) { Remove-Item -Recurse -Force $publish }
    Invoke-Native 'dotnet publish' {
        dotnet publish (Join-Path $Root 'src/SmtpTools/SmtpTools.csproj') -c $Configuration -o $publish `
            "-p:Version=$Version" --nologo -v quiet
    }
    return $publish
}

<# Synopsis: Lays out out/SmtpTools: manifest, our assemblies (IL, and r2r/<rid>/ precompiled), dependencies/, module/ files, MAML help. #>
function Invoke-LayoutModule([string] $Publish) {
    if (Test-Path $ModuleOut) { Remove-Item -Recurse -Force $ModuleOut }
    $depsOut = Join-Path $ModuleOut 'dependencies'
    New-Item -ItemType Directory -Force -Path $depsOut | Out-Null

    Copy-Item (Join-Path $Root 'SmtpTools.psd1') $ModuleOut
    $own = 'SmtpTools', 'SmtpTools.Core', 'SmtpTools.Loader'
    foreach ($name in $own) {
        Copy-Item (Join-Path $Publish "$name.dll") $ModuleOut
    }
    $published = Get-ChildItem -Path $Publish -Filter '*.dll' | ForEach-Object BaseName
    foreach ($name in $published) {
        if ($name -in $own) { continue }
        if ($name -in $NeverShipped) { throw "$name.dll must never ship; check PrivateAssets on its package." }
        if ($name -notin $Dependencies) {
            throw "Unexpected dependency $name.dll in the publish output: add it to `$Dependencies in build.ps1 if it belongs."
        }
        Copy-Item (Join-Path $Publish "$name.dll") $depsOut
    }
    foreach ($required in 'MimeKit', 'DnsClient', 'BouncyCastle.Cryptography') {
        if (-not (Test-Path (Join-Path $depsOut "$required.dll"))) { throw "$required.dll is missing from the publish output." }
    }

    $moduleSource = Join-Path $Root 'module'
    Get-ChildItem -Path $moduleSource -File | Copy-Item -Destination $ModuleOut
    foreach ($culture in Get-ChildItem -Path $moduleSource -Directory) {
        $target = Join-Path $ModuleOut $culture.Name
        New-Item -ItemType Directory -Force -Path $target | Out-Null
        Get-ChildItem -Path $culture.FullName -Filter '*.txt' | Copy-Item -Destination $target
        # A culture's help file replaces en-US for every cmdlet, so cmdlets not yet translated keep their English text.
        $helpSources = @(Get-ChildItem -Path (Join-Path $moduleSource 'en-US') -Filter '*-*.md' | ForEach-Object {
                $localized = Join-Path $culture.FullName $_.Name
                if (Test-Path $localized) { Get-Item $localized } else { $_ }
            })
        if ($helpSources.Count -gt 0) {
            . (Join-Path $Root '.build/ConvertTo-Maml.ps1')
            ConvertTo-Maml -Path $helpSources.FullName -Destination (Join-Path $target 'SmtpTools.dll-Help.xml') `
                -FallbackDirectory (Join-Path $moduleSource 'en-US')
        }
    }
    . (Join-Path $Root '.build/Add-ReadyToRun.ps1')
    Add-ReadyToRun -ModuleDirectory $ModuleOut -WorkDirectory (Join-Path $Out 'r2r-probe')
    Assert-ManifestMatchesLayout
    Assert-CmdletConventions
}

<# Synopsis: Fails the build on an unapproved verb, a missing [OutputType], help source or Pester test file. #>
function Assert-CmdletConventions {
    # A child process: the module must not stay loaded in this one (a binary module cannot be unloaded).
    $script = @'
param($manifest)
$ErrorActionPreference = 'Stop'
$module = Import-Module $manifest -PassThru
$verbs = (Get-Verb).Verb
foreach ($command in $module.ExportedCmdlets.Values) {
    '{0}|{1}|{2}' -f $command.Name, ($command.Verb -in $verbs), $command.OutputType.Count
}
'@
    $rows = & dotnet pwsh -NoProfile -NonInteractive -Command "& { $script } '$(Join-Path $ModuleOut 'SmtpTools.psd1')'"
    if ($LASTEXITCODE -ne 0) { throw "Importing the built module failed: $rows" }
    $problems = foreach ($row in $rows) {
        $name, $approved, $outputTypes = $row -split '\|'
        if ($approved -ne 'True') { "$name uses an unapproved verb (see Get-Verb)." }
        if ([int]$outputTypes -eq 0) { "$name has no [OutputType] attribute." }
        if (-not (Test-Path (Join-Path $Root "module/en-US/$name.md"))) { "$name has no help source module/en-US/$name.md." }
        if (-not (Test-Path (Join-Path $Root "tests/$name.Tests.ps1"))) { "$name has no Pester test file tests/$name.Tests.ps1." }
    }
    if ($problems) { throw ("Cmdlet conventions broken:`n  " + ($problems -join "`n  ")) }
}

function Assert-ManifestMatchesLayout {
    $listed = @($Manifest.FormatsToProcess) + @($Manifest.TypesToProcess)
    $shipped = @(Get-ChildItem -Path (Join-Path $Root 'module') -Filter '*.ps1xml' | ForEach-Object Name)
    $unlisted = @($shipped | Where-Object { $_ -notin $listed })
    $missing = @($listed | Where-Object { $_ -and $_ -notin $shipped })
    if ($unlisted.Count -gt 0) { throw "module/ has ps1xml files the manifest does not list: $($unlisted -join ', ')." }
    if ($missing.Count -gt 0) { throw "The manifest lists ps1xml files that module/ lacks: $($missing -join ', ')." }
}

function Invoke-Build {
    $publish = Invoke-BuildManaged
    Invoke-LayoutModule -Publish $publish
    Write-Host "Built $ModuleOut (version $Version, $Configuration)."
}

<# Synopsis: Restores Pester (there is no PowerShell Gallery here) and the packages tests need, with a throwaway project. #>
function Get-PesterModule {
    $packages = Join-Path $Out 'packages'
    $pester = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    $otherDnsClient = Join-Path $packages "dnsclient/$OtherDnsClientVersion"
    $otherMimeKit = Join-Path $packages "mimekit/$OtherMimeKitVersion"
    $otherMsal = Join-Path $packages "microsoft.identity.client/$OtherMsalVersion"
    if ((Test-Path $pester) -and (Test-Path $otherDnsClient) -and (Test-Path $otherMimeKit) -and (Test-Path $otherMsal)) {
        return $pester
    }
    $restoreDir = Join-Path $Out 'restore'
    New-Item -ItemType Directory -Force -Path $restoreDir | Out-Null
    Set-Content -Path (Join-Path $restoreDir 'restore.csproj') -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Pester" Version="[$PesterVersion]" />
    <!-- Another module's older DnsClient, loaded first by tests/Module.Tests.ps1 to prove ours stays apart. -->
    <PackageDownload Include="DnsClient" Version="[$OtherDnsClientVersion]" />
    <PackageDownload Include="MimeKit" Version="[$OtherMimeKitVersion]" />
    <!-- The MSAL that Az, Microsoft.Graph and ExchangeOnlineManagement load: loaded first by tests/OAuth.Tests.ps1. -->
    <PackageDownload Include="Microsoft.Identity.Client" Version="[$OtherMsalVersion]" />
    <PackageDownload Include="Microsoft.IdentityModel.Abstractions" Version="[6.35.0]" />
  </ItemGroup>
</Project>
"@
    # An empty Directory.Build.props stops the restore project from picking up the repository's build settings.
    Set-Content -Path (Join-Path $restoreDir 'Directory.Build.props') -Value '<Project />'
    Set-Content -Path (Join-Path $restoreDir 'Directory.Packages.props') -Value '<Project />'
    Invoke-Native 'Pester restore' { dotnet restore (Join-Path $restoreDir 'restore.csproj') --packages $packages --nologo -v quiet }
    if (-not (Test-Path $pester)) { throw "Pester $PesterVersion was restored but $pester is missing." }
    return $pester
}

function Get-TrxCounts([string] $TrxFile) {
    [xml] $trx = Get-Content -Raw $TrxFile
    $counters = $trx.TestRun.ResultSummary.Counters
    return [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error }
}

<# Synopsis: xUnit tests of SmtpTools.Core. #>
function Invoke-UnitTests {
    $trxName = 'core.trx'
    $trx = Join-Path $Results $trxName
    if (Test-Path $trx) { Remove-Item $trx }
    $arguments = @('test', (Join-Path $Root 'tests/SmtpTools.Core.Tests/SmtpTools.Core.Tests.csproj'), '-c', $Configuration,
        '--nologo', '--logger', "trx;LogFileName=$trxName", '--logger', 'console;verbosity=minimal',
        '--results-directory', $Results)
    if ($XunitFilter) { $arguments += @('--filter', $XunitFilter) }
    & dotnet @arguments | Out-Host
    if (-not (Test-Path $trx)) { throw "dotnet test wrote no results (exit code $LASTEXITCODE)." }
    return Get-TrxCounts $trx
}

<# Synopsis: Pester tests of the built module, in a fresh pwsh: a loaded binary module cannot be unloaded. #>
function Invoke-PesterTests {
    $pester = Get-PesterModule
    $summary = Join-Path $Results 'pester-summary.json'
    if (Test-Path $summary) { Remove-Item $summary }
    # Through the environment: on Unix, PowerShell expands wildcards in arguments to native commands, even from variables.
    $env:SMTPTOOLS_PESTER_FILTER = $PesterFilter
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Invoke-PesterRun.ps1') `
        -PesterPath $pester -TestsPath (Join-Path $Root 'tests') -ResultsDirectory $Results | Out-Host
    if (-not (Test-Path $summary)) { throw "The Pester run wrote no summary (exit code $LASTEXITCODE)." }
    return Get-Content -Raw $summary | ConvertFrom-Json
}

function Invoke-Test {
    Invoke-Package
    New-Item -ItemType Directory -Force -Path $Results | Out-Null
    $env:SMTPTOOLS_LONG_TESTS = if ($Long) { '1' } else { $null }
    $unit = $null
    $pester = $null
    try {
        . (Join-Path $Root 'tests/peers/Start-Peers.ps1')
        $unit = Invoke-UnitTests
        $pester = Invoke-PesterTests
    }
    finally {
        & (Join-Path $Root 'tests/peers/Stop-Peers.ps1')
    }
    $passed = $unit.Passed + $pester.Passed
    $failed = $unit.Failed + $pester.Failed
    Write-Host ("xUnit: {0} passed, {1} failed. Pester: {2} passed, {3} failed." -f $unit.Passed, $unit.Failed,
        $pester.Passed, $pester.Failed)
    Write-Output "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

<# Synopsis: Benchmarks from tests/bench, each reporting ratios against a named baseline measured in the same run. #>
function Invoke-Bench {
    Invoke-Build
    $runner = Join-Path $Root 'tests/bench/Invoke-Benchmarks.ps1'
    if (-not (Test-Path $runner)) { throw 'tests/bench/Invoke-Benchmarks.ps1 does not exist yet.' }
    & $runner -ModulePath $ModuleOut
}

<# Synopsis: A .nupkg of the module that Install-PSResource / Install-Module accept from a local folder repository. #>
function Invoke-Package {
    Invoke-Build
    Get-ChildItem -Path $Out -Filter '*.nupkg' | Remove-Item
    . (Join-Path $Root '.build/New-ModulePackage.ps1')
    $package = New-ModulePackage -ModuleDirectory $ModuleOut -Manifest $Manifest -Destination $Out
    Write-Host "Wrote $package"
}

Push-Location $Root
try {
    switch ($Task) {
        'Clean' { Invoke-Clean }
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Bench' { Invoke-Bench }
        'Package' { Invoke-Package }
    }
}
finally {
    Pop-Location
}
