"""The exported transparency page escapes every text and runs no script."""

from __future__ import annotations

import re
from pathlib import Path

from server.i18n.translator import Translator
from server.runs.export_page import CatalogNames, ExportPages
from server.runs.store import RunStore
from tests.support.run_folders import RunSpec, day, write_run

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
