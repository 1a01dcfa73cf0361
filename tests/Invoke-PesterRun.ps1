<#
.SYNOPSIS
Runs the Pester suite in this (fresh) process and writes pester-summary.json and NUnit XML for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $TestsPath,
    [Parameter(Mandatory)] [string] $ResultsDirectory,
    [string] $Filter = $(if ($env:SMTPTOOLS_PESTER_FILTER) { $env:SMTPTOOLS_PESTER_FILTER } else { '*' })
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force

$summaryPath = Join-Path $ResultsDirectory 'pester-summary.json'
# One name or wildcard, or several separated by commas (Send-SmtpMessage,Module).
$patterns = @($Filter -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
$files = @(Get-ChildItem -Path $TestsPath -Filter '*.Tests.ps1' | Where-Object {
        $name = $_.BaseName
        @($patterns | Where-Object { $name -like "$_.Tests" -or $name -like $_ }).Count -gt 0
    })
if ($files.Count -eq 0) {
    # A filter that matches nothing is a mistake, not a green run: count it as one failure.
    Write-Host "No Pester file in $TestsPath matches '$Filter' (give a name such as Send-SmtpMessage, or a wildcard)."
    [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content -Path $summaryPath
    exit 1
}
$config = New-PesterConfiguration
$config.Run.Path = $files.FullName
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultsDirectory 'pester.xml'
$result = Invoke-Pester -Configuration $config

# Tests that never ran because their container failed (a syntax error, a failing BeforeAll) count as failures.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Path $summaryPath
