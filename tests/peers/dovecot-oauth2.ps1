# A second Dovecot auth service that validates OAuth 2 bearer tokens (XOAUTH2, OAUTHBEARER) locally: the oauth2 passdb
# with introspection_mode = local checks each JWT's signature against the test signing key, its expiry and its
# audience, and that its email claim names the user logging in. Postfix offers it on its own submission port.
# Facts behind the settings: ../shared/reference/peer-setup-notes.md ("Dovecot as a token-validating SASL server").

# Makes the signing key the test identity provider (tests/SmtpTools.TestServer/TestIdentityProvider.cs) signs with:
# the private key for the tests, the public key where Dovecot looks for it (<azp or default>/<alg>/<kid>).
function New-OAuthSigningKey([string] $RunDir, [string] $KeyId) {
    $dir = Join-Path $RunDir 'oauth2'
    $keys = Join-Path $dir "keys/default/RS256"
    New-Item -ItemType Directory -Force -Path $keys | Out-Null
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    $private = Join-Path $dir 'signing.key'
    Set-Content -Path $private -Value $rsa.ExportPkcs8PrivateKeyPem() -NoNewline
    & chmod 0600 $private
    Set-Content -Path (Join-Path $keys $KeyId) -Value $rsa.ExportSubjectPublicKeyInfoPem()
    # Dovecot's auth process runs as dovecot and reads the key through the fs dict.
    & chmod -R a+rX (Join-Path $dir 'keys')
    return $private
}

# One oauth2 passdb per audience: Exchange Online tokens (aud https://outlook.office365.com) and Google tokens
# (aud https://mail.google.com/). A token the first refuses goes on to the second (result_failure = continue);
# a token both refuse fails with the server's real 535.
function Start-OAuthDovecotPeer([string] $RunDir) {
    $passdbs = foreach ($audience in 'https://outlook.office365.com', 'https://mail.google.com/') {
        $name = if ($audience -like '*google*') { 'google' } else { 'microsoft' }
        $ext = Join-Path $RunDir "oauth2-$name.conf.ext"
        Set-Content -Path $ext -Value @"
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$RunDir/oauth2/keys/
username_attribute = email
client_id = $audience
"@
        $continue = if ($name -eq 'microsoft') { "`n  result_failure = continue" } else { '' }
        @"
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $ext
  override_fields = nodelay=yes$continue
}
"@
    }
    return Start-DovecotAuth -RunDir $RunDir -Name dovecot-oauth -What 'the OAuth Dovecot auth socket' -Settings @"
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes
$($passdbs -join "`n")
"@
}

# The Postfix submission service whose SASL is that Dovecot: XOAUTH2 and OAUTHBEARER only, TLS required. A 10 s idle
# timeout lets a test make a long pipeline reconnect mid-way, as a real server eventually does.
function Get-OAuthSubmissionService([int] $Port, [string] $SaslPath) {
    "127.0.0.1:$Port inet n - n - - smtpd -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes " +
        "-o smtpd_sasl_path=$SaslPath -o smtpd_timeout=10s -o smtpd_client_restrictions=permit_sasl_authenticated,reject"
}

function Stop-OAuthDovecotPeer([string] $RunDir) {
    $pidFile = Join-Path $RunDir 'dovecot-oauth.pid'
    if (Test-Path $pidFile) { Stop-ProcessSession -SessionId ([int](Get-Content $pidFile -Raw).Trim()) }
}
