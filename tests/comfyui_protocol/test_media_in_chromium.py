"""The files the test server writes play in Debian's Chromium (the engine family the app's window uses)."""

from typing import Any

import pytest
from playwright.sync_api import Browser

from .comfy_client import output_files, run_prompt
from .comfy_launcher import ComfyProcess

PLAY_VIDEO = """async (src) => { const v = document.createElement('video'); v.muted = true; v.src = src;
  const r = await new Promise(res => { v.onloadeddata = () => res('ok'); v.onerror = () => res('error');
    setTimeout(() => res('timeout'), 10000); });
  if (r !== 'ok') return r;
  await v.play().catch(() => null); await new Promise(res => setTimeout(res, 300));
  const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d'); g.drawImage(v, 0, 0);
  return [v.videoWidth, v.videoHeight, Array.from(g.getImageData(1, 1, 1, 1).data).slice(0, 3)]; }"""
PLAY_AUDIO = """async (src) => { const a = document.createElement('audio'); a.src = src;
  return await new Promise(res => { a.onloadedmetadata = () => res(a.duration);
    a.onerror = () => res('error');
    setTimeout(() => res('timeout'), 10000); }); }"""
SHOW_IMAGE = """async (src) => { const i = new Image(); i.src = src;
  try { await i.decode(); return [i.naturalWidth, i.naturalHeight]; } catch (e) { return 'error'; } }"""


@pytest.mark.browser
def test_outputs_play_in_chromium(running_testserver: ComfyProcess, browser: Browser) -> None:
    graph: dict[str, Any] = {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 80, "height": 48, "batch_size": 6, "color": 0x20C040},
        },
        "2": {"class_type": "CreateVideo", "inputs": {"images": ["1", 0], "fps": 6.0}},
        "3": {
            "class_type": "SaveVideo",
            "inputs": {"video": ["2", 0], "filename_prefix": "p/v", "format": "mp4", "codec": "auto"},
        },
        "4": {
            "class_type": "SaveAnimatedWEBP",
            "inputs": {
                "images": ["1", 0],
                "filename_prefix": "p/w",
                "fps": 6.0,
                "lossless": False,
                "quality": 80,
                "method": "default",
            },
        },
        "5": {"class_type": "EmptyAudio", "inputs": {"duration": 2.0, "sample_rate": 44100, "channels": 2}},
        "6": {"class_type": "SaveAudio", "inputs": {"audio": ["5", 0], "filename_prefix": "p/a"}},
        "7": {
            "class_type": "SaveAudioMP3",
            "inputs": {"audio": ["5", 0], "filename_prefix": "p/a", "quality": "V0"},
        },
        "8": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "p/i"}},
    }
    run = run_prompt(running_testserver.base_url, graph)
    urls = {}
    for item in output_files(run.history):
        urls[item["filename"].rsplit(".", 1)[1]] = (
            f"/view?filename={item['filename']}&subfolder={item['subfolder']}&type={item['type']}"
        )
    # The session's browser (tests/conftest.py): a second Playwright instance cannot start next to it.
    page = browser.new_page()
    try:
        page.goto(running_testserver.base_url + "/")
        width, height, rgb = page.evaluate(PLAY_VIDEO, urls["mp4"])
        assert (width, height) == (80, 48)
        assert all(abs(a - b) <= 6 for a, b in zip(rgb, (0x20, 0xC0, 0x40), strict=True)), rgb
        assert page.evaluate(SHOW_IMAGE, urls["webp"]) == [80, 48]
        assert page.evaluate(SHOW_IMAGE, urls["png"]) == [80, 48]
        assert abs(page.evaluate(PLAY_AUDIO, urls["flac"]) - 2.0) < 0.05
        assert abs(page.evaluate(PLAY_AUDIO, urls["mp3"]) - 2.0) < 0.1
    finally:
        page.close()
