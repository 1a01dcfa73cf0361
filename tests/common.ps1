# Dot-sourced by every *.Tests.ps1: imports the built module and gives the tests the peers' settings.
$script:ModuleRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../out/SmtpTools'))
$script:ManifestPath = Join-Path $script:ModuleRoot 'SmtpTools.psd1'
if (-not (Test-Path $script:ManifestPath)) {
    throw "The module is not built: run 'dotnet pwsh ./build.ps1 -Task Build' first ($script:ManifestPath is missing)."
}
Import-Module $script:ManifestPath

# A setting of the running test peers (tests/peers/Start-Peers.ps1), e.g. Get-PeerSetting SMTP_PORT.
function Get-PeerSetting([string] $Name) {
    $value = [Environment]::GetEnvironmentVariable("SMTPTOOLS_$Name")
    if (-not $value) {
        throw "SMTPTOOLS_$Name is not set: the test peers are not running. Run 'dotnet pwsh ./build.ps1 -Task Test', or dot-source tests/peers/Start-Peers.ps1 first."
    }
    return $value
}

# Waits for the message whose text contains $Marker to land in the peers' catch-all Maildir and returns its path.
function Wait-DeliveredMessage([string] $Marker, [int] $TimeoutSeconds = 15, [int] $Count = 1) {
    $maildir = Join-Path (Get-PeerSetting MAILDIR) 'new'
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    do {
        if (Test-Path $maildir) {
            $found = @(Get-ChildItem -Path $maildir -File | Where-Object { Select-String -Path $_.FullName -SimpleMatch $Marker -Quiet })
            if ($found.Count -ge $Count) { return $found.FullName }
        }
        Start-Sleep -Milliseconds 100
    } while ([DateTime]::UtcNow -lt $deadline)
    throw "No message containing '$Marker' arrived in $maildir within $TimeoutSeconds s."
}

# What Tab offers at the end of $InputScript, as PowerShell's own completion computes it.
function Get-Completion([string] $InputScript) {
    @((TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length).CompletionMatches)
}
