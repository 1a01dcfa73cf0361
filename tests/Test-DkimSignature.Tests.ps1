BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # tests/peers/opendkim.ps1 had opendkim sign these messages; NSD publishes the keys it made (dkim.test, esp.test).
    $script:Dns = Get-PeerSetting DNS_SERVER
    $script:DkimDir = Get-PeerSetting DKIM_DIR
    $script:Signed = Join-Path $DkimDir 'signed.eml'

    # A copy of the signed message with one edit, in TestDrive.
    function Edit-Message([string] $Name, [scriptblock] $Edit) {
        $path = Join-Path $TestDrive $Name
        [IO.File]::WriteAllText($path, (& $Edit ([IO.File]::ReadAllText($Signed))))
        $path
    }
}

Describe 'Test-DkimSignature' {
    Context 'a message signed by opendkim' {
        BeforeAll { $script:Results = @(Test-DkimSignature -Path $Signed -Server $Dns) }

        It 'verifies all four signatures: RSA and Ed25519, relaxed and simple' {
            $Results.Count | Should -Be 4
            $Results | ForEach-Object { $_ | Should -BeOfType SmtpTools.DkimSignatureResult }
            $Results.Result | Should -Be @('Pass', 'Pass', 'Pass', 'Pass')
            $Results.Index | Should -Be @(1, 2, 3, 4)
            @($Results | Where-Object Algorithm -EQ 'ed25519-sha256').Count | Should -Be 2
            @($Results | Where-Object Algorithm -EQ 'rsa-sha256').Count | Should -Be 2
            $Results.Canonicalization | Sort-Object -Unique | Should -Be @('relaxed/relaxed', 'relaxed/simple', 'simple/simple')
        }

        It 'reports the signing domain, selector, key and what was signed' {
            $rsa = $Results | Where-Object { $_.Selector -eq 'rsa' -and $_.Canonicalization -eq 'relaxed/relaxed' }
            $rsa.Domain | Should -Be 'dkim.test'
            $rsa.KeyType | Should -Be 'rsa'
            $rsa.KeySize | Should -Be 2048
            $rsa.SignedHeaders | Should -Contain 'From'
            $rsa.Signed | Should -BeLessOrEqual ([DateTimeOffset]::UtcNow.AddMinutes(1))
            $rsa.BodyHashMatches | Should -BeTrue
            $rsa.SignatureVerifies | Should -BeTrue
            $rsa.Source | Should -Be $Signed
            ($Results | Where-Object Selector -EQ 'ed')[0].KeySize | Should -Be 256
        }
    }

    Context 'the same message changed after signing' {
        It 'fails every signature for a footer added to the body, and says the body was modified' {
            $path = Edit-Message 'footer.eml' { param($t) $t + "-- `nSent through a list`n" }

            $r = @(Test-DkimSignature -Path $path -Server $Dns)

            $r.Result | Should -Be @('Fail', 'Fail', 'Fail', 'Fail')
            $r.BodyHashMatches | Should -Be @($false, $false, $false, $false)
            $r[0].Reason | Should -Match 'body was modified'
        }

        It 'passes relaxed header canonicalization but fails simple when the Subject is re-spaced' {
            $path = Edit-Message 'respaced.eml' { param($t) $t -replace 'Subject: Quarterly report', 'Subject:  Quarterly   report' }

            $r = @(Test-DkimSignature -Path $path -Server $Dns)

            $simple = $r | Where-Object Canonicalization -EQ 'simple/simple'
            $simple.Result | Should -Be Fail
            $simple.BodyHashMatches | Should -BeTrue
            $simple.Reason | Should -Match 'header canonicalization is simple'
            ($r | Where-Object Canonicalization -Like 'relaxed/*').Result | Should -Be @('Pass', 'Pass', 'Pass')
        }

        It 'fails every signature when a signed header is changed, with the body intact' {
            $path = Edit-Message 'subject.eml' { param($t) $t -replace 'Subject: Quarterly report', 'Subject: Invoice' }

            $r = @(Test-DkimSignature -Path $path -Server $Dns)

            $r.Result | Should -Be @('Fail', 'Fail', 'Fail', 'Fail')
            $r.BodyHashMatches | Should -Be @($true, $true, $true, $true)
            $r.SignatureVerifies | Should -Be @($false, $false, $false, $false)
            $r[0].Reason | Should -Match 'signed header'
        }
    }

    Context 'keys' {
        It 'gives PermError for a <Case> and says so' -TestCases @(
            @{ Case = 'revoked key'; File = 'revoked.eml'; Reason = 'revoked' }
            @{ Case = 'key never published'; File = 'nokey.eml'; Reason = 'No key is published at gone._domainkey.dkim.test' }
        ) {
            $r = Test-DkimSignature -Path (Join-Path $DkimDir $File) -Server $Dns

            $r.Result | Should -Be PermError
            $r.Reason | Should -Match $Reason
        }

        It 'verifies a third-party signature with its own d= domain' {
            $r = Test-DkimSignature -Path (Join-Path $DkimDir 'esp.eml') -Server $Dns

            $r.Result | Should -Be Pass
            $r.Domain | Should -Be 'esp.test'
        }

        It 'gives TempError when the DNS server cannot be reached' {
            $r = @(Test-DkimSignature -Path $Signed -Server 127.0.0.1:9 -Timeout 1 -Retry 0)

            $r.Result | Sort-Object -Unique | Should -Be TempError
            $r[0].Reason | Should -Match '127\.0\.0\.1:9'
        }
    }

    Context 'input' {
        It 'reports one None row for an unsigned message' {
            $path = Join-Path $TestDrive 'unsigned.eml'
            Set-Content -Path $path -Value "From: a@dkim.test`nSubject: x`n`nbody"

            $r = Test-DkimSignature -Path $path -Server $Dns

            $r.Result | Should -Be None
            $r.Index | Should -Be 0
            $r.Reason | Should -Match 'no DKIM-Signature'
        }

        It 'takes files piped from Get-ChildItem and names each source' {
            $r = Get-ChildItem -Path $DkimDir -Filter '*.eml' | Test-DkimSignature -Server $Dns

            ($r.Source | Sort-Object -Unique | Split-Path -Leaf) | Should -Be @('esp.eml', 'nokey.eml', 'revoked.eml', 'signed.eml')
        }

        It 'takes a MimeKit message' {
            $mimeKit = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MimeKit' } |
                Select-Object -First 1
            if (-not $mimeKit) { Test-DkimSignature -Path $Signed -Server $Dns | Out-Null; $mimeKit = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MimeKit' } | Select-Object -First 1 }
            $message = $mimeKit.GetType('MimeKit.MimeMessage')::Load($Signed)

            (Test-DkimSignature -MimeMessage $message -Server $Dns).Result | Should -Be @('Pass', 'Pass', 'Pass', 'Pass')
        }

        It 'writes DkimFileNotFound for a missing file and goes on' {
            $r = Test-DkimSignature -Path (Join-Path $TestDrive 'none.eml'), (Join-Path $DkimDir 'esp.eml') -Server $Dns `
                -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -BeExactly 'DkimFileNotFound,SmtpTools.Commands.TestDkimSignatureCommand'
            $err[0].CategoryInfo.Category | Should -Be ObjectNotFound
            $r.Result | Should -Be Pass
        }

        It 'writes DkimNotAMimeMessage for another object' {
            Test-DkimSignature -MimeMessage 'text' -Server $Dns -ErrorVariable err -ErrorAction SilentlyContinue

            $err[0].FullyQualifiedErrorId | Should -BeExactly 'DkimNotAMimeMessage,SmtpTools.Commands.TestDkimSignatureCommand'
        }
    }
}
