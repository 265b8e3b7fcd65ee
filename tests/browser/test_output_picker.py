"""The output picker shows what can be used: the available outputs as cards, the others folded into
one line that opens a compact list; no file names or sizes on the workshop page or in the wizard's
model step. On the Models page the advice never sends the teacher to the Models page."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import PageWatch
from tests.browser.workshop_app import workshop_app
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import AppProcess

pytestmark = pytest.mark.browser

# What a file name or a size looks like in the long model-file messages.
FILE_OR_SIZE = re.compile(r"\.safetensors|\.gguf|\d\s?(GB|MB)\b")


def _outputs(app: AppProcess) -> list[dict[str, Any]]:
    with app.client(language="de") as client:
        response = client.get("/api/catalog/outputs")
        response.raise_for_status()
        return [output for group in response.json()["media_types"] for output in group["outputs"]]


def test_available_outputs_first_the_others_folded_without_files_or_sizes(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    page = small_page.page
    with workshop_app(tmp_path, llm_server) as app:
        # The managed test ComfyUI is up once the test outputs (no model files) are available.
        deadline = time.monotonic() + 90
        while not any(o["available"] and o["backend"] == "comfyui" for o in _outputs(app)):
            assert time.monotonic() < deadline, "the test ComfyUI never became ready"
            time.sleep(0.3)
        page.goto(app.launch_url)
        page.get_by_test_id("attitude-card-dada").click()
        page.get_by_test_id("use-attitude").click()
        page.get_by_test_id("idea-box").fill("Ein Straßenfest im Regen")
        page.get_by_test_id("start").click()
        picker = page.get_by_test_id("output-picker")
        expect(picker).to_be_visible(timeout=60_000)
        outputs = _outputs(app)
        available = [o for o in outputs if o["available"]]
        unavailable = [o for o in outputs if not o["available"]]
        assert available and unavailable
        assert any(
            r["code"] == "output_model_files_missing" or r["code"] == "output_model_file_missing"
            for o in unavailable
            for r in o["reasons"]
        ), "the shipped outputs should miss their model files here"

        for output in available:
            expect(page.get_by_test_id(f"output-{output['id']}")).to_be_enabled()
        for output in unavailable:
            expect(page.get_by_test_id(f"output-{output['id']}")).to_have_count(0)
        toggle = page.get_by_test_id("outputs-more-toggle")
        expect(toggle).to_contain_text(str(len(unavailable)))
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_test_id("outputs-unavailable-list")).to_have_count(0)

        toggle.click()
        rows = page.get_by_test_id("outputs-unavailable-list").locator("li")
        expect(rows).to_have_count(len(unavailable))
        expect(page.get_by_test_id("outputs-unavailable-list")).to_contain_text("braucht Modelldateien")
        assert not FILE_OR_SIZE.search(picker.inner_text()), picker.inner_text()

        # The Models page: the long advice is there, but it never says "on the Models page".
        page.goto(f"{app.base_url}/models")
        expect(page.get_by_test_id("models-page")).to_be_visible()
        missing = page.locator(
            '[data-code="output_model_files_missing"], [data-code="output_model_file_missing"]'
        )
        expect(missing.first).to_be_visible()
        for text in missing.all_inner_texts():
            assert "Modelle“" not in text and "Models”" not in text, text

        # The wizard's model step: the same compact form.
        page.goto(f"{app.base_url}/welcome")
        wizard = page.get_by_test_id("welcome-view")
        for _ in range(8):
            if wizard.get_attribute("data-step") == "models":
                break
            page.get_by_test_id("welcome-next").click()
            page.wait_for_timeout(300)
        expect(wizard).to_have_attribute("data-step", "models")
        check = page.get_by_test_id("model-check")
        more = page.get_by_test_id("model-check-more")
        expect(more).to_have_attribute("aria-expanded", "false")
        more.click()
        expect(check.locator("li").first).to_be_visible()
        assert not FILE_OR_SIZE.search(check.inner_text()), check.inner_text()
