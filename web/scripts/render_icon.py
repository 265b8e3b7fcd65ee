"""Renders web/public/favicon.svg into desktop/assets/icon.png (256x256, transparent background).

Run from the repository root after changing the logo:
    .venv/bin/python web/scripts/render_icon.py
Uses Playwright with the system Chromium (set AI4ARTSED_CHROMIUM to use another one).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
SVG = REPO_ROOT / "web" / "public" / "favicon.svg"
PNG = REPO_ROOT / "desktop" / "assets" / "icon.png"
SIZE = 256
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium() -> str:
    found = os.environ.get("AI4ARTSED_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        sys.exit("Chromium is missing: install the Debian package 'chromium'")
    return found


def main() -> None:
    svg = SVG.read_text(encoding="utf-8")
    page_html = (
        "<!doctype html><html><head><style>"
        f"html,body{{margin:0;background:transparent}} svg{{display:block;width:{SIZE}px;height:{SIZE}px}}"
        f"</style></head><body>{svg}</body></html>"
    )
    PNG.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": SIZE, "height": SIZE}, device_scale_factor=1)
            page.set_content(page_html)
            page.locator("svg").screenshot(path=str(PNG), omit_background=True)
        finally:
            browser.close()
    print(f"wrote {PNG.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
