"""Shared fixtures: the real lists and message files of the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import TermList, load_term_lists

REPO_ROOT = Path(__file__).resolve().parents[2]
SAFETY_CONFIG = REPO_ROOT / "configs" / "safety"
TERMS_DIR = SAFETY_CONFIG / "terms"
MESSAGES_FILE = REPO_ROOT / "server" / "i18n" / "messages" / "safety.json"


@pytest.fixture(scope="session")
def safety_config() -> Path:
    return SAFETY_CONFIG


@pytest.fixture(scope="session")
def term_lists() -> list[TermList]:
    return load_term_lists(TERMS_DIR)


@pytest.fixture(scope="session")
def term_filter(term_lists: list[TermList]) -> TermFilter:
    return TermFilter(term_lists)


@pytest.fixture(scope="session")
def messages() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(MESSAGES_FILE.read_text(encoding="utf-8"))
    return data
