# A real multi-hop mail path for Get-MailRoute: two more private Postfix instances, relay1 on 127.0.0.2 and relay2 on
# 127.0.0.3, each relaying everything to the next over STARTTLS, the last one to the catch-all peer on 127.0.0.1.
# Mail sent to relay1 is delivered to the catch-all Maildir with three Received lines written by three real MTAs:
# real queue ids, real client addresses (each relay sends from its own loopback address), TLS on every link.

function Start-RelayPeers([string] $RunDir, [int] $CatchAllPort, [string] $CertFile, [string] $KeyFile) {
    $ports = Get-FreeTcpPort -Count 2
    # Travel order: the client hands the message to relay1, relay1 to relay2, relay2 to the catch-all.
    $relays = @(
        @{ Name = 'relay1'; Address = '127.0.0.2'; Port = $ports[0]; Next = "[127.0.0.3]:$($ports[1])" }
        @{ Name = 'relay2'; Address = '127.0.0.3'; Port = $ports[1]; Next = "[127.0.0.1]:$CatchAllPort" }
    )
    # Started from the end of the path, so that each relay's next hop already listens.
    [array]::Reverse($relays)
    foreach ($relay in $relays) {
        Start-RelayPostfix -Dir (Join-Path $RunDir $relay.Name) -HostName "$($relay.Name).smtptools.test" `
            -Address $relay.Address -Port $relay.Port -NextHop $relay.Next -CertFile $CertFile -KeyFile $KeyFile
    }
    return [pscustomobject]@{ Relay1Port = $ports[0]; Relay2Port = $ports[1] }
}

function Start-RelayPostfix([string] $Dir, [string] $HostName, [string] $Address, [int] $Port, [string] $NextHop,
    [string] $CertFile, [string] $KeyFile) {
    $etc = Join-Path $Dir 'etc'
    New-Item -ItemType Directory -Force -Path $etc, (Join-Path $Dir 'queue'), (Join-Path $Dir 'data') | Out-Null
    & chmod 0755 $Dir
    & chown postfix (Join-Path $Dir 'data')
    # inet_interfaces may only name addresses an interface carries (lo carries 127.0.0.1 alone), so each relay names
    # its own address in master.cf, and smtp_bind_address makes it send from there: the next hop must record it.
    # smtpd_tls_received_header writes the TLS details into the Received line, as on a real relay. No names are
    # looked up: the system resolver knows nothing of these hosts.
    $main = @"
compatibility_level = 3.6
queue_directory = $Dir/queue
data_directory = $Dir/data
mail_owner = postfix
myhostname = $HostName
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
nis_domain_name =
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
maillog_file = $Dir/maillog
maillog_file_prefixes = $Dir
local_header_rewrite_clients =
local_transport = error:relays deliver nothing locally
default_transport = smtp
relay_transport = smtp
relayhost = $NextHop
smtp_bind_address = $Address
smtp_dns_support_level = disabled
smtp_tls_security_level = encrypt
smtpd_tls_cert_file = $CertFile
smtpd_tls_key_file = $KeyFile
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_error_sleep_time = 0
message_size_limit = 10240000
"@
    Start-PostfixInstance -Dir $Dir -Main $main -Listeners "${Address}:$Port inet n - n - - smtpd" `
        -Transport 'smtp unix - - n - - smtp' -What $HostName
    Wait-Until { Test-TcpPort -Port $Port -Address $Address } "Postfix $HostName on ${Address}:$Port" -Seconds 20
}

function Stop-RelayPeers([string] $RunDir) {
    foreach ($name in 'relay1', 'relay2') {
        $dir = Join-Path $RunDir $name
        if (Test-Path (Join-Path $dir 'queue/pid/master.pid')) { Stop-PostfixPeer -RunDir $dir }
    }
}
