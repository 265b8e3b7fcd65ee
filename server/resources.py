"""Where the read-only resources are: the repository in development, the bundle when frozen."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

CATALOG_ROOT_ENV = "AI4ARTSED_CATALOG_ROOT"


@dataclass(frozen=True)
class Resources:
    app_root: Path  # holds web/dist and desktop/assets
    catalog_root: Path  # holds configs/ and chunks/

    @property
    def app_configs(self) -> Path:
        """Configuration that belongs to the app itself (LLM providers, safety lists), never overridden."""
        return self.app_root / "configs"

    @property
    def web_dist(self) -> Path:
        return self.app_root / "web" / "dist"

    @property
    def icon(self) -> Path:
        return self.app_root / "desktop" / "assets" / "icon.png"

    @classmethod
    def locate(cls) -> Resources:
        bundle = getattr(sys, "_MEIPASS", None)
        app_root = Path(bundle) if bundle is not None else Path(__file__).resolve().parent.parent
        # Tests and config authors can point the app at another folder with configs/ and chunks/.
        override = os.environ.get(CATALOG_ROOT_ENV)
        return cls(app_root=app_root, catalog_root=Path(override) if override else app_root)
