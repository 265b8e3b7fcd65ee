"""Downloads model files from the manifest's URLs: resumable, retried, verified, cancellable.

The bytes go into ``<file name>.part`` next to the final file. After a dropped connection the
download continues where it stopped (HTTP ``Range``); a failure that retrying cannot fix keeps the
``.part`` file, so starting the download again continues it. A cancelled download removes it. The
finished file is checked (size, sha256 where the manifest has one) before it gets its real name.

All requests go through the app's guarded HTTP clients (system proxy, offline mode enforced in the
network layer); the downloader also refuses at once in offline mode, before a job starts.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from server.catalog.models import ModelFile
from server.errors import AppError, ErrorKind
from server.jobs.manager import JobCancelledError, JobContext
from server.model_files.file_headers import header_problem
from server.model_files.file_work import JobFileWork, Phase
from server.model_files.hashing import HashCache, sha256_file
from server.model_files.manifest import ModelManifest, size_matches
from server.model_files.model_locks import ModelLocks
from server.model_files.placement import RESERVE_BYTES, free_bytes, write_error
from server.model_files.presence import FileState, ModelPresence
from server.model_files.wording import name_text, size_text
from server.network.http_clients import HttpClients

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class RetryPolicy:
    # Failures in a row without a single new byte; any progress starts the count again.
    attempts: int = 5
    delays_s: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0)
    connect_timeout_s: float = 20.0
    read_timeout_s: float = 60.0

    def delay(self, failures: int) -> float:
        return self.delays_s[min(failures, len(self.delays_s)) - 1] if self.delays_s else 0.0


class _RetryableError(Exception):
    """The server or the connection failed in a way a later attempt may not."""


def part_path(target: Path) -> Path:
    return target.with_name(target.name + PART_SUFFIX)


class ModelDownloader:
    def __init__(
        self,
        network: HttpClients,
        manifest: ModelManifest,
        presence: ModelPresence,
        cache: HashCache,
        managed_dir: Path,
        locks: ModelLocks,
        offline: Callable[[], bool],
        on_change: Callable[[], None] = lambda: None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._network = network
        self._manifest = manifest
        self._presence = presence
        self._cache = cache
        self._managed_dir = managed_dir
        self._locks = locks
        self._offline = offline
        self._on_change = on_change
        self._policy = policy or RetryPolicy()

    def check(self, model_ids: list[str], licence_accepted: bool) -> list[ModelFile]:
        """Refuses at once what can be refused before a job starts."""
        if self._offline():
            raise AppError("model_download_offline", ErrorKind.FORBIDDEN)
        models = self._manifest.resolve(model_ids)
        if not models:
            raise AppError("model_download_nothing_chosen", ErrorKind.INVALID_INPUT)
        if not licence_accepted:
            raise AppError("model_download_licence_not_accepted", ErrorKind.INVALID_INPUT)
        for model in models:
            if model.url is None:
                raise AppError("model_download_no_url", ErrorKind.INVALID_INPUT, name=name_text(model.name))
        return models

    def run(self, model_ids: list[str], licence_accepted: bool, context: JobContext) -> dict[str, object]:
        models = self.check(model_ids, licence_accepted)
        work = JobFileWork(context, files=len(models))
        downloaded: list[str] = []
        skipped: list[str] = []
        failures: list[AppError] = []
        for model in models:
            work.begin_file(model.id, model.filename)
            if self._presence.find(model).state is FileState.PRESENT:
                work.notice("model_download_already_present", name=name_text(model.name))
                skipped.append(model.id)
                continue
            with self._locks.hold(model.id) as free:
                if not free:
                    work.notice("model_busy", "warning", name=name_text(model.name))
                    skipped.append(model.id)
                    continue
                try:
                    verified = self._download(model, work)
                except AppError as error:
                    # The others still get their turn; the message says what happened to this one.
                    work.notice(error.code, "warning", **error.params)
                    failures.append(error)
                    continue
            downloaded.append(model.id)
            work.notice(
                "model_downloaded" if verified else "model_downloaded_unverified", name=name_text(model.name)
            )
            self._on_change()
        if failures and not downloaded and not skipped:
            raise failures[-1]
        return {"downloaded": downloaded, "skipped": skipped, "failed": len(failures)}

    def _download(self, model: ModelFile, work: JobFileWork) -> bool:
        assert model.url is not None
        target = self._managed_dir / model.folder.value / model.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        part = part_path(target)
        try:
            self._fetch(model, model.url, part, work)
        except JobCancelledError:
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        size = part.stat().st_size
        if not size_matches(model, size):
            part.unlink()
            raise AppError(
                "model_download_wrong_size",
                ErrorKind.FAILED,
                name=name_text(model.name),
                actual=size_text(size),
                expected=size_text(model.size),
            )
        problem = header_problem(part, model.filename)
        if problem is not None:
            part.unlink()
            raise AppError(
                "model_download_not_a_model",
                ErrorKind.FAILED,
                name=name_text(model.name),
                problem=problem.value,
            )
        try:
            digest = sha256_file(part, work, Phase.VERIFY)
        except JobCancelledError:
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        if model.sha256 is not None and digest != model.sha256:
            part.unlink()
            raise AppError("model_download_checksum_mismatch", ErrorKind.FAILED, name=name_text(model.name))
        part.replace(target)
        self._cache.store(target, digest)
        log.info("model %s downloaded (%d bytes, sha256 %s)", model.id, size, digest)
        return model.sha256 is not None

    def _fetch(self, model: ModelFile, url: str, part: Path, work: JobFileWork) -> None:
        failures = 0
        while True:
            work.check_cancelled()
            if self._offline():
                raise AppError("model_download_offline", ErrorKind.FORBIDDEN)
            offset = part.stat().st_size if part.exists() else 0
            if model.size_exact and offset == model.size:
                return
            self._check_space(model, offset)
            before = offset
            try:
                if self._attempt(model, url, part, offset, work):
                    return
            except (httpx.TransportError, _RetryableError) as error:
                grown = part.exists() and part.stat().st_size > before
                failures = 1 if grown else failures + 1
                log.info("download of %s interrupted (%s), attempt %d", model.id, error, failures)
                if failures >= self._policy.attempts:
                    raise AppError(
                        "model_download_interrupted", ErrorKind.FAILED, name=name_text(model.name)
                    ) from error
                self._wait(self._policy.delay(failures), work)

    def _attempt(self, model: ModelFile, url: str, part: Path, offset: int, work: JobFileWork) -> bool:
        """One request; True when the whole file is in ``part``."""
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        timeout = httpx.Timeout(self._policy.read_timeout_s, connect=self._policy.connect_timeout_s)
        with (
            self._network.client(url, timeout=timeout, follow_redirects=True) as http,
            http.stream("GET", url, headers=headers) as response,
        ):
            status = response.status_code
            if status == 416 and offset:
                # Nothing after the end: the part holds the whole file (the checks decide).
                return True
            if status in (404, 410):
                raise AppError("model_download_not_found", ErrorKind.FAILED, name=name_text(model.name))
            if status in (401, 403):
                raise AppError(
                    "model_download_refused", ErrorKind.FAILED, name=name_text(model.name), status=status
                )
            if status == 429 or status >= 500:
                raise _RetryableError(f"HTTP {status}")
            if status == 206:
                start, total = _content_range(response.headers.get("content-range"))
                if start != offset:
                    raise _RetryableError(f"the server resumed at {start}, not {offset}")
            elif status == 200:
                # The server ignored the range: start again from the beginning.
                offset = 0
                length = response.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
            else:
                raise AppError(
                    "model_download_failed", ErrorKind.FAILED, name=name_text(model.name), status=status
                )
            if total is not None and model.size_exact and total != model.size:
                raise AppError(
                    "model_download_wrong_size",
                    ErrorKind.FAILED,
                    name=name_text(model.name),
                    actual=size_text(total),
                    expected=size_text(model.size),
                )
            expected_total = total or model.size
            done = offset
            try:
                with part.open("ab" if offset else "wb") as out:
                    # As the bytes arrive (no fixed chunk size): what came before a break is kept.
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        done += len(chunk)
                        work.progress(Phase.DOWNLOAD, done, expected_total)
                        work.check_cancelled()
            except OSError as error:
                raise write_error(error, part) from error
            if total is not None and done < total:
                raise _RetryableError("the connection ended before the file did")
            return True

    def _check_space(self, model: ModelFile, offset: int) -> None:
        needed = max(0, model.size - offset)
        free = free_bytes(self._managed_dir)
        if needed > free - RESERVE_BYTES:
            raise AppError(
                "model_download_not_enough_space",
                ErrorKind.FAILED,
                name=name_text(model.name),
                needed=size_text(needed),
                free=size_text(max(0, free - RESERVE_BYTES)),
            )

    @staticmethod
    def _wait(seconds: float, work: JobFileWork) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            work.check_cancelled()
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _content_range(header: str | None) -> tuple[int, int | None]:
    match = _CONTENT_RANGE.match(header or "")
    if match is None:
        raise _RetryableError(f"unusable Content-Range {header!r}")
    total = match.group(3)
    return int(match.group(1)), None if total == "*" else int(total)
