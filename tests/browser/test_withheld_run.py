"""A run whose only image the image check withheld, in real Chromium against the real app: the gallery
shows a withheld card (never the media), the transparency view lists every check, the image check
and the guard model's verdict included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from server.runs.models import GenerationRecord, MediaCheckRecord, RunRecord, RunStatus, SafetyVerdictRecord
from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.browser.page_watch import PageWatch
from tests.support.app_process import AppProcess, start_app
from tests.support.run_folders import RunSpec, day, write_run

pytestmark = pytest.mark.browser


@pytest.fixture
def withheld_gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppProcess, str]]:
    folder = tmp_path_factory.mktemp("withheld") / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    run_id = write_run(store, RunSpec("Ein Fest im Regen", day(0), medium=None)).id

    def withhold(run: RunRecord) -> None:
        run.safety.append(
            SafetyVerdictRecord(
                stage="interception_output",
                level="kids",
                decision="allowed",
                llm_checked=True,
                checker="llama_guard_3",
            )
        )
        run.generations.append(
            GenerationRecord(
                id="g1-abcd",
                output_id="selftest_image",
                text="a festival",
                backend="comfyui",
                status=RunStatus.BLOCKED,
                media_checks=[
                    MediaCheckRecord(
                        name="g1-abcd_1.png",
                        media_type="image",
                        decision="withheld",
                        findings={"FEMALE_BREAST_EXPOSED": 0.91},
                        frames=1,
                        duration_ms=120,
                    )
                ],
            )
        )
        run.status = RunStatus.BLOCKED

    store.update(run_id, withhold)
    store.close()
    with start_app(folder) as app:
        yield app, run_id


def test_a_withheld_result_is_a_withheld_card_and_its_checks_are_shown(
    withheld_gallery: tuple[AppProcess, str], small_page: PageWatch
) -> None:
    app, run_id = withheld_gallery
    page = small_page.page
    page.goto(app.launch_url)
    page.get_by_test_id("nav-gallery").click()

    card = page.locator(f'[data-testid="gallery-card"][data-run-id="{run_id}"]')
    expect(card).to_have_attribute("data-withheld", "true")
    expect(card.get_by_test_id("thumb")).to_have_attribute("data-kind", "withheld")
    expect(card.get_by_test_id("card-withheld")).to_have_text(
        "1 Ergebnis(se) von der Bildprüfung zurückgehalten"
    )
    expect(card.locator("img")).to_have_count(0)

    card.get_by_test_id("open-run").click()
    check = page.get_by_test_id("detail-media-check")
    expect(check).to_have_attribute("data-decision", "withheld")
    expect(check).to_contain_text("Bildprüfung")
    expect(check).to_contain_text("FEMALE_BREAST_EXPOSED 0.91")
    verdicts = page.get_by_test_id("detail-verdict")
    expect(verdicts.nth(1)).to_contain_text("Prüfung des Interception-Texts")
    expect(verdicts.nth(1)).to_contain_text("llama_guard_3")
    assert small_page.errors == []
    assert small_page.csp_violations() == []
