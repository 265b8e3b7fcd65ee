"""The start view in real Chromium against the real app: categories, attitude details, language, problems.

The app runs with a temporary catalog (a few attitudes across categories plus one broken file), so the
test does not depend on the shipped attitude texts. Needs the built UI: ``cd web && npm ci && npm run build``.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import page_watch
from tests.browser.page_watch import PageWatch
from tests.support.app_process import REPO_ROOT, AppProcess, start_app
from tests.support.browser import PagePool
from tests.support.settings_files import mark_set_up

pytestmark = pytest.mark.browser


# Reports every Content-Security-Policy violation of the page into window.__cspViolations.
def _attitude(
    category: str,
    order: int,
    name: tuple[str, str],
    description: tuple[str, str],
    context: tuple[str, str],
    **extra: object,
) -> dict[str, object]:
    return {
        "name": {"de": name[0], "en": name[1]},
        "description": {"de": description[0], "en": description[1]},
        "category": category,
        "context": {"de": context[0], "en": context[1]},
        "icon": "🎨",
        "color": "#3346b8",
        "order": order,
        "audience": {"min_age": 8},
        **extra,
    }


ATTITUDES: dict[str, dict[str, object]] = {
    "dada": _attitude(
        "arts",
        1,
        ("Dada", "Dada"),
        ("Zufall und Unsinn gegen die Ordnung", "Chance and nonsense against order"),
        (
            "Zerschneide die Idee in einzelne Wörter und setze sie nach dem Zufall neu zusammen.",
            "Cut the idea into single words and put them back together by chance.",
        ),
        icon="🎩",
        color="#e4572e",
        audience={"min_age": 10},
    ),
    "sweetener": _attitude(
        "aesthetics",
        1,
        ("Versüßer", "Sweetener"),
        ("Alles wird niedlich", "Everything turns cute"),
        ("Mache alles so süß und niedlich wie möglich.", "Make everything as sweet and cute as possible."),
        icon="🍭",
        color="#ff6fa8",
    ),
    "opposite_world": _attitude(
        "semantics",
        1,
        ("Gegenwelt", "Opposite world"),
        ("Alles wird umgedreht", "Everything is turned around"),
        ("Ersetze jede Eigenschaft durch ihr Gegenteil.", "Replace every quality with its opposite."),
        icon="🙃",
    ),
    "telephone": _attitude(
        "semantics",
        2,
        ("Stille Post", "Telephone"),
        ("Durch viele Sprachen und zurück", "Through many languages and back"),
        ("Übersetze den Text genau.", "Translate the text exactly."),
        kind="recursive",
        recursion={"rounds": 3, "languages": ["fr", "ja", "sw"]},
        icon="📞",
    ),
    "your_call": _attitude(
        "freestyle",
        1,
        ("Deine Entscheidung", "Your call"),
        ("Du schreibst die Regeln", "You write the rules"),
        ("", ""),
        icon="✍️",
    ),
}

# "colour" instead of "color": reported as an unknown field (and "color" as missing), and skipped.
BROKEN_FILE = "broken_typo.json"


def _broken_attitude() -> dict[str, object]:
    broken = dict(ATTITUDES["sweetener"])
    broken["colour"] = broken.pop("color")
    return broken


def write_catalog(root: Path) -> Path:
    interception_dir = root / "configs" / "interception"
    interception_dir.mkdir(parents=True)
    (root / "chunks").mkdir()
    (root / "configs" / "media_types.json").write_text(
        json.dumps(
            {
                "media_types": {
                    "image": {
                        "name": {"de": "Bild", "en": "Image"},
                        "mime_types": ["image/png"],
                        "extensions": [".png"],
                        "player": "image",
                        "order": 1,
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    (root / "configs" / "models.json").write_text(json.dumps({"models": []}), encoding="utf-8")
    shutil.copy(REPO_ROOT / "configs" / "languages.json", root / "configs" / "languages.json")
    (root / "chunks" / "interception.json").write_text(
        json.dumps(
            {
                "kind": "llm",
                "description": "Interception task for the browser test",
                "task": {
                    "de": "Verwandle den Text nach den Regeln.",
                    "en": "Transform the text by the rules.",
                },
            }
        ),
        encoding="utf-8",
    )
    for stem, config in ATTITUDES.items():
        (interception_dir / f"{stem}.json").write_text(
            json.dumps(config, ensure_ascii=False), encoding="utf-8"
        )
    (interception_dir / BROKEN_FILE).write_text(
        json.dumps(_broken_attitude(), ensure_ascii=False), encoding="utf-8"
    )
    return root


@pytest.fixture(scope="module")
def catalog_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """One app for the module: its tests only look (the page pool lends each a page without the
    other's session cookie)."""
    if not (REPO_ROOT / "web" / "dist" / "index.html").is_file():
        pytest.fail("the web UI is not built: run `cd web && npm ci && npm run build` first")
    folder = tmp_path_factory.mktemp("start-view")
    catalog = write_catalog(folder / "catalog")
    mark_set_up(folder / "app")
    with start_app(folder / "app", catalog_root=catalog) as running:
        yield running


@pytest.fixture
def watched_page(page_pool: PagePool) -> Iterator[PageWatch]:
    with page_watch.watched_page(page_pool, 1280, 860, "de-DE") as watch:
        yield watch


def test_start_view_shows_attitudes_details_languages_and_problems(
    catalog_app: AppProcess, watched_page: PageWatch
) -> None:
    page = watched_page.page
    page.goto(catalog_app.launch_url)
    # The server swaps the launch token for a cookie and takes it out of the address bar.
    expect(page.get_by_test_id("start-view")).to_be_visible()
    expect(page).not_to_have_url(re.compile("token="))
    expect(page.locator("html")).to_have_attribute("lang", "de")

    # Categories in German, only those that have attitudes.
    expect(page.get_by_test_id("category-arts").get_by_role("heading", level=2)).to_have_text("Kunst")
    expect(page.get_by_test_id("category-semantics").get_by_role("heading", level=2)).to_have_text(
        "Bedeutung"
    )
    expect(page.get_by_test_id("category-freestyle")).to_be_visible()
    expect(page.get_by_test_id("category-heritage")).to_have_count(0)
    expect(page.get_by_test_id("attitude-card-sweetener")).to_contain_text("Versüßer")

    # Open an attitude: its rules, kind and minimum age in German.
    detail = page.get_by_test_id("attitude-detail")
    expect(detail.get_by_test_id("attitude-detail-placeholder")).to_be_visible()
    page.get_by_test_id("attitude-card-dada").click()
    expect(page.get_by_test_id("attitude-card-dada")).to_have_attribute("aria-pressed", "true")
    expect(detail.get_by_test_id("attitude-detail-name")).to_have_text("Dada")
    expect(detail.get_by_test_id("attitude-rules")).to_have_text(
        "Zerschneide die Idee in einzelne Wörter und setze sie nach dem Zufall neu zusammen."
    )
    expect(detail.get_by_test_id("attitude-min-age")).to_have_text("ab 10 Jahren")
    expect(detail.get_by_test_id("attitude-kind")).to_have_text("Verwandeln")

    # The keyboard reaches the other cards: arrow keys move, Enter opens.
    page.get_by_test_id("attitude-card-dada").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("attitude-card-sweetener")).to_be_focused()
    page.keyboard.press("End")
    expect(page.get_by_test_id("attitude-card-your_call")).to_be_focused()
    page.keyboard.press("Enter")
    expect(detail.get_by_test_id("attitude-detail-name")).to_have_text("Deine Entscheidung")
    expect(detail.get_by_test_id("attitude-rules")).to_have_count(0)
    expect(detail.get_by_test_id("attitude-no-rules")).to_contain_text("schreibst du die Regeln selbst")

    # The broken file is listed for the teacher with file, field and a German message.
    problems = page.get_by_test_id("catalog-problem")
    unknown_field = problems.filter(
        has=page.get_by_test_id("catalog-problem-field").get_by_text("colour", exact=True)
    )
    expect(unknown_field).to_have_count(1)
    expect(unknown_field.get_by_test_id("catalog-problem-file")).to_have_text(
        f"configs/interception/{BROKEN_FILE}"
    )
    expect(unknown_field.get_by_test_id("catalog-problem-message")).to_contain_text("kein bekanntes Feld")
    expect(page.get_by_test_id("attitude-card-broken_typo")).to_have_count(0)
    expect(page.locator('[data-testid="notice"][data-code="catalog_has_problems"]')).to_be_visible()

    # Switch to English: names, rules, categories and the server's messages follow.
    page.get_by_test_id("attitude-card-telephone").click()
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("lang-en")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("category-semantics").get_by_role("heading", level=2)).to_have_text("Meaning")
    expect(page.get_by_test_id("attitude-card-sweetener")).to_contain_text("Sweetener")
    expect(detail.get_by_test_id("attitude-detail-name")).to_have_text("Telephone")
    expect(detail.get_by_test_id("attitude-rules")).to_have_text("Translate the text exactly.")
    expect(detail.get_by_test_id("attitude-kind")).to_contain_text("Telephone")
    expect(unknown_field.get_by_test_id("catalog-problem-message")).to_contain_text("not a known field")
    expect(page.locator('[data-testid="notice"][data-code="catalog_has_problems"]')).to_contain_text(
        "configuration file"
    )

    # The choice is saved in the settings: after a reload the page is still English.
    with catalog_app.client() as client:
        assert client.get("/api/settings").json()["language"] == "en"
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("category-arts").get_by_role("heading", level=2)).to_have_text("Arts")
    expect(detail.get_by_test_id("attitude-detail-name")).to_have_text("Telephone")
    expect(detail.get_by_test_id("attitude-rules")).to_have_text("Translate the text exactly.")
    expect(page.get_by_test_id("version")).to_contain_text("version")

    assert watched_page.errors == []
    assert watched_page.csp_violations() == []


def test_page_without_token_explains_how_to_open_the_app(
    catalog_app: AppProcess, watched_page: PageWatch
) -> None:
    page = watched_page.page
    page.goto(catalog_app.base_url + "/")
    hint = page.get_by_test_id("unauthorized")
    expect(hint).to_be_visible()
    expect(hint.locator('[lang="de"]')).to_contain_text("App-Fenster")
    expect(hint.locator('[lang="en"]')).to_contain_text("app window")
    expect(page.get_by_test_id("start-view")).to_have_count(0)
    assert watched_page.csp_violations() == []
