"""Screenshots of the lesson flow, as a teacher at a projector sees it: the start page, the workshop
with an output chosen and with its result, the gallery, the transparency view of that run and the
first-run wizard (with its "leave without applying?" question).

The real app (built UI from web/dist) runs with the ComfyUI test server as its managed ComfyUI and
the LLM test server for every text step, in a temporary folder; one stopped idea is written into
its gallery so the gallery shows that design too. Nothing leaves 127.0.0.1.

Run: .venv/bin/python tools/lesson_screenshots.py OUT_DIR [--locale de-DE] [--size 1366x768]
(needs `cd web && npm run build` first). Prints the files it wrote.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, expect

from server.runs.models import RunStatus
from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.browser.workshop_app import workshop_app
from tests.llm_testserver.process import TestServerProcess
from tests.support.browser import chromium, new_context
from tests.support.run_folders import RunSpec, day, write_run

TIMEOUT_MS = 90_000
IDEAS = {"de": "Ein Straßenfest im Regen", "en": "A street party in the rain"}
STOPPED = {"de": "Ein verbotenes Bild", "en": "A forbidden picture"}


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


class Shots:
    """Saves numbered screenshots of the page into one folder."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.written: list[Path] = []

    def take(self, name: str) -> None:
        # Let fonts, images and transitions settle: a screenshot is of a page at rest.
        self.page.evaluate("() => document.fonts.ready")
        self.page.wait_for_load_state("networkidle")
        path = self.folder / f"{len(self.written) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path))
        self.written.append(path)


def _dismiss_notices(page: Page) -> None:
    """The notices above every page are on the start page's picture; the others show their page."""
    for dismiss in page.get_by_test_id("notice").locator("button").all():
        dismiss.click()


def _workshop(shots: Shots, language: str) -> None:
    page = shots.page
    card = page.get_by_test_id("attitude-card-dada")
    expect(card).to_be_visible(timeout=TIMEOUT_MS)
    shots.take("start")
    _dismiss_notices(page)
    card.click()
    page.get_by_test_id("use-attitude").click()
    page.get_by_test_id("idea-box").fill(IDEAS[language])
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("interception-box")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("start")).not_to_have_attribute("aria-busy", "true", timeout=TIMEOUT_MS)
    page.get_by_test_id("output-selftest_image").click()
    expect(page.get_by_test_id("generate")).to_be_enabled(timeout=TIMEOUT_MS)
    shots.take("workshop-output-chosen")
    page.get_by_test_id("generate").click()
    expect(page.get_by_test_id("media-image")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("generation-progress")).to_have_count(0, timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=media-image]');"
        " return i !== null && i.complete && i.naturalWidth > 0 }",
        timeout=TIMEOUT_MS,
    )
    shots.take("workshop-result")


def _gallery_and_transparency(shots: Shots, idea: str) -> None:
    page = shots.page
    page.get_by_test_id("nav-gallery").click()
    cards = page.get_by_test_id("gallery-card")
    expect(cards.first).to_be_visible(timeout=TIMEOUT_MS)
    shots.take("gallery")
    cards.filter(has_text=idea).first.get_by_test_id("open-run").click()
    expect(page.get_by_test_id("run-detail")).to_be_visible(timeout=TIMEOUT_MS)
    shots.take("transparency")
    protection = page.get_by_test_id("detail-protection")
    if protection.count():
        protection.scroll_into_view_if_needed()
        shots.take("transparency-protection-list")


def _wizard(shots: Shots, base_url: str) -> None:
    page = shots.page
    page.goto(f"{base_url}/welcome")
    wizard = page.get_by_test_id("welcome-view")
    expect(wizard).to_have_attribute("data-step", "language", timeout=TIMEOUT_MS)
    _dismiss_notices(page)
    shots.take("wizard")
    for step in ("safety", "where", "comfyui"):
        page.get_by_test_id("welcome-next").click()
        expect(wizard).to_have_attribute("data-step", step)
    shots.take("wizard-comfyui")
    # A change not saved yet: the wizard asks before the step is left.
    page.get_by_test_id("comfyui-mode-external").click()
    page.get_by_test_id("comfyui-url").fill("http://192.168.1.20:8188")
    page.get_by_test_id("welcome-next").click()
    expect(page.get_by_test_id("welcome-unapplied")).to_be_visible()
    page.get_by_test_id("welcome-unapplied").scroll_into_view_if_needed()
    shots.take("wizard-leave-unapplied")


def take_screenshots(out: Path, locale: str, width: int, height: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    language = "de" if locale.lower().startswith("de") else "en"
    with (
        tempfile.TemporaryDirectory(prefix="ai4artsed-shots-") as temporary,
        TestServerProcess() as llm,
        workshop_app(Path(temporary), llm) as app,
        chromium() as browser,
    ):
        store = RunStore(AppPaths.in_folder(Path(temporary) / "app").runs_dir)
        try:
            write_run(store, RunSpec(STOPPED[language], day(1), medium=None, status=RunStatus.BLOCKED))
        finally:
            store.close()
        context = new_context(browser, viewport={"width": width, "height": height}, locale=locale)
        try:
            page = context.new_page()
            page.goto(app.launch_url)
            # The app's own language follows the settings: switch it to the one asked for.
            page.get_by_test_id(f"lang-{language}").first.click()
            shots = Shots(page, out)
            _workshop(shots, language)
            _gallery_and_transparency(shots, IDEAS[language])
            _wizard(shots, app.base_url)
            return shots.written
        finally:
            context.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="folder for the PNG files (created if missing)")
    parser.add_argument(
        "--locale", default="de-DE", help="browser locale; de-* or en-* picks the app's language"
    )
    parser.add_argument("--size", default="1366x768", type=_size, help="window size, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = args.size
    for path in take_screenshots(args.out, args.locale, width, height):
        print(path)


if __name__ == "__main__":
    main()
