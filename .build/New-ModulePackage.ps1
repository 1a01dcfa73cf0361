# Writes the module folder as a .nupkg in the shape the PowerShell Gallery serves: a nuspec with the PSModule tags at
# the root beside the module files, so Install-PSResource / Install-Module accept it from a local folder repository.

function New-ModulePackage {
    param(
        [Parameter(Mandatory)] [string] $ModuleDirectory,
        [Parameter(Mandatory)] [hashtable] $Manifest,
        [Parameter(Mandatory)] [string] $Destination
    )
    Add-Type -AssemblyName System.IO.Compression
    $id = 'SmtpTools'
    $version = $Manifest.ModuleVersion
    $psData = $Manifest.PrivateData.PSData
    $tags = @($psData.Tags) + @('PSModule') + @($Manifest.CmdletsToExport | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })
    $escape = { param($text) [Security.SecurityElement]::Escape([string]$text) }
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>$id</id>
    <version>$version</version>
    <authors>$(& $escape $Manifest.Author)</authors>
    <owners>$(& $escape $Manifest.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <licenseUrl>$(& $escape $psData.LicenseUri)</licenseUrl>
    <projectUrl>$(& $escape $psData.ProjectUri)</projectUrl>
    <description>$(& $escape $Manifest.Description)</description>
    <releaseNotes>$(& $escape $psData.ReleaseNotes)</releaseNotes>
    <copyright>$(& $escape $Manifest.Copyright)</copyright>
    <tags>$(& $escape ($tags -join ' '))</tags>
  </metadata>
</package>
"@
    $package = Join-Path $Destination "$id.$version.nupkg"
    if (Test-Path $package) { Remove-Item $package }
    $zip = [IO.Compression.ZipFile]::Open($package, [IO.Compression.ZipArchiveMode]::Create)
    try {
        $add = {
            param([string] $entryName, [string] $text)
            $entry = $zip.CreateEntry($entryName)
            $writer = [IO.StreamWriter]::new($entry.Open(), [Text.UTF8Encoding]::new($false))
            try { $writer.Write($text) } finally { $writer.Dispose() }
        }
        & $add "$id.nuspec" $nuspec
        & $add '[Content_Types].xml' @'
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />
  <Default Extension="nuspec" ContentType="application/octet" />
  <Default Extension="psd1" ContentType="application/octet" />
  <Default Extension="dll" ContentType="application/octet" />
  <Default Extension="xml" ContentType="application/octet" />
  <Default Extension="ps1xml" ContentType="application/octet" />
  <Default Extension="txt" ContentType="application/octet" />
</Types>
'@
        & $add '_rels/.rels' @"
<?xml version="1.0" encoding="utf-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/$id.nuspec" Id="R0" />
</Relationships>
"@
        $root = (Resolve-Path $ModuleDirectory).Path.TrimEnd('/', '\')
        foreach ($file in Get-ChildItem -Path $root -Recurse -File) {
            $relative = $file.FullName.Substring($root.Length + 1).Replace('\', '/')
            [void][IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $file.FullName, $relative)
        }
    }
    finally { $zip.Dispose() }
    return $package
}
