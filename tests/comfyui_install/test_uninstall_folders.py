"""The Windows uninstaller removes the same ComfyUI folders as the settings' "remove" button."""

from __future__ import annotations

from pathlib import Path

from server.comfyui_install.installer import REMOVABLE_FOLDERS

NSIS = Path(__file__).resolve().parents[2] / "build" / "windows" / "installer.nsi"


def test_the_uninstaller_offers_to_remove_the_installed_comfyui() -> None:
    script = NSIS.read_text(encoding="utf-8")
    assert '"/REMOVECOMFYUI"' in script and "SecComfyUI" in script
    for folder in REMOVABLE_FOLDERS:
        # platformdirs' data folder on Windows: %LOCALAPPDATA%\AI4ArtsEd\AI4ArtsEd
        assert f'RMDir /r "$LOCALAPPDATA\\AI4ArtsEd\\AI4ArtsEd\\comfyui\\{folder}"' in script, folder
