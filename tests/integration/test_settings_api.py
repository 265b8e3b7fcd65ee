"""Settings persist across restarts, and a damaged settings file never stops the app.

In-process: a restart is new services on the same data folder, which is where the settings are read
(the real process starting on an older settings file: test_settings_migration.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.in_process import in_process_app

pytestmark = pytest.mark.in_process


def test_language_choice_persists_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with in_process_app(data) as app, app.client() as client:
        assert client.get("/api/settings").json()["language"] == "de"
        assert client.patch("/api/settings", json={"language": "en"}).json()["language"] == "en"
    with in_process_app(data) as app, app.client() as client:
        assert client.get("/api/settings").json()["language"] == "en"
    stored = json.loads((data / "config" / "settings.json").read_text(encoding="utf-8"))
    assert stored["language"] == "en"


def test_corrupt_settings_file_is_kept_as_backup_and_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings_file = data / "config" / "settings.json"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text('{"language": "en", "safety_level": "kids"', encoding="utf-8")
    with in_process_app(data) as app, app.client(language="en") as client:
        assert client.get("/api/settings").json()["language"] == "de"
        notices = client.get("/api/system/info").json()["notices"]
    reset = [n for n in notices if n["code"] == "settings_damaged"]
    assert len(reset) == 1
    backups = list(settings_file.parent.glob("settings.json.damaged-*"))
    assert len(backups) == 1
    assert backups[0].read_text(encoding="utf-8") == '{"language": "en", "safety_level": "kids"'
    assert str(backups[0]) in reset[0]["message"]


def test_settings_with_an_unknown_field_count_as_damaged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings_file = data / "config" / "settings.json"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text('{"language": "en", "langauge": "de"}', encoding="utf-8")
    with in_process_app(data) as app, app.client() as client:
        notices = client.get("/api/system/info").json()["notices"]
    assert "settings_damaged" in [n["code"] for n in notices]
