# The DKIM signer peer: opendkim from Debian signs the test messages, RSA and Ed25519, relaxed and simple, with keys
# made for this run and published in NSD zones. opendkim signs in its own test mode (`opendkim -t` with `Mode s`): the
# same library and configuration as the milter, but one file at a time and no daemon left running.
# Dot-sourced by Start-Peers.ps1; self-contained so a developer can also use it alone:
#   . tests/peers/peers-common.ps1; . tests/peers/opendkim.ps1; $d = New-DkimPeer -RunDir /tmp/dkim1

# Each signature made: message file, signing domain, selector, key, algorithm, canonicalization.
$script:DkimSignatures = @(
    @{ File = 'signed.eml'; Domain = 'dkim.test'; Selector = 'rsa'; Key = 'rsa'; Canon = 'relaxed/relaxed' }
    @{ File = 'signed.eml'; Domain = 'dkim.test'; Selector = 'rsa'; Key = 'rsa'; Canon = 'simple/simple' }
    @{ File = 'signed.eml'; Domain = 'dkim.test'; Selector = 'ed'; Key = 'ed'; Canon = 'relaxed/relaxed' }
    # Ed25519 with simple body but relaxed header canonicalization: opendkim 2.11.0~beta2 folds an Ed25519
    # signature's own header differently from what it hashed, so its simple/simple Ed25519 signatures fail in every
    # other verifier (MimeKit and dkimpy both reject them; only opendkim accepts its own).
    @{ File = 'signed.eml'; Domain = 'dkim.test'; Selector = 'ed'; Key = 'ed'; Canon = 'relaxed/simple' }
    @{ File = 'revoked.eml'; Domain = 'dkim.test'; Selector = 'old'; Key = 'old'; Canon = 'relaxed/relaxed' }
    @{ File = 'nokey.eml'; Domain = 'dkim.test'; Selector = 'gone'; Key = 'gone'; Canon = 'relaxed/relaxed' }
    @{ File = 'esp.eml'; Domain = 'esp.test'; Selector = 'esp'; Key = 'esp'; Canon = 'relaxed/relaxed' }
)

function New-DkimTestMessage([string] $Path, [string] $From, [string] $Subject) {
    # LF line ends, as Maildir stores messages; the signer and the verifier both read them as CRLF.
    $text = @(
        "From: Alice <$From>"
        'To: Bob <bob@example.test>'
        "Subject: $Subject"
        'Date: Sun, 06 Dec 2026 22:00:00 +0000'
        "Message-ID: <$([guid]::NewGuid().ToString('n'))@dkim.test>"
        'MIME-Version: 1.0'
        'Content-Type: text/plain; charset=utf-8'
        ''
        'Hello Bob,'
        ''
        'the quarterly  report is attached in spirit.'
        ''
    ) -join "`n"
    [IO.File]::WriteAllText($Path, $text)
}

function New-DkimPeer {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string] $RunDir,
        [string] $TemplateDirectory = (Join-Path $PSScriptRoot 'dkim')
    )
    foreach ($program in 'opendkim', 'openssl') {
        if (-not (Get-Command $program -ErrorAction Ignore)) {
            throw "$program is not installed: install the Debian packages with 'apt-get install -y opendkim openssl'."
        }
    }
    $dir = Join-Path $RunDir 'dkim'
    New-Item -ItemType Directory -Force -Path $dir | Out-Null

    # Keys: RSA from .NET, Ed25519 from openssl (.NET has none). The DNS record holds the RSA SubjectPublicKeyInfo and
    # the raw 32-byte Ed25519 key (RFC 8463 §4.2).
    # One RSA key serves every RSA selector (DKIM ties a key to its selector only through DNS), which saves the
    # time of making more.
    $publicKeys = @{}
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    foreach ($name in 'rsa', 'old', 'gone', 'esp') {
        Set-Content -Path (Join-Path $dir "$name.key") -Value $rsa.ExportRSAPrivateKeyPem() -NoNewline
        $publicKeys[$name] = 'v=DKIM1; k=rsa; p=' + [Convert]::ToBase64String($rsa.ExportSubjectPublicKeyInfo())
    }
    $rsa.Dispose()
    $edKey = Join-Path $dir 'ed.key'
    & openssl genpkey -algorithm ed25519 -out $edKey 2>&1 | Out-Null
    & openssl pkey -in $edKey -pubout -outform DER -out (Join-Path $dir 'ed.pub.der') 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'openssl could not make the Ed25519 key.' }
    $der = [IO.File]::ReadAllBytes((Join-Path $dir 'ed.pub.der'))
    $publicKeys['ed'] = 'v=DKIM1; k=ed25519; p=' + [Convert]::ToBase64String($der[($der.Length - 32)..($der.Length - 1)])
    # A revoked key publishes an empty p= (RFC 6376 §3.6.1); "gone" is not published at all.
    $publicKeys['old'] = 'v=DKIM1; k=rsa; p='
    Get-ChildItem $dir -Filter '*.key' | ForEach-Object { & chmod 0600 $_.FullName }

    New-DkimTestMessage (Join-Path $dir 'signed.eml') 'alice@dkim.test' 'Quarterly report'
    New-DkimTestMessage (Join-Path $dir 'revoked.eml') 'alice@dkim.test' 'Signed with a revoked key'
    New-DkimTestMessage (Join-Path $dir 'nokey.eml') 'alice@dkim.test' 'Signed with an unpublished key'
    New-DkimTestMessage (Join-Path $dir 'esp.eml') 'alice@dkim.test' 'Sent through an ESP'

    # Each signature is made over the unsigned message and added on top, as each signing hop would.
    $added = @{}
    foreach ($signature in $script:DkimSignatures) {
        $message = Join-Path $dir $signature.File
        $algorithm = if ($signature.Key -eq 'ed') { 'ed25519-sha256' } else { 'rsa-sha256' }
        $config = Join-Path $dir "opendkim-$($signature.Selector)-$($signature.Canon -replace '/', '-').conf"
        Set-Content -Path $config -Value @"
Mode s
Domain $($signature.Domain)
Selector $($signature.Selector)
KeyFile $(Join-Path $dir "$($signature.Key).key")
Canonicalization $($signature.Canon)
SignatureAlgorithm $algorithm
# The run folder lives under /tmp, which opendkim would otherwise refuse as unsafe for keys.
RequireSafeKeys no
Syslog no
"@
        # A message whose From: domain is not the signing domain is signed as an ESP signs it (d= its own domain).
        if ($signature.Domain -ne 'dkim.test') { Add-Content -Path $config -Value "SigningTable refile:$dir/esp.table`nKeyTable $dir/esp.keys" }
        Set-Content -Path (Join-Path $dir 'esp.table') -Value '*@dkim.test esp'
        Set-Content -Path (Join-Path $dir 'esp.keys') -Value "esp esp.test:esp:$(Join-Path $dir 'esp.key')"
        $output = @(& opendkim -x $config -t $message 2>&1)
        $header = @($output | Where-Object { $_ -match '^DKIM-Signature:' -or $_ -match '^\s' }) -join "`n"
        if ($LASTEXITCODE -ne 0 -or -not $header) {
            throw "opendkim did not sign $($signature.File) ($($signature.Selector), $($signature.Canon)): $($output -join ' ')"
        }
        if (-not $added.ContainsKey($message)) { $added[$message] = [Collections.Generic.List[string]]::new() }
        $added[$message].Insert(0, $header)
    }
    foreach ($message in $added.Keys) {
        $text = [IO.File]::ReadAllText($message)
        [IO.File]::WriteAllText($message, (($added[$message] -join "`n") + "`n" + $text))
    }

    # The zones: each template plus this run's keys.
    $zones = foreach ($zone in 'dkim.test', 'esp.test') {
        $path = Join-Path $dir "$zone.zone"
        $lines = [Collections.Generic.List[string]]::new()
        $lines.AddRange([string[]](Get-Content (Join-Path $TemplateDirectory "$zone.zone.in")))
        foreach ($name in 'rsa', 'ed', 'old', 'esp') {
            $domain = if ($name -eq 'esp') { 'esp.test' } else { 'dkim.test' }
            if ($domain -ne $zone) { continue }
            # TXT character-strings hold at most 255 bytes; a 2048-bit key is split into several (RFC 6376 §3.6.2.2).
            $chunks = [regex]::Matches($publicKeys[$name], '.{1,250}') | ForEach-Object { '"' + $_.Value + '"' }
            $lines.Add("$name._domainkey IN TXT ( $($chunks -join ' ') )")
        }
        Set-Content -Path $path -Value $lines
        $path
    }
    return [pscustomobject]@{ Directory = $dir; ZoneFiles = @($zones) }
}
