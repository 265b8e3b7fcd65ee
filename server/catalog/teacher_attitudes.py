"""Teachers' own attitudes: one JSON file each in the user's ``attitudes/`` folder, and a read-only
school folder a lab policy may name. They are validated by the same model as ``configs/interception``
and join the live catalog; a broken file is a catalog problem, never a reason not to start.

Ids: a teacher attitude's id is its file stem. A new one gets an id made from its name that no other
attitude has; a file whose stem a shipped attitude already uses is reported and left out.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.atomic_write import write_bytes_atomic
from server.catalog.live_interceptions import AttitudeOrigin, LiveInterceptions
from server.catalog.models import InterceptionConfig, LanguagesFile
from server.catalog.problems import (
    CatalogProblem,
    ProblemCode,
    problem_from_json_error,
    problems_from_validation,
)
from server.errors import AppError, ErrorKind

log = logging.getLogger(__name__)

EXPORT_FORMAT: Literal["ai4artsed-attitudes"] = "ai4artsed-attitudes"
MAX_IMPORT = 200
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class AttitudeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)
    attitude: InterceptionConfig


class AttitudeBundle(BaseModel):
    """An exported ``.json`` file: one attitude or a set, exactly as they are saved."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["ai4artsed-attitudes"] = EXPORT_FORMAT
    version: Literal[1] = 1
    attitudes: list[AttitudeEntry] = Field(min_length=1, max_length=MAX_IMPORT)


# Checks a rules text against the term lists of the current level; returns the terms that block it.
RulesCheck = Callable[[str], list[str]]


class TeacherAttitudes:
    def __init__(
        self,
        live: LiveInterceptions,
        own_dir: Path,
        school_dir: Path | None,
        llm_chunks: Mapping[str, object],
        languages: LanguagesFile,
        rules_check: RulesCheck,
    ) -> None:
        self._live = live
        self._own_dir = own_dir
        self._school_dir = school_dir
        self._llm_chunks = llm_chunks
        self._languages = languages
        self._rules_check = rules_check
        # One change at a time: an id is chosen and its file written before the next change looks.
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ start

    def load(self) -> list[CatalogProblem]:
        """Adds the school's and the teacher's attitudes to the catalog; returns the broken files."""
        problems: list[CatalogProblem] = []
        found: dict[str, tuple[InterceptionConfig, AttitudeOrigin]] = {}
        folders = [
            (self._school_dir, AttitudeOrigin.SCHOOL, "school"),
            (self._own_dir, AttitudeOrigin.TEACHER, "attitudes"),
        ]
        for folder, origin, label in folders:
            if folder is None or not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.json")):
                name = f"{label}/{path.name}"
                config = self._read(path, name, problems)
                if config is None:
                    continue
                if path.stem in self._live or path.stem in found or not _ID_PATTERN.match(path.stem):
                    problems.append(
                        CatalogProblem(
                            file=name,
                            field=None,
                            code=ProblemCode.DUPLICATE_ATTITUDE,
                            params={"id": path.stem},
                        )
                    )
                    continue
                found[path.stem] = (config, origin)

        def add(configs: dict[str, InterceptionConfig], origins: dict[str, AttitudeOrigin]) -> None:
            for key, (config, origin) in found.items():
                configs[key] = config
                origins[key] = origin

        self._live.change(add)
        for problem in problems:
            log.warning(
                "attitude problem: %s field=%s %s %s",
                problem.file,
                problem.field,
                problem.code.value,
                problem.params,
            )
        return problems

    def _read(self, path: Path, name: str, problems: list[CatalogProblem]) -> InterceptionConfig | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(problem_from_json_error(name, exc))
            return None
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                CatalogProblem(
                    file=name, field=None, code=ProblemCode.UNREADABLE, params={"detail": str(exc)}
                )
            )
            return None
        try:
            config = InterceptionConfig.model_validate(raw)
        except ValidationError as exc:
            problems.extend(problems_from_validation(name, exc, frozenset()))
            return None
        reference_problems = self._reference_problems(name, config)
        problems.extend(reference_problems)
        return None if reference_problems else config

    def _reference_problems(self, name: str, config: InterceptionConfig) -> list[CatalogProblem]:
        problems = []
        if config.task_chunk not in self._llm_chunks:
            problems.append(
                CatalogProblem(
                    file=name,
                    field="task_chunk",
                    code=ProblemCode.UNKNOWN_CHUNK,
                    params={"chunk": config.task_chunk},
                )
            )
        if config.recursion is not None:
            for index, code in enumerate(config.recursion.languages):
                if code not in self._languages.languages:
                    problems.append(
                        CatalogProblem(
                            file=name,
                            field=f"recursion.languages.{index}",
                            code=ProblemCode.UNKNOWN_LANGUAGE,
                            params={"language": code},
                        )
                    )
        return problems

    # ------------------------------------------------------------------ reading

    def get(self, attitude_id: str) -> tuple[InterceptionConfig, AttitudeOrigin]:
        configs, origins = self._live.snapshot()
        config = configs.get(attitude_id)
        if config is None:
            raise AppError("attitude_not_found", ErrorKind.NOT_FOUND, config_id=attitude_id)
        return config, origins[attitude_id]

    def ids(self) -> list[str]:
        """Every attitude: shipped, school and the teacher's own, in the order of the catalog file names."""
        configs, _ = self._live.snapshot()
        return sorted(configs)

    def export(self, ids: list[str]) -> AttitudeBundle:
        return AttitudeBundle(attitudes=[AttitudeEntry(id=key, attitude=self.get(key)[0]) for key in ids])

    # ------------------------------------------------------------------ changing

    def create(self, config: InterceptionConfig, wanted_id: str | None = None) -> str:
        self._check(config)
        with self._lock:
            attitude_id = self._free_id(wanted_id or _slug(config.name.en or config.name.de))
            self._save(attitude_id, config)
        return attitude_id

    def update(self, attitude_id: str, config: InterceptionConfig) -> None:
        self._check(config)
        with self._lock:
            self._require_own(attitude_id)
            self._save(attitude_id, config)

    def delete(self, attitude_id: str) -> None:
        with self._lock:
            self._require_own(attitude_id)
            (self._own_dir / f"{attitude_id}.json").unlink(missing_ok=True)

            def remove(configs: dict[str, InterceptionConfig], origins: dict[str, AttitudeOrigin]) -> None:
                configs.pop(attitude_id, None)
                origins.pop(attitude_id, None)

            self._live.change(remove)

    def preview_import(self, bundle: AttitudeBundle) -> AttitudeBundle:
        """What an import would add: every attitude checked, each under an id no attitude has yet."""
        for entry in bundle.attitudes:
            self._check(entry.attitude)
        taken: set[str] = set()
        renamed = []
        for entry in bundle.attitudes:
            new_id = self._free_id(entry.id, taken)
            taken.add(new_id)
            renamed.append(AttitudeEntry(id=new_id, attitude=entry.attitude))
        return AttitudeBundle(attitudes=renamed)

    def import_bundle(self, bundle: AttitudeBundle) -> AttitudeBundle:
        for entry in bundle.attitudes:
            self._check(entry.attitude)
        added = []
        with self._lock:
            for entry in bundle.attitudes:
                new_id = self._free_id(entry.id)
                self._save(new_id, entry.attitude)
                added.append(AttitudeEntry(id=new_id, attitude=entry.attitude))
        return AttitudeBundle(attitudes=added)

    # ------------------------------------------------------------------ helpers

    def _check(self, config: InterceptionConfig) -> None:
        problems = self._reference_problems("attitude", config)
        if problems:
            first = problems[0]
            raise AppError(
                "attitude_invalid", ErrorKind.INVALID_INPUT, field=first.field or "", detail=first.code.value
            )
        blocked = sorted(
            {term for text in (config.context.de, config.context.en) for term in self._rules_check(text)}
        )
        if blocked:
            raise AppError("attitude_rules_blocked", ErrorKind.INVALID_INPUT, terms=", ".join(blocked))

    def _require_own(self, attitude_id: str) -> None:
        origin = self._live.origin(attitude_id)
        if origin is None:
            raise AppError("attitude_not_found", ErrorKind.NOT_FOUND, config_id=attitude_id)
        if origin is not AttitudeOrigin.TEACHER:
            raise AppError(
                "attitude_read_only", ErrorKind.FORBIDDEN, config_id=attitude_id, origin=origin.value
            )

    def _free_id(self, wanted: str, also_taken: set[str] | frozenset[str] = frozenset()) -> str:
        base = _slug(wanted)
        candidate = base
        number = 2
        while candidate in self._live or candidate in also_taken:
            suffix = f"_{number}"
            candidate = base[: 64 - len(suffix)] + suffix
            number += 1
        return candidate

    def _save(self, attitude_id: str, config: InterceptionConfig) -> None:
        data = json.dumps(config.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
        write_bytes_atomic(self._own_dir / f"{attitude_id}.json", data.encode("utf-8"))

        def put(configs: dict[str, InterceptionConfig], origins: dict[str, AttitudeOrigin]) -> None:
            configs[attitude_id] = config
            origins[attitude_id] = AttitudeOrigin.TEACHER

        self._live.change(put)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")[:48]
    return slug or "attitude"
