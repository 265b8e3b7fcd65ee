"""Writes a settings.json into an app data folder before the app starts (as a teacher's earlier choices)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def llm_choice(model: str, base_url: str) -> dict[str, str]:
    return {"provider_id": "custom", "model": model, "base_url": base_url}


def write_settings(
    data_dir: Path,
    *,
    base_url: str,
    interception: str = "echo",
    optimization: str = "echo",
    translation: str = "echo",
    safety: str = "verdict-safe",
    level: str = "kids",
    **extra: Any,
) -> Path:
    path = data_dir / "config" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = {
        "safety_level": level,
        "llm": {
            "safety": llm_choice(safety, base_url),
            "interception": llm_choice(interception, base_url),
            "optimization": llm_choice(optimization, base_url),
            "translation": llm_choice(translation, base_url),
        },
        **extra,
    }
    path.write_text(json.dumps(settings), encoding="utf-8")
    return path


def mark_set_up(data_dir: Path) -> Path:
    """An app that went through (or skipped) the first-run wizard, so it opens on its start page."""
    path = data_dir / "config" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"first_run_done": True}), encoding="utf-8")
    return path
