# Helpers shared by the peer scripts: ports, readiness checks, package installation and the test certificate.

# Debian package that provides each program the peers run.
$script:PeerPackages = [ordered]@{
    postfix = 'postfix'
    dovecot = 'dovecot-core'
    nsd     = 'nsd'
    # Integrated authentication (kerberos.ps1): the KDC and its tools, Dovecot's GSSAPI module, saslpasswd2 for the
    # NTLM server's user file, and NTLM for the client's GSSAPI library (NegotiateAuthentication speaks it through it).
    krb5kdc                                        = 'krb5-kdc'
    'kadmin.local'                                 = 'krb5-admin-server'
    kinit                                          = 'krb5-user'
    '/usr/lib/dovecot/modules/auth/libmech_gssapi.so' = 'dovecot-gssapi'
    '/usr/lib/*/gssntlmssp/gssntlmssp.so'             = 'gss-ntlmssp'
    saslpasswd2                                    = 'sasl2-bin'
    opendkim = 'opendkim'
    openssl = 'openssl'
    unbound = 'unbound'
    'ldns-signzone' = 'ldnsutils'
    nginx = 'nginx'
}

function Test-TcpPort([int] $Port, [string] $Address = '127.0.0.1') {
    $client = [Net.Sockets.TcpClient]::new()
    try {
        $connect = $client.ConnectAsync($Address, $Port)
        return ($connect.Wait(500) -and $client.Connected)
    }
    catch { return $false }
    finally { $client.Dispose() }
}

# True when an authoritative answer (any rcode but REFUSED/SERVFAIL) comes back for the SOA of mx.test.
function Test-DnsPort([int] $Port, [string] $Address = '127.0.0.1') {
    $udp = [Net.Sockets.UdpClient]::new()
    try {
        $udp.Client.ReceiveTimeout = 500
        $query = [byte[]](0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x02) + [Text.Encoding]::ASCII.GetBytes('mx') + [byte[]](0x04) + [Text.Encoding]::ASCII.GetBytes('test') +
            [byte[]](0x00, 0x00, 0x06, 0x00, 0x01)
        [void]$udp.Send($query, $query.Length, $Address, $Port)
        $remote = [Net.IPEndPoint]::new([Net.IPAddress]::Any, 0)
        $answer = $udp.Receive([ref]$remote)
        return ($answer.Length -ge 12 -and $answer[0] -eq 0x12 -and $answer[1] -eq 0x34 -and ($answer[3] -band 0x0F) -notin 2, 5)
    }
    catch { return $false }
    finally { $udp.Dispose() }
}

function Test-PortFree([int] $Port) {
    try {
        $tcp = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, $Port)
        $tcp.Start()
        $tcp.Stop()
        $udp = [Net.Sockets.UdpClient]::new([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, $Port))
        $udp.Dispose()
        return $true
    }
    catch { return $false }
}

# Ports the OS hands out as free right now. Postfix binds with SO_REUSEPORT and would silently share a busy port,
# so each run asks for fresh ones instead of using fixed numbers.
function Get-FreeTcpPort([int] $Count, [switch] $Udp) {
    $ports = [Collections.Generic.List[int]]::new()
    while ($ports.Count -lt $Count) {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = ([Net.IPEndPoint]$listener.LocalEndpoint).Port
        $listener.Stop()
        if ($port -notin $ports -and (Test-PortFree -Port $port)) { $ports.Add($port) }
    }
    return $ports.ToArray()
}

# Port 465 is where -Tls Auto and -UseSsl mean implicit TLS, so one test needs a server on that very port. A random
# 127.46.x.y address keeps parallel runs, and any system MTA on 127.0.0.1:465, apart. Binding below 1024 needs root;
# without it the tests that need the port say they were skipped.
function Get-ImplicitTlsHost {
    if ((& id -u) -ne '0') { return '' }
    for ($i = 0; $i -lt 20; $i++) {
        $address = '127.46.{0}.{1}' -f (Get-Random -Minimum 1 -Maximum 255), (Get-Random -Minimum 2 -Maximum 255)
        try {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Parse($address), 465)
            $listener.Start()
            $listener.Stop()
            return $address
        }
        catch { }
    }
    return ''
}

function Wait-Until([scriptblock] $Condition, [string] $What, [double] $Seconds = 20) {
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 50
    }
    throw "Timed out after $Seconds s waiting for $What."
}

function Install-PeerPackages {
    # A key is a program on the PATH, or (starting with /) a file a package installs, such as a plug-in library.
    $missing = @($script:PeerPackages.GetEnumerator() | Where-Object {
            -not ($_.Key.StartsWith('/') ? (Test-Path $_.Key) : (Get-Command $_.Key -ErrorAction Ignore)) } |
            ForEach-Object Value)
    if ($missing.Count -eq 0) { return }

    $isDebian = Test-Path /etc/debian_version
    $isRoot = (& id -u) -eq '0'
    if (-not ($isDebian -and $isRoot)) {
        throw ("The test peers need the Debian packages: {0}. Install them as root with: " +
            "apt-get install -y {0}   (then run the tests again)") -f ($missing -join ' ')
    }
    Write-Host "Installing test peer packages: $($missing -join ' ')"
    # "No configuration" keeps the system-wide Postfix unconfigured and stopped; the tests run a private instance.
    'postfix postfix/main_mailer_type select No configuration' | & debconf-set-selections
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get install -y -q @missing *> (Join-Path ([IO.Path]::GetTempPath()) 'smtptools-apt.log')
    if ($LASTEXITCODE -ne 0) {
        & apt-get update -q *> $null
        & apt-get install -y -q @missing
        if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed (exit $LASTEXITCODE)." }
    }
    # The packages start system services of their own; the tests use private instances only.
    foreach ($service in 'postfix', 'dovecot', 'nsd', 'krb5-kdc', 'krb5-admin-server', 'opendkim', 'unbound', 'nginx') {
        if (Get-Command systemctl -ErrorAction Ignore) { & systemctl stop $service *> $null }
    }
    & pkill -x nsd *> $null
}

# A self-signed certificate for localhost / 127.0.0.1 / ::1, written as PEM for Postfix and kept for the tests.
function New-PeerCertificate([string] $Directory) {
    New-Item -ItemType Directory -Force -Path $Directory | Out-Null
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new(
        'CN=localhost, O=SmtpTools test peer', $rsa, [Security.Cryptography.HashAlgorithmName]::SHA256,
        [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $san = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $san.AddDnsName('localhost')
    $san.AddIpAddress([Net.IPAddress]::Loopback)
    $san.AddIpAddress([Net.IPAddress]::IPv6Loopback)
    $request.CertificateExtensions.Add($san.Build())
    $now = [DateTimeOffset]::UtcNow
    $cert = $request.CreateSelfSigned($now.AddMinutes(-5), $now.AddDays(7))
    $certFile = Join-Path $Directory 'server.crt'
    $keyFile = Join-Path $Directory 'server.key'
    Set-Content -Path $certFile -Value $cert.ExportCertificatePem() -NoNewline
    Set-Content -Path $keyFile -Value $rsa.ExportRSAPrivateKeyPem() -NoNewline
    & chmod 0600 $keyFile
    return [pscustomobject]@{ CertFile = $certFile; KeyFile = $keyFile; Thumbprint = $cert.Thumbprint }
}

# Runs a daemon in a session of its own, output to "<Name>.out", PID in "<Name>.pid" (also its session ID). Its own
# session keeps it apart from the caller's job control and lets Stop-ProcessSession find every process it forks.
function Start-PeerDaemon([string] $RunDir, [string] $Name, [string[]] $Command) {
    & bash (Join-Path $PSScriptRoot 'daemon.sh') (Join-Path $RunDir "$Name.pid") (Join-Path $RunDir "$Name.out") @Command
    if ($LASTEXITCODE -ne 0) { throw "Could not start $Name; see $RunDir/$Name.out." }
}

function Stop-ProcessSession([int] $SessionId) {
    # 0 and 1 would name the kernel's threads and init: a misread PID file must never reach kill.
    if ($SessionId -le 1) { return }
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    do {
        $alive = @(& ps -eo pid=,sid=,stat= | ForEach-Object {
                $fields = $_.Trim() -split '\s+'
                if ([int]$fields[1] -eq $SessionId -and $fields[2] -notlike 'Z*') { [int]$fields[0] }
            })
        if ($alive.Count -eq 0) { return }
        & kill -9 @alive *> $null
        Start-Sleep -Milliseconds 20
    } while ([DateTime]::UtcNow -lt $deadline)
}

# A Dovecot that only answers Postfix's SASL questions (protocols = none), configured with $Settings (mechanisms,
# passdbs); returns the path of its auth socket for smtpd_sasl_path. Its config and log are $RunDir/$Name.conf and .log: not inside base_dir, where
# Dovecot puts a dovecot.conf symlink and would loop on its own file.
function Start-DovecotAuth([string] $RunDir, [string] $Name, [string] $Settings, [string] $What) {
    $dir = Join-Path $RunDir $Name
    New-Item -ItemType Directory -Force -Path $dir, (Join-Path $dir 'state') | Out-Null
    $config = @"
protocols = none
ssl = no
base_dir = $dir
state_dir = $dir/state
log_path = $RunDir/$Name.log
$Settings
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$dir
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
"@
    $configFile = Join-Path $RunDir "$Name.conf"
    Set-Content -Path $configFile -Value $config
    # Dovecot keeps the caller's stderr open: give it files, or the test runner waits on the pipe forever.
    Start-PeerDaemon -RunDir $RunDir -Name $Name -Command dovecot, '-c', $configFile, '-F'
    $socket = Join-Path $dir 'auth-postfix'
    Wait-Until { Test-Path $socket } $What -Seconds 15
    return $socket
}

