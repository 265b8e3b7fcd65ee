"""Where the read-only resources are: the repository in development, the bundle when frozen."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Resources:
    root: Path  # holds configs/ and chunks/

    @property
    def web_dist(self) -> Path:
        return self.root / "web" / "dist"

    @property
    def icon(self) -> Path:
        return self.root / "desktop" / "assets" / "icon.png"

    @classmethod
    def locate(cls) -> Resources:
        bundle = getattr(sys, "_MEIPASS", None)
        if bundle is not None:
            return cls(root=Path(bundle))
        return cls(root=Path(__file__).resolve().parent.parent)
