"""Every message code the server raises or reports has a text in German and English."""

from __future__ import annotations

import re
from pathlib import Path

from server.i18n.translator import Translator

SERVER = Path(__file__).resolve().parents[2] / "server"
# AppError("code", ...), notices.add("code", ...), code="..." in reasons and records.
PATTERNS = [
    re.compile(r'AppError\(\s*"([a-z0-9_.]+)"'),
    re.compile(r'notices\.add\(\s*"([a-z0-9_.]+)"'),
    re.compile(r'\bcode="([a-z0-9_.]+)"'),
    # Typed errors' defaults, and codes in mapping tables (server/cloud/errors.py).
    re.compile(r'default_message_code\s*=\s*"([a-z0-9_.]+)"'),
    re.compile(r'"((?:cloud|llm)\.[a-z0-9_]+)"'),
    re.compile(r'"(network_[a-z0-9_]+)"'),
]
# Files that name Flask endpoints ("llm.models"), which look like message codes to the patterns.
ENDPOINT_TABLES = {SERVER / "api" / "student_access.py"}


def used_codes() -> set[str]:
    codes: set[str] = set()
    for path in SERVER.rglob("*.py"):
        if path in ENDPOINT_TABLES:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            codes.update(pattern.findall(text))
    return codes


def test_the_scan_finds_codes() -> None:
    assert {"catalog_has_problems", "run_not_found", "output_needs_comfyui"} <= used_codes()


def test_every_used_code_has_a_text() -> None:
    translator = Translator()
    assert sorted(code for code in used_codes() if not translator.has(code)) == []
