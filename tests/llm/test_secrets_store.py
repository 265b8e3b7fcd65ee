from __future__ import annotations

import json
import logging
import stat
import sys
from pathlib import Path

import pytest

from server.settings.secrets import SecretsStore, SecretStatus
from tests.llm.message_texts import render

KEY = "sk-or-v1-0123456789abcdefWXYZ"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_set_status_get_delete_and_persist(tmp_path: Path) -> None:
    path = tmp_path / "config" / "secrets.json"
    store = SecretsStore(path)
    assert store.status("openrouter") == SecretStatus(name="openrouter", is_set=False)
    status = store.set("openrouter", f"  {KEY}\n")  # pasted with whitespace
    assert status == SecretStatus(name="openrouter", is_set=True, last4="WXYZ")
    assert store.get("openrouter") == KEY
    # A fresh store (the next app start) reads the same file.
    again = SecretsStore(path)
    assert again.get("openrouter") == KEY
    assert again.statuses() == [status]
    store.set("openrouter", "sk-replaced-key-000000001111")
    assert SecretsStore(path).status("openrouter").last4 == "1111"
    assert store.delete("openrouter").is_set is False
    assert SecretsStore(path).get("openrouter") is None


def test_status_never_contains_the_key(tmp_path: Path) -> None:
    store = SecretsStore(tmp_path / "secrets.json")
    status = store.set("openai", KEY)
    assert KEY not in status.model_dump_json()
    short = store.set("custom", "abc123")
    assert short.last4 is None  # four of six characters would give too much away


@posix_only
def test_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    SecretsStore(path).set("openai", KEY)
    assert _mode(path) == 0o600
    assert not list(tmp_path.glob(".*.tmp"))


@posix_only
def test_existing_file_with_loose_permissions_is_fixed(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"version": 1, "keys": {"openai": KEY}}), encoding="utf-8")
    path.chmod(0o644)
    store = SecretsStore(path)
    assert _mode(path) == 0o600
    assert store.get("openai") == KEY


def test_repr_and_logs_never_show_keys(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = SecretsStore(tmp_path / "secrets.json")
    store.set("openai", KEY)
    store.status("openai")
    store.delete("openai")
    store.set("mistral", KEY)
    assert KEY not in repr(store)
    assert "mistral" in repr(store)
    assert KEY not in caplog.text
    assert "WXYZ" not in caplog.text


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({"version": 1}), json.dumps({"keys": {"openai": 42}}), json.dumps([1, 2])],
)
def test_corrupt_file_is_backed_up_and_the_store_starts_empty(tmp_path: Path, content: str) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(content, encoding="utf-8")
    store = SecretsStore(path)
    assert store.statuses() == []
    (notice,) = store.notices
    assert notice.code == "secrets.corrupt_file_backed_up"
    backups = list(tmp_path.glob("secrets.json.corrupt-*"))
    assert len(backups) == 1
    assert backups[0].read_text(encoding="utf-8") == content
    assert notice.params["backup_name"] == backups[0].name
    if sys.platform != "win32":
        assert _mode(backups[0]) == 0o600
    for language in ("de", "en"):
        assert backups[0].name in render("secrets", notice.code, dict(notice.params), language)
    store.set("openai", KEY)
    assert SecretsStore(path).get("openai") == KEY


@pytest.mark.parametrize("name", ["", "Open AI", "../x", "a" * 65])
def test_invalid_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid secret name"):
        SecretsStore(tmp_path / "secrets.json").set(name, KEY)


@pytest.mark.parametrize("value", ["", "   ", "two words", "line\nbreak"])
def test_invalid_keys_are_refused_without_echoing_them(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValueError) as caught:
        SecretsStore(tmp_path / "secrets.json").set("openai", value)
    if value.strip():
        assert value not in str(caught.value)
