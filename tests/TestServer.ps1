# Dot-sourced by the tests that need the scripted fault server or the test identity provider
# (tests/SmtpTools.TestServer): loads it, building it first when no xUnit run has, and starts scripts from text.
# One copy per process: the files that load it share its types.
if (-not ('SmtpTools.TestServer.ScriptedSmtpServer' -as [type])) {
    $testServerDll = Get-ChildItem -Path (Join-Path $PSScriptRoot 'SmtpTools.TestServer/bin') -Recurse `
        -Filter 'SmtpTools.TestServer.dll' -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $testServerDll) {
        & dotnet build (Join-Path $PSScriptRoot 'SmtpTools.TestServer') --nologo -v quiet | Out-Null
        $testServerDll = Get-ChildItem -Path (Join-Path $PSScriptRoot 'SmtpTools.TestServer/bin') -Recurse `
            -Filter 'SmtpTools.TestServer.dll' | Select-Object -First 1
    }
    Add-Type -Path $testServerDll.FullName
}

# Starts a scripted server on 127.0.0.1 playing $Script (see ScriptedSmtpServer for the script lines).
function Start-ScriptedServer([string] $Script) {
    [SmtpTools.TestServer.ScriptedSmtpServer]::Start($Script, $null, $null)
}

# What smtp.qq.com says, in GBK, to a client that logs in with the account password instead of an authorization code.
$script:QqAuthCodeRefusal = '535 Error: 请使用授权码登录。详情请看: http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=28&&no=1001256'
