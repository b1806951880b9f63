# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN Write-Host hello; `
    New-Item -ItemType Directory C:\app
COPY app/ C:/app/
