# Minimal stand-in until the lead's tests/common.ps1 lands (expect it to replace this file): imports the built module.
Import-Module "$PSScriptRoot/../out/SmtpTools/SmtpTools.psd1" -Force
