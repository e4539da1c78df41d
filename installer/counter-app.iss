; Inno Setup 6 script: the Windows installer for the one-folder bundle built by build.spec.
;
; Build (on Windows, after `pyinstaller --noconfirm --clean build.spec`, see docs/packaging.md):
;     "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" installer\counter-app.iss
; Output: dist\counter-app-<version>-setup.exe
;
; - Per-machine install into Program Files (needs administrator rights), offline: everything is in
;   the bundle, nothing is downloaded.
; - The version is read back from counter-app.exe's version resource, which build.spec writes from
;   counter_app/__init__.py: one place for the version of the app, the bundle and the installer.
; - Data is NOT installed here: the app creates it on first start in %LOCALAPPDATA%\counter-app
;   (counter_app/paths.py, platformdirs), per Windows account. The optional task "shareddata" makes
;   every account use C:\ProgramData\counter-app instead (system variable COUNTER_APP_HOME).
; - Uninstalling removes the program only; the data directory (database, printed forms, backups)
;   is never deleted.
; - Installer languages: Vietnamese and English. Vietnamese.isl is an unofficial Inno Setup
;   translation: put it next to this file first (docs/packaging.md says where to get it).
; This file is saved as UTF-8 with a byte-order mark, which Inno Setup 6 needs for Vietnamese text.

#define AppName "Phần mềm Một cửa"
#define AppNameEn "One-stop counter app"
#define AppExe "counter-app.exe"
#define BundleDir "..\dist\counter-app"
#define AppVersion GetStringFileInfo(AddBackslash(SourcePath) + BundleDir + "\" + AppExe, "ProductVersion")
#define AppVersionNumbers GetVersionNumbersString(AddBackslash(SourcePath) + BundleDir + "\" + AppExe)
#if AppVersion == ""
  #error "dist\counter-app\counter-app.exe not found or without a version: build the bundle first"
#endif

[Setup]
AppId={{4364E8BD-6DD4-4B2B-9943-24D78CE68204}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Counter app developers
VersionInfoVersion={#AppVersionNumbers}
VersionInfoProductVersion={#AppVersionNumbers}
VersionInfoDescription={#AppName} {#AppVersion} — bộ cài đặt
DefaultDirName={autopf}\counter-app
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
LicenseFile=..\LICENSE
OutputDir=..\dist
OutputBaseFilename=counter-app-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
ChangesEnvironment=yes
CloseApplications=yes
ShowLanguageDialog=auto

[Languages]
Name: "vietnamese"; MessagesFile: "Vietnamese.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
vietnamese.LaunchApp=Mở {#AppName}
english.LaunchApp=Start {#AppNameEn}
vietnamese.SharedData=Dùng chung dữ liệu cho mọi tài khoản Windows trên máy này (C:\ProgramData\counter-app)
english.SharedData=Share the data between all Windows accounts of this PC (C:\ProgramData\counter-app)
vietnamese.DataGroup=Dữ liệu của quầy:
english.DataGroup=Counter data:
vietnamese.SelfTest=Đang tự kiểm tra bản cài đặt...
english.SelfTest=Checking the installation...
vietnamese.SelfTestFailed=Bản cài đặt chưa tự kiểm tra đạt (bước %1). Báo cáo: %2. Hãy báo cho bộ phận CNTT trước khi dùng.
english.SelfTestFailed=The installation self-test failed (step %1). Report: %2. Tell the IT staff before using it.
vietnamese.DataKept=Dữ liệu của quầy (cơ sở dữ liệu, biểu mẫu đã in, bản sao lưu) được giữ lại tại %1.
english.DataKept=The counter's data (database, printed forms, backups) is kept in %1.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"
Name: "shareddata"; Description: "{cm:SharedData}"; GroupDescription: "{cm:DataGroup}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; Only with the "shareddata" task; never removed on uninstall (it holds the counter's data).
Name: "{commonappdata}\counter-app"; Permissions: users-modify; Flags: uninsneveruninstall; Tasks: shareddata

[Registry]
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: string; ValueName: "COUNTER_APP_HOME"; ValueData: "{commonappdata}\counter-app"; Flags: uninsdeletevalue; Tasks: shareddata

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent

[Code]
{ After copying: run the bundle's own self-test (temporary database, deadline, receipt, barcode).
  The windowed executable has no console, so it writes its report to <data>\logs\self-test.txt. }
procedure CurStepChanged(CurStep: TSetupStep);
var
  ResultCode: Integer;
  Report: String;
begin
  if CurStep = ssPostInstall then
  begin
    WizardForm.StatusLabel.Caption := CustomMessage('SelfTest');
    { The new COUNTER_APP_HOME reaches programs started after setup, not this one: the report is
      always in the installing account's own data folder. }
    Report := ExpandConstant('{localappdata}\counter-app\logs\self-test.txt');
    if Exec(ExpandConstant('{app}\{#AppExe}'), '--self-test', ExpandConstant('{app}'), SW_HIDE,
            ewWaitUntilTerminated, ResultCode) and (ResultCode <> 0) then
      MsgBox(FmtMessage(CustomMessage('SelfTestFailed'), [IntToStr(ResultCode), Report]),
             mbError, MB_OK);
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent then
    MsgBox(FmtMessage(CustomMessage('DataKept'),
           [ExpandConstant('{localappdata}\counter-app, {commonappdata}\counter-app')]),
           mbInformation, MB_OK);
end;
