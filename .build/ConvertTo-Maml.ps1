# Turns the platyPS-style markdown in module/<culture>/<Cmdlet-Name>.md into the MAML file Get-Help reads.
# platyPS is not served here, so this is ours. Texts (synopsis, description, examples, parameter descriptions, outputs)
# come from the markdown; syntax, types, positions and pipeline binding come from the cmdlets themselves, so they can
# never go stale. tests/ModuleHelp.Tests.ps1 checks what Get-Help then shows.

function Split-MarkdownSections([string[]] $Lines, [string] $Prefix) {
    $sections = [ordered]@{}
    $current = $null
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match "^$([regex]::Escape($Prefix)) (.+)$") {
            $current = $Matches[1].Trim()
            $sections[$current] = [Collections.Generic.List[string]]::new()
        }
        elseif ($null -ne $current) { $sections[$current].Add($line) }
    }
    return $sections
}

function Get-Paragraphs([string[]] $Lines) {
    $text = ($Lines -join "`n").Trim()
    if (-not $text) { return @() }
    return @($text -split "`n\s*`n" | ForEach-Object { ($_ -replace '\s*\n\s*', ' ').Trim() } | Where-Object { $_ })
}

function ConvertTo-XmlText([string] $Text) { [Security.SecurityElement]::Escape($Text) }

function Get-ParaXml([string[]] $Paragraphs) {
    ($Paragraphs | ForEach-Object { "<maml:para>$(ConvertTo-XmlText $_)</maml:para>" }) -join ''
}

function ConvertTo-Maml {
    param(
        [Parameter(Mandatory)] [string[]] $Path,
        [Parameter(Mandatory)] [string] $Destination,
        # The built module whose cmdlets supply syntax and parameter metadata.
        [string] $ModuleManifest = (Join-Path (Split-Path $Destination -Parent | Split-Path -Parent) 'SmtpTools.psd1')
    )
    $module = Import-Module $ModuleManifest -PassThru -Force
    # -WhatIf and -Confirm stay: they are the cmdlet's own choice and belong in its syntax.
    $common = [Management.Automation.Cmdlet]::CommonParameters
    $builder = [Text.StringBuilder]::new()
    [void]$builder.AppendLine('<?xml version="1.0" encoding="utf-8"?>')
    [void]$builder.AppendLine('<helpItems schema="maml" xmlns="http://msh">')

    foreach ($file in $Path) {
        $name = [IO.Path]::GetFileNameWithoutExtension($file)
        $command = $module.ExportedCmdlets[$name]
        if (-not $command) { throw "Help source $file describes $name, which the module does not export." }
        $sections = Split-MarkdownSections -Lines (Get-Content -Path $file -Encoding utf8) -Prefix '##'
        foreach ($required in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'OUTPUTS') {
            if (-not $sections.Contains($required)) { throw "Help source $file has no '## $required' section." }
        }
        $parameterTexts = Split-MarkdownSections -Lines $sections['PARAMETERS'] -Prefix '###'
        $examples = Split-MarkdownSections -Lines $sections['EXAMPLES'] -Prefix '###'

        [void]$builder.AppendLine('<command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">')
        [void]$builder.AppendLine("<command:details><command:name>$name</command:name><command:verb>$($command.Verb)</command:verb><command:noun>$($command.Noun)</command:noun><maml:description>$(Get-ParaXml (Get-Paragraphs $sections['SYNOPSIS']))</maml:description></command:details>")
        [void]$builder.AppendLine("<maml:description>$(Get-ParaXml (Get-Paragraphs $sections['DESCRIPTION']))</maml:description>")

        $describe = {
            param($parameter, $set)
            $key = "-$($parameter.Name)"
            if (-not $parameterTexts.Contains($key)) { throw "Help source $file does not describe parameter $key." }
            $lines = @($parameterTexts[$key] | Where-Object { $_ -notmatch '^```' })
            $position = if ($set -and $set.Position -ge 0) { $set.Position } else { 'named' }
            $required = if ($set) { $set.IsMandatory.ToString().ToLowerInvariant() } else { 'false' }
            $pipeline = if ($set -and ($set.ValueFromPipeline -or $set.ValueFromPipelineByPropertyName)) {
                @(if ($set.ValueFromPipeline) { 'ByValue' }; if ($set.ValueFromPipelineByPropertyName) { 'ByPropertyName' }) -join ', '
            } else { 'False' }
            $pipelineValue = if ($pipeline -ne 'False') { "True ($pipeline)" } else { 'False' }
            $type = $parameter.ParameterType
            # int? reads as Int32 to a user; Nullable`1 says nothing.
            $underlying = [Nullable]::GetUnderlyingType($type)
            if ($underlying) { $type = $underlying }
            $typeName = $type.Name
            # A switch takes no value: Get-Help shows [-PassThru], not [-PassThru <SwitchParameter>].
            $valueXml = if ($type -eq [Management.Automation.SwitchParameter]) { '' }
            else { "<command:parameterValue required=`"true`" variableLength=`"false`">$typeName</command:parameterValue>" }
            $aliases = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'None' }
            "<command:parameter required=`"$required`" variableLength=`"true`" globbing=`"false`" pipelineInput=`"$pipelineValue`" position=`"$position`" aliases=`"$aliases`"><maml:name>$($parameter.Name)</maml:name><maml:description>$(Get-ParaXml (Get-Paragraphs $lines))</maml:description>$valueXml<dev:type><maml:name>$($type.FullName)</maml:name></dev:type></command:parameter>"
        }

        [void]$builder.Append('<command:syntax>')
        foreach ($set in $command.ParameterSets) {
            [void]$builder.Append("<command:syntaxItem><maml:name>$name</maml:name>")
            foreach ($parameter in $set.Parameters | Where-Object Name -NotIn $common) {
                [void]$builder.Append((& $describe $command.Parameters[$parameter.Name] $parameter))
            }
            [void]$builder.Append('</command:syntaxItem>')
        }
        [void]$builder.AppendLine('</command:syntax>')

        [void]$builder.Append('<command:parameters>')
        foreach ($parameter in $command.Parameters.Values | Where-Object Name -NotIn $common) {
            $set = $parameter.ParameterSets.Values | Select-Object -First 1
            [void]$builder.Append((& $describe $parameter $set))
        }
        [void]$builder.AppendLine('</command:parameters>')

        $outputs = @($sections['OUTPUTS'] | Where-Object { $_ -match '^### (.+)$' } | ForEach-Object { $Matches[1].Trim() })
        [void]$builder.Append('<command:returnValues>')
        foreach ($output in $outputs) {
            [void]$builder.Append("<command:returnValue><dev:type><maml:name>$(ConvertTo-XmlText $output)</maml:name></dev:type><maml:description /></command:returnValue>")
        }
        [void]$builder.AppendLine('</command:returnValues>')

        [void]$builder.Append('<command:examples>')
        foreach ($example in $examples.GetEnumerator()) {
            $codeLines = [Collections.Generic.List[string]]::new()
            $remarks = [Collections.Generic.List[string]]::new()
            $inCode = $false
            foreach ($line in $example.Value) {
                if ($line -match '^```') { $inCode = -not $inCode; continue }
                if ($inCode) { $codeLines.Add($line) } else { $remarks.Add($line) }
            }
            if ($codeLines.Count -eq 0) { throw "Help source $file example '$($example.Key)' has no code block." }
            [void]$builder.Append("<command:example><maml:title>-------------------------- $(ConvertTo-XmlText $example.Key) --------------------------</maml:title><dev:code>$(ConvertTo-XmlText ($codeLines -join "`n"))</dev:code><dev:remarks>$(Get-ParaXml (Get-Paragraphs $remarks))</dev:remarks></command:example>")
        }
        [void]$builder.AppendLine('</command:examples>')
        [void]$builder.AppendLine('</command:command>')
    }
    [void]$builder.AppendLine('</helpItems>')
    [IO.File]::WriteAllText($Destination, $builder.ToString(), [Text.UTF8Encoding]::new($false))
}
