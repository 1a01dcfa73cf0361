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

$files = @(Get-ChildItem -Path $TestsPath -Filter '*.Tests.ps1' | Where-Object { $_.BaseName -like "$Filter.Tests" -or $_.BaseName -like $Filter })
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
    ConvertTo-Json | Set-Content -Path (Join-Path $ResultsDirectory 'pester-summary.json')
