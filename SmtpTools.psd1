@{
    # No RootModule: PowerShell loads a root module's file before it imports anything else, so the cmdlets' assembly is a
    # nested module after SmtpTools.Loader, which on PowerShell 7 first loads its precompiled copy from r2r/<rid>/.
    NestedModules          = @('SmtpTools.Loader.dll', 'SmtpTools.dll')
    ModuleVersion          = '0.1.0'
    GUID                   = '43000b0b-c256-43aa-9931-fb8465115999'
    Author                 = 'SmtpTools contributors'
    CompanyName            = 'SmtpTools'
    Copyright              = '(c) SmtpTools contributors. MIT License.'
    Description            = 'Send mail, test SMTP authentication, resolve mail exchangers and explain SMTP replies: typed objects, redacted transcripts, STARTTLS/implicit TLS, OAuth2, direct-to-MX delivery. A drop-in, safer Send-MailMessage.'
    CompatiblePSEditions   = @('Desktop', 'Core')
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    CmdletsToExport        = @('Send-SmtpMessage', 'Test-SmtpAuth', 'Resolve-MailExchanger', 'Get-SmtpReplyCode', 'Connect-SmtpServer', 'Invoke-SmtpCommand',
                              'Disconnect-SmtpServer', 'Get-SmtpSession', 'Get-MailRoute', 'Test-SpfRecord', 'Test-DkimSignature',
                              'Resolve-DmarcPolicy', 'Test-DmarcAlignment', 'Test-MailDomain', 'Get-SmtpAccessToken')
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    FormatsToProcess       = @('SmtpTools.Format.ps1xml')
    TypesToProcess         = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('SMTP', 'Email', 'Mail', 'Send-MailMessage', 'MX', 'DNS', 'STARTTLS', 'OAuth', 'Diagnostics',
                'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/smtptools/SmtpTools'
            LicenseUri   = 'https://github.com/smtptools/SmtpTools/blob/main/LICENSE'
            ReleaseNotes = 'First release: the SMTP protocol core and the module foundation.'
        }
    }
}
