# Turns the platyPS-style markdown in module/<culture>/<Cmdlet-Name>.md into the MAML file Get-Help reads.
# platyPS is not served here, so this is ours. Texts (synopsis, description, examples, parameter descriptions, inputs,
# outputs, notes, related links) come from the markdown; syntax, types, positions and pipeline binding come from the
# cmdlets themselves, so they can never go stale. tests/ModuleHelp.Tests.ps1 checks what Get-Help then shows.

# The sections every help source must have; NOTES is optional.
$script:RequiredHelpSections = 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'RELATED LINKS'

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

# The platyPS front matter ("---", "key: value" lines, "---") as a dictionary; empty when the file has none.
function Get-FrontMatter([string[]] $Lines) {
    $values = @{}
    if ($Lines.Count -eq 0 -or $Lines[0] -ne '---') { return $values }
    for ($i = 1; $i -lt $Lines.Count -and $Lines[$i] -ne '---'; $i++) {
        if ($Lines[$i] -match '^([^:]+):\s*(.*)$') { $values[$Matches[1].Trim()] = $Matches[2].Trim() }
    }
    return $values
}

# The prose of a section: fenced blocks (platyPS's yaml metadata under each parameter, code) are not prose.
function Get-Prose([string[]] $Lines) {
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inFence = -not $inFence; continue }
        if (-not $inFence) { $line }
    }
}

# "Key: value" from the yaml block of a platyPS parameter section, or $null.
function Get-YamlValue([string[]] $Lines, [string] $Key) {
    $inYaml = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inYaml = -not $inYaml -and $line -match '^```yaml'; continue }
        if ($inYaml -and $line -match "^$([regex]::Escape($Key)):\s*(.*)$") { return $Matches[1].Trim() }
    }
    return $null
}

# Markdown paragraphs (and list items, which Get-Help would otherwise run together), each joined into one line.
# Chinese is written without spaces, so a line break between two Chinese characters joins without one.
function Get-Paragraphs([string[]] $Lines) {
    $text = ($Lines -join "`n").Trim()
    if (-not $text) { return @() }
    $cjk = '[\p{IsCJKUnifiedIdeographs}\p{IsCJKSymbolsandPunctuation}\p{IsHalfwidthandFullwidthForms}]'
    return @($text -split "`n\s*`n|`n(?=\s*[-*] )" | ForEach-Object {
            (($_ -replace "(?<=$cjk)[ \t]*\n\s*(?=$cjk)", '') -replace '\s*\n\s*', ' ').Trim()
        } | Where-Object { $_ })
}

function ConvertTo-XmlText([string] $Text) { [Security.SecurityElement]::Escape($Text) }

function Get-ParaXml([string[]] $Paragraphs) {
    ($Paragraphs | ForEach-Object { "<maml:para>$(ConvertTo-XmlText $_)</maml:para>" }) -join ''
}

# "### Type" headings, each followed by its description, as in the INPUTS and OUTPUTS sections.
function Get-TypeEntries([string[]] $Lines) {
    foreach ($entry in (Split-MarkdownSections -Lines $Lines -Prefix '###').GetEnumerator()) {
        [pscustomobject]@{ Type = $entry.Key; Paragraphs = @(Get-Paragraphs (Get-Prose $entry.Value)) }
    }
}

function Get-TypeEntriesXml([string[]] $Lines, [string] $Element, [string] $File, [string] $Section) {
    $entries = @(Get-TypeEntries $Lines)
    if ($entries.Count -eq 0) { throw "Help source $File lists no '### type' under '## $Section' (write '### None' when there is none)." }
    ($entries | ForEach-Object {
        "<command:$Element><dev:type><maml:name>$(ConvertTo-XmlText $_.Type)</maml:name></dev:type><maml:description>$(Get-ParaXml $_.Paragraphs)</maml:description></command:$Element>"
    }) -join ''
}

# RELATED LINKS lines: "[text](uri)" or a bare name, each a link; the online version comes first.
function Get-RelatedLinksXml([string[]] $Lines, [string] $OnlineUri) {
    $links = [Collections.Generic.List[string]]::new()
    $links.Add("<maml:navigationLink><maml:linkText>Online Version:</maml:linkText><maml:uri>$(ConvertTo-XmlText $OnlineUri)</maml:uri></maml:navigationLink>")
    foreach ($line in Get-Prose $Lines) {
        $text = $line.Trim()
        if (-not $text) { continue }
        $uri = ''
        if ($text -match '^\[([^\]]+)\]\(([^)]*)\)$') { $text = $Matches[1].Trim(); $uri = $Matches[2].Trim() }
        # A relative link ("Test-SmtpAuth.md") works on the repository's web pages; Get-Help finds the topic by name.
        if ($uri -notmatch '^https?://') { $uri = '' }
        $links.Add("<maml:navigationLink><maml:linkText>$(ConvertTo-XmlText $text)</maml:linkText><maml:uri>$(ConvertTo-XmlText $uri)</maml:uri></maml:navigationLink>")
    }
    return $links -join ''
}

# Example titles are framed in dashes like PowerShell's own help, but never wider than a 120-column console.
function Get-ExampleTitle([string] $Title) {
    $dashes = [Math]::Max(3, [Math]::Min(26, [int][Math]::Floor((116 - $Title.Length) / 2)))
    $frame = '-' * $dashes
    return "$frame $Title $frame"
}

function ConvertTo-Maml {
    param(
        [Parameter(Mandatory)] [string[]] $Path,
        [Parameter(Mandatory)] [string] $Destination,
        # The built module whose cmdlets supply syntax and parameter metadata.
        [string] $ModuleManifest = (Join-Path (Split-Path $Destination -Parent | Split-Path -Parent) 'SmtpTools.psd1'),
        # The en-US sources: a translation that lacks a section or a parameter (one added since it was written) takes
        # the English text, so the build goes on; tests/ModuleHelp.Tests.ps1 then names what is left to translate.
        [string] $FallbackDirectory
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
        $lines = @(Get-Content -Path $file -Encoding utf8)
        $front = Get-FrontMatter $lines
        $onlineUri = $front['online version']
        if (-not $onlineUri) { throw "Help source $file has no 'online version:' in its front matter (the page Get-Help -Online opens)." }
        $sections = Split-MarkdownSections -Lines $lines -Prefix '##'
        $fallback = if ($FallbackDirectory) { Join-Path $FallbackDirectory "$name.md" }
        $english = if ($fallback -and (Test-Path $fallback) -and
            [IO.Path]::GetFullPath($fallback) -ne [IO.Path]::GetFullPath($file)) {
            Split-MarkdownSections -Lines (Get-Content -Path $fallback -Encoding utf8) -Prefix '##'
        }
        foreach ($required in $RequiredHelpSections) {
            if (-not $sections.Contains($required) -and $english -and $english.Contains($required)) {
                $sections[$required] = $english[$required]
            }
            if (-not $sections.Contains($required)) { throw "Help source $file has no '## $required' section." }
        }
        $parameterTexts = Split-MarkdownSections -Lines $sections['PARAMETERS'] -Prefix '###'
        if ($english) {
            foreach ($entry in (Split-MarkdownSections -Lines $english['PARAMETERS'] -Prefix '###').GetEnumerator()) {
                if (-not $parameterTexts.Contains($entry.Key)) { $parameterTexts[$entry.Key] = $entry.Value }
            }
        }
        $examples = Split-MarkdownSections -Lines $sections['EXAMPLES'] -Prefix '###'

        [void]$builder.AppendLine('<command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">')
        [void]$builder.AppendLine("<command:details><command:name>$name</command:name><command:verb>$($command.Verb)</command:verb><command:noun>$($command.Noun)</command:noun><maml:description>$(Get-ParaXml (Get-Paragraphs (Get-Prose $sections['SYNOPSIS'])))</maml:description></command:details>")
        [void]$builder.AppendLine("<maml:description>$(Get-ParaXml (Get-Paragraphs (Get-Prose $sections['DESCRIPTION'])))</maml:description>")

        $describe = {
            param($parameter, $set)
            $key = "-$($parameter.Name)"
            if (-not $parameterTexts.Contains($key)) { throw "Help source $file does not describe parameter $key." }
            $text = $parameterTexts[$key]
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
            # The default is the one fact of platyPS's yaml block the cmdlet cannot tell: keep it, drop the rest.
            $default = Get-YamlValue $text 'Default value'
            $defaultXml = if ($default -and $default -ne 'None') { "<dev:defaultValue>$(ConvertTo-XmlText $default)</dev:defaultValue>" } else { '' }
            "<command:parameter required=`"$required`" variableLength=`"true`" globbing=`"false`" pipelineInput=`"$pipelineValue`" position=`"$position`" aliases=`"$aliases`"><maml:name>$($parameter.Name)</maml:name><maml:description>$(Get-ParaXml (Get-Paragraphs (Get-Prose $text)))</maml:description>$valueXml<dev:type><maml:name>$($type.FullName)</maml:name></dev:type>$defaultXml</command:parameter>"
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

        [void]$builder.AppendLine("<command:inputTypes>$(Get-TypeEntriesXml $sections['INPUTS'] 'inputType' $file 'INPUTS')</command:inputTypes>")
        [void]$builder.AppendLine("<command:returnValues>$(Get-TypeEntriesXml $sections['OUTPUTS'] 'returnValue' $file 'OUTPUTS')</command:returnValues>")
        if ($sections.Contains('NOTES')) {
            [void]$builder.AppendLine("<maml:alertSet><maml:alert>$(Get-ParaXml (Get-Paragraphs (Get-Prose $sections['NOTES'])))</maml:alert></maml:alertSet>")
        }

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
            [void]$builder.Append("<command:example><maml:title>$(ConvertTo-XmlText (Get-ExampleTitle $example.Key))</maml:title><dev:code>$(ConvertTo-XmlText ($codeLines -join "`n"))</dev:code><dev:remarks>$(Get-ParaXml (Get-Paragraphs $remarks))</dev:remarks></command:example>")
        }
        [void]$builder.AppendLine('</command:examples>')
        [void]$builder.AppendLine("<command:relatedLinks>$(Get-RelatedLinksXml $sections['RELATED LINKS'] $onlineUri)</command:relatedLinks>")
        [void]$builder.AppendLine('</command:command>')
    }
    [void]$builder.AppendLine('</helpItems>')
    [IO.File]::WriteAllText($Destination, $builder.ToString(), [Text.UTF8Encoding]::new($false))
}
