# What a person sees at a 120-column prompt: every output type of every cmdlet (and the parts people open, such as
# $session.Transcript or $result.Tls), rendered by its default view, as a table and as a list. The key content must
# come out whole: no word cut by a wrap or a truncation, no "{a, b, c…}" where the content is expected.
BeforeDiscovery {
    # One case per type shown; the first test fails when a cmdlet declares an output type missing here.
    $script:TypeCases = @(
        'SmtpSendResult', 'SmtpRecipientResult', 'SmtpTranscript', 'SmtpTranscriptEntry', 'SmtpReply', 'SmtpTlsInfo',
        'SmtpAuthResult', 'MailExchanger', 'DnsTraceStep', 'SmtpReplyCode', 'SmtpVendorStatus', 'SmtpConnection',
        'SmtpCapabilities', 'SmtpCommandResult', 'MailRouteHop', 'MailRouteFlag', 'MailRouteSummary',
        'SpfCheckResult', 'SpfRecord', 'DkimSignatureResult', 'DmarcPolicy', 'DmarcAlignmentResult', 'MailDomainCheck',
        'SmtpAccessToken'
    ) | ForEach-Object { @{ Type = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Width = 120
    $script:Peer = '127.0.0.1'
    $smtpPort = [int](Get-PeerSetting SMTP_PORT)
    $submissionPort = [int](Get-PeerSetting SUBMISSION_PORT)
    $credential = [pscredential]::new((Get-PeerSetting TEST_USER),
        (ConvertTo-SecureString (Get-PeerSetting TEST_PASSWORD) -AsPlainText -Force))
    $marker = "views-$([guid]::NewGuid().ToString('n'))"

    # Words of a text, each of which must appear whole in the rendering.
    function Get-Words([object[]] $Text) { @($Text | ForEach-Object { "$_" -split '\s+' } | Where-Object { $_ }) }
    function Get-ReplyWords($Reply) { Get-Words (@($Reply.Lines) + $Reply.Code) }

    $send = Send-SmtpMessage -SmtpServer $Peer -Port $smtpPort -SkipCertificateCheck -From ops@smtptools.test `
        -To bob@smtptools.test, 'rejected@smtptools.test' -Subject $marker -Body 'views' -PassThru -ErrorAction SilentlyContinue
    $auth = Test-SmtpAuth $Peer -Port $submissionPort -Credential $credential -SkipCertificateCheck -Mechanism PLAIN, LOGIN
    $exchangers = Resolve-MailExchanger noaddr.mx.test, dual.mx.test, mxcname.mx.test, alias.mx.test `
        -Server (Get-PeerSetting DNS_SERVER) -NoShuffle -Ordered -Trace -InformationVariable trace 6> $null
    $codes = @(Get-SmtpReplyCode '550 5.7.30 Basic authentication is not supported for Client Submission', '421', '252', '214', '550',
        '5.7.26')
    $script:Session = Connect-SmtpServer $Peer -Port $smtpPort -SkipCertificateCheck
    $commands = $Session | Invoke-SmtpCommand 'VRFY postmaster', 'MAIL FROM:<ops@smtptools.test>',
        'RCPT TO:<rejected@smtptools.test>', 'RCPT TO:<bob@smtptools.test>', 'DATA' -Data "Subject: $marker`r`n`r`nviews"
    $hops = @(Get-MailRoute -Path (Wait-DeliveredMessage $marker))
    $forgedHeader = @(
        'Received: from relay.fabrikam.example (relay.fabrikam.example [192.0.2.80]) by mx.contoso.example'
        ' with ESMTPS id 4Xyz; Mon, 1 Jan 2024 10:00:05 +0000'
        'Received: from friendly.example (unknown [10.1.2.3]) by relay.fabrikam.example with SMTP id 3Abc'
        ' for <bob@contoso.example>; Mon, 1 Jan 2024 11:00:00 +0000'
    ) -join "`n"
    $forged = @(Get-MailRoute -Header $forgedHeader)
    # A token from the test identity provider (tests/identity-common.ps1), as Get-SmtpAccessToken returns it.
    . (Join-Path $PSScriptRoot 'identity-common.ps1')
    $script:Idp = Start-TestIdentityProvider
    $tenant = [guid]::NewGuid().ToString()
    $app = [guid]::NewGuid().ToString()
    $Idp.AddMicrosoftApp($tenant, $app, 'views-secret', $null, 'reports@example.test', 'Nightly reports')
    $token = Get-SmtpAccessToken -TenantId $tenant -ClientId $app -ClientSecret (ConvertTo-Secure 'views-secret') `
        -Authority $Idp.Authority -UserName reports@example.test
    $certificateEntry = $send.Transcript | Where-Object Text -like 'Certificate:*' | Select-Object -First 1
    # The mail-policy cmdlets, on the zones NSD serves and the messages opendkim signed (tests/peers).
    $dns = Get-PeerSetting DNS_SERVER
    $dkimDir = Get-PeerSetting DKIM_DIR
    $spfChecks = @(Test-SpfRecord chain.spf.test -IPAddress 2001:db8::25 -Server $dns) +
        @(Test-SpfRecord exp.spf.test -IPAddress 192.0.2.99 -Server $dns)
    $spfRecords = @(Test-SpfRecord simple.spf.test, plusall.spf.test, overlimit.spf.test -Server $dns)
    $dkimResults = @(Test-DkimSignature -Path (Join-Path $dkimDir 'signed.eml'), (Join-Path $dkimDir 'revoked.eml') -Server $dns)
    $dmarcPolicies = @(Resolve-DmarcPolicy dmarc.test, none.dmarc.test, ext.dmarc.test -Server $dns)
    $alignments = @(Test-DmarcAlignment -Path (Join-Path $dkimDir 'esp.eml'), (Join-Path $dkimDir 'signed.eml') -Server $dns)
    $domainChecks = @(Test-MailDomain dkim.test -Server $dns -DkimSelector rsa, old -Language en)

    # Type => objects and the words each must show in every view.
    $script:Samples = @{
        SmtpSendResult      = @($send | ForEach-Object {
                @{ Object = $_; Words = @($_.Status, $_.Server, $_.Port, 'TLS', '1.3') + $_.AcceptedRecipients +
                    $_.RejectedRecipients.Address + (Get-ReplyWords $_.DataReply) }
            })
        SmtpRecipientResult = @($send.RejectedRecipients | ForEach-Object { @{ Object = $_; Words = @($_.Address) + (Get-ReplyWords $_.Reply) } })
        SmtpTranscript      = @(@{ Object = $Session.Transcript; Words = Get-Words $Session.Transcript.Entries.Text })
        SmtpTranscriptEntry = @($send.Transcript | Select-Object -First 3) + $certificateEntry |
            ForEach-Object { @{ Object = $_; Words = Get-Words $_.Text } }
        SmtpReply           = @($Session.Greeting, $commands[0].Reply) | ForEach-Object { @{ Object = $_; Words = Get-ReplyWords $_ } }
        SmtpTlsInfo         = @(@{ Object = $Session.Tls; Words = @('TLS', '1.3') + (Get-Words $Session.Tls.Subject, $Session.Tls.ValidationErrors) })
        SmtpAuthResult      = @($auth | ForEach-Object { @{ Object = $_; Words = @($_.Server, $_.Port, $_.Mechanism) + (Get-Words $_.Reply.Lines) } })
        MailExchanger       = @($exchangers | ForEach-Object {
                @{ Object = $_; Words = @($_.Host) + @($_.Addresses | ForEach-Object IPAddressToString) +
                    @(if ($_.Flags -ne 'None') { $_.Flags.ToString() -split ', ' }) }
            })
        DnsTraceStep        = @($trace.MessageData | ForEach-Object { @{ Object = $_; Words = @($_.QueryName) + (Get-Words $_.Answer) } })
        SmtpReplyCode       = @($codes | ForEach-Object { @{ Object = $_; Words = Get-Words $_.Meaning } })
        SmtpVendorStatus    = @($codes.Vendor | Where-Object { $_ } | ForEach-Object { @{ Object = $_; Words = Get-Words $_.Meaning, $_.WhatToDo } })
        SmtpConnection      = @(@(Get-SmtpSession -Id $Session.Id) | ForEach-Object {
                @{ Object = $_; Words = @($_.SmtpServer, $_.Port, 'TLS', '1.3') + (Get-Words "$($_.Capabilities)") }
            })
        SmtpCapabilities    = @(@{ Object = $Session.Capabilities; Words = Get-Words "$($Session.Capabilities)" })
        SmtpCommandResult   = @($commands | ForEach-Object { @{ Object = $_; Words = (Get-Words $_.Command, $_.Reply.Lines, $_.Meaning) } })
        MailRouteHop        = @($hops + $forged | ForEach-Object {
                @{ Object = $_; Words = @($_.FromName, $_.FromAddress, $_.ByName) + @($_.Flags.Kind | ForEach-Object ToString) | Where-Object { $_ } }
            })
        SmtpAccessToken     = @(@{ Object = $token; Words = @($token.Audience, $token.TenantId, $token.AppId, $token.UserName) + $token.Roles })
        MailRouteFlag       = @($forged.Flags | ForEach-Object { @{ Object = $_; Words = @($_.Kind.ToString()) + (Get-Words $_.Reason) } })
        SpfCheckResult      = @($spfChecks | ForEach-Object { @{ Object = $_; Words = @($_.Domain, $_.Result, $_.DecidingTerm) + (Get-Words $_.Reason) } })
        SpfRecord           = @($spfRecords | ForEach-Object { @{ Object = $_; Words = @($_.Domain, $_.Status) + (Get-Words $_.Problems) } })
        DkimSignatureResult = @($dkimResults | ForEach-Object { @{ Object = $_; Words = @($_.Domain, $_.Selector, $_.Result) + (Get-Words $_.Reason) } })
        DmarcPolicy         = @($dmarcPolicies | ForEach-Object { @{ Object = $_; Words = @($_.Domain, $_.Status) + (Get-Words $_.Problems) } })
        DmarcAlignmentResult = @($alignments | ForEach-Object { @{ Object = $_; Words = @($_.FromDomain, $_.Result) + (Get-Words $_.Reason) } })
        MailDomainCheck     = @($domainChecks | ForEach-Object { @{ Object = $_; Words = @($_.Check, $_.Status) + (Get-Words $_.Reason) } })
        MailRouteSummary    = @(@(Get-MailRoute -Header $forgedHeader -Summary) + @(Get-MailRoute -Path (Wait-DeliveredMessage $marker) -Summary) |
            ForEach-Object { @{ Object = $_; Words = @($_.Verdict.ToString()) + (Get-Words $_.Text) } })
    }

    # How the object looks by default, as a table and as a list; a table only where the type has a table view.
    function Get-Renderings($Object) {
        $views = @(Get-FormatData -TypeName $Object.GetType().FullName -PowerShellVersion $PSVersionTable.PSVersion).FormatViewDefinition
        @{ Format = 'default'; Text = $Object | Out-String -Width $Width }
        if ($views.Control | Where-Object { $_ -is [Management.Automation.TableControl] }) {
            @{ Format = 'Format-Table'; Text = $Object | Format-Table | Out-String -Width $Width }
        }
        @{ Format = 'Format-List'; Text = $Object | Format-List | Out-String -Width $Width }
    }
}

AfterAll {
    if ($Session) { $Session | Disconnect-SmtpServer }
    if ($Idp) { $Idp.Dispose() }
}

Describe 'Default views' {
    It 'has a view case for every type an exported cmdlet declares as output' {
        $cases = @($TypeCases.Type)
        $declared = Get-Command -Module SmtpTools | ForEach-Object { $_.OutputType.Type } |
            Where-Object { $_ -and $_.Namespace -eq 'SmtpTools' } | ForEach-Object Name | Sort-Object -Unique
        foreach ($type in $declared) { $cases | Should -Contain $type -Because "$type is an output type: add a sample to FormatViews.Tests.ps1" }
    }

    It 'has a sample of <Type> to render' -ForEach $TypeCases {
        @($Samples[$Type]).Count | Should -BeGreaterThan 0
        foreach ($sample in $Samples[$Type]) { $sample.Object.GetType().Name | Should -Be $Type }
    }

    It '<Type> has a view of its own' -ForEach $TypeCases {
        Get-FormatData -TypeName "SmtpTools.$Type" -PowerShellVersion $PSVersionTable.PSVersion | Should -Not -BeNullOrEmpty
    }

    It '<Type> shows its content whole at 120 columns, by default, as a table and as a list' -ForEach $TypeCases {
        $problems = foreach ($sample in $Samples[$Type]) {
            foreach ($rendering in Get-Renderings $sample.Object) {
                $where = "$($rendering.Format) of $($sample.Object)"
                if ($rendering.Text -match '\{[^{}\r\n]*…\}|\{\.\.\.\}|\{…\}') { "$where shows a cut-off list: $($Matches[0])" }
                if ($rendering.Text -cmatch 'System\.Collections\.|System\.Object\[\]|SmtpTools\.(?!Internal)[A-Z]\w+(\r?\n|$)') {
                    "$where shows a type name instead of content: $($Matches[0])"
                }
                foreach ($word in $sample.Words | Where-Object { $_ } | ForEach-Object { "$_" }) {
                    if (-not $rendering.Text.Contains($word)) { "$where does not show '$word' whole" }
                }
            }
        }
        $problems | Should -BeNullOrEmpty
    }
}

# The send path is the lead's (issue 17): this guards the transcript clock it will keep.
Describe 'Transcript timestamps (send path, issue 17)' {
    It 'never go backwards within one conversation' {
        foreach ($transcript in @($Samples.SmtpSendResult.Object.Transcript) , @($Session.Transcript.Entries)) {
            $previous = [TimeSpan]::Zero
            foreach ($entry in $transcript) {
                $entry.Elapsed | Should -BeGreaterOrEqual $previous -Because "'$($entry.Text)' comes after an entry at $previous"
                $previous = $entry.Elapsed
            }
        }
    }
}
