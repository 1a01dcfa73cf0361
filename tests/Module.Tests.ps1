BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Manifest = Import-PowerShellDataFile $ManifestPath
    $script:Module = Get-Module SmtpTools
}

Describe 'The SmtpTools module' {
    It 'has a manifest that Test-ModuleManifest accepts' {
        $info = Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop
        $info.Version | Should -Be ([version]$Manifest.ModuleVersion)
        $info.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
    }

    It 'lists its cmdlets by name, without wildcards' {
        foreach ($name in $Manifest.CmdletsToExport) { $name | Should -Not -Match '[*?]' }
    }

    It 'exports exactly the cmdlets its assembly defines and the manifest lists' {
        $defined = @($Module.ImplementingAssembly.GetTypes() |
                Where-Object { $_.IsPublic -and $_.GetCustomAttributes([Management.Automation.CmdletAttribute], $false) } |
                ForEach-Object {
                    $attribute = $_.GetCustomAttributes([Management.Automation.CmdletAttribute], $false)[0]
                    "$($attribute.VerbName)-$($attribute.NounName)"
                } | Sort-Object)
        $exported = @($Module.ExportedCmdlets.Keys | Sort-Object)
        $exported | Should -Be @($Manifest.CmdletsToExport | Sort-Object)
        $exported | Should -Be $defined
    }

    It 'declares [OutputType] on every cmdlet' {
        foreach ($command in $Module.ExportedCmdlets.Values) {
            $command.OutputType.Count | Should -BeGreaterThan 0 -Because "$($command.Name) should declare what it writes"
        }
    }

    It 'ships only its own two assemblies in the module folder, the rest in dependencies/' {
        $topLevel = @(Get-ChildItem -Path $ModuleRoot -Filter '*.dll' | ForEach-Object Name | Sort-Object)
        $topLevel | Should -Be @('SmtpTools.Core.dll', 'SmtpTools.dll')
        $all = @(Get-ChildItem -Path $ModuleRoot -Recurse -Filter '*.dll' | ForEach-Object Name)
        $all | Should -Not -Contain 'System.Management.Automation.dll'
        $all | Where-Object { $_ -like '*Tests*' -or $_ -like '*TestServer*' -or $_ -like 'xunit*' } | Should -BeNullOrEmpty
        Join-Path $ModuleRoot 'dependencies/MimeKit.dll' | Should -Exist
        Join-Path $ModuleRoot 'dependencies/DnsClient.dll' | Should -Exist
    }

    It 'builds its own assemblies for netstandard2.0, so one build loads in Windows PowerShell 5.1 and PowerShell 7' {
        # LoadFrom the module's own path gives the very assembly the cmdlets load on first use.
        $core = [Reflection.Assembly]::LoadFrom((Join-Path $ModuleRoot 'SmtpTools.Core.dll'))
        foreach ($assembly in $Module.ImplementingAssembly, $core) {
            $framework = $assembly.GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false)[0]
            $framework.FrameworkName | Should -Be '.NETStandard,Version=v2.0' -Because $assembly.GetName().Name
        }
    }

    It 'lists every format file it ships and ships every format file it lists' {
        $shipped = @(Get-ChildItem -Path $ModuleRoot -Filter '*.Format.ps1xml' | ForEach-Object Name | Sort-Object)
        $shipped | Should -Be @($Manifest.FormatsToProcess | Sort-Object)
    }
}
