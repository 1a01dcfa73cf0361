@{
    RootModule        = 'OneCmdletModule.dll'
    ModuleVersion     = '1.0.0'
    GUID              = '1b7c7f0e-3f55-4f2e-9d55-2f8f9a1e0b11'
    Description       = 'Import reference for tests/bench: one binary cmdlet, nothing else.'
    CmdletsToExport   = @('Get-OneCmdlet')
    FunctionsToExport = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
