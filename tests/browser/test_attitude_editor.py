"""The attitude editor and text results in real Chromium against the real app: a teacher writes an
attitude, finds it marked in the catalog and deletes it; a text result is a text card in the gallery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, expect

from tests.browser.page_watch import PageWatch
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import start_app
from tests.support.job_events import final_state, read_events
from tests.support.settings_files import write_settings

pytestmark = pytest.mark.browser


def test_a_teacher_writes_an_attitude_finds_it_marked_and_deletes_it(
    tmp_path: Path, small_page: PageWatch
) -> None:
    data = tmp_path / "app"
    write_settings(data, base_url="http://127.0.0.1:9/v1", first_run_done=True)
    with start_app(data) as app:
        page = small_page.page
        page.goto(app.launch_url)
        page.get_by_test_id("open-attitude-editor").click()
        page.get_by_test_id("attitude-new").click()
        page.get_by_test_id("attitude-name-de").fill("Hundertwasser")
        page.get_by_test_id("attitude-rules-de").fill("Male die Idee ohne gerade Linien, mit Spiralen.")
        page.get_by_test_id("attitude-rules-en").fill("Paint the idea without straight lines, with spirals.")
        page.get_by_test_id("attitude-result").select_option("text")
        page.get_by_test_id("attitude-save").click()
        expect(page.get_by_test_id("attitudes-message")).to_contain_text("Hundertwasser")
        expect(page.get_by_test_id("own-attitude-hundertwasser")).to_contain_text("eigene")

        # Rules the current level (kids) would stop are refused with the words that caused it.
        page.get_by_test_id("attitude-new").click()
        page.get_by_test_id("attitude-name-de").fill("Verboten")
        page.get_by_test_id("attitude-rules-de").fill("Male überall ein Hakenkreuz dazu.")
        page.get_by_test_id("attitude-save").click()
        expect(page.get_by_test_id("attitudes-error")).to_contain_text("Hakenkreuz")

        page.get_by_test_id("nav-workshop").click()
        expect(page.get_by_test_id("attitude-mark-hundertwasser")).to_have_text("eigene")

        page.get_by_test_id("open-attitude-editor").click()

        def accept(dialog: Dialog) -> None:
            dialog.accept()

        page.once("dialog", accept)
        page.get_by_test_id("own-attitude-hundertwasser").get_by_role("button", name="Löschen").click()
        expect(page.get_by_test_id("own-attitude-hundertwasser")).to_have_count(0)
        page.get_by_test_id("nav-workshop").click()
        expect(page.get_by_test_id("attitude-mark-hundertwasser")).to_have_count(0)
    assert small_page.csp_violations() == []


def test_a_text_result_is_a_text_card_in_the_gallery(
    tmp_path: Path, small_page: PageWatch, llm_server: TestServerProcess
) -> None:
    data = tmp_path / "app"
    write_settings(data, base_url=llm_server.base_url, first_run_done=True)
    attitude = {
        "name": {"de": "Geheimsprache der Klasse", "en": ""},
        "description": {"de": "Ein Sprachspiel.", "en": ""},
        "category": "semantics",
        "context": {"de": "Sprich in B-Sprache.", "en": "Speak Pig Latin."},
        "icon": "🔐",
        "color": "#37474f",
        "min_age": 8,
        "result": "text",
    }
    with start_app(data) as app:
        with app.client("de") as client:
            attitude_id = client.post("/api/attitudes", json={"attitude": attitude}).json()["id"]
            started = client.post(
                "/api/interception", json={"config_id": attitude_id, "idea": "Ein Fest", "language": "de"}
            ).json()
            assert final_state(read_events(client, started["job_id"])) == "succeeded"
            assert client.delete(f"/api/attitudes/{attitude_id}").status_code == 200
        page = small_page.page
        page.goto(app.launch_url)
        page.get_by_test_id("nav-gallery").click()
        card = page.locator(f'[data-testid="gallery-card"][data-run-id="{started["run_id"]}"]')
        expect(card.get_by_test_id("card-text-result")).to_have_text("echo: Ein Fest")
        expect(card.get_by_test_id("thumb")).to_have_attribute("data-kind", "text")
        # The attitude is gone; the card keeps the name the run was made with.
        expect(card.get_by_test_id("card-attitude")).to_have_text("Geheimsprache der Klasse")
        card.get_by_test_id("open-run").click()
        expect(page.get_by_test_id("run-attitude")).to_have_text("Geheimsprache der Klasse")
        expect(page.get_by_test_id("text-result-badge")).to_be_visible()
        expect(page.get_by_test_id("detail-interception")).to_have_text("echo: Ein Fest")
    assert small_page.csp_violations() == []


def test_export_and_import_through_the_editor_and_a_broken_file_refused(
    tmp_path: Path, small_page: PageWatch
) -> None:
    data = tmp_path / "app"
    write_settings(data, base_url="http://127.0.0.1:9/v1", first_run_done=True)
    draft = {
        "name": {"de": "Spiralen", "en": "Spirals"},
        "description": {"de": "Alles dreht sich.", "en": "Everything turns."},
        "category": "aesthetics",
        "context": {"de": "Lass alles in Spiralen wachsen.", "en": "Let everything grow in spirals."},
        "icon": "🌀",
        "color": "#2e7d32",
        "min_age": 8,
    }
    with start_app(data) as app:
        with app.client("de") as client:
            attitude_id = client.post("/api/attitudes", json={"attitude": draft}).json()["id"]
        page = small_page.page
        page.goto(app.launch_url)
        page.get_by_test_id("open-attitude-editor").click()
        row = page.get_by_test_id(f"own-attitude-{attitude_id}")
        row.get_by_role("checkbox").check()
        with page.expect_download() as download_info:
            page.get_by_test_id("attitudes-export").click()
        exported = tmp_path / "export.json"
        download_info.value.save_as(exported)

        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Löschen").click()
        expect(row).to_have_count(0)

        page.get_by_test_id("attitudes-import-file").set_input_files(str(exported))
        expect(page.get_by_test_id("attitudes-import-preview")).to_contain_text("Spiralen")
        page.get_by_test_id("attitudes-import-confirm").click()
        expect(page.get_by_test_id("attitudes-message")).to_contain_text("1")
        expect(page.get_by_test_id(f"own-attitude-{attitude_id}")).to_be_visible()
        with app.client("de") as client:
            again = client.get("/api/attitudes/export", params={"ids": attitude_id})
        assert again.content == exported.read_bytes()

        broken = tmp_path / "broken.json"
        empty_set = {"format": "ai4artsed-attitudes", "version": 1, "attitudes": []}
        broken.write_text(json.dumps(empty_set), encoding="utf-8")
        page.get_by_test_id("attitudes-import-file").set_input_files(str(broken))
        expect(page.get_by_test_id("attitudes-error")).to_contain_text("attitudes")
        expect(page.get_by_test_id("attitudes-import-preview")).to_have_count(0)
    assert [error for error in small_page.errors if "400" not in error] == []


def test_sampling_settings_are_kept_and_checked_and_the_telephone_pool_shows_language_names(
    tmp_path: Path, small_page: PageWatch
) -> None:
    data = tmp_path / "app"
    write_settings(data, base_url="http://127.0.0.1:9/v1", first_run_done=True)
    with start_app(data) as app:
        page = small_page.page
        page.goto(app.launch_url)
        page.get_by_test_id("open-attitude-editor").click()
        page.get_by_test_id("attitude-new").click()
        page.get_by_test_id("attitude-name-de").fill("Stille Post der Klasse")
        page.get_by_test_id("attitude-rules-de").fill("Übersetze die Idee genau.")
        page.get_by_test_id("attitude-rules-en").fill("Translate the idea exactly.")

        # Out of range: a plain message naming the field and its bounds, nothing saved.
        page.get_by_test_id("attitude-parameter-top_p").fill("1.5")
        page.get_by_test_id("attitude-save").click()
        expect(page.get_by_test_id("attitudes-error")).to_contain_text("Top-p")
        expect(page.get_by_test_id("attitudes-error")).to_contain_text("0.01 bis 1")

        page.get_by_test_id("attitude-parameter-temperature").fill("0.4")
        page.get_by_test_id("attitude-parameter-top_p").fill("0.9")
        page.get_by_test_id("attitude-parameter-max_tokens").fill("300")

        # The Telephone pool: language names in the UI language, ticked boxes that keep the codes.
        page.get_by_text("Stille Post (Runden durch Sprachen)").click()
        pool = page.get_by_test_id("attitude-telephone")
        expect(pool).to_contain_text("Französisch")
        expect(pool).not_to_contain_text(" fr ")
        for box in pool.locator("input[type=checkbox]").all():
            box.uncheck()
        for code in ("fr", "ja", "sw"):
            page.get_by_test_id(f"attitude-language-{code}").check()
        page.locator("[data-testid=attitude-telephone] input[type=number]").fill("3")
        page.get_by_test_id("attitude-save").click()
        expect(page.get_by_test_id("attitudes-message")).to_contain_text("Stille Post der Klasse")

        with app.client("de") as client:
            saved = client.get("/api/attitudes/stille_post_der_klasse").json()["attitude"]
        assert saved["parameters"] == {"temperature": 0.4, "top_p": 0.9, "max_tokens": 300}
        assert saved["recursion"]["languages"] == ["fr", "ja", "sw"]

        page.reload()
        page.get_by_test_id("own-attitude-stille_post_der_klasse").get_by_role(
            "button", name="Bearbeiten"
        ).click()
        expect(page.get_by_test_id("attitude-parameter-temperature")).to_have_value("0.4")
        expect(page.get_by_test_id("attitude-parameter-top_p")).to_have_value("0.9")
        expect(page.get_by_test_id("attitude-parameter-max_tokens")).to_have_value("300")
        expect(page.get_by_test_id("attitude-language-fr")).to_be_checked()
        expect(page.get_by_test_id("attitude-language-es")).not_to_be_checked()
        expect(page.get_by_test_id("attitude-telephone")).to_contain_text("Japanisch")
    assert small_page.csp_violations() == []
