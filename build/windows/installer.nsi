; Windows installer of AI4ArtsEd Desktop (NSIS 3).
;
;   makensis -DVERSION=0.1.0 -DPAYLOAD_DIR=build\dist\ai4artsed -DOUTFILE=AI4ArtsEd-0.1.0-setup.exe
;            [-DAPP_ICON=icon.ico] [-DWEBVIEW2_BOOTSTRAPPER=MicrosoftEdgeWebview2Setup.exe]
;            build\windows\installer.nsi
;
; PAYLOAD_DIR is the PyInstaller one-folder output (ai4artsed.exe, ai4artsed-cli.exe, _internal\).
; WEBVIEW2_BOOTSTRAPPER (optional) is Microsoft's small online installer of the WebView2 runtime;
; without it, a missing runtime is installed from an offline copy next to the installer
; (MicrosoftEdgeWebView2RuntimeInstallerX64.exe) or the user is told where to get it.
;
; Command line (for school IT):
;   /S                silent
;   /ALLUSERS         install for every user of the PC (Program Files; needs an elevated process)
;   /CURRENTUSER      install for the current user only (the default; no administrator rights)
;   /D=C:\path        install folder (must be the last argument, no quotes)
; Uninstaller: /S silent, /REMOVEUSERDATA also deletes the current user's settings, runs and models
; (without it, user data is always kept); /REMOVECOMFYUI deletes the ComfyUI the app installed for
; the current user (its Python, PyTorch and caches; pictures and models stay).

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel user

!ifndef VERSION
  !error "Pass the version: makensis -DVERSION=x.y.z ..."
!endif
!ifndef PAYLOAD_DIR
  !error "Pass the program folder: makensis -DPAYLOAD_DIR=path\to\ai4artsed ..."
!endif
!ifndef OUTFILE
  !define OUTFILE "AI4ArtsEd-${VERSION}-windows-x64-setup.exe"
!endif
!if /FileExists "${PAYLOAD_DIR}\ai4artsed.exe"
!else
  !error "${PAYLOAD_DIR}\ai4artsed.exe is missing: build the bundle with PyInstaller first"
!endif

!define APP_NAME "AI4ArtsEd"
!define APP_EXE "ai4artsed.exe"
!define PUBLISHER "AI4ArtsEd"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_NAME}"
!define APP_KEY "Software\${APP_NAME}"
; The WebView2 runtime's client id (Microsoft's documented detection keys).
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_OFFLINE "MicrosoftEdgeWebView2RuntimeInstallerX64.exe"

; The numeric part of VERSION, padded to the a.b.c.d form Windows wants (0.1.0 -> 0.1.0.0).
!searchparse /noerrors "${VERSION}" "" VERSION_MAJOR "." VERSION_MINOR "." VERSION_PATCH
!ifndef VERSION_MAJOR
  !define VERSION_MAJOR 0
!endif
!ifndef VERSION_MINOR
  !define VERSION_MINOR 0
!endif
!ifndef VERSION_PATCH
  !define VERSION_PATCH 0
!endif
!searchparse /noerrors "${VERSION_PATCH}" "" VERSION_PATCH_NUMBER "-"
!ifndef VERSION_PATCH_NUMBER
  !define VERSION_PATCH_NUMBER ${VERSION_PATCH}
!endif

Name "${APP_NAME}"
OutFile "${OUTFILE}"
BrandingText "${APP_NAME} ${VERSION}"

VIProductVersion "${VERSION_MAJOR}.${VERSION_MINOR}.${VERSION_PATCH_NUMBER}.0"
VIFileVersion "${VERSION_MAJOR}.${VERSION_MINOR}.${VERSION_PATCH_NUMBER}.0"
VIAddVersionKey /LANG=0 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP_NAME} Setup"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "LegalCopyright" "EUPL-1.2"

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include x64.nsh

Var AllUsers
Var PresetInstDir

!ifdef APP_ICON
  !define MUI_ICON "${APP_ICON}"
  !define MUI_UNICON "${APP_ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_NOTCHECKED
!define MUI_UNCOMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_WELCOME
; makensis works in the folder of this script (unless /NOCD).
!insertmacro MUI_PAGE_LICENSE "../../LICENSE"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is the fallback when Windows runs in neither.
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "German"

LangString ALLUSERS_NEEDS_ADMIN ${LANG_ENGLISH} "Installing for all users needs administrator rights. Run the installer from an elevated prompt, or install for yourself only (without /ALLUSERS)."
LangString ALLUSERS_NEEDS_ADMIN ${LANG_GERMAN} "Die Installation für alle Benutzer braucht Administratorrechte. Starten Sie das Installationsprogramm mit erhöhten Rechten oder installieren Sie nur für sich selbst (ohne /ALLUSERS)."
LangString WEBVIEW2_INSTALLING ${LANG_ENGLISH} "Installing the Microsoft Edge WebView2 runtime (it shows the app window)..."
LangString WEBVIEW2_INSTALLING ${LANG_GERMAN} "Microsoft Edge WebView2 wird installiert (es zeigt das Programmfenster an) ..."
LangString WEBVIEW2_MISSING ${LANG_ENGLISH} "The Microsoft Edge WebView2 runtime is missing and could not be installed. AI4ArtsEd will open in your web browser instead. To get the app window, install WebView2 from https://developer.microsoft.com/microsoft-edge/webview2/"
LangString WEBVIEW2_MISSING ${LANG_GERMAN} "Microsoft Edge WebView2 fehlt und konnte nicht installiert werden. AI4ArtsEd öffnet sich stattdessen im Webbrowser. Für das Programmfenster installieren Sie WebView2 von https://developer.microsoft.com/microsoft-edge/webview2/"
LangString NOT_AN_INSTALL ${LANG_ENGLISH} "$INSTDIR does not look like an AI4ArtsEd installation; nothing was removed."
LangString NOT_AN_INSTALL ${LANG_GERMAN} "$INSTDIR sieht nicht nach einer AI4ArtsEd-Installation aus; es wurde nichts entfernt."
LangString SECTION_PROGRAM ${LANG_ENGLISH} "AI4ArtsEd (program)"
LangString SECTION_PROGRAM ${LANG_GERMAN} "AI4ArtsEd (Programm)"
LangString SECTION_USERDATA ${LANG_ENGLISH} "Also delete my settings, runs and models"
LangString SECTION_USERDATA ${LANG_GERMAN} "Auch meine Einstellungen, Ergebnisse und Modelle löschen"
LangString SECTION_COMFYUI ${LANG_ENGLISH} "Also delete the ComfyUI the app installed (several GB)"
LangString SECTION_COMFYUI ${LANG_GERMAN} "Auch das von der App installierte ComfyUI löschen (mehrere GB)"

; --- install mode (per user or all users) -------------------------------------------------------

!macro SELECT_MODE UN
  ${${UN}GetParameters} $R0
  ClearErrors
  ${${UN}GetOptions} $R0 "/ALLUSERS" $R1
  ${If} ${Errors}
    StrCpy $AllUsers 0
  ${Else}
    StrCpy $AllUsers 1
  ${EndIf}
!macroend

!macro REQUIRE_ADMIN_FOR_ALLUSERS
  ${If} $AllUsers == 1
    UserInfo::GetAccountType
    Pop $R2
    ${If} $R2 != "Admin"
      MessageBox MB_OK|MB_ICONSTOP "$(ALLUSERS_NEEDS_ADMIN)" /SD IDOK
      SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
      Quit
    ${EndIf}
    SetShellVarContext all
  ${Else}
    SetShellVarContext current
  ${EndIf}
!macroend

Function .onInit
  ; /D= sets $INSTDIR before .onInit; there is no InstallDir, so anything here came from /D=.
  StrCpy $PresetInstDir $INSTDIR
  ${If} ${RunningX64}
    SetRegView 64
  ${EndIf}
  !insertmacro SELECT_MODE ""
  !insertmacro REQUIRE_ADMIN_FOR_ALLUSERS
  ${If} $PresetInstDir != ""
    StrCpy $INSTDIR $PresetInstDir
    Return
  ${EndIf}
  ; An update goes where the previous version is.
  ReadRegStr $R3 SHCTX "${APP_KEY}" "InstallDir"
  ${If} $R3 != ""
    StrCpy $INSTDIR $R3
  ${ElseIf} $AllUsers == 1
    StrCpy $INSTDIR "$PROGRAMFILES64\${APP_NAME}"
  ${Else}
    StrCpy $INSTDIR "$LOCALAPPDATA\Programs\${APP_NAME}"
  ${EndIf}
FunctionEnd

; --- WebView2 ---------------------------------------------------------------------------------------

Function WebView2Installed
  ; Pushes 1 when a WebView2 runtime is installed for the machine or for this user.
  StrCpy $R4 ""
  ReadRegStr $R4 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${If} $R4 == ""
  ${OrIf} $R4 == "0.0.0.0"
    ReadRegStr $R4 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $R4 == ""
  ${OrIf} $R4 == "0.0.0.0"
    ReadRegStr $R4 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $R4 == ""
  ${OrIf} $R4 == "0.0.0.0"
    Push 0
  ${Else}
    Push 1
  ${EndIf}
FunctionEnd

Function EnsureWebView2
  Call WebView2Installed
  Pop $R5
  ${If} $R5 == 1
    DetailPrint "WebView2: $R4"
    Return
  ${EndIf}
  DetailPrint "$(WEBVIEW2_INSTALLING)"
  ; An offline copy next to the installer wins: school networks may not reach Microsoft.
  ${If} ${FileExists} "$EXEDIR\${WEBVIEW2_OFFLINE}"
    ExecWait '"$EXEDIR\${WEBVIEW2_OFFLINE}" /silent /install' $R6
  !ifdef WEBVIEW2_BOOTSTRAPPER
  ${Else}
    InitPluginsDir
    File "/oname=$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" "${WEBVIEW2_BOOTSTRAPPER}"
    ExecWait '"$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" /silent /install' $R6
  !endif
  ${EndIf}
  Call WebView2Installed
  Pop $R5
  ${If} $R5 != 1
    MessageBox MB_OK|MB_ICONEXCLAMATION "$(WEBVIEW2_MISSING)" /SD IDOK
  ${EndIf}
FunctionEnd

; --- install ------------------------------------------------------------------------------------

Section "-$(SECTION_PROGRAM)" SecProgram
  SetOutPath "$INSTDIR"
  ; An update replaces the program files; user data lives elsewhere (%APPDATA%, %LOCALAPPDATA%).
  RMDir /r "$INSTDIR\_internal"
  File /r "${PAYLOAD_DIR}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0

  WriteRegStr SHCTX "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr SHCTX "${APP_KEY}" "Version" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  ${If} $AllUsers == 1
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /ALLUSERS'
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /ALLUSERS /S'
  ${Else}
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  ${EndIf}
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $R7 $R8 $R9
  IntFmt $R7 "0x%08X" $R7
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "EstimatedSize" "$R7"

  Call EnsureWebView2
SectionEnd

; --- uninstall ----------------------------------------------------------------------------------

Section "-un.$(SECTION_PROGRAM)"
  ; Only our own files: the folder may have been chosen by hand and hold other things.
  ${IfNot} ${FileExists} "$INSTDIR\${APP_EXE}"
    MessageBox MB_OK|MB_ICONSTOP "$(NOT_AN_INSTALL)" /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\ai4artsed.exe"
  Delete "$INSTDIR\ai4artsed-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey SHCTX "${UNINSTALL_KEY}"
  DeleteRegKey SHCTX "${APP_KEY}"
SectionEnd

; Unchecked by default: user data is kept unless the user ticks the box or passes /REMOVEUSERDATA.
; Only the current user's folders can be reached; other users' data on the PC always stay.
Section /o "un.$(SECTION_USERDATA)" SecUserData
  SetShellVarContext current
  RMDir /r "$APPDATA\AI4ArtsEd"
  RMDir /r "$LOCALAPPDATA\AI4ArtsEd"
SectionEnd

; The ComfyUI "Install ComfyUI for me" put into the data folder (server/comfyui_install): offered
; on its own, because it is large and a teacher may want to keep settings and runs.
; platformdirs' data folder on Windows is %LOCALAPPDATA%\AI4ArtsEd\AI4ArtsEd.
Section /o "un.$(SECTION_COMFYUI)" SecComfyUI
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\AI4ArtsEd\AI4ArtsEd\comfyui\installs"
  RMDir /r "$LOCALAPPDATA\AI4ArtsEd\AI4ArtsEd\comfyui\downloads"
  RMDir /r "$LOCALAPPDATA\AI4ArtsEd\AI4ArtsEd\comfyui\uv-cache"
  RMDir /r "$LOCALAPPDATA\AI4ArtsEd\AI4ArtsEd\comfyui\python"
  RMDir /r "$LOCALAPPDATA\AI4ArtsEd\AI4ArtsEd\comfyui\self-test"
SectionEnd

; After the sections: it refers to their indexes.
Function un.onInit
  ${If} ${RunningX64}
    SetRegView 64
  ${EndIf}
  !insertmacro SELECT_MODE "un."
  ; An all-users installation is recognised by its machine-wide entry even without /ALLUSERS.
  ReadRegStr $R3 HKLM "${APP_KEY}" "InstallDir"
  ${If} $R3 == $INSTDIR
    StrCpy $AllUsers 1
  ${EndIf}
  !insertmacro REQUIRE_ADMIN_FOR_ALLUSERS
  ${un.GetParameters} $R0
  ClearErrors
  ${un.GetOptions} $R0 "/REMOVEUSERDATA" $R1
  ${IfNot} ${Errors}
    SectionSetFlags ${SecUserData} ${SF_SELECTED}
  ${EndIf}
  ClearErrors
  ${un.GetOptions} $R0 "/REMOVECOMFYUI" $R1
  ${IfNot} ${Errors}
    SectionSetFlags ${SecComfyUI} ${SF_SELECTED}
  ${EndIf}
FunctionEnd
