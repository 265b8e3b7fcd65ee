"""Where the app keeps its files.

Normally the per-user config and data directories of the platform (platformdirs). In portable mode
(``--data-dir DIR``) everything lives under one folder, e.g. on a USB stick or next to the app.
The install folder is never written to, so an update or uninstall cannot touch user data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

APP_NAME = "AI4ArtsEd"
APP_AUTHOR = "AI4ArtsEd"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    portable: bool
    # A lab policy may put the models folder elsewhere, e.g. on a drive all users share.
    models_override: Path | None = None

    @classmethod
    def for_user(cls) -> AppPaths:
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR, roaming=True)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
            portable=False,
        )

    @classmethod
    def in_folder(cls, folder: Path) -> AppPaths:
        folder = folder.expanduser().resolve()
        return cls(config_dir=folder / "config", data_dir=folder / "data", portable=True)

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def secrets_file(self) -> Path:
        return self.config_dir / "secrets.json"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def models_dir(self) -> Path:
        return self.models_override or self.data_dir / "models"

    def with_models_dir(self, folder: Path) -> AppPaths:
        return replace(self, models_override=folder)

    @property
    def comfyui_state_dir(self) -> Path:
        return self.data_dir / "comfyui"

    @property
    def webview_storage_dir(self) -> Path:
        return self.data_dir / "webview"

    def create(self) -> None:
        for folder in (self.config_dir, self.data_dir, self.logs_dir, self.runs_dir):
            folder.mkdir(parents=True, exist_ok=True)
