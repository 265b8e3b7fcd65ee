"""The app says how students are protected: without a capable checker, a notice and the diagnostics
file say "term lists only"; with a guard model they say the checker is there."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.support.app_process import AppProcess, start_app
from tests.support.settings_files import write_settings


def notice_codes(app: AppProcess) -> list[str]:
    with app.client("en") as client:
        return [n["code"] for n in client.get("/api/system/info").json()["notices"]]


def safety_part(app: AppProcess) -> dict[str, object]:
    with app.client("en") as client:
        response = client.get("/api/diagnostics")
    assert response.status_code == 200
    data: dict[str, object] = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("safety.json"))
    return data


@pytest.mark.parametrize(
    ("model", "protection", "notice"),
    [
        ("verdict-safe", "term_lists_only", True),
        ("llama-guard-3-1b", "term_lists_and_checker", False),
    ],
)
def test_notice_and_diagnostics_say_what_protects(
    tmp_path: Path, model: str, protection: str, notice: bool
) -> None:
    write_settings(tmp_path / "data", base_url="http://127.0.0.1:9/v1", safety=model)
    with start_app(tmp_path / "data") as app:
        part = safety_part(app)  # waits for the lists, and so for the notice
        assert part["protection"] == protection
        assert part["image_check"] == {"config_loaded": True, "detector_file_present": True}
        assert ("safety_protection_lists_only" in notice_codes(app)) is notice
        if notice:
            with app.client("de") as client:
                shown = [
                    n["message"]
                    for n in client.get("/api/system/info").json()["notices"]
                    if n["code"] == "safety_protection_lists_only"
                ]
            assert "Wortlisten" in shown[0] and "Llama Guard" in shown[0]
