"""What an install needs, made locally so the tests talk only to 127.0.0.1.

- a wheel folder, repacked from the distributions installed in the tests' own Python (no download);
- a "ComfyUI release archive" made from the repository's ComfyUI test server: its ``main.py`` takes
  ComfyUI's command line and starts the test server, its ``requirements.txt`` names aiohttp and PyYAML;
- a package server on 127.0.0.1 (a directory listing is what uv's ``--find-links`` reads) that can
  break a download off half-way once, to test resuming.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import http.server
import io
import re
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTSERVER = REPO_ROOT / "tests" / "comfyui_testserver"
# pip: a lab bundle is made with `pip download` in a venv uv seeds from these wheels.
ROOT_PACKAGES = ("aiohttp", "pyyaml", "pip")
ARCHIVE_TOP = "ComfyUI-0.3.64-testserver"
SHIM = '''"""ComfyUI's main.py for tests: starts the test server with ComfyUI's arguments."""
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
runpy.run_module("comfyui_testserver.main", run_name="__main__", alter_sys=True)
'''


def _closure(roots: tuple[str, ...]) -> list[metadata.Distribution]:
    seen: dict[str, metadata.Distribution] = {}
    todo = list(roots)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


def _hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def repack(dist: metadata.Distribution, folder: Path) -> Path:
    """Turns an installed distribution back into a wheel (its files as RECORD lists them)."""
    files = [path for path in dist.files or [] if not str(path).startswith("..")]
    info_dir = next(str(path).split("/")[0] for path in files if ".dist-info/" in str(path))
    wheel_meta = dist.read_text("WHEEL") or ""
    tag = next(line.split(":", 1)[1].strip() for line in wheel_meta.splitlines() if line.startswith("Tag:"))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    target = folder / f"{name}-{dist.version}-{tag}.whl"
    record_rows: list[list[str]] = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path in files:
            text = str(path)
            if "__pycache__" in text or text.endswith(
                (".pyc", "/RECORD", "/INSTALLER", "/direct_url.json", "/REQUESTED")
            ):
                continue
            data = Path(str(dist.locate_file(path))).read_bytes()
            wheel.writestr(text, data)
            record_rows.append([text, _hash(data), str(len(data))])
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([*record_rows, [f"{info_dir}/RECORD", "", ""]])
        wheel.writestr(f"{info_dir}/RECORD", buffer.getvalue())
    return target


def make_wheel_folder(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [repack(dist, folder) for dist in _closure(ROOT_PACKAGES)]


def make_testserver_archive(target: Path, *, extra_member: tuple[str, bytes] | None = None) -> str:
    """Writes the tar.gz and returns its sha256."""
    with tarfile.open(target, "w:gz") as tar:

        def add_bytes(name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            tar.addfile(info, io.BytesIO(data))

        add_bytes(f"{ARCHIVE_TOP}/main.py", SHIM.encode())
        add_bytes(f"{ARCHIVE_TOP}/requirements.txt", b"# the test server's needs\ntorch\naiohttp\npyyaml\n")
        for path in sorted(TESTSERVER.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(TESTSERVER).as_posix()
                add_bytes(f"{ARCHIVE_TOP}/comfyui_testserver/{relative}", path.read_bytes())
        if extra_member is not None:
            add_bytes(*extra_member)
    return hashlib.sha256(target.read_bytes()).hexdigest()


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: _PackageServer

    def log_message(self, format: str, *args: object) -> None:
        self.server.requests.append(self.path)

    def send_head(self):  # type: ignore[no-untyped-def]
        self.server.ranges.append(self.headers.get("Range"))
        name = self.path.lstrip("/")
        if name.endswith(".whl") and self.server.slow_wheels_s:
            time.sleep(self.server.slow_wheels_s)  # a slow mirror: uv is still busy when a test cancels
        if name in self.server.break_once:
            self.server.break_once.discard(name)
            data = (Path(self.directory) / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        range_header = self.headers.get("Range")
        if range_header and (match := re.match(r"bytes=(\d+)-$", range_header)):
            path = Path(self.directory) / name
            if path.is_file():
                data = path.read_bytes()
                start = int(match.group(1))
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                return io.BytesIO(data[start:])
        return super().send_head()


class _PackageServer(http.server.ThreadingHTTPServer):
    def __init__(self, folder: Path) -> None:
        self.requests: list[str] = []
        self.ranges: list[str | None] = []
        self.break_once: set[str] = set()
        self.slow_wheels_s = 0.0
        self.folder = folder
        super().__init__(("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(folder)))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def package_server(folder: Path) -> Iterator[_PackageServer]:
    server = _PackageServer(folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
