"""The join address as a QR code (SVG), for the teacher's projected screen."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> str:
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    # A standalone <svg> with its namespace: usable inline and as an <img> data URL alike.
    code.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, scale=8, border=2)
    return out.getvalue().decode("utf-8")
