BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Manifest = Import-PowerShellDataFile $ManifestPath
    $script:Module = Get-Module SmtpTools
    # The assembly the cmdlets run from: the IL copy in the module root, or its precompiled twin from r2r/<rid>/.
    $script:Cmdlets = (Get-Command Send-SmtpMessage).ImplementingType.Assembly
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
        $defined = @($Cmdlets.GetTypes() |
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

    It 'ships only its own assemblies in the module folder, the rest in dependencies/ and r2r/' {
        $topLevel = @(Get-ChildItem -Path $ModuleRoot -Filter '*.dll' | ForEach-Object Name | Sort-Object)
        $topLevel | Should -Be @('SmtpTools.Core.dll', 'SmtpTools.dll', 'SmtpTools.Loader.dll')
        $all = @(Get-ChildItem -Path $ModuleRoot -Recurse -Filter '*.dll' | ForEach-Object Name)
        $all | Should -Not -Contain 'System.Management.Automation.dll'
        $all | Where-Object { $_ -like '*Tests*' -or $_ -like '*TestServer*' -or $_ -like 'xunit*' } | Should -BeNullOrEmpty
        Join-Path $ModuleRoot 'dependencies/MimeKit.dll' | Should -Exist
        Join-Path $ModuleRoot 'dependencies/DnsClient.dll' | Should -Exist
    }

    It 'builds its own assemblies for netstandard2.0, so one build loads in Windows PowerShell 5.1 and PowerShell 7' {
        $core = [SmtpTools.SmtpReply].Assembly
        foreach ($assembly in $Cmdlets, $core) {
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

Describe 'Precompiled (ReadyToRun) copies for PowerShell 7' {
    BeforeAll {
        function Get-ImageInfo([string] $Path) {
            $file = [IO.File]::OpenRead($Path)
            try {
                $pe = [Reflection.PortableExecutable.PEReader]::new($file)
                $metadata = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                [pscustomobject]@{
                    Mvid        = $metadata.GetGuid($metadata.GetModuleDefinition().Mvid)
                    Machine     = [int]$pe.PEHeaders.CoffHeader.Machine
                    Precompiled = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0
                }
            }
            finally { $file.Dispose() }
        }
        # A fresh process: imports the module at $Module, writes one message to a pickup folder and prints where each of
        # our assemblies and MimeKit were loaded from, as "<name>|<path>".
        function Invoke-PickupSend([string] $Module) {
            $pickup = Join-Path ([IO.Path]::GetTempPath()) ('stp-r2r-' + [Guid]::NewGuid().ToString('N'))
            New-Item -ItemType Directory -Path $pickup | Out-Null
            try {
                $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$Module'
`$r = Send-SmtpMessage -PickupDirectory '$pickup' -From a@smtptools.test -To b@smtptools.test -Subject r2r -Body x -PassThru
"status|`$(`$r.Status)"
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'SmtpTools', 'SmtpTools.Core', 'MimeKit' } |
    ForEach-Object { '{0}|{1}' -f `$_.GetName().Name, `$_.Location; '{0}.Context|{1}' -f `$_.GetName().Name, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }
"@
                $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1
                $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
                @(Get-ChildItem $pickup -Filter *.eml) | Should -HaveCount 1
                $map = @{}
                foreach ($line in $output) { if ("$line" -match '^([\w.]+)\|(.+)$') { $map[$Matches[1]] = $Matches[2] } }
                return $map
            }
            finally { Remove-Item -Recurse -Force $pickup -ErrorAction SilentlyContinue }
        }
        $script:Rid = '{0}-{1}' -f $(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }),
            "$([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture)".ToLowerInvariant()
    }

    It 'ships <_> for linux-x64 and win-x64, each compiled for its platform from the very IL the module root holds' -ForEach @(
        'SmtpTools.dll', 'SmtpTools.Core.dll', 'dependencies/MimeKit.dll', 'dependencies/DnsClient.dll'
    ) {
        $il = Get-ImageInfo (Join-Path $ModuleRoot $_)
        $il.Precompiled | Should -BeFalse
        # The machine field says the OS too: Linux images XOR the architecture's value with 0x7B79.
        foreach ($platform in @{ Rid = 'linux-x64'; Machine = 0x8664 -bxor 0x7B79 }, @{ Rid = 'win-x64'; Machine = 0x8664 }) {
            $image = Get-ImageInfo (Join-Path $ModuleRoot "r2r/$($platform.Rid)/$_")
            $image.Precompiled | Should -BeTrue -Because "r2r/$($platform.Rid)/$_ should carry native code"
            $image.Machine | Should -Be $platform.Machine -Because "r2r/$($platform.Rid)/$_ should be for that platform"
            $image.Mvid | Should -Be $il.Mvid -Because 'the precompiled copy must be the same build as the IL one'
        }
    }

    It 'runs the precompiled copies on PowerShell 7 on this platform, MimeKit still in its private context' {
        if (-not (Test-Path (Join-Path $ModuleRoot "r2r/$Rid"))) { Set-ItResult -Skipped -Because "no r2r/$Rid"; return }
        $loaded = Invoke-PickupSend -Module $ManifestPath
        $loaded['status'] | Should -Be 'Written'
        $loaded['SmtpTools'] | Should -Be (Join-Path $ModuleRoot "r2r/$Rid/SmtpTools.dll")
        $loaded['SmtpTools.Core'] | Should -Be (Join-Path $ModuleRoot "r2r/$Rid/SmtpTools.Core.dll")
        $loaded['MimeKit'] | Should -Be (Join-Path $ModuleRoot "r2r/$Rid/dependencies/MimeKit.dll")
        $loaded['MimeKit.Context'] | Should -Be 'SmtpTools'
    }

    It 'runs the IL copies where it has none for the platform, or where they cannot load' {
        $copy = Join-Path ([IO.Path]::GetTempPath()) ('stp-il-' + [Guid]::NewGuid().ToString('N'))
        $moduleCopy = Join-Path $copy 'SmtpTools'
        try {
            Copy-Item -Recurse $ModuleRoot $moduleCopy
            Remove-Item -Recurse -Force (Join-Path $moduleCopy 'r2r')
            $loaded = Invoke-PickupSend -Module (Join-Path $moduleCopy 'SmtpTools.psd1')
            $loaded['SmtpTools'] | Should -Be (Join-Path $moduleCopy 'SmtpTools.dll')
            $loaded['SmtpTools.Core'] | Should -Be (Join-Path $moduleCopy 'SmtpTools.Core.dll')
            $loaded['MimeKit'] | Should -Be (Join-Path $moduleCopy 'dependencies/MimeKit.dll')

            # Another platform's images where this one's belong: they cannot even be mapped here.
            $other = if ($Rid -eq 'win-x64') { 'linux-x64' } else { 'win-x64' }
            Copy-Item -Recurse (Join-Path $ModuleRoot "r2r/$other") (Join-Path $moduleCopy "r2r/$Rid")
            $loaded = Invoke-PickupSend -Module (Join-Path $moduleCopy 'SmtpTools.psd1')
            $loaded['status'] | Should -Be 'Written'
            $loaded['SmtpTools.Core'] | Should -Be (Join-Path $moduleCopy 'SmtpTools.Core.dll')
            $loaded['MimeKit'] | Should -Be (Join-Path $moduleCopy 'dependencies/MimeKit.dll')
        }
        finally { Remove-Item -Recurse -Force $copy -ErrorAction SilentlyContinue }
    }
}
