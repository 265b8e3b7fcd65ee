"""The diagnostics download in real Chromium: a plain link with the session cookie saves the zip.

DiagnosticsButton.vue is not placed on a page yet (the settings page will hold it), so the test
clicks a link made exactly like the component's. Once it is placed, click the component itself.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.app_process import AppProcess

pytestmark = pytest.mark.browser


def test_the_diagnostics_link_downloads_the_zip(app: AppProcess, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(accept_downloads=True, locale="en-US")
    try:
        page = context.new_page()
        # The launch URL hands the page its session cookie; the link needs nothing else.
        page.goto(app.launch_url)
        page.evaluate(
            """() => {
                const link = document.createElement('a')
                link.href = '/api/diagnostics'
                link.setAttribute('download', '')
                link.textContent = 'diagnostics'
                link.id = 'diagnostics-test-link'
                document.body.appendChild(link)
            }"""
        )
        with page.expect_download() as info:
            page.click("#diagnostics-test-link")
        download = info.value
        assert download.suggested_filename.startswith("ai4artsed-diagnostics-")
        assert download.suggested_filename.endswith(".zip")
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    finally:
        context.close()
    with zipfile.ZipFile(saved) as archive:
        assert "README.txt" in archive.namelist()
        assert "logs/app.log" in archive.namelist()
