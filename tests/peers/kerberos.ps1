# A private MIT Kerberos realm on loopback, a second Dovecot that offers GSSAPI (Kerberos) to Postfix, and Cyrus
# SASL's NTLM, for integrated authentication (issue 23). Nothing under /etc is read or changed: krb5.conf, kdc.conf, the database
# and the keytab live in the run folder, and the tools find them through KRB5_CONFIG and KRB5_KDC_PROFILE.
# Facts behind the settings: ../shared/reference/peer-setup-notes.md (MIT krb5 1.20, Dovecot 2.3, Debian 12).
# Dot-sourced by Start-Peers.ps1 / Stop-Peers.ps1.

$script:KerberosRealm = 'SMTPTOOLS.TEST'

# Starts the KDC and returns the settings the tests need. KRB5_CONFIG and KRB5CCNAME are among them: the GSSAPI
# library reads them from the process environment at its start, which a running pwsh cannot change (.NET's
# SetEnvironmentVariable does not reach native code on Unix), so they must be set before the test process starts.
function Start-KerberosPeer([string] $RunDir) {
    $dir = Join-Path $RunDir 'krb5'
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $port = (Get-FreeTcpPort -Count 1)[0]
    $realm = $script:KerberosRealm
    $config = Join-Path $dir 'krb5.conf'
    $kdcConfig = Join-Path $dir 'kdc.conf'
    # Clients use TCP (udp_preference_limit = 1), so tickets never hit a UDP size limit; the KDC listens on loopback
    # only (its default is every address). rdns = false and the localhost mapping keep DNS out of it.
    Set-Content -Path $config -Value @"
[libdefaults]
 default_realm = $realm
 dns_lookup_kdc = false
 dns_lookup_realm = false
 rdns = false
 udp_preference_limit = 1
 default_ccache_name = FILE:$dir/cc
[realms]
 $realm = {
  kdc = 127.0.0.1:$port
 }
[domain_realm]
 localhost = $realm
"@
    Set-Content -Path $kdcConfig -Value @"
[kdcdefaults]
 kdc_listen = 127.0.0.1:$port
 kdc_tcp_listen = 127.0.0.1:$port
[realms]
 $realm = {
  database_name = $dir/principal
  key_stash_file = $dir/stash
  acl_file = $dir/kadm5.acl
  max_life = 10h
 }
[logging]
 kdc = FILE:$dir/kdc.log
"@
    Set-Content -Path (Join-Path $dir 'kadm5.acl') -Value ''
    $env:KRB5_CONFIG = $config
    $env:KRB5_KDC_PROFILE = $kdcConfig
    $user = 'alice'
    $password = 'Krb-' + [Guid]::NewGuid().ToString('N').Substring(0, 12)
    $keytab = Join-Path $dir 'smtp.keytab'
    $master = [Guid]::NewGuid().ToString('N')
    Invoke-KerberosTool 'kdb5_util create' { & kdb5_util create -s -r $realm -P $master }
    Invoke-KerberosTool 'addprinc' { & kadmin.local -q "addprinc -pw $password $user" }
    # The client asks for SMTP/<host> by default (-ServicePrincipalName overrides it); the tests connect to localhost.
    Invoke-KerberosTool 'addprinc SMTP' { & kadmin.local -q 'addprinc -randkey SMTP/localhost' }
    Invoke-KerberosTool 'ktadd' { & kadmin.local -q "ktadd -k $keytab SMTP/localhost" }
    # Dovecot's auth process reads the keytab as the dovecot user.
    & chown dovecot $keytab
    & chmod 0600 $keytab
    Start-PeerDaemon -RunDir $RunDir -Name krb5kdc -Command krb5kdc, '-n'
    Wait-Until { Test-TcpPort -Port $port } "the Kerberos KDC on 127.0.0.1:$port" -Seconds 15
    return [ordered]@{
        KRB5_CONFIG               = $config
        KRB5_KDC_PROFILE          = $kdcConfig
        KRB5CCNAME                = "FILE:$dir/cc"
        SMTPTOOLS_KRB5_REALM      = $realm
        SMTPTOOLS_KRB5_USER       = $user
        SMTPTOOLS_KRB5_PASSWORD   = $password
        SMTPTOOLS_KRB5_KDC_PORT   = $port
        SMTPTOOLS_KRB5_KEYTAB     = $keytab
    }
}

function Invoke-KerberosTool([string] $What, [scriptblock] $Command) {
    $out = & $Command 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE): $out" }
}

# A Dovecot auth-only instance with GSSAPI (dovecot-gssapi). GSSAPI checks no password, but Dovecot 2.3 still asks a
# passdb about the user ("All password databases were skipped" otherwise): a static one that needs no password, safe
# because GSSAPI is the only mechanism offered.
# "$ALL" accepts a ticket for any principal in the keytab, so the service name's case (SMTP/ against Dovecot's smtp/)
# does not matter. Debian's Dovecot 2.3 has no NTLM of its own (only Samba winbind's), so NTLM is Cyrus SASL's below.
function Start-KerberosDovecotPeer([string] $RunDir, [string] $Keytab, [string] $Krb5Config) {
    $null = Start-DovecotAuth -RunDir $RunDir -Name dovecot-krb -What 'the Kerberos Dovecot auth socket' -Settings @"
auth_mechanisms = gssapi
auth_gssapi_hostname = "`$ALL"
auth_krb5_keytab = $Keytab
import_environment = TZ KRB5_CONFIG=$Krb5Config
auth_failure_delay = 0
passdb {
  driver = static
  args = nopassword=y
}
"@
}

# Cyrus SASL's NTLM plug-in (libsasl2-modules) runs inside Postfix's smtpd and checks NTLMv2 answers against the
# plain password in a sasldb file; no daemon of its own. The user's realm is Postfix's myhostname. Debian's smtpd reads
# smtpd.conf from the sasl folder of its config directory (cyrus_sasl_config_path is not consulted there).
function New-NtlmSaslConfig([string] $RunDir, [string] $UserName, [string] $Password) {
    $dir = Join-Path $RunDir 'etc/sasl'
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    # Outside etc/: postfix-script warns about files there that root does not own, and smtpd (user postfix) reads it.
    $db = Join-Path $RunDir 'sasldb2'
    $Password | & saslpasswd2 -p -c -f $db -u mail.smtptools.test $UserName
    if ($LASTEXITCODE -ne 0) { throw "saslpasswd2 failed (exit $LASTEXITCODE)." }
    # smtpd runs as the postfix user.
    & chown postfix $db
    & chmod 0600 $db
    Set-Content -Path (Join-Path $dir 'smtpd.conf') -Value @(
        'pwcheck_method: auxprop'
        'auxprop_plugin: sasldb'
        "sasldb_path: $db"
        'mech_list: NTLM'
    )
}

# The master.cf lines of the two submission ports: GSSAPI through that Dovecot, NTLM through Cyrus SASL. STARTTLS is
# offered but not required, so a test can also see what a client does without TLS; unauthenticated clients are
# refused at RCPT; the authenticated name goes into the Received line.
function Get-KerberosSubmissionServices([string] $RunDir, [int] $GssapiPort, [int] $NtlmPort) {
    $common = '-o smtpd_tls_security_level=may -o smtpd_tls_auth_only=no -o smtpd_sasl_auth_enable=yes ' +
        '-o smtpd_sasl_authenticated_header=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject'
    return @(
        "127.0.0.1:$GssapiPort inet n - n - - smtpd $common -o smtpd_sasl_path=$RunDir/dovecot-krb/auth-postfix"
        "127.0.0.1:$NtlmPort inet n - n - - smtpd $common -o smtpd_sasl_type=cyrus -o smtpd_sasl_path=smtpd"
    )
}

function Stop-KerberosPeer([string] $RunDir) {
    $sessions = @(foreach ($name in 'dovecot-krb', 'krb5kdc') {
            $pidFile = Join-Path $RunDir "$name.pid"
            if (Test-Path $pidFile) { [int](Get-Content $pidFile -Raw).Trim() }
        }) | Where-Object { $_ -gt 1 }
    # Both at once (daemon.sh made each PID its own process group), then the usual check that nothing is left:
    # one wait instead of two.
    foreach ($session in $sessions) { & kill -9 -- "-$session" *> $null }
    foreach ($session in $sessions) { Stop-ProcessSession -SessionId $session }
}
