# Unattended modern auth end to end (issue 18): tokens from the test identity provider, obtained by the cmdlets from
# the identity parameters, accepted or refused by a real server (Postfix submission with Dovecot's oauth2 passdb
# validating each JWT locally: signature, expiry, audience, and the mailbox it names).
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'identity-common.ps1')

    $script:Server = '127.0.0.1'
    $script:OAuthPort = [int](Get-PeerSetting OAUTH_SUBMISSION_PORT)
    $script:Mailbox = Get-PeerSetting TEST_USER
    $script:Idp = Start-TestIdentityProvider
    $script:Tenant = [Guid]::NewGuid().ToString()

    $script:Cert = New-TestAppCertificate
    Add-CurrentUserCertificate $Cert
    $script:CertApp = [Guid]::NewGuid().ToString()
    $Idp.AddMicrosoftApp($Tenant, $CertApp, $null, $Cert, $Mailbox, 'Nightly reports')
    $script:Secret = 'Sec~' + [Guid]::NewGuid().ToString('N')
    $script:SecretApp = [Guid]::NewGuid().ToString()
    $Idp.AddMicrosoftApp($Tenant, $SecretApp, $Secret, $null, $Mailbox, 'Secret app')
    # An app whose permission names another mailbox: the server must refuse it for $Mailbox.
    $script:OtherApp = [Guid]::NewGuid().ToString()
    $Idp.AddMicrosoftApp($Tenant, $OtherApp, $Secret, $null, 'someone.else@example.test', 'Other app')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('stp-oauth-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $Idp.AddGoogleUser($Mailbox)
    $script:KeyFile = Join-Path $Work 'sa.json'
    Set-Content -Path $KeyFile -Value $Idp.NewServiceAccountKeyFile('reports@proj.iam.gserviceaccount.com', $true)

    $script:Common = @{ SmtpServer = $Server; Port = $OAuthPort; SkipCertificateCheck = $true }
    $script:CertIdentity = @{
        TenantId = $Tenant; ClientId = $CertApp; CertificateThumbprint = $Cert.Thumbprint; Authority = $Idp.Authority
    }

    # A JWT makes the AUTH line longer than 512 octets, so the client waits for the 334 before its response
    # (RFC 4954 §4).
    function Get-ReplyScript([string] $Reply) {
        @"
S: 220 outlook.example.test ESMTP
C: EHLO *
S: 250-outlook.example.test
S: 250 AUTH LOGIN XOAUTH2
C: AUTH XOAUTH2
S: 334 
C: *
S: $Reply
C: QUIT
S: 221 2.0.0 bye
"@
    }
}

AfterAll {
    Remove-CurrentUserCertificate $Cert.Thumbprint
    $Idp.Dispose()
    Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue
}

Describe 'OAuth identity flows against a real token-validating server' {
    Context 'accepted' {
        It 'a certificate from the CurrentUser My store gets a token the server accepts with <Mechanism>' -TestCases @(
            @{ Mechanism = 'XOAUTH2' }, @{ Mechanism = 'OAUTHBEARER' }
        ) {
            $result = Test-SmtpAuth @Common @CertIdentity -UserName $Mailbox -Mechanism $Mechanism
            $result.Succeeded | Should -BeTrue
            $result.ReplyCode | Should -Be 235
            $result.Mechanism | Should -BeExactly $Mechanism
            # The decoded claims sit next to the AUTH result.
            $result.AccessToken.Audience | Should -BeExactly 'https://outlook.office365.com'
            $result.AccessToken.Roles | Should -Be @('SMTP.SendAsApp')
            $result.AccessToken.TenantId | Should -BeExactly $Tenant
            $result.Advice | Should -BeNullOrEmpty
        }

        It 'Send-SmtpMessage with -CertificateThumbprint delivers the message to the Maildir over an authenticated session' {
            $marker = 'oauth-cert-' + [Guid]::NewGuid().ToString('N')
            $result = Send-SmtpMessage @Common @CertIdentity -From $Mailbox -To 'ops@example.test' -Subject $marker `
                -Body 'sent with an app-only token' -PassThru
            $result.Delivered | Should -BeTrue
            $file = Wait-DeliveredMessage -Marker $marker
            # ESMTPSA: the server recorded an authenticated (A) TLS (S) session.
            Get-Content -Raw $file | Should -Match 'with ESMTPSA'
        }

        It 'Connect-SmtpServer with a client secret opens an authenticated session' {
            $session = Connect-SmtpServer @Common -Tls StartTls -TenantId $Tenant -ClientId $SecretApp `
                -ClientSecret (ConvertTo-Secure $Secret) -Authority $Idp.Authority -UserName $Mailbox
            try {
                $session.AuthenticatedAs | Should -BeExactly $Mailbox
                ($session | Invoke-SmtpCommand 'MAIL FROM:<reports@example.test>').Code | Should -Be 250
            }
            finally { $session | Disconnect-SmtpServer }
        }

        It 'a pipeline of 200 messages whose token expires mid-way is all delivered with exactly one refresh' {
            $app = [Guid]::NewGuid().ToString()
            $Idp.AddMicrosoftApp($Tenant, $app, $Secret, $null, $Mailbox, 'Long pipeline')
            # Tokens that live 8 s; after message 100 the pipeline waits past that and past the server's 10 s idle
            # timeout, so message 101 needs a new connection, and that connection a new token.
            $Idp.TokenLifetime = [TimeSpan]::FromSeconds(8)
            $marker = 'oauth-long-' + [Guid]::NewGuid().ToString('N')
            try {
                $results = 1..200 | ForEach-Object {
                    if ($_ -eq 101) { Start-Sleep -Seconds 12 }
                    [pscustomobject]@{ To = 'ops@example.test'; Subject = "$marker $_" }
                } | Send-SmtpMessage @Common -From $Mailbox -Body 'pipeline' -TenantId $Tenant -ClientId $app `
                    -ClientSecret (ConvertTo-Secure $Secret) -Authority $Idp.Authority -PassThru
            }
            finally { $Idp.TokenLifetime = [TimeSpan]::FromSeconds(3599) }
            @($results | Where-Object Delivered).Count | Should -Be 200
            @($results.SessionId | Select-Object -Unique).Count | Should -Be 2
            @(Wait-DeliveredMessage -Marker $marker -Count 200 -TimeoutSeconds 60).Count | Should -BeGreaterOrEqual 200
            # One token for the first connection, exactly one refresh for the second.
            @($Idp.Requests | Where-Object { $_.ClientId -eq $app -and $_.Status -eq 200 }).Count | Should -Be 2
        }

        It 'Send-SmtpMessage stops with the provider''s explanation when no token can be had' {
            $marker = 'oauth-badsecret-' + [Guid]::NewGuid().ToString('N')
            { Send-SmtpMessage @Common -From $Mailbox -To 'ops@example.test' -Subject $marker -TenantId $Tenant `
                    -ClientId $SecretApp -ClientSecret (ConvertTo-Secure "wrong$Secret") -Authority $Idp.Authority } |
                Should -Throw -ErrorId 'OAuthInvalidClient,SmtpTools.Commands.SendSmtpMessageCommand'
            $Error[0].ErrorDetails.RecommendedAction | Should -Match 'Secret ID'
            $Error[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        }

        It 'Connect-SmtpServer renews a refused token once on a new connection, and never more than once' {
            $app = [Guid]::NewGuid().ToString()
            $Idp.AddMicrosoftApp($Tenant, $app, $Secret, $null, $Mailbox, 'Renewing app')
            $params = @{ TenantId = $Tenant; ClientId = $app; ClientSecret = (ConvertTo-Secure $Secret); Authority = $Idp.Authority; UserName = $Mailbox }
            $Idp.RefusedTokensToIssue = 1
            $session = Connect-SmtpServer @Common -Tls StartTls @params
            $session.AuthenticatedAs | Should -BeExactly $Mailbox
            $session | Disconnect-SmtpServer
            @($Idp.Requests | Where-Object { $_.ClientId -eq $app -and $_.Status -eq 200 }).Count | Should -Be 2

            $app2 = [Guid]::NewGuid().ToString()
            $Idp.AddMicrosoftApp($Tenant, $app2, $Secret, $null, $Mailbox, 'Refused app')
            $params.ClientId = $app2
            $Idp.RefusedTokensToIssue = 5
            Connect-SmtpServer @Common -Tls StartTls @params -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeExactly 'SmtpAuthRejected,SmtpTools.Commands.ConnectSmtpServerCommand'
            @($Idp.Requests | Where-Object { $_.ClientId -eq $app2 }).Count | Should -Be 2
            $Idp.RefusedTokensToIssue = 0
        }

        It 'a service-account key file gets a token for the impersonated mailbox that the server accepts' {
            $result = Test-SmtpAuth @Common -ServiceAccountKeyFile $KeyFile -Impersonate $Mailbox -Authority $Idp.GoogleTokenUrl
            $result.Succeeded | Should -BeTrue
            $result.UserName | Should -BeExactly $Mailbox
            $result.AccessToken.Provider | Should -BeExactly 'Google'
        }
    }

    Context 'refused by the server with its real reply' {
        It 'refuses <Case>' -TestCases @(
            @{ Case = 'an expired token'; Audience = 'https://outlook.office365.com'; Lifetime = -600; OwnKey = $false; Advice = 'expired' }
            @{ Case = 'a token for another audience'; Audience = 'https://graph.microsoft.com'; Lifetime = 600; OwnKey = $false; Advice = $null }
            @{ Case = 'a token signed with another key'; Audience = 'https://outlook.office365.com'; Lifetime = 600; OwnKey = $true; Advice = $null }
        ) {
            $key = if ($OwnKey) { [Security.Cryptography.RSA]::Create(2048) } else { $null }
            $token = $Idp.IssueToken($Mailbox, $Audience, [TimeSpan]::FromSeconds($Lifetime), $key, $null)
            $result = Test-SmtpAuth @Common -UserName $Mailbox -AccessToken $token -Mechanism XOAUTH2
            $result.Succeeded | Should -BeFalse
            $result.ReplyCode | Should -Be 535
            $result.EnhancedStatus | Should -BeExactly '5.7.8'
            $result.ErrorDetails | Should -Match '"status"'
            $result.AccessToken.Audience | Should -BeExactly $Audience
            if ($Advice) { $result.Advice | Should -Match $Advice }
        }

        It 'refuses an app-only token for a mailbox the app has no permission on' {
            $result = Test-SmtpAuth @Common -TenantId $Tenant -ClientId $OtherApp -ClientSecret (ConvertTo-Secure $Secret) `
                -Authority $Idp.Authority -UserName $Mailbox -Mechanism OAUTHBEARER
            $result.Succeeded | Should -BeFalse
            $result.ReplyCode | Should -Be 535
            $result.Advice | Should -Match 'issued for someone.else@example.test'
        }
    }

    Context 'known Exchange Online refusals, explained in words (scripted replies)' {
        It 'explains <Reply>' -TestCases @(
            @{ Reply = '535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]'; Expected = 'New-ServicePrincipal.*Enterprise.*Add-MailboxPermission.*Application SMTP.SendAsApp.*2 hours' }
            @{ Reply = '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.'; Expected = 'Set-CASMailbox' }
            @{ Reply = '550 5.7.30 Basic authentication is not supported for Client Submission.'; Expected = 'Basic authentication' }
        ) {
            $server = Start-ScriptedServer (Get-ReplyScript $Reply)
            try {
                $result = Test-SmtpAuth -SmtpServer $server.Host -Port $server.Port -Tls None -AllowUnencryptedAuthentication `
                    @CertIdentity -UserName $Mailbox
                $result.Succeeded | Should -BeFalse
                $result.Advice | Should -Match $Expected
                if ($Reply -like '535 5.7.3 *') {
                    # The Enterprise Application's object id, from the token, ready for New-ServicePrincipal.
                    $result.Advice | Should -Match ([regex]::Escape($result.AccessToken.ObjectId))
                }
            }
            finally { $server.Dispose() }
        }
    }

    Context 'parameters' {
        It 'says what is missing when the identity parameters make no flow' {
            { Test-SmtpAuth @Common -TenantId $Tenant -ClientId $CertApp -UserName $Mailbox } |
                Should -Throw -ErrorId 'IdentityParametersInvalid,SmtpTools.Commands.TestSmtpAuthCommand'
            { Test-SmtpAuth @Common @CertIdentity -ClientSecret (ConvertTo-Secure 'x') -UserName $Mailbox } |
                Should -Throw -ErrorId 'IdentityParametersInvalid,SmtpTools.Commands.TestSmtpAuthCommand'
            { Test-SmtpAuth @Common @CertIdentity } |
                Should -Throw -ErrorId 'IdentityParametersInvalid,SmtpTools.Commands.TestSmtpAuthCommand'
            { Send-SmtpMessage @Common @CertIdentity -From $Mailbox -To 'a@example.test' -Subject x -AccessToken 'abc' } |
                Should -Throw -ErrorId 'IdentityParametersInvalid,SmtpTools.Commands.SendSmtpMessageCommand'
        }

        It 'warns that Basic authentication to smtp.office365.com ends in December 2026' {
            $cred = [pscredential]::new('someone@contoso.com', (ConvertTo-Secure 'not-a-real-password'))
            Test-SmtpAuth -SmtpServer smtp.office365.com -Credential $cred -Timeout 2 -WarningVariable warn `
                -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | Out-Null
            ($warn -join ' ') | Should -Match 'December 2026'
            ($warn -join ' ') | Should -Match '-CertificateThumbprint'
        }
    }

    Context 'secrets and other modules' {
        It 'writes no secret or token to any stream, the transcript, $Error or verbose text' {
            $transcript = Join-Path $Work 'transcript.txt'
            $Error.Clear()
            Start-Transcript -Path $transcript | Out-Null
            try {
                $out = & {
                    Test-SmtpAuth @Common -TenantId $Tenant -ClientId $SecretApp -ClientSecret (ConvertTo-Secure $Secret) `
                        -Authority $Idp.Authority -UserName $Mailbox -Mechanism All -Verbose
                    Test-SmtpAuth @Common -TenantId $Tenant -ClientId $SecretApp -ClientSecret (ConvertTo-Secure "bad$Secret") `
                        -Authority $Idp.Authority -UserName $Mailbox -Verbose -ErrorAction Continue
                } *>&1
                $out | Format-List * | Out-String | Write-Host
            }
            finally { Stop-Transcript | Out-Null }
            $results = @($out | Where-Object { $_ -is [SmtpTools.SmtpAuthResult] })
            $results.Count | Should -BeGreaterThan 0
            $plain = Get-PlainText $results[0].AccessToken.AccessToken
            $everything = (Get-Content -Raw $transcript) + ($out | Out-String) + ($Error | Format-List * -Force | Out-String) +
                ($results | Format-List * | Out-String) + ($results.Transcript | Out-String)
            $everything | Should -Not -Match ([regex]::Escape($Secret))
            $everything | Should -Not -Match ([regex]::Escape($plain))
            $everything | Should -Not -Match ([regex]::Escape($plain.Split('.')[2]))
            $xoauth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("user=$Mailbox`u{1}auth=Bearer $plain`u{1}`u{1}"))
            $everything | Should -Not -Match ([regex]::Escape($xoauth))
        }

        It 'works when another module loaded a different Microsoft.Identity.Client first, and loads none itself' {
            $msal = Join-Path $PSScriptRoot '../out/packages/microsoft.identity.client/4.61.3/lib/netstandard2.0/Microsoft.Identity.Client.dll'
            Test-Path $msal | Should -BeTrue
            $child = @'
param($msal, $manifest, $authority, $tenant, $client, $secret)
$ErrorActionPreference = 'Stop'
Add-Type -Path $msal
Import-Module $manifest
$token = Get-SmtpAccessToken -TenantId $tenant -ClientId $client -ClientSecret (ConvertTo-SecureString $secret -AsPlainText -Force) -Authority $authority
$loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'Microsoft.Identity*' -or $_.GetName().Name -like 'Google.Apis*' -or $_.GetName().Name -like 'System.IdentityModel.Tokens.Jwt' })
[pscustomobject]@{ AppId = $token.AppId; Loaded = @($loaded | ForEach-Object { $_.GetName().Name + ' ' + $_.GetName().Version }) } | ConvertTo-Json -Compress
'@
            $script = Join-Path $Work 'msal-child.ps1'
            Set-Content -Path $script -Value $child
            $json = & dotnet pwsh -NoProfile -NonInteractive -File $script $msal $ManifestPath $Idp.Authority $Tenant $SecretApp $Secret
            $LASTEXITCODE | Should -Be 0
            $answer = $json | ConvertFrom-Json
            $answer.AppId | Should -BeExactly $SecretApp
            # Only the other module's MSAL is in the process: SmtpTools never asked for one.
            @($answer.Loaded) | Should -Be @('Microsoft.Identity.Client 4.61.3.0')
        }
    }
}
