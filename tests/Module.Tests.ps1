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

Describe 'Dependency isolation' {
    BeforeAll {
        # A fresh process each: this one already has SmtpTools loaded. Prints "<name>|<load context>|<file version>".
        function Invoke-Isolated([string] $Prelude, [string] $Use) {
            $script = @"
`$ErrorActionPreference = 'Stop'
$Prelude
Import-Module '$ManifestPath'
$Use
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'MimeKit', 'DnsClient', 'SmtpTools.Core' } | ForEach-Object {
    '{0}|{1}|{2}' -f `$_.GetName().Name, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name, [Diagnostics.FileVersionInfo]::GetVersionInfo(`$_.Location).FileVersion
}
"@
            $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
            return @($output | Where-Object { $_ -like '*|*|*' })
        }
    }

    It 'loads MimeKit into its private SmtpTools load context, not the shared default one' {
        $pickup = Join-Path ([IO.Path]::GetTempPath()) ('stp-alc-' + [Guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $pickup | Out-Null
        try {
            $loaded = Invoke-Isolated -Prelude '' -Use "Send-SmtpMessage -PickupDirectory '$pickup' -From a@smtptools.test -To b@smtptools.test -Subject isolation -Body x"
            @($loaded | Where-Object { $_ -like 'MimeKit|*' }) | Should -Be @($loaded | Where-Object { $_ -like 'MimeKit|SmtpTools|4.18.*' })
            @($loaded | Where-Object { $_ -like 'MimeKit|*' }) | Should -HaveCount 1
            @($loaded | Where-Object { $_ -like 'SmtpTools.Core|Default|*' }) | Should -HaveCount 1 -Because 'the public result types stay where scripts can name them'
            @(Get-ChildItem $pickup -Filter *.eml) | Should -HaveCount 1
        }
        finally { Remove-Item -Recurse -Force $pickup -ErrorAction SilentlyContinue }
    }

    It 'works beside another module that loaded an older DnsClient first, keeping its own copy apart' {
        $other = Join-Path $PSScriptRoot '../out/packages/dnsclient/1.6.1/lib/netstandard2.0/DnsClient.dll'
        $other | Should -Exist
        $loaded = Invoke-Isolated -Prelude "Add-Type -Path '$other'" -Use "Resolve-MailExchanger simple.mx.test -Server '$(Get-PeerSetting DNS_SERVER)' -NoShuffle | Out-Null"
        $dnsClients = @($loaded | Where-Object { $_ -like 'DnsClient|*' })
        $dnsClients | Should -HaveCount 2
        $dnsClients | Should -Contain ($dnsClients | Where-Object { $_ -like 'DnsClient|SmtpTools|1.8.*' })
        @($dnsClients | Where-Object { $_ -like 'DnsClient|Default|1.6.*' }) | Should -HaveCount 1
    }

    It 'still sends after another module loaded its own MimeKit of the same assembly version' {
        # MimeKit 4.18.0 and 4.18.2 share assembly version 4.18.0.0, so .NET binds both modules to the first copy.
        # That copy has the same API; what matters to the user is that sending works.
        $other = Join-Path $PSScriptRoot '../out/packages/mimekit/4.18.0/lib/netstandard2.0/MimeKit.dll'
        $other | Should -Exist
        $marker = 'iso' + [Guid]::NewGuid().ToString('N')
        $null = Invoke-Isolated -Prelude "Add-Type -Path '$other'" -Use "Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $(Get-PeerSetting SMTP_PORT) -From a@smtptools.test -To b@smtptools.test -Subject $marker -Body x"
        Wait-DeliveredMessage -Marker $marker | Should -HaveCount 1
    }
}
