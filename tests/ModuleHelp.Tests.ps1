# Guards the help that build.ps1 generates from module/en-US/<Cmdlet>.md: what an admin sees with Get-Help -Full.
BeforeDiscovery {
    $manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot '../SmtpTools.psd1')
    $script:CmdletCases = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Common = [Management.Automation.Cmdlet]::CommonParameters + [Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'Help for <Name>' -ForEach $CmdletCases {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Command = Get-Command $Name
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

    It 'names its output types' {
        @($Help.ReturnValues.ReturnValue).Count | Should -BeGreaterThan 0
    }
}
