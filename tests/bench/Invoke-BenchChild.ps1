<#
.SYNOPSIS
One contender of tests/bench, run in a pwsh process of its own by Invoke-Benchmarks.ps1.

.DESCRIPTION
Prints one line of key=value pairs: seconds (time around the measured work only, so the harness can tell in-process
rate from whole-process rate), cpu (CPU seconds of this process over the same span; it includes the generation of
the input), the amount of work done, and vmhwm_kib, the peak resident set of this pwsh process read
from /proc/self/status at the end.
#>
param(
    [Parameter(Mandatory)]
    [ValidateSet('SendBulk', 'SendMailMessageLoop', 'SendLarge', 'ReplyPipeline', 'ReplyParameter', 'ReplySelectString',
        'ResolveBulk')]
    [string] $Case,
    [string] $ModulePath,
    [string] $Server = '127.0.0.1',
    [int] $Port,
    [int] $Count,
    [int] $BodyBytes = 1024,
    # Send-SmtpMessage -ThrottleLimit: connections sending at once.
    [int] $Throttle = 1,
    [string] $File,
    [string] $DnsServer
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if ($ModulePath) { Import-Module $ModulePath }

$from = 'bench@smtptools.test'
$to = 'sink@smtptools.test'
$done = 0
$clock = [Diagnostics.Stopwatch]::new()
# CPU time of this process around the measured work too: on a shared, overloaded machine it is steadier than wall time.
$self = [Diagnostics.Process]::GetCurrentProcess()
$cpuBefore = $self.TotalProcessorTime
switch ($Case) {
    'SendBulk' {
        # The nightly-report shape: message objects piped into ONE Send-SmtpMessage, which reuses its connection.
        $body = ('x' * ($BodyBytes - 2)) + "`r`n"
        $messages = foreach ($i in 1..$Count) {
            [pscustomobject]@{ To = $to; From = $from; Subject = "Bench $i"; Body = $body }
        }
        $clock.Start()
        $messages | Send-SmtpMessage -SmtpServer $Server -Port $Port -Tls None -ThrottleLimit $Throttle
        $clock.Stop()
        $done = $Count
    }
    'SendMailMessageLoop' {
        $body = ('x' * ($BodyBytes - 2)) + "`r`n"
        $clock.Start()
        foreach ($i in 1..$Count) {
            Send-MailMessage -SmtpServer $Server -Port $Port -From $from -To $to -Subject "Bench $i" -Body $body `
                -WarningAction Ignore
        }
        $clock.Stop()
        $done = $Count
    }
    'SendLarge' {
        $clock.Start()
        Send-SmtpMessage -SmtpServer $Server -Port $Port -Tls None -From $from -To $to -Subject 'Bench large' `
            -Body "Large attachment.`r`n" -Attachments $File
        $clock.Stop()
        $done = 1
    }
    'ReplyPipeline' {
        $clock.Start()
        $done = (Get-Content -LiteralPath $File | Get-SmtpReplyCode | Measure-Object).Count
        $clock.Stop()
    }
    'ReplyParameter' {
        $clock.Start()
        $done = (Get-SmtpReplyCode -Reply (Get-Content -LiteralPath $File) | Measure-Object).Count
        $clock.Stop()
    }
    'ReplySelectString' {
        # A PowerShell reference for the same stream: read the lines and pull out code and enhanced code only.
        $clock.Start()
        $done = (Get-Content -LiteralPath $File | Select-String -Pattern '^(\d{3})[ -](\d\.\d{1,3}\.\d{1,3})?' |
                Measure-Object).Count
        $clock.Stop()
    }
    'ResolveBulk' {
        $domains = [IO.File]::ReadAllLines($File)
        $clock.Start()
        $done = ($domains | Resolve-MailExchanger -Server $DnsServer | Measure-Object).Count
        $clock.Stop()
    }
}
$self.Refresh()
$cpu = ($self.TotalProcessorTime - $cpuBefore).TotalSeconds
$hwm = ([IO.File]::ReadAllLines('/proc/self/status') | Where-Object { $_ -like 'VmHWM:*' }) -replace '\D', ''
'seconds={0:F6} cpu={1:F6} done={2} vmhwm_kib={3}' -f $clock.Elapsed.TotalSeconds, $cpu, $done, $hwm
