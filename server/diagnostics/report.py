"""Writes the diagnostics zip: what support needs to understand a problem, and nothing secret.

Never in it: the secrets file, an API key (only whether one is set), the teacher PIN or its hash.
Every text part goes through the secrets store's redaction as a last line of defence (no key should be
in a log in the first place) and through a path redactor that hides the user's home folder.
A part that cannot be produced becomes a short note in the zip; the file as a whole always comes.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import logging
import platform
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from server.catalog.registry import Catalog
from server.cloud.api_keys import ApiKeys
from server.comfyui.client import ClientTimeouts, ComfyUIClient
from server.comfyui.redaction import PathRedactor
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.status import ComfyUIState
from server.errors import AppError
from server.i18n.translator import LANGUAGES, Translator
from server.model_files.service import ModelService
from server.network.http_clients import HttpClients
from server.notices import Notices
from server.settings.paths import AppPaths
from server.settings.secrets import SecretsStore
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

# The end of each log file is what matters; a whole week of ComfyUI output is not.
LOG_TAIL_BYTES = 4 * 1024 * 1024
_LOG_NAME = re.compile(r"^[\w.-]+\.log(\.\d+)?$")
# Packages whose versions explain most "works here, not there" reports.
KEY_PACKAGES = (
    "flask",
    "waitress",
    "pywebview",
    "PySide6",
    "pydantic",
    "httpx",
    "websockets",
    "platformdirs",
    "psutil",
    "llama_cpp_python",
)
_STATS_TIMEOUTS = ClientTimeouts(connect_s=3.0, request_s=10.0)


@dataclass(frozen=True)
class DiagnosticsSources:
    """The services the report reads; it changes none of them."""

    version: str
    paths: AppPaths
    settings: SettingsStore
    secrets: SecretsStore
    api_keys: ApiKeys
    comfyui: ComfyUIRuntime
    network: HttpClients
    catalog: Catalog
    models: ModelService
    notices: Notices
    translator: Translator
    # What protects students: the safety stage's checker and the image check (the gate says).
    safety_protection: Callable[[], dict[str, object]] | None = None


class DiagnosticsReport:
    def __init__(self, sources: DiagnosticsSources, home: Path | None = None) -> None:
        self._sources = sources
        self._hide_home = PathRedactor({}, home=home or Path.home())

    @staticmethod
    def file_name(now: datetime | None = None) -> str:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        return f"ai4artsed-diagnostics-{stamp}.zip"

    def write(self, target: IO[bytes]) -> None:
        """Writes the whole zip to ``target``."""
        parts: list[tuple[str, Callable[[], str]]] = [
            ("README.txt", self._readme),
            ("versions.json", self._versions),
            ("settings.json", self._settings),
            ("policy.json", self._policy),
            ("api_keys.json", self._api_keys),
            ("comfyui/status.json", self._comfyui_status),
            ("comfyui/system_stats.json", self._system_stats),
            ("comfyui/pool.json", self._comfyui_pool),
            ("catalog_problems.json", self._catalog_problems),
            ("models.json", self._models),
            ("notices.json", self._notices),
            ("safety.json", self._safety),
        ]
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, produce in parts:
                archive.writestr(name, self._clean(self._safely(name, produce)))
            for log_file in self._log_files():
                text = self._safely(log_file.name, functools.partial(_tail, log_file))
                archive.writestr(f"logs/{log_file.name}", self._clean(text))
        log.info("diagnostics file written")

    # ------------------------------------------------------------------ the parts

    def _readme(self) -> str:
        texts = [self._sources.translator.translate("diagnostics_readme", language) for language in LANGUAGES]
        return "\n\n----------------------------------------\n\n".join(texts) + "\n"

    def _versions(self) -> str:
        packages: dict[str, str | None] = {}
        for name in KEY_PACKAGES:
            try:
                packages[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                packages[name] = None
        return _json(
            {
                "app": self._sources.version,
                "python": sys.version,
                "frozen": bool(getattr(sys, "frozen", False)),
                "os": platform.platform(),
                "machine": platform.machine(),
                "comfyui": self._sources.comfyui.status().version,
                "packages": packages,
                "portable": self._sources.paths.portable,
                "data_dir": str(self._sources.paths.data_dir),
                "models_dir": str(self._sources.paths.models_dir),
                "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )

    def _settings(self) -> str:
        # public() leaves the PIN's hash out and says only whether a PIN is set.
        return _json(self._sources.settings.public())

    def _policy(self) -> str:
        return _json(self._sources.settings.policy.describe())

    def _api_keys(self) -> str:
        return _json(
            [{"name": status.name, "is_set": status.is_set} for status in self._sources.api_keys.statuses()]
        )

    def _comfyui_status(self) -> str:
        return _json(self._sources.comfyui.status().model_dump(mode="json"))

    def _comfyui_pool(self) -> str:
        # Machine states, queues, devices and model files; a machine's HTTP header is never in here.
        pool = self._sources.comfyui.pool
        return _json(
            {"slots": pool.slots(), "machines": [m.model_dump(mode="json") for m in pool.statuses()]}
        )

    def _system_stats(self) -> str:
        status = self._sources.comfyui.status()
        if status.state is not ComfyUIState.READY or status.url is None:
            return _json(
                {"note": f"ComfyUI is not running (mode {status.mode.value}, state {status.state.value})"}
            )
        client = ComfyUIClient(status.url, timeouts=_STATS_TIMEOUTS, http=self._sources.network)
        try:
            return _json(client.system_stats())
        except AppError as error:
            return _json({"note": f"ComfyUI did not answer /system_stats ({error.code})"})
        finally:
            client.close()

    def _catalog_problems(self) -> str:
        return _json([problem.model_dump(mode="json") for problem in self._sources.catalog.problems])

    def _models(self) -> str:
        return _json(self._sources.models.overview().model_dump(mode="json"))

    def _safety(self) -> str:
        if self._sources.safety_protection is None:
            return _json({"note": "no safety gate in this report"})
        return _json(self._sources.safety_protection())

    def _notices(self) -> str:
        translator = self._sources.translator
        return _json(
            [
                {
                    "code": notice.code,
                    "level": notice.level.value,
                    "params": notice.params,
                    "message": {
                        language: translator.translate(notice.code, language, notice.params)
                        for language in LANGUAGES
                    },
                }
                for notice in self._sources.notices.all()
            ]
        )

    def _log_files(self) -> list[Path]:
        folder = self._sources.paths.logs_dir
        try:
            return sorted(path for path in folder.iterdir() if path.is_file() and _LOG_NAME.match(path.name))
        except OSError as error:
            log.warning("diagnostics: cannot list the logs folder %s: %s", folder, error)
            return []

    # ------------------------------------------------------------------ helpers

    def _safely(self, name: str, produce: Callable[[], str]) -> str:
        try:
            return produce()
        except Exception as error:  # one broken part must not cost the teacher the whole file
            log.exception("diagnostics: part %s could not be written", name)
            return f"This part could not be written: {type(error).__name__}: {error}\n"

    def _clean(self, text: str) -> str:
        return self._hide_home(self._sources.secrets.redact(text))


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def _tail(path: Path) -> str:
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - LOG_TAIL_BYTES))
        data = handle.read()
    text = data.decode("utf-8", errors="replace")
    if size > LOG_TAIL_BYTES:
        # Cut to a whole line and say that the beginning is missing.
        text = f"[... the first {size - LOG_TAIL_BYTES} bytes are left out ...]\n" + text.partition("\n")[2]
    return text
