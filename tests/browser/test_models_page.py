"""The models page in real Chromium: an output lacks its files, the teacher imports a folder, it is ready.

Needs the built UI: ``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import PageWatch, watched_page
from tests.model_files.catalog import TinyModels, write_model_catalog
from tests.model_files.model_files import write_pickle_checkpoint
from tests.support.app_process import REPO_ROOT, AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


@pytest.fixture
def page(page_pool: PagePool) -> Iterator[PageWatch]:
    with watched_page(page_pool, 1280, 900, "de-DE") as watch:
        yield watch


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[AppProcess, Path]]:
    if not (REPO_ROOT / "web" / "dist" / "index.html").is_file():
        raise RuntimeError("the web UI is not built: run `cd web && npm ci && npm run build` first")
    tiny = TinyModels()
    stick = tmp_path / "stick"
    tiny.write_all(stick / "Modelle")
    write_pickle_checkpoint(stick / "Modelle" / "alt.ckpt")
    write_pickle_checkpoint(stick / "Modelle" / "stil.pt", size=4096)
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    home = tmp_path / "home"
    home.mkdir()
    mark_set_up(tmp_path / "app")
    with start_app(tmp_path / "app", catalog_root=catalog, env={"HOME": str(home)}) as running:
        yield running, stick


def test_a_teacher_imports_a_folder_and_the_output_becomes_ready(
    page: PageWatch, app: tuple[AppProcess, Path]
) -> None:
    running, stick = app
    tab = page.page
    tab.goto(running.launch_url)
    tab.get_by_test_id("nav-models").click()
    expect(tab.get_by_test_id("models-page")).to_be_visible()
    output = tab.get_by_test_id("models-output-tiny_image")
    expect(output).to_have_attribute("data-ready", "false")
    expect(output.locator("[data-code=output_model_files_missing]")).to_contain_text(
        "Winzbild braucht 2 Dateien"
    )
    expect(tab.get_by_test_id("models-offline")).to_be_visible()

    tab.get_by_test_id("models-import-picker-path").fill(str(stick))
    tab.get_by_test_id("models-import-picker-open").click()
    listing = tab.get_by_test_id("models-import-picker-listing")
    expect(listing).to_contain_text("Modelle")
    listing.get_by_test_id("models-import-picker-folder").filter(has_text="Modelle").click()
    expect(listing).to_contain_text("Modelldateien direkt in diesem Ordner: 4")
    tab.get_by_test_id("models-import-start").click()

    job = tab.get_by_test_id("model-job-model_import")
    expect(job.get_by_test_id("model-job-status")).to_have_attribute(
        "data-state", "succeeded", timeout=30_000
    )
    skipped = job.get_by_test_id("model-job-skipped")
    expect(skipped).to_contain_text("Nicht übernommen (2)")
    expect(skipped.locator('[data-file="alt.ckpt"]')).to_contain_text("Programmcode")
    expect(skipped.locator('[data-file="stil.pt"]')).to_contain_text("Programmcode")
    expect(job.locator("[data-code=model_imported_hardlink]").first).to_contain_text("verknüpft")
    expect(output).to_have_attribute("data-ready", "true")
    expect(tab.get_by_test_id("model-file-tiny_ckpt")).to_have_attribute("data-state", "present")
    expect(tab.get_by_test_id("model-file-tiny_ckpt")).to_contain_text("Prüfsumme geprüft")
    # Downloads are off in offline mode: no download buttons.
    expect(tab.get_by_role("button", name=re.compile("Herunterladen"))).to_have_count(0)
    page.assert_clean()


def test_the_models_page_lists_the_engine_model_in_use_as_present(
    tmp_path: Path, page_pool: PagePool
) -> None:
    # The default settings run every LLM stage on the built-in engine's bundled test model.
    folder = tmp_path / "app"
    mark_set_up(folder)
    with page_pool.page(width=1366, height=768, locale="de-DE") as page, start_app(folder) as app:
        page.goto(app.launch_url)
        page.goto(f"{app.base_url}/models")
        row = page.get_by_test_id("models-engine-smollm2-135m-instruct")
        expect(row).to_have_attribute("data-present", "true")
        expect(row).to_contain_text("in Gebrauch")
        expect(row).to_contain_text("Sicherheitsprüfung")
