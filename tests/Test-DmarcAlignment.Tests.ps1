BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # Messages signed by opendkim (tests/peers/opendkim.ps1): From: alice@dkim.test, signed with d=dkim.test
    # (signed.eml) or by an ESP with d=esp.test (esp.eml). dkim.test publishes p=reject and SPF for 192.0.2.0/24;
    # bounce.dkim.test SPF allows 198.51.100.0/24; esp.test SPF allows 203.0.113.0/24.
    $script:Dns = Get-PeerSetting DNS_SERVER
    $script:DkimDir = Get-PeerSetting DKIM_DIR
    $script:Signed = Join-Path $DkimDir 'signed.eml'
    $script:Esp = Join-Path $DkimDir 'esp.eml'
}

Describe 'Test-DmarcAlignment' {
    It 'passes on an aligned DKIM signature alone' {
        $r = Test-DmarcAlignment -Path $Signed -Server $Dns

        $r | Should -BeOfType SmtpTools.DmarcAlignmentResult
        $r.Result | Should -Be Pass
        $r.FromDomain | Should -Be 'dkim.test'
        $r.DkimAligned | Should -BeTrue
        $r.AlignedDkimDomain | Should -Be 'dkim.test'
        $r.SpfResult | Should -BeNullOrEmpty
        $r.Reason | Should -Match 'SPF was not checked'
        $r.Policy.Policy | Should -Be reject
    }

    It 'fails a message signed only by its ESP, and says the policy rejects it' {
        $r = Test-DmarcAlignment -Path $Esp -Server $Dns

        $r.Result | Should -Be Fail
        $r.Disposition | Should -Be reject
        $r.DkimAligned | Should -BeFalse
        $r.Dkim.Result | Should -Be Pass
        $r.Reason | Should -Match 'esp\.test passes but is not aligned with dkim\.test'
    }

    It 'gives <Result> with MAIL FROM <MailFrom> from <Ip>' -TestCases @(
        @{ MailFrom = 'bounce@dkim.test'; Ip = '192.0.2.10'; Result = 'Pass'; Aligned = $true }
        @{ MailFrom = 'x@bounce.dkim.test'; Ip = '198.51.100.5'; Result = 'Pass'; Aligned = $true }
        @{ MailFrom = 'x@esp.test'; Ip = '203.0.113.5'; Result = 'Fail'; Aligned = $false }
        @{ MailFrom = 'bounce@dkim.test'; Ip = '203.0.113.5'; Result = 'Fail'; Aligned = $false }
    ) {
        $r = Test-DmarcAlignment -Path $Esp -IPAddress $Ip -MailFrom $MailFrom -Server $Dns

        $r.Result | Should -Be $Result
        $r.SpfAligned | Should -Be $Aligned
        $r.MailFromDomain | Should -Be ($MailFrom -split '@')[1]
    }

    It 'uses the Return-Path of the message as MAIL FROM' {
        $path = Join-Path $TestDrive 'returnpath.eml'
        [IO.File]::WriteAllText($path, "Return-Path: <x@bounce.dkim.test>`n" + [IO.File]::ReadAllText($Esp))

        $r = Test-DmarcAlignment -Path $path -IPAddress 198.51.100.5 -Server $Dns

        $r.MailFromDomain | Should -Be 'bounce.dkim.test'
        $r.Result | Should -Be Pass
    }

    It 'fails when the body was changed after signing and SPF does not help' {
        $path = Join-Path $TestDrive 'footer.eml'
        [IO.File]::WriteAllText($path, [IO.File]::ReadAllText($Signed) + "-- `nfooter`n")

        $r = Test-DmarcAlignment -Path $path -Server $Dns

        $r.Result | Should -Be Fail
        $r.Reason | Should -Match 'dkim\.test gives fail'
    }

    It 'gives None for a From: domain without a policy' {
        $path = Join-Path $TestDrive 'nopolicy.eml'
        Set-Content -Path $path -Value "From: a@simple.spf.test`nSubject: x`n`nbody"

        (Test-DmarcAlignment -Path $path -Server $Dns).Result | Should -Be None
    }

    It 'gives PermError for a message with two From: domains' {
        $path = Join-Path $TestDrive 'twofrom.eml'
        Set-Content -Path $path -Value "From: a@dkim.test, b@esp.test`nSubject: x`n`nbody"

        $r = Test-DmarcAlignment -Path $path -Server $Dns

        $r.Result | Should -Be PermError
        $r.Reason | Should -Match '2 domains'
    }

    It 'takes piped files' {
        $r = Get-Item $Signed, $Esp | Test-DmarcAlignment -Server $Dns

        $r.Result | Should -Be @('Pass', 'Fail')
    }

    It 'writes DmarcFileNotFound for a missing file' {
        Test-DmarcAlignment -Path (Join-Path $TestDrive 'none.eml') -Server $Dns -ErrorVariable err -ErrorAction SilentlyContinue

        $err[0].FullyQualifiedErrorId | Should -BeExactly 'DmarcFileNotFound,SmtpTools.Commands.TestDmarcAlignmentCommand'
    }
}
