"""The recorded ComfyUI transcripts, kept in the repository under tests/comfyui_transcripts/."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS_DIR = REPO_ROOT / "tests" / "comfyui_transcripts"

# Scenarios recorded on a server that had already run other scenarios (see the transcripts' README).
RECORDED_AFTER: dict[str, list[str]] = {
    "image_cached": ["image_ok"],
    "static": ["image_ok", "image_cached"],
}


def transcripts_dir() -> Path:
    return TRANSCRIPTS_DIR


@dataclass(frozen=True)
class Scenario:
    name: str
    events: list[dict[str, Any]]

    @property
    def client_id(self) -> str:
        opening = next(e for e in self.events if e["kind"] == "ws_open")
        return str(opening["query"]["clientId"])


def load_scenario(name: str) -> Scenario:
    path = transcripts_dir() / f"{name}.jsonl"
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return Scenario(name, events)


def load_static() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((transcripts_dir() / "static.json").read_text(encoding="utf-8"))
    return data


def scenario_names() -> list[str]:
    """The recorded scenarios; a missing folder still yields one test, which then fails and says why."""
    folder = transcripts_dir()
    if not folder.is_dir():
        return ["missing-transcripts"]
    return sorted(p.stem for p in folder.glob("*.jsonl"))
