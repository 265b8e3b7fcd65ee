"""The lab bundle's model picker on the settings page: the catalog's model files with size and
licence, those on this computer to choose, their size together, and the chosen ids in the request
that makes the bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import watched_page
from tests.model_files.catalog import TinyModels, write_model_catalog
from tests.support.app_process import start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


def test_the_chosen_model_files_go_into_the_lab_bundle_request(tmp_path: Path, page_pool: PagePool) -> None:
    tiny = TinyModels()
    models = tmp_path / "app" / "data" / "models"
    tiny.checkpoint.write(models / "checkpoints")
    tiny.vae.write(models / "vae")
    # Not on this computer: listed, not choosable.
    tiny.text_encoder.write(tmp_path / "elsewhere")
    tiny.llm.write(tmp_path / "elsewhere")
    catalog = write_model_catalog(tmp_path / "catalog", tiny)
    mark_set_up(tmp_path / "app")
    stick = tmp_path / "stick"
    stick.mkdir()
    with (
        start_app(tmp_path / "app", catalog_root=catalog) as app,
        watched_page(page_pool, 1366, 768, "de-DE") as watch,
    ):
        page = watch.page
        page.goto(app.launch_url)
        page.goto(f"{app.base_url}/settings")
        panel = page.get_by_test_id("comfyui-install-panel")
        panel.get_by_test_id("comfyui-install-advanced").locator("summary").click()
        picker = panel.get_by_test_id("comfyui-bundle-models")
        checkpoint = picker.get_by_test_id("comfyui-bundle-model-tiny_ckpt")
        vae = picker.get_by_test_id("comfyui-bundle-model-tiny_vae")
        encoder = picker.get_by_test_id("comfyui-bundle-model-tiny_te")
        expect(checkpoint).to_contain_text("Winzig tiny_ckpt")
        expect(checkpoint).to_contain_text("5 kB")
        expect(checkpoint).to_contain_text("Lizenz: MIT")
        expect(checkpoint).to_have_attribute("data-here", "true")
        expect(encoder).to_have_attribute("data-here", "false")
        expect(encoder).to_contain_text("nicht auf diesem Computer")
        expect(encoder.locator("input")).to_be_disabled()
        # Those on this computer come first.
        expect(picker.locator("[data-here]").first).to_have_attribute("data-here", "true")
        expect(picker.locator("[data-here]").nth(2)).to_have_attribute("data-here", "false")

        total = picker.get_by_test_id("comfyui-bundle-models-total")
        expect(total).to_contain_text("Keine Modelldatei gewählt")
        checkpoint.locator("input").check()
        vae.locator("input").check()
        expect(total).to_have_attribute("data-bytes", str(tiny.checkpoint.size + tiny.vae.size))
        expect(total).to_contain_text("Gewählte Modelldateien: 2")

        panel.get_by_test_id("comfyui-install-bundle-folder").fill(str(stick))
        with page.expect_request(lambda r: r.url.endswith("/api/comfyui/install/bundle")) as sent:
            panel.get_by_test_id("comfyui-install-make-bundle").click()
        body = json.loads(sent.value.post_data or "{}")
        assert sorted(body["model_ids"]) == ["tiny_ckpt", "tiny_vae"]
        assert body["folder"] == str(stick)
        # The app is offline and the teacher gave no consent: it refuses before anything is fetched.
        response = sent.value.response()
        assert response is not None and response.status == 409
