"""The cloud settings and a cloud output in real Chromium: a teacher stores a key (the page then shows
only its last four characters) and goes online with the PIN; a student makes a picture with GPT Image 1
and sees what the provider is doing while it works."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.page_watch import watched_page
from tests.cloud.cloud_steps import OPENAI_OUTPUT
from tests.cloud.conftest import KEYS, StartCloudApp
from tests.cloud_testserver.process import CloudServerProcess
from tests.support.app_process import REPO_ROOT
from tests.support.browser import PagePool

pytestmark = pytest.mark.browser

PIN = "2468"
SLOW_MS = 30_000


def test_teacher_stores_a_key_goes_online_and_a_student_makes_a_cloud_picture(
    cloud_app: StartCloudApp, cloud_server: CloudServerProcess, page_pool: PagePool
) -> None:
    if not (REPO_ROOT / "web" / "dist" / "index.html").is_file():
        raise RuntimeError("the web UI is not built: run `cd web && npm ci && npm run build` first")
    app = cloud_app(offline=True)
    with app.client() as client:
        assert client.put("/api/settings/teacher-pin", json={"new_pin": PIN}).status_code == 200
    with watched_page(page_pool, 1280, 900, "de-DE") as watch:
        page = watch.page
        page.goto(app.launch_url)
        page.get_by_test_id("nav-settings").click()
        expect(page.get_by_test_id("settings-view")).to_be_visible()
        expect(page.get_by_test_id("offline-state")).to_have_attribute("data-offline", "true")
        expect(page.get_by_test_id("key-status-openai")).to_have_text("Kein Schlüssel hinterlegt")

        # Without the PIN the key is refused, with a message that says why.
        page.get_by_test_id("key-input-openai").fill(KEYS["openai"])
        page.get_by_test_id("key-save-openai").click()
        expect(page.get_by_test_id("key-error-openai")).to_be_visible()
        page.get_by_test_id("keys-pin").fill(PIN)
        page.get_by_test_id("key-save-openai").click()
        expect(page.get_by_test_id("key-status-openai")).to_have_text(
            f"Hinterlegt (endet auf {KEYS['openai'][-4:]})"
        )
        expect(page.get_by_test_id("key-input-openai")).to_have_value("")
        assert KEYS["openai"][:-4] not in page.content()

        # Going online needs the PIN.
        page.get_by_test_id("offline-pin").fill("1111")
        page.get_by_test_id("offline-toggle").click()
        expect(page.get_by_test_id("offline-error")).to_be_visible()
        page.get_by_test_id("offline-pin").fill(PIN)
        page.get_by_test_id("offline-toggle").click()
        expect(page.get_by_test_id("offline-state")).to_have_attribute("data-offline", "false")

        # The student's side: the cloud output is now available and makes a picture.
        cloud_server.behave("slow", delay_s=1.5)
        page.get_by_test_id("nav-workshop").click()
        page.get_by_test_id("attitude-card-as_is").click()
        page.get_by_test_id("use-attitude").click()
        page.get_by_test_id("idea-box").fill("Ein roter Fuchs im Schnee")
        page.get_by_test_id("start").click()
        expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=SLOW_MS)
        option = page.get_by_test_id(f"output-{OPENAI_OUTPUT}")
        expect(option).to_be_enabled()
        option.click()
        expect(page.get_by_test_id("generate")).to_be_enabled(timeout=SLOW_MS)
        page.get_by_test_id("generate").click()
        status = page.get_by_test_id("progress-status")
        expect(status).to_have_text("OpenAI erzeugt das Bild …", timeout=SLOW_MS)
        expect(page.get_by_test_id("media-image")).to_be_visible(timeout=SLOW_MS)
        expect(page.get_by_test_id("rerun-same-seed")).to_have_count(0)  # no seed to repeat
        # The browser reports the two refused requests (wrong or missing PIN) and nothing else.
        refused = "console: Failed to load resource: the server responded with a status of 403 (FORBIDDEN)"
        assert watch.errors == [refused, refused]
        assert watch.csp_violations() == []
