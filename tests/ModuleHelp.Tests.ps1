# Guards the help that build.ps1 generates from module/<culture>/<Cmdlet>.md: what an admin sees with Get-Help -Full,
# in every culture the module ships help for, for every exported cmdlet (a new cmdlet is held to the same bar).
BeforeDiscovery {
    $repo = Join-Path $PSScriptRoot '..'
    $manifest = Import-PowerShellDataFile (Join-Path $repo 'SmtpTools.psd1')
    $cultures = @(Get-ChildItem -Path (Join-Path $repo 'module') -Directory |
            Where-Object { Get-ChildItem -Path $_.FullName -Filter '*.md' } | ForEach-Object Name)
    $script:CultureCases = @($cultures | ForEach-Object { @{ Culture = $_ } })
    $script:CmdletCases = @(foreach ($culture in $cultures) {
            foreach ($name in $manifest.CmdletsToExport) { @{ Culture = $culture; Name = $name } }
        })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Repo = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '..'))
    $script:Manifest = Import-PowerShellDataFile (Join-Path $Repo 'SmtpTools.psd1')
    $script:Exported = @((Get-Module SmtpTools).ExportedCommands.Keys)
    $script:Common = [Management.Automation.Cmdlet]::CommonParameters + [Management.Automation.Cmdlet]::OptionalCommonParameters
    # Lines platyPS writes in a parameter's yaml block; in a description they mean the generator leaked markup.
    $script:MetadataPattern = '```|^#{1,3} |\b(Parameter Sets|Accept pipeline input|Accept wildcard characters|Default value|Accepted values|external help file|online version):|\bType: \S+|\bRequired: (True|False)|\bPosition: (\d|Named)'
    $script:Cjk = '\p{IsCJKUnifiedIdeographs}'

    # Get-Help caches per session, in the culture it first ran in: a fresh runspace made while the thread's UI
    # culture is $Culture sees that culture's help, whatever the machine's language is.
    $script:HelpCache = @{}
    function Get-CultureHelp([string] $Culture, [string] $Topic) {
        if (-not $HelpCache.ContainsKey($Culture)) {
            $previous = [cultureinfo]::CurrentUICulture
            [cultureinfo]::CurrentUICulture = $Culture
            try {
                $ps = [powershell]::Create()
                $null = $ps.AddScript({
                        param($manifestPath, $topics)
                        Import-Module $manifestPath
                        $help = @{}
                        foreach ($topic in $topics) { $help[$topic] = Get-Help $topic -Full }
                        $help['about_SmtpTools'] = Get-Help about_SmtpTools | Out-String -Width 200
                        $help
                    }).AddArgument($ManifestPath).AddArgument($Exported)
                $HelpCache[$Culture] = $ps.Invoke()[0]
                $ps.Runspace.Dispose()
                $ps.Dispose()
            }
            finally {
                [cultureinfo]::CurrentUICulture = $previous
            }
        }
        return $HelpCache[$Culture][$Topic]
    }

    function Get-ParagraphText($Node) { (@($Node) | ForEach-Object { $_.Text }) -join "`n" }
}

Describe 'Help for <Name> (<Culture>)' -ForEach $CmdletCases {
    BeforeAll {
        $script:Help = Get-CultureHelp $Culture $Name
        $script:Command = Get-Command $Name
        $script:Pipeline = @(foreach ($parameter in $Command.Parameters.Values) {
                foreach ($set in $parameter.ParameterSets.Values) {
                    if ($set.ValueFromPipeline -or $set.ValueFromPipelineByPropertyName) {
                        [pscustomobject]@{ Parameter = $parameter; ByValue = $set.ValueFromPipeline; ByName = $set.ValueFromPipelineByPropertyName }
                    }
                }
            })
    }

    It 'has a synopsis of its own, not the generated syntax' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -BeLike "$Name *[<-]*"
    }

    It 'has a description' {
        ($Help.Description.Text -join '') | Should -Not -BeNullOrEmpty
    }

    It 'has at least three examples, each with code and an explanation' {
        @($Help.Examples.Example).Count | Should -BeGreaterOrEqual 3
        foreach ($example in $Help.Examples.Example) {
            $example.Code | Should -Match $Name
            ($example.Remarks.Text -join '') | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes every parameter' {
        $described = @($Help.Parameters.Parameter | Where-Object { ($_.Description.Text -join '').Trim() } | ForEach-Object Name)
        foreach ($parameter in $Command.Parameters.Keys | Where-Object { $_ -notin $Common }) {
            $described | Should -Contain $parameter
        }
    }

    It 'shows no raw markdown metadata in any text' {
        $texts = @(
            @{ Where = 'synopsis'; Text = $Help.Synopsis }
            @{ Where = 'description'; Text = Get-ParagraphText $Help.Description }
            foreach ($parameter in $Help.Parameters.Parameter) { @{ Where = "-$($parameter.Name)"; Text = Get-ParagraphText $parameter.Description } }
            foreach ($example in $Help.Examples.Example) { @{ Where = $example.Title; Text = Get-ParagraphText $example.Remarks } }
            foreach ($type in $Help.inputTypes.inputType) { @{ Where = "INPUTS $($type.type.name)"; Text = Get-ParagraphText $type.description } }
            foreach ($type in $Help.returnValues.returnValue) { @{ Where = "OUTPUTS $($type.type.name)"; Text = Get-ParagraphText $type.description } }
            @{ Where = 'NOTES'; Text = Get-ParagraphText $Help.alertSet.alert }
        )
        $leaks = @($texts | Where-Object { $_.Text -match $MetadataPattern } | ForEach-Object { "$($_.Where): $($_.Text)" })
        $leaks | Should -BeNullOrEmpty
    }

    It 'names its output types, each with a description' {
        @($Help.ReturnValues.ReturnValue).Count | Should -BeGreaterThan 0
        foreach ($output in $Help.ReturnValues.ReturnValue) {
            Get-ParagraphText $output.Description | Should -Not -BeNullOrEmpty -Because "output $($output.Type.Name) needs a description"
        }
    }

    It 'lists under INPUTS the types it takes by value and the properties it binds by name' {
        $inputs = @($Help.inputTypes.inputType)
        $inputs.Count | Should -BeGreaterThan 0
        $typeNames = @($inputs | ForEach-Object { $_.type.name })
        $text = ($inputs | ForEach-Object { $_.type.name; Get-ParagraphText $_.description }) -join "`n"
        if ($Pipeline.Count -eq 0) { $typeNames | Should -Be 'None' }
        foreach ($binding in $Pipeline | Where-Object ByValue) {
            $type = $binding.Parameter.ParameterType
            if ($type.IsArray) { $type = $type.GetElementType() }
            if ([Nullable]::GetUnderlyingType($type)) { $type = [Nullable]::GetUnderlyingType($type) }
            if ($type -eq [object]) { continue }
            $typeNames -replace '\[\]$' | Should -Contain $type.FullName -Because "-$($binding.Parameter.Name) takes $($type.FullName) by value"
        }
        foreach ($binding in $Pipeline | Where-Object ByName) {
            $names = @($binding.Parameter.Name) + @($binding.Parameter.Aliases)
            $named = @($names | Where-Object { $text -match "\b$([regex]::Escape($_))\b" })
            $named | Should -Not -BeNullOrEmpty -Because "-$($binding.Parameter.Name) binds by property name ($($names -join ', '))"
        }
    }

    It 'has an online page that exists in the repository, and links its siblings and about_SmtpTools' {
        $links = @($Help.relatedLinks.navigationLink)
        $online = $links[0].uri
        $pattern = "^$([regex]::Escape($Manifest.PrivateData.PSData.ProjectUri))/blob/main/(module/[^/]+/$([regex]::Escape($Name))\.md)$"
        $online | Should -Match $pattern
        $page = [regex]::Match($online, $pattern).Groups[1].Value
        Join-Path $Repo $page | Should -Exist
        $topics = @($links | Select-Object -Skip 1 | ForEach-Object linkText)
        $topics | Should -Contain 'about_SmtpTools'
        @($topics | Where-Object { $_ -in $Exported }).Count | Should -BeGreaterThan 0
        foreach ($topic in $topics | Where-Object { $_ -ne 'about_SmtpTools' }) { $Exported | Should -Contain $topic }
    }

    It 'is written in Chinese' -Skip:($Culture -ne 'zh-CN') {
        $Help.Synopsis | Should -Match $Cjk
        Get-ParagraphText $Help.Description | Should -Match $Cjk
        foreach ($parameter in $Help.Parameters.Parameter) {
            Get-ParagraphText $parameter.Description | Should -Match $Cjk -Because "-$($parameter.Name) is described in Chinese"
        }
        foreach ($example in $Help.Examples.Example) {
            Get-ParagraphText $example.Remarks | Should -Match $Cjk -Because "$($example.Title) is explained in Chinese"
        }
        foreach ($type in @($Help.inputTypes.inputType) + @($Help.returnValues.returnValue)) {
            Get-ParagraphText $type.description | Should -Match $Cjk -Because "$($type.type.name) is described in Chinese"
        }
    }
}

Describe 'about_SmtpTools (<Culture>)' -ForEach $CultureCases {
    BeforeAll {
        $script:About = Get-CultureHelp $Culture 'about_SmtpTools'
    }

    It 'lists every exported command under SEE ALSO, and nothing else' {
        $About | Should -Match '(?m)^SEE ALSO'
        $seeAlso = ($About -split '(?m)^SEE ALSO\s*$', 2)[1]
        $listed = @([regex]::Matches($seeAlso, '\b[A-Z][a-z]+-[A-Za-z]+\b') | ForEach-Object Value | Select-Object -Unique)
        @($listed | Sort-Object) | Should -Be @($Exported | Sort-Object)
    }

    It 'is written in Chinese' -Skip:($Culture -ne 'zh-CN') {
        $About | Should -Match $Cjk
    }
}
