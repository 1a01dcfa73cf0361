BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'identity-common.ps1')

    $script:Idp = Start-TestIdentityProvider
    $script:Tenant = [Guid]::NewGuid().ToString()
    $script:Mailbox = Get-PeerSetting TEST_USER

    # An app with a certificate in Cert:\CurrentUser\My (the store exists on Linux under .NET too).
    $script:Cert = New-TestAppCertificate
    Add-CurrentUserCertificate $Cert
    $script:CertApp = [Guid]::NewGuid().ToString()
    $Idp.AddMicrosoftApp($Tenant, $CertApp, $null, $Cert, $Mailbox, 'Nightly reports')

    $script:Secret = 'Sec~' + [Guid]::NewGuid().ToString('N')
    $script:SecretApp = [Guid]::NewGuid().ToString()
    $Idp.AddMicrosoftApp($Tenant, $SecretApp, $Secret, $null, $Mailbox, 'Secret app')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('stp-oauth-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $Idp.AddGoogleUser($Mailbox)
    Set-Content -Path (Join-Path $Work 'sa.json') -Value $Idp.NewServiceAccountKeyFile('reports@proj.iam.gserviceaccount.com', $true)
    Set-Content -Path (Join-Path $Work 'nodelegation.json') -Value $Idp.NewServiceAccountKeyFile('other@proj.iam.gserviceaccount.com', $false)
}

AfterAll {
    Remove-CurrentUserCertificate $Cert.Thumbprint
    $Idp.Dispose()
    Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue
}

Describe 'Get-SmtpAccessToken' {
    Context 'Microsoft client credentials' {
        It 'gets an app-only token with a certificate from the CurrentUser My store and decodes its claims' {
            $token = Get-SmtpAccessToken -TenantId $Tenant -ClientId $CertApp -CertificateThumbprint $Cert.Thumbprint `
                -Authority $Idp.Authority -UserName $Mailbox
            $token | Should -BeOfType SmtpTools.SmtpAccessToken
            $token.Audience | Should -BeExactly 'https://outlook.office365.com'
            $token.TenantId | Should -BeExactly $Tenant
            $token.AppId | Should -BeExactly $CertApp
            $token.AppDisplayName | Should -BeExactly 'Nightly reports'
            $token.Roles | Should -Be @('SMTP.SendAsApp')
            $token.IsAppOnly | Should -BeTrue
            $token.UserName | Should -BeExactly $Mailbox
            $token.ExpiresIn.TotalMinutes | Should -BeGreaterThan 55
            $token.AccessToken | Should -BeOfType securestring
            $token.Claims.Keys | Should -Contain 'oid'
            # The endpoint verified a PSS assertion identified by the certificate's SHA-256 thumbprint.
            $Idp.Requests[-1].Status | Should -Be 200
            $Idp.Requests[-1].Algorithm | Should -BeExactly 'PS256'
        }

        It 'reuses the session token for the same app and credential, and -ForceRefresh asks again' {
            $before = $Idp.TokensIssued
            $again = Get-SmtpAccessToken -TenantId $Tenant -ClientId $CertApp -CertificateThumbprint $Cert.Thumbprint -Authority $Idp.Authority
            $again.FromCache | Should -BeTrue
            $Idp.TokensIssued | Should -Be $before
            $fresh = Get-SmtpAccessToken -TenantId $Tenant -ClientId $CertApp -CertificateThumbprint $Cert.Thumbprint -Authority $Idp.Authority -ForceRefresh
            $fresh.FromCache | Should -BeFalse
            $Idp.TokensIssued | Should -Be ($before + 1)
        }

        It 'takes the certificate object itself with -Certificate' {
            $token = Get-SmtpAccessToken -TenantId $Tenant -ClientId $CertApp -Certificate $Cert -Authority $Idp.Authority -ForceRefresh
            $token.AppId | Should -BeExactly $CertApp
        }

        It 'gets a token with a client secret' {
            $token = Get-SmtpAccessToken -TenantId $Tenant -ClientId $SecretApp -ClientSecret (ConvertTo-Secure $Secret) -Authority $Idp.Authority
            $token.AppId | Should -BeExactly $SecretApp
            $token.Claims['appidacr'] | Should -BeExactly '1'
        }

        It 'explains a wrong secret (AADSTS7000215) without showing it' {
            $wrong = 'Wrong~' + [Guid]::NewGuid().ToString('N')
            $token = Get-SmtpAccessToken -TenantId $Tenant -ClientId $SecretApp -ClientSecret (ConvertTo-Secure $wrong) `
                -Authority $Idp.Authority -ErrorVariable err -ErrorAction SilentlyContinue
            $token | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'OAuthInvalidClient,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $err[0].Exception.ErrorCodes | Should -Be @(7000215)
            $err[0].Exception.Explanation.Code | Should -BeExactly 'AADSTS7000215'
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'not its Secret ID'
            ($err | Out-String) + ($Error | Out-String) | Should -Not -Match ([regex]::Escape($wrong))
        }

        It 'explains asking for SMTP.SendAsApp instead of /.default (invalid_scope, AADSTS1002012)' {
            Get-SmtpAccessToken -TenantId $Tenant -ClientId $SecretApp -ClientSecret (ConvertTo-Secure $Secret) `
                -Scope 'https://outlook.office365.com/SMTP.SendAsApp' -Authority $Idp.Authority -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'OAuthInvalidScope,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].Exception.Explanation.Code | Should -BeExactly 'AADSTS1002012'
            $err[0].ErrorDetails.RecommendedAction | Should -Match '/\.default'
            $err[0].Exception.Explanation.MeaningZh | Should -Match '范围'
        }

        It 'names an unknown tenant (AADSTS90002) and an unknown app (AADSTS700016)' {
            Get-SmtpAccessToken -TenantId 'nosuch.onmicrosoft.com' -ClientId $SecretApp -ClientSecret (ConvertTo-Secure $Secret) `
                -Authority $Idp.Authority -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'OAuthTokenRequestFailed,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            $err[0].Exception.Explanation.Code | Should -BeExactly 'AADSTS90002'
            Get-SmtpAccessToken -TenantId $Tenant -ClientId ([Guid]::NewGuid()) -ClientSecret (ConvertTo-Secure $Secret) `
                -Authority $Idp.Authority -ErrorVariable err2 -ErrorAction SilentlyContinue
            $err2[0].FullyQualifiedErrorId | Should -BeExactly 'OAuthUnauthorizedClient,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            $err2[0].Exception.Explanation.Code | Should -BeExactly 'AADSTS700016'
        }

        It 'refuses a certificate the app does not know (AADSTS700027)' {
            $other = New-TestAppCertificate
            Get-SmtpAccessToken -TenantId $Tenant -ClientId $CertApp -Certificate $other -Authority $Idp.Authority `
                -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'OAuthInvalidClient,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            $err[0].Exception.Explanation.Code | Should -BeExactly 'AADSTS700027'
        }

        It 'says when the thumbprint is in no store' {
            { Get-SmtpAccessToken -TenantId $Tenant -ClientId $CertApp -CertificateThumbprint ('AB' * 20) -Authority $Idp.Authority } |
                Should -Throw -ErrorId 'CertificateNotFound,SmtpTools.Commands.GetSmtpAccessTokenCommand'
        }

        It 'refuses to send a secret over plain http to a host that is not loopback' {
            $e = { Get-SmtpAccessToken -TenantId $Tenant -ClientId $SecretApp -ClientSecret (ConvertTo-Secure $Secret) -Authority 'http://login.example.com' } |
                Should -Throw -ErrorId 'InvalidAuthority,SmtpTools.Commands.GetSmtpAccessTokenCommand' -PassThru
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
    }

    Context 'Microsoft refresh token' {
        It 'exchanges a user''s refresh token and uses the rotated one for the next refresh' {
            $app = [Guid]::NewGuid().ToString()
            $Idp.AddMicrosoftApp($Tenant, $app, $null, $null, $Mailbox, 'Public client')
            $refresh = 'rt-' + [Guid]::NewGuid().ToString('N')
            $Idp.AddMicrosoftRefreshToken($Tenant, $app, $refresh, $Mailbox)
            $params = @{ TenantId = $Tenant; ClientId = $app; RefreshToken = (ConvertTo-Secure $refresh); Authority = $Idp.Authority }
            $token = Get-SmtpAccessToken @params
            $token.Scopes | Should -Be @('SMTP.Send')
            $token.IsAppOnly | Should -BeFalse
            # The endpoint revoked the first refresh token when it rotated it: only the rotated one works now.
            $again = Get-SmtpAccessToken @params -ForceRefresh
            $again.FromCache | Should -BeFalse
            @($Idp.Requests | Where-Object { $_.ClientId -eq $app -and $_.Status -eq 200 }).Count | Should -Be 2
        }
    }

    Context 'Google' {
        It 'gets a token for an impersonated mailbox with a service-account key file given by a relative path' {
            Push-Location $Work
            try {
                $token = Get-SmtpAccessToken -ServiceAccountKeyFile ./sa.json -Impersonate $Mailbox
            }
            finally { Pop-Location }
            $token.Provider | Should -BeExactly 'Google'
            $token.UserName | Should -BeExactly $Mailbox
            $token.Audience | Should -BeExactly 'https://mail.google.com/'
            $Idp.Requests[-1].GrantType | Should -BeExactly 'urn:ietf:params:oauth:grant-type:jwt-bearer'
        }

        It 'explains a service account without domain-wide delegation (unauthorized_client)' {
            Get-SmtpAccessToken -ServiceAccountKeyFile (Join-Path $Work 'nodelegation.json') -Impersonate $Mailbox -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'OAuthUnauthorizedClient,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'Domain-wide delegation'
        }

        It 'explains an impersonated user that does not exist (invalid_grant)' {
            Get-SmtpAccessToken -ServiceAccountKeyFile (Join-Path $Work 'sa.json') -Impersonate 'nobody@example.test' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'OAuthInvalidGrant,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            $err[0].Exception.Explanation.MatchText | Should -BeExactly 'Invalid email or User ID'
        }

        It 'says when the key file does not exist, and when it is not a service-account key' {
            { Get-SmtpAccessToken -ServiceAccountKeyFile (Join-Path $Work 'missing.json') -Impersonate $Mailbox } |
                Should -Throw -ErrorId 'ServiceAccountKeyFileNotFound,SmtpTools.Commands.GetSmtpAccessTokenCommand'
            Set-Content -Path (Join-Path $Work 'user.json') -Value '{"type":"authorized_user","client_id":"x"}'
            { Get-SmtpAccessToken -ServiceAccountKeyFile (Join-Path $Work 'user.json') -Impersonate $Mailbox } |
                Should -Throw -ErrorId 'ServiceAccountKeyFileInvalid,SmtpTools.Commands.GetSmtpAccessTokenCommand'
        }

        It 'exchanges an installed app''s refresh token' {
            $refresh = 'rt-' + [Guid]::NewGuid().ToString('N')
            $Idp.AddGoogleRefreshToken('installed-app', 'app-secret', $refresh, $Mailbox)
            $token = Get-SmtpAccessToken -ClientId 'installed-app' -ClientSecret (ConvertTo-Secure 'app-secret') `
                -RefreshToken (ConvertTo-Secure $refresh) -Authority $Idp.GoogleTokenUrl
            $token.Scopes | Should -Contain 'https://mail.google.com/'
            Get-SmtpAccessToken -ClientId 'installed-app' -ClientSecret (ConvertTo-Secure 'app-secret') `
                -RefreshToken (ConvertTo-Secure 'revoked') -Authority $Idp.GoogleTokenUrl -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'OAuthInvalidGrant,SmtpTools.Commands.GetSmtpAccessTokenCommand'
        }
    }

    Context 'secrets' {
        It 'refuses a plain-text -ClientSecret without repeating it' {
            $plain = 'Plain~' + [Guid]::NewGuid().ToString('N')
            $e = { Get-SmtpAccessToken -TenantId $Tenant -ClientId $SecretApp -ClientSecret $plain -Authority $Idp.Authority } |
                Should -Throw -ErrorId 'ParameterArgumentTransformationError,SmtpTools.Commands.GetSmtpAccessTokenCommand' -PassThru
            ($e | Format-List * -Force | Out-String) + $e.Exception.ToString() | Should -Not -Match ([regex]::Escape($plain))
            $e.Exception.Message | Should -Match 'SecureString'
        }

        It 'writes no secret, assertion or token to any stream, the transcript or $Error' {
            $transcript = Join-Path $Work 'transcript.txt'
            $Error.Clear()
            Start-Transcript -Path $transcript | Out-Null
            try {
                $out = & {
                    Get-SmtpAccessToken -TenantId $Tenant -ClientId $SecretApp -ClientSecret (ConvertTo-Secure $Secret) -Authority $Idp.Authority -ForceRefresh -Verbose
                    Get-SmtpAccessToken -TenantId $Tenant -ClientId $SecretApp -ClientSecret (ConvertTo-Secure "x$Secret") -Authority $Idp.Authority -Verbose -ErrorAction Continue
                } *>&1
                $out | Format-List * | Out-String | Write-Host
            }
            finally { Stop-Transcript | Out-Null }
            $token = $out | Where-Object { $_ -is [SmtpTools.SmtpAccessToken] }
            $plain = Get-PlainText $token.AccessToken
            $signature = $plain.Split('.')[2]
            $everything = (Get-Content -Raw $transcript) + ($out | Out-String) + ($Error | Format-List * -Force | Out-String) +
                ($token | Format-List * | Out-String) + ($token.Claims | Out-String)
            @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0
            $everything | Should -Not -Match ([regex]::Escape($Secret))
            $everything | Should -Not -Match ([regex]::Escape($signature))
            $everything | Should -Not -Match ([regex]::Escape($plain))
        }
    }
}
