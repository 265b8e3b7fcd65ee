"""How long the local image check takes per generated image (and per video) on this machine's CPU.

Real detector (NudeNet's 320n.onnx via onnxruntime) on PNGs of the usual output sizes: noisy ones
(the decoding cost of a detailed picture) and the flat ones the ComfyUI test server makes. First call
(model load) and the median of the following ones are printed; nothing is asserted (shared, noisy
machines).

Run: .venv/bin/python bench/image_check.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.pipeline.safety.image_check import ImageCheck
from server.resources import Resources
from server.settings.safety_level import SafetyLevel
from tests.comfyui_testserver.media import png_writer

SIZES = ((512, 512), (1024, 1024), (1344, 768))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    check = ImageCheck.load(Resources.locate().app_configs / "safety" / "image_check.json")
    if not check.model_available:
        raise SystemExit("the detector file is missing: pip install nudenet")
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as folder:
        first = True
        for width, height in SIZES:
            pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
            path = Path(folder) / f"{width}x{height}.png"
            path.write_bytes(cv2.imencode(".png", pixels)[1].tobytes())
            flat = Path(folder) / f"{width}x{height}-flat.png"
            flat.write_bytes(png_writer.encode_png(width, height, (200, 90, 40)))
            if first:
                started = time.monotonic()
                check.check(path, "image", SafetyLevel.KIDS)
                print(f"first image (loads the model): {(time.monotonic() - started) * 1000:.0f} ms")
                first = False
            times = []
            for _ in range(args.runs):
                started = time.monotonic()
                result = check.check(path, "image", SafetyLevel.KIDS)
                times.append((time.monotonic() - started) * 1000)
            flat_times = []
            for _ in range(args.runs):
                started = time.monotonic()
                check.check(flat, "image", SafetyLevel.KIDS)
                flat_times.append((time.monotonic() - started) * 1000)
            print(
                f"image {width}x{height}: median {statistics.median(times):.0f} ms (detailed), "
                f"{statistics.median(flat_times):.0f} ms (flat), {args.runs} runs each; "
                f"withheld: {result.withheld}"
            )


if __name__ == "__main__":
    main()
