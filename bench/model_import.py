"""How long it takes to make a 2 GB model file available, three ways, through the running app.

- hardlink: the file is on the same file system as the app's data (import = link + sha256 check)
- copy: the file is on another file system (/dev/shm here, like a USB stick; copy + sha256 in one pass)
- reference: the file is in an existing ComfyUI models folder that the app is told to use in place
  (no copy, no hash: the time until the models API reports the file present)
plus the sha256 throughput of the hashing code on its own (file in RAM, so the CPU is measured).

The file is generated (a 16 MB random block repeated), written once to /dev/shm and once to the temp
folder, and everything is removed at the end. Needs about 2 GB of RAM (tmpfs) and 4 GB on disk.

Run: .venv/bin/python bench/model_import.py [--size-gb 2]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.model_files.file_work import NoFileWork
from server.model_files.hashing import sha256_file
from tests.model_files.catalog import TinyModels, manifest_entry, write_model_catalog
from tests.support.app_process import start_app
from tests.support.job_events import final_state, read_events

FILE_NAME = "bench-model.safetensors"
BLOCK = 16 * 1024 * 1024


def generate(path: Path, size: int) -> str:
    """A valid safetensors file of ``size`` bytes; returns its sha256."""
    import json
    import struct

    def header(data_length: int) -> bytes:
        raw = json.dumps({"w": {"dtype": "U8", "shape": [data_length], "data_offsets": [0, data_length]}})
        encoded = raw.encode() + b" " * (-len(raw) % 8)
        return struct.pack("<Q", len(encoded)) + encoded

    data_length = size - len(header(size))
    head = header(data_length)
    block = os.urandom(BLOCK)
    digest = hashlib.sha256(head)
    with path.open("wb") as out:
        out.write(head)
        left = data_length
        while left > 0:
            piece = block[: min(BLOCK, left)]
            out.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def timed_import(client: httpx.Client, folder: Path) -> tuple[float, str]:
    start = time.perf_counter()
    response = client.post("/api/models/import", json={"folder": str(folder)})
    response.raise_for_status()
    events = read_events(client, response.json()["job_id"])
    elapsed = time.perf_counter() - start
    if final_state(events) != "succeeded":
        raise SystemExit(f"import failed: {events[-3:]}")
    result = [e.data for e in events if e.type == "state"][-1]["result"]
    assert isinstance(result, dict)
    methods = {str(item["method"]) for item in result["outcomes"] if item["model_id"] == "bench"}
    return elapsed, ",".join(sorted(methods))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-gb", type=float, default=2.0, help="decimal gigabytes (default 2)")
    args = parser.parse_args()
    size = int(args.size_gb * 1e9)
    shm_root = Path("/dev/shm")
    if not shm_root.is_dir():
        raise SystemExit("needs /dev/shm (a second file system in RAM) for the copy path")
    work = Path(tempfile.mkdtemp(prefix="ai4artsed-bench-import-"))
    shm = Path(tempfile.mkdtemp(prefix="ai4artsed-bench-import-", dir=shm_root))
    try:
        if work.stat().st_dev == shm.stat().st_dev:
            raise SystemExit("the temp folder and /dev/shm are one file system: no copy path to measure")
        print(f"file: {size / 1e9:.2f} GB, generated; data on {work}, 'USB stick' on {shm}")
        stick = shm / "stick"
        stick.mkdir()
        digest = generate(stick / FILE_NAME, size)

        start = time.perf_counter()
        assert sha256_file(stick / FILE_NAME, NoFileWork()) == digest
        hashing = time.perf_counter() - start

        local = work / "local"
        local.mkdir()
        shutil.copyfile(stick / FILE_NAME, local / FILE_NAME)
        reference = work / "home" / "ComfyUI" / "models" / "checkpoints"
        reference.mkdir(parents=True)
        os.link(local / FILE_NAME, reference / FILE_NAME)

        tiny = TinyModels()
        tiny.write_all(work / "tiny")
        entry = manifest_entry(tiny.checkpoint, id="bench", filename=FILE_NAME, size=size, sha256=digest)
        catalog = write_model_catalog(work / "catalog", tiny, [entry])
        env = {"HOME": str(work / "nohome")}
        (work / "nohome").mkdir()

        # For comparison: the same copy without the app (copy, then flush it to the disk).
        start = time.perf_counter()
        shutil.copyfile(stick / FILE_NAME, work / "plain-copy")
        with (work / "plain-copy").open("rb+") as written:
            os.fsync(written.fileno())
        plain_copy = time.perf_counter() - start
        (work / "plain-copy").unlink()

        figures: list[tuple[str, float, str]] = []
        with start_app(work / "app-copy", catalog_root=catalog, env=env) as app, app.client() as client:
            elapsed, method = timed_import(client, stick)
            figures.append(("copy from another file system", elapsed, method))
        shutil.rmtree(work / "app-copy")
        with start_app(work / "app-link", catalog_root=catalog, env=env) as app, app.client() as client:
            elapsed, method = timed_import(client, local)
            figures.append(("hardlink on the same file system", elapsed, method))
        with start_app(work / "app-ref", catalog_root=catalog, env=env) as app, app.client() as client:
            start = time.perf_counter()
            client.post("/api/models/folders", json={"path": str(reference.parent.parent)}).raise_for_status()
            state = next(f for f in client.get("/api/models").json()["files"] if f["id"] == "bench")["state"]
            elapsed = time.perf_counter() - start
            assert state == "present", state
            figures.append(("reference (existing ComfyUI folder)", elapsed, "none"))

        print()
        print(f"{'way':<38} {'seconds':>8} {'GB/s':>7}  method")
        for label, seconds, method in figures:
            print(f"{label:<38} {seconds:8.3f} {size / 1e9 / seconds:7.2f}  {method}")
        print(f"{'sha256 alone (file in RAM)':<38} {hashing:8.3f} {size / 1e9 / hashing:7.2f}  -")
        print(
            f"{'plain copy + fsync, without the app':<38} {plain_copy:8.3f} {size / 1e9 / plain_copy:7.2f}  -"
        )
        print("\n(import times include the request, the job, the header check and the sha256 verification)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)


if __name__ == "__main__":
    main()
