BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Package = Get-ChildItem -Path (Join-Path $PSScriptRoot '../out') -Filter 'SmtpTools.*.nupkg' | Select-Object -First 1
}

Describe 'The SmtpTools package' {
    It 'is built by build.ps1 -Task Package (and Test)' {
        $Package | Should -Not -BeNullOrEmpty
    }

    It 'installs with Install-PSResource from a local folder repository, then imports and runs' {
        $tempHome = Join-Path ([IO.Path]::GetTempPath()) ('stp-home-' + [Guid]::NewGuid().ToString('N'))
        $repo = Join-Path $tempHome 'repo'
        New-Item -ItemType Directory -Path $repo -Force | Out-Null
        Copy-Item $Package.FullName $repo
        try {
            # A child pwsh with its own HOME: the install goes to a throwaway CurrentUser scope, not the developer's.
            $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name SmtpToolsLocal -Uri '$repo' -Trusted
Install-PSResource -Name SmtpTools -Repository SmtpToolsLocal -Scope CurrentUser -TrustRepository -Quiet
Import-Module SmtpTools
`$module = Get-Module SmtpTools
'{0}|{1}|{2}' -f `$module.Version, `$module.ModuleBase, (@(`$module.ExportedCmdlets.Keys | Sort-Object) -join ',')
"@
            $saved = $env:HOME
            $env:HOME = $tempHome
            # This very PowerShell, started directly: `dotnet pwsh` would look for its tool package under the new HOME.
            try { $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1 }
            finally { $env:HOME = $saved }
            $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
            $version, $base, $cmdlets = ($output | Select-Object -Last 1) -split '\|'
            $version | Should -Be (Import-PowerShellDataFile $ManifestPath).ModuleVersion
            $base | Should -BeLike "$tempHome*"
            $cmdlets | Should -Be (@((Get-Module SmtpTools).ExportedCmdlets.Keys | Sort-Object) -join ',')
        }
        finally { Remove-Item -Recurse -Force $tempHome -ErrorAction SilentlyContinue }
    }
}
