"""Render message codes the way the UI will, to check every error has a plain text in both languages."""

from __future__ import annotations

import json
import string
from pathlib import Path

from server.llm.chat_errors import LlmError

_MESSAGES_DIR = Path(__file__).resolve().parents[2] / "server" / "i18n" / "messages"


def load_messages(area: str) -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads((_MESSAGES_DIR / f"{area}.json").read_text(encoding="utf-8"))
    return data


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(area: str, code: str, params: dict[str, object], language: str) -> str:
    """Fails (KeyError) when the text needs a parameter the error does not carry."""
    text = load_messages(area)[code][language]
    missing = placeholders(text) - set(params)
    if missing:
        raise KeyError(f"{code} needs {sorted(missing)}, error has {sorted(params)}")
    return text.format(**params)


def render_error(error: LlmError, language: str) -> str:
    return render("llm", error.message_code, dict(error.params), language)
