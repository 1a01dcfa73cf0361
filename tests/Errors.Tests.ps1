# The one error table (src/SmtpTools/Internal/ErrorMapper.cs): every failure the core can raise has an id, a category
# and advice that fits the cmdlet that reports it, and about_SmtpTools documents every id.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Mapper = [SmtpTools.Internal.ErrorMapper]
    $script:About = Get-Content -Raw (Join-Path $PSScriptRoot '../module/en-US/about_SmtpTools.help.txt')
    $script:Commands = @(Get-Command -Module SmtpTools -CommandType Cmdlet)
}

Describe 'SmtpTools error ids' {
    It 'maps every <Enum> value to a row whose category is not NotSpecified' -TestCases @(
        @{ Enum = 'SmtpTools.SmtpFailureKind' }
        @{ Enum = 'SmtpTools.SmtpMessageError' }
        @{ Enum = 'SmtpTools.SmtpIdentityError' }
    ) {
        foreach ($name in [Enum]::GetNames($Enum -as [type])) {
            $row = $Mapper::RowFor($name)
            $row.Id | Should -BeExactly $name
            $row.Category | Should -Not -Be 'NotSpecified' -Because $name
        }
    }

    It 'has no row whose category is NotSpecified' {
        @($Mapper::Rows | Where-Object Category -EQ 'NotSpecified').Id | Should -BeNullOrEmpty
    }

    It 'documents every id in about_SmtpTools' {
        $missing = @($Mapper::Rows.Id | Where-Object { $About -notmatch "\b$([regex]::Escape($_))\b" })
        $missing | Should -BeNullOrEmpty -Because 'each id a user can see should be explained'
    }

    It 'gives <Name> advice that names only parameters it has' -TestCases @(
        Get-Command -Module SmtpTools -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name; Command = $_ } }
    ) {
        $parameters = @($Command.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases })
        foreach ($row in $Mapper::Rows) {
            $action = $Mapper::ActionFor($row.Id, $Command)
            if (-not $action) { continue }
            foreach ($named in $Mapper::ParametersNamedBy($action)) {
                $parameters | Should -Contain $named -Because "the advice for $($row.Id) names -$named"
            }
        }
    }

    It 'builds every ErrorRecord in the mapper, nowhere else in the cmdlets' {
        $source = Join-Path $PSScriptRoot '../src/SmtpTools'
        $elsewhere = @(Get-ChildItem $source -Recurse -Filter *.cs | Where-Object Name -NE 'ErrorMapper.cs' |
            Select-String -Pattern 'new ErrorRecord\(' | ForEach-Object { "$($_.Filename):$($_.LineNumber)" })
        $elsewhere | Should -BeNullOrEmpty
    }
}
