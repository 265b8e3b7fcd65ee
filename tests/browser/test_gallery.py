"""The gallery and the transparency view in real Chromium against the real app: paging, filters, a
Telephone run's rounds, delete with confirmation, the zip export (opened and checked), and a re-run
through the workshop's generation API with the ComfyUI test server."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from server.runs.store import RunStore
from server.settings.paths import AppPaths
from tests.browser.page_watch import PageWatch
from tests.browser.workshop_app import workshop_app
from tests.llm_testserver.process import TestServerProcess
from tests.support.app_process import AppProcess, start_app
from tests.support.run_folders import RunSpec, day, write_run

pytestmark = pytest.mark.browser

EVIL_IDEA = "<script>alert('x')</script> Ein <b>Fest</b>"
PAGE_SIZE = 24


def _write_runs(folder: Path) -> dict[str, str]:
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    runs: dict[str, str] = {}
    # 27 dada image runs on 2024-03-01..03, then special ones on later days.
    for index in range(27):
        runs[f"dada{index}"] = write_run(
            store, RunSpec(f"Bild Nummer {index}", day(index // 10, 8 + index % 10))
        ).id
    runs["bauhaus"] = write_run(store, RunSpec("Ein Stuhl", day(5), attitude="bauhaus")).id
    runs["audio"] = write_run(store, RunSpec("Ein Lied", day(6), medium="audio")).id
    runs["telephone"] = write_run(
        store,
        RunSpec(
            "Stille Post im Park",
            day(7),
            attitude="telephone",
            interception="Ein Park, in dem man flüstert",
            rounds=[
                ("fr", "Un parc où l'on chuchote"),
                ("ja", "ささやく公園"),
                ("de", "Ein flüsternder Park"),
            ],
        ),
    ).id
    runs["evil"] = write_run(store, RunSpec(EVIL_IDEA, day(8), interception="<i>kursiv</i>")).id
    store.close()
    return runs


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppProcess, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("gallery") / "app"
    runs = _write_runs(folder)
    with start_app(folder) as app:
        yield app, runs


def _open_gallery(page: Page, app: AppProcess) -> None:
    page.goto(app.launch_url)
    page.get_by_test_id("nav-gallery").click()
    expect(page.get_by_test_id("gallery")).to_be_visible()


def _card_ids(page: Page) -> list[str]:
    cards = page.get_by_test_id("gallery-card")
    return [cards.nth(i).get_attribute("data-run-id") or "" for i in range(cards.count())]


_SHOWN_CARD_IDS = """() => [...document.querySelectorAll('[data-testid="gallery-card"]')]
    .map(card => card.getAttribute('data-run-id'))"""


def _expect_cards(page: Page, expected: list[str], *, ordered: bool = True) -> None:
    """Waits until the gallery shows exactly these runs: after a filter or page change the previous
    cards stay on screen until the new answer arrives, and may even be as many as the new ones."""
    condition = (
        "([expected, ordered]) => { const shown = (" + _SHOWN_CARD_IDS + ")();"
        " const a = ordered ? shown : [...shown].sort(); const b = ordered ? expected : [...expected].sort();"
        " return a.length === b.length && a.every((id, i) => id === b[i]); }"
    )
    try:
        page.wait_for_function(condition, arg=[expected, ordered], timeout=15_000)
    except PlaywrightTimeoutError as exc:
        raise AssertionError(f"the gallery shows {_card_ids(page)}, expected {expected}") from exc


def test_pages_and_filters(gallery: tuple[AppProcess, dict[str, str]], small_page: PageWatch) -> None:
    app, runs = gallery
    page = small_page.page
    _open_gallery(page, app)
    expect(page.get_by_test_id("gallery-count")).to_contain_text("31")
    expect(page.get_by_test_id("gallery-card")).to_have_count(PAGE_SIZE)
    # Newest first; thumbnails: a picture for images, an icon for sound.
    first_page = _card_ids(page)
    assert first_page[:4] == [runs["evil"], runs["telephone"], runs["audio"], runs["bauhaus"]]
    evil = page.locator(f'[data-run-id="{runs["evil"]}"]')
    expect(evil.get_by_test_id("thumb")).to_have_attribute("data-kind", "image")
    expect(evil.get_by_test_id("card-idea")).to_have_text(EVIL_IDEA)  # shown as text, not markup
    audio = page.locator(f'[data-run-id="{runs["audio"]}"]')
    expect(audio.get_by_test_id("thumb")).to_have_attribute("data-kind", "audio")
    # The first pictures are real 2x2 images once loaded (a picture still loading has no width yet).
    page.wait_for_function(
        "() => [...document.querySelectorAll('img[data-kind=image]')].slice(0, 2)"
        ".every(i => i.complete && i.naturalWidth === 2)",
        timeout=15_000,
    )

    expect(page.get_by_test_id("page-info")).to_have_text("Seite 1 von 2")
    expect(page.get_by_test_id("page-prev")).to_be_disabled()
    page.get_by_test_id("page-next").click()
    expect(page.get_by_test_id("page-info")).to_have_text("Seite 2 von 2")
    expect(page.get_by_test_id("gallery-card")).to_have_count(31 - PAGE_SIZE)
    second_page = _card_ids(page)
    assert not set(first_page) & set(second_page)
    assert second_page[-1] == runs["dada0"]

    # The page survives a visit to a run.
    page.get_by_test_id("open-run").first.click()
    expect(page.get_by_test_id("run-detail")).to_be_visible()
    page.go_back()
    expect(page.get_by_test_id("page-info")).to_have_text("Seite 2 von 2")

    # Filters: attitude, medium, dates (a filter starts again on page 1).
    page.get_by_test_id("filter-attitude").select_option("bauhaus")
    _expect_cards(page, [runs["bauhaus"]])
    expect(page.get_by_test_id("page-info")).to_have_count(0)
    page.get_by_test_id("filter-attitude").select_option("")
    page.get_by_test_id("filter-medium").select_option("audio")
    # Still one card from the bauhaus filter until the answer arrives: wait for the audio run.
    _expect_cards(page, [runs["audio"]])
    page.get_by_test_id("filter-reset").click()
    expect(page.get_by_test_id("gallery-count")).to_contain_text("31")
    page.get_by_test_id("filter-from").fill("2024-03-02")
    page.get_by_test_id("filter-to").fill("2024-03-02")
    page.get_by_test_id("filter-to").dispatch_event("change")
    _expect_cards(page, [runs[f"dada{i}"] for i in range(10, 20)], ordered=False)
    page.get_by_test_id("filter-attitude").select_option("telephone")
    expect(page.get_by_test_id("gallery-empty")).to_be_visible()
    small_page.assert_clean()


def test_a_filter_shows_its_own_cards_when_the_answer_comes_late(
    gallery: tuple[AppProcess, dict[str, str]], small_page: PageWatch
) -> None:
    """Under load the list's answers come late while the previous filter's one card is still on
    screen: as many cards as the new filter has, but not its run. Read at once, a test sees the old
    card; the gallery must end on the new filter's run."""
    app, runs = gallery
    page = small_page.page
    _open_gallery(page, app)
    expect(page.get_by_test_id("gallery-card")).to_have_count(PAGE_SIZE)
    page.get_by_test_id("filter-attitude").select_option("bauhaus")
    _expect_cards(page, [runs["bauhaus"]])

    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/api/runs?*", hold)
    page.get_by_test_id("filter-attitude").select_option("")
    page.get_by_test_id("filter-medium").select_option("audio")
    page.wait_for_function("() => true")  # lets Playwright hand over the held requests
    expect(page.get_by_test_id("filter-medium")).to_have_value("audio")
    # The hazard itself: the audio filter is chosen, the bauhaus card is what shows.
    assert _card_ids(page) == [runs["bauhaus"]]
    assert held, "the gallery asked for no new list"
    # The newest answer first, the older ones after it: the older filters' lists must not win.
    held[-1].continue_()
    _expect_cards(page, [runs["audio"]])
    for route in held[:-1]:
        route.continue_()
    page.unroute("**/api/runs?*")
    page.wait_for_load_state("networkidle")
    _expect_cards(page, [runs["audio"]])
    expect(page.locator(f'[data-run-id="{runs["audio"]}"]').get_by_test_id("thumb")).to_have_attribute(
        "data-kind", "audio"
    )
    small_page.assert_clean()


def test_transparency_view_of_a_telephone_run(
    gallery: tuple[AppProcess, dict[str, str]], small_page: PageWatch
) -> None:
    app, runs = gallery
    page = small_page.page
    page.goto(app.launch_url)
    page.goto(f"{app.base_url}/gallery/{runs['telephone']}")
    detail = page.get_by_test_id("run-detail")
    expect(detail).to_be_visible()
    expect(page.get_by_test_id("nav-gallery")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("detail-idea")).to_have_text("Stille Post im Park")
    expect(page.get_by_test_id("detail-rules")).to_have_text("Mach es absurd.")
    rounds = page.get_by_test_id("detail-round")
    expect(rounds).to_have_count(3)
    expect(rounds.nth(0)).to_contain_text("Un parc où l'on chuchote")
    expect(rounds.nth(1)).to_have_attribute("data-language", "ja")
    expect(rounds.nth(1)).to_contain_text("Japanisch")  # the language's name, not its code
    expect(rounds.nth(2)).to_contain_text("Ein flüsternder Park")
    expect(page.get_by_test_id("detail-interception")).to_have_text("Ein Park, in dem man flüstert")
    expect(page.get_by_test_id("detail-optimized")).to_have_text("festival, dancing rain")
    expect(page.get_by_test_id("detail-english")).to_have_text("a festival with dancing rain")
    expect(page.get_by_test_id("detail-negative")).to_have_text("blurry")
    expect(page.get_by_test_id("detail-seed")).to_have_text("1234")
    expect(page.get_by_test_id("detail-duration")).to_have_text("3.0 s")
    expect(page.get_by_test_id("detail-verdict")).to_have_count(2)
    expect(page.get_by_test_id("detail-verdict").first).to_contain_text("Kinder (8–12 Jahre)")
    expect(page.get_by_test_id("media-image")).to_be_visible()
    expect(page.get_by_test_id("rerun-same-seed")).to_be_visible()

    # Student text is text, never markup.
    page.goto(f"{app.base_url}/gallery/{runs['evil']}")
    expect(page.get_by_test_id("detail-idea")).to_have_text(EVIL_IDEA)
    expect(page.get_by_test_id("detail-interception")).to_have_text("<i>kursiv</i>")
    assert page.locator("article b, article i").count() == 0
    small_page.assert_clean()


def test_delete_asks_first(gallery: tuple[AppProcess, dict[str, str]], small_page: PageWatch) -> None:
    app, runs = gallery
    page = small_page.page
    page.goto(app.launch_url)
    page.goto(f"{app.base_url}/gallery/{runs['bauhaus']}")
    page.get_by_test_id("delete-run").click()
    dialog = page.get_by_test_id("delete-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("cancel-delete").click()
    expect(dialog).to_be_hidden()
    with app.client() as client:
        assert client.get(f"/api/runs/{runs['bauhaus']}").status_code == 200

    page.get_by_test_id("delete-run").click()
    with page.expect_response(lambda r: r.request.method == "DELETE") as answer:
        page.get_by_test_id("confirm-delete").click()
    assert answer.value.status == 200
    expect(page.get_by_test_id("gallery")).to_be_visible()
    expect(page.locator(f'[data-run-id="{runs["bauhaus"]}"]')).to_have_count(0)
    with app.client() as client:
        assert client.get(f"/api/runs/{runs['bauhaus']}").status_code == 404
    small_page.assert_clean()


def test_export_of_selected_runs(
    gallery: tuple[AppProcess, dict[str, str]], small_page: PageWatch, tmp_path: Path
) -> None:
    app, runs = gallery
    page = small_page.page
    _open_gallery(page, app)
    for key in ("evil", "telephone"):
        page.locator(f'[data-run-id="{runs[key]}"]').get_by_test_id("select-run").check()
    expect(page.get_by_test_id("selected-count")).to_have_text("2 ausgewählt")
    # One step: the download starts by itself once the export is ready; the link stays for a copy.
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_test_id("export-selected").click()
    download_link = page.get_by_test_id("export-download")
    expect(download_link).to_be_visible()
    expect(page.get_by_test_id("export-state")).to_contain_text("2")
    target = tmp_path / "export.zip"
    download_info.value.save_as(target)

    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert "index.html" in names
        for key in ("evil", "telephone"):
            assert {f"runs/{runs[key]}/{name}" for name in ("run.json", "index.html", "g1.png")} <= names
        assert json.loads(archive.read(f"runs/{runs['evil']}/run.json"))["idea"] == EVIL_IDEA
        evil_page = archive.read(f"runs/{runs['evil']}/index.html").decode("utf-8")
        telephone_page = archive.read(f"runs/{runs['telephone']}/index.html").decode("utf-8")
        overview = archive.read("index.html").decode("utf-8")
    assert "<script>" not in evil_page and "<b>Fest</b>" not in evil_page and "<i>kursiv</i>" not in evil_page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Ein &lt;b&gt;Fest&lt;/b&gt;" in evil_page
    assert "<script>" not in overview
    for text in ("Un parc où l&#39;on chuchote", "ささやく公園", "Ein flüsternder Park"):
        assert text in telephone_page

    # The exported page opens on its own and shows the idea as text.
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(target) as archive:
        archive.extractall(unzipped)
    viewer = page.context.new_page()
    viewer.goto((unzipped / "runs" / runs["evil"] / "index.html").as_uri())
    expect(viewer.locator(".box").first).to_have_text(EVIL_IDEA)
    assert viewer.locator("img").first.evaluate("img => img.complete && img.naturalWidth") == 2
    viewer.close()
    small_page.assert_clean()


def test_generate_again_with_a_new_seed(
    tmp_path: Path, llm_server: TestServerProcess, small_page: PageWatch
) -> None:
    folder = tmp_path / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    run = write_run(store, RunSpec("Ein Boot", day(0), seed=77))
    store.close()
    page = small_page.page
    with workshop_app(tmp_path, llm_server) as app:
        page.goto(app.launch_url)
        page.goto(f"{app.base_url}/gallery/{run.id}")
        expect(page.get_by_test_id("detail-generation")).to_have_count(1)
        expect(page.get_by_test_id("result-seed")).to_have_text("77")
        with page.expect_response("**/api/generation") as answer:
            page.get_by_test_id("rerun-same-seed").click()
        body = json.loads(answer.value.request.post_data or "{}")
        assert body == {
            "run_id": run.id,
            "text": "festival, dancing rain",
            "output_id": "selftest_image",
            "seed": 77,
        }
        expect(page.get_by_test_id("rerun-state")).to_have_attribute("data-status", "done", timeout=60_000)
        generations = page.get_by_test_id("detail-generation")
        expect(generations).to_have_count(2)
        expect(generations.nth(1).get_by_test_id("detail-seed")).to_have_text("77")
        expect(generations.nth(1).get_by_test_id("media-image")).to_be_visible()
        small_page.assert_clean()


def test_a_video_run_shows_its_first_frame_as_the_poster(tmp_path: Path, small_page: PageWatch) -> None:
    folder = tmp_path / "app"
    paths = AppPaths.in_folder(folder)
    paths.create()
    store = RunStore(paths.runs_dir)
    video = write_run(store, RunSpec("Ein Film", day(1), medium="video", output_id="selftest_video")).id
    store.close()
    page = small_page.page
    with start_app(folder) as app:
        _open_gallery(page, app)
        thumb = page.locator(f'[data-run-id="{video}"]').get_by_test_id("thumb")
        expect(thumb).to_have_attribute("data-kind", "video")
        # The browser decoded the file far enough to know the frame size: the poster is a real frame.
        page.wait_for_function(
            "() => document.querySelector('video[data-kind=video]')?.videoWidth === 64", timeout=10_000
        )
        small_page.assert_clean()
