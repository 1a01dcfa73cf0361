# A private Postfix instance with Dovecot SASL, run from a throwaway folder. Nothing under /etc is read or changed.
# Facts behind the settings: ../shared/reference/peer-setup-notes.md (seen working on Debian 12, Postfix 3.7).

function Start-DovecotPeer([string] $RunDir, [string] $UserName, [string] $Password) {
    $dir = Join-Path $RunDir 'dovecot'
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    Set-Content -Path (Join-Path $dir 'users') -Value "${UserName}:{PLAIN}${Password}"
    # Dovecot's auth process runs as the dovecot user and must read the file; nobody else may.
    & chown dovecot (Join-Path $dir 'users')
    & chmod 0600 (Join-Path $dir 'users')
    # The delays are off so wrong-password tests finish at once; nodelay is what Dovecot checks per passdb answer.
    $null = Start-DovecotAuth -RunDir $RunDir -Name dovecot -What 'the Dovecot auth socket' -Settings @"
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
  override_fields = nodelay=yes
}
"@
}

# Writes an instance's main.cf and a master.cf of its listeners, its delivery transport and the internal services every
# instance here runs, then starts it. chroot n everywhere: the run folder is not laid out as a chroot jail.
function Start-PostfixInstance([string] $Dir, [string] $Main, [string[]] $Listeners, [string] $Transport, [string] $What) {
    $etc = Join-Path $Dir 'etc'
    $master = @($Listeners | Where-Object { $_ }) + @(
        'cleanup unix n - n - 0 cleanup'
        'qmgr unix n - n 300 1 qmgr'
        'tlsmgr unix - - n 1000? 1 tlsmgr'
        'rewrite unix - - n - - trivial-rewrite'
        'bounce unix - - n - 0 bounce'
        'defer unix - - n - 0 bounce'
        'trace unix - - n - 0 bounce'
        'verify unix - - n - 1 verify'
        'error unix - - n - - error'
        'retry unix - - n - - error'
        $Transport
        'anvil unix - - n - 1 anvil'
        'scache unix - - n - 1 scache'
        'proxymap unix - - n - - proxymap'
        'postlog unix-dgram n - n - 1 postlogd'
    )
    Set-Content -Path (Join-Path $etc 'main.cf') -Value $Main
    Set-Content -Path (Join-Path $etc 'master.cf') -Value $master
    # Postfix waits up to ~2 s for a main.cf younger than 2 s; backdating it skips that wait.
    & touch -d '1 minute ago' (Join-Path $etc 'main.cf') (Join-Path $etc 'master.cf')
    $out = & postfix -c $etc start 2>&1
    if ($LASTEXITCODE -ne 0) { throw "postfix start ($What) failed: $out (log: $Dir/maillog)" }
}

function Start-PostfixPeer([string] $RunDir, [int] $SmtpPort, [int] $SmtpsPort, [int] $SubmissionPort,
    [string] $CertFile, [string] $KeyFile, [string] $ImplicitTlsHost, [string[]] $ExtraServices = @()) {
    $etc = Join-Path $RunDir 'etc'
    $mail = Join-Path $RunDir 'mail'
    New-Item -ItemType Directory -Force -Path $etc, (Join-Path $RunDir 'queue'), (Join-Path $RunDir 'data'), $mail | Out-Null
    # The virtual delivery agent writes as nobody (virtual_uid_maps below).
    & chown 65534:65534 $mail
    & chown postfix (Join-Path $RunDir 'data')

    $main = @"
compatibility_level = 3.6
queue_directory = $RunDir/queue
data_directory = $RunDir/data
mail_owner = postfix
myhostname = mail.smtptools.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
nis_domain_name =
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
maillog_file = $RunDir/maillog
maillog_file_prefixes = $RunDir
virtual_mailbox_domains = static:all
virtual_mailbox_base = $mail
virtual_mailbox_maps = static:catchall/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_mailbox_limit = 0
local_transport = virtual
default_transport = error:test peers deliver nothing outside this machine
relay_transport = `$default_transport
local_header_rewrite_clients =
smtpd_tls_cert_file = $CertFile
smtpd_tls_key_file = $KeyFile
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $RunDir/dovecot/auth-postfix
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
message_size_limit = 10240000
smtpd_recipient_restrictions = check_recipient_access texthash:$etc/recipient_access, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
header_checks = regexp:$etc/header_checks
"@
    $listeners = @(
        "127.0.0.1:$SmtpPort inet n - n - - smtpd"
        "127.0.0.1:$SmtpsPort inet n - n - - smtpd -o smtpd_tls_wrappermode=yes"
        "127.0.0.1:$SubmissionPort inet n - n - - smtpd -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject"
        if ($ImplicitTlsHost) { "${ImplicitTlsHost}:465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes" }
        # More listeners from other peer scripts (kerberos.ps1's GSSAPI/NTLM submission port).
        $ExtraServices
    )
    # Fixed refusals the tests can count on from a real server: one recipient always rejected, one always deferred,
    # and a message whose Subject carries REJECT-DATA refused after its data.
    Set-Content -Path (Join-Path $etc 'recipient_access') -Value @(
        'rejected@smtptools.test 550 5.1.1 test peer refuses this recipient'
        'deferred@smtptools.test 450 4.2.1 test peer defers this recipient'
    )
    Set-Content -Path (Join-Path $etc 'header_checks') -Value '/^Subject:.*REJECT-DATA/ REJECT 5.7.1 test peer refuses this content'
    Start-PostfixInstance -Dir $RunDir -Main $main -Listeners $listeners -Transport 'virtual unix - n n - - virtual' `
        -What 'the test peer'
    foreach ($port in $SmtpPort, $SmtpsPort, $SubmissionPort) {
        Wait-Until { Test-TcpPort -Port $port } "Postfix on 127.0.0.1:$port" -Seconds 20
    }
    if ($ImplicitTlsHost) {
        Wait-Until { Test-TcpPort -Port 465 -Address $ImplicitTlsHost } "Postfix on ${ImplicitTlsHost}:465" -Seconds 20
    }
}

function Stop-PostfixPeer([string] $RunDir) {
    $etc = Join-Path $RunDir 'etc'
    $pidFile = Join-Path $RunDir 'queue/pid/master.pid'
    if (Test-Path $pidFile) {
        # Postfix holds a lock on its pid file that .NET's reader refuses; cat does not care.
        $masterPid = [int](& cat $pidFile).Trim()
        # The master is a session leader: every process of the instance has its PID as session ID.
        & postfix -c $etc abort *> $null
        Stop-ProcessSession -SessionId $masterPid
    }
}

function Stop-DovecotPeer([string] $RunDir) {
    $pidFile = Join-Path $RunDir 'dovecot.pid'
    if (Test-Path $pidFile) {
        $dovecotPid = [int](Get-Content $pidFile -Raw).Trim()
        # SIGKILL of the whole session: a graceful Dovecot stop sleeps a second for nothing here.
        Stop-ProcessSession -SessionId $dovecotPid
    }
}
