"""The few facts of a run that a gallery lists and filters by, taken from its full record."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from server.classroom.owner import RunOwner
from server.runs.models import MediaFileRecord, RunRecord, RunStatus

# The gallery shows the beginning of the idea; the transparency view shows all of it.
IDEA_PREVIEW_CHARS = 280
TEXT_RESULT_PREVIEW_CHARS = 600
# The gallery's medium of runs whose result is the interception text (no file).
TEXT_MEDIUM = "text"


class RunSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    created_at: datetime
    status: RunStatus
    language: str
    safety_level: str
    idea: str
    attitude: str | None
    # The attitude's name when the run began, so a deleted teacher attitude keeps its name here.
    attitude_name: dict[str, str] | None = None
    # Every output the run generated with, oldest first.
    outputs: tuple[str, ...]
    # Media types of the files the run holds ("image", "audio", ...), sorted.
    media_types: tuple[str, ...]
    # The newest result stands for the run.
    cover: MediaFileRecord | None
    generations: int
    media_count: int
    media_bytes: int
    # The record (run.json) cannot be read: only what the folder shows is known (see damaged_summary).
    damaged: bool = False
    # A damaged run's files, as found in its folder (a readable run lists its media in ``cover``).
    files: tuple[str, ...] = ()
    # Media the image check withheld (deleted; the record says why): the gallery shows a withheld card.
    withheld: int = 0
    # A text result (word games, slang): the interception text is what the run made ("text" medium).
    text_result: str | None = None
    # A self-test picture of the settings: the gallery lists it only when asked.
    self_test: bool = False
    # A student's run (classroom mode): the gallery names the student.
    owner: RunOwner | None = None
    hidden_from_class: bool = False


def summarize(record: RunRecord) -> RunSummary:
    media = [item for generation in record.generations for item in generation.media]
    outputs: list[str] = []
    for generation in record.generations:
        if generation.output_id not in outputs:
            outputs.append(generation.output_id)
    text_result = _text_result(record)
    media_types = {item.media_type for item in media}
    if text_result is not None:
        media_types.add(TEXT_MEDIUM)
    return RunSummary(
        id=record.id,
        created_at=record.created_at,
        status=record.status,
        language=record.language,
        safety_level=record.safety_level,
        idea=record.idea[:IDEA_PREVIEW_CHARS],
        attitude=record.interception.config_id if record.interception else None,
        attitude_name=record.interception.name if record.interception else None,
        outputs=tuple(outputs),
        media_types=tuple(sorted(media_types)),
        cover=_cover(record),
        generations=len(record.generations),
        media_count=len(media),
        media_bytes=sum(item.size for item in media),
        withheld=sum(
            1
            for generation in record.generations
            for check in generation.media_checks
            if check.decision == "withheld"
        ),
        text_result=text_result,
        self_test=record.self_test,
        owner=record.owner,
        hidden_from_class=record.hidden_from_class,
    )


def _text_result(record: RunRecord) -> str | None:
    """Only a finished, allowed text: a blocked one (its check failed) is never shown as a result."""
    interception = record.interception
    if interception is None or interception.result != "text" or not interception.finished:
        return None
    return interception.output[:TEXT_RESULT_PREVIEW_CHARS]


def _cover(record: RunRecord) -> MediaFileRecord | None:
    for generation in reversed(record.generations):
        if generation.media:
            return generation.media[0]
    return None


# The record's own name and the temp files of writes are not the run's media.
_MEDIA_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,120}$")
_RECORD_FILE = "run.json"


def damaged_summary(run_id: str, folder: Path) -> RunSummary:
    """What the gallery can show of a run whose record cannot be read: its id, its date (from the id,
    else the folder's time) and the files in its folder."""
    files: list[tuple[str, int]] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name != _RECORD_FILE and _MEDIA_FILE.match(entry.name) and entry.is_file():
                    files.append((entry.name, entry.stat().st_size))
    except OSError:
        pass
    files.sort()
    return RunSummary(
        id=run_id,
        created_at=_created_at(run_id, folder),
        status=RunStatus.INCOMPLETE,
        language="",
        safety_level="",
        idea="",
        attitude=None,
        outputs=(),
        media_types=(),
        cover=None,
        generations=0,
        media_count=len(files),
        media_bytes=sum(size for _, size in files),
        damaged=True,
        files=tuple(name for name, _ in files),
    )


def _created_at(run_id: str, folder: Path) -> datetime:
    try:
        return datetime.strptime(run_id[:15], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return datetime.fromtimestamp(folder.stat().st_mtime, UTC)
    except OSError:
        return datetime.now(UTC)
