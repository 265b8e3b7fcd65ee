"""The exported transparency page escapes every text and runs no script."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from server.i18n.translator import Translator
from server.runs.export_page import TEMPLATES, TEMPLATES_DIR, CatalogNames, ExportPages
from server.runs.store import RunStore
from tests.support.run_folders import RunSpec, day, write_run

REPO_ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_every_text_is_escaped(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    record = write_run(
        store,
        RunSpec(
            HOSTILE,
            day(0),
            rules=HOSTILE,
            interception=HOSTILE,
            optimized=HOSTILE,
            english=HOSTILE,
            negative=HOSTILE,
            rounds=[("fr", HOSTILE)],
        ),
    )
    store.close()
    names = CatalogNames(attitudes={"dada": {"de": HOSTILE, "en": HOSTILE}}, players={"image": "image"})
    pages = ExportPages(Translator(), names, "de")
    for html in (pages.run_page(record), pages.index_page([record], day(1))):
        assert "<script" not in html.lower()
        assert "onerror=" not in html.replace("onerror=alert(2)&gt;", "")
        assert not re.search(r"<img[^>]*onerror", html)
        assert "&lt;script&gt;" in html
        assert "Content-Security-Policy" in html
    run_page = pages.run_page(record)
    assert run_page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 7
    assert 'src="g1.png"' in run_page
    assert "Runden der Stillen Post" in run_page


def test_a_template_value_is_escaped_by_default() -> None:
    """Autoescaping is on for the export's template environment itself, so a value in any template,
    also one added later, is escaped without anybody asking for it."""
    assert TEMPLATES.from_string("<p>{{ value }}</p>").render(value=HOSTILE) == (
        "<p>&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</p>"
    )
    templates = TEMPLATES.list_templates()
    assert "export_run.html.j2" in templates and "export_index.html.j2" in templates
    for name in templates:
        source = Path(TEMPLATES_DIR / name).read_text(encoding="utf-8")
        # Nothing in the export's templates switches escaping off for a value.
        assert "|safe" not in source.replace(" ", "") and "autoescape false" not in source, name


def test_template_syntax_in_a_students_text_stays_text(tmp_path: Path) -> None:
    """A student's text is a value, never template source: ``{{``/``{%`` in it are not evaluated."""
    idea = "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {{ config }} <script>alert(1)</script>"
    store = RunStore(tmp_path)
    record = write_run(store, RunSpec(idea, day(0), rules=idea, rounds=[("fr", idea)]))
    store.close()
    pages = ExportPages(Translator(), CatalogNames(players={"image": "image"}), "en")
    escaped = (
        "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {{ config }} &lt;script&gt;alert(1)&lt;/script&gt;"
    )
    run_page = pages.run_page(record)
    assert run_page.count(escaped) == 3  # idea, rules, round
    assert "49" not in run_page and "looploop" not in run_page
    assert "<script" not in run_page.lower()
    index_page = pages.index_page([record], day(1))
    assert escaped in index_page and "<script" not in index_page.lower()


def test_the_templates_are_package_data() -> None:
    """An installed wheel finds the templates next to the code only if setuptools packs them."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    templates = sorted(TEMPLATES_DIR.glob("*"))
    assert templates
    package_dir = TEMPLATES_DIR.parent
    for path in templates:
        relative = path.relative_to(package_dir).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative
