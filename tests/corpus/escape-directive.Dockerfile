# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN Invoke-WebRequest https://example.com/x.zip -OutFile C:\x.zip ; `
    Expand-Archive C:\x.zip -DestinationPath C:\x
WORKDIR C:\app
COPY app.exe C:\app\
CMD ["C:\\app\\app.exe"]
