"""The few facts of a run that a gallery lists and filters by, taken from its full record."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from server.runs.models import MediaFileRecord, RunRecord, RunStatus

# The gallery shows the beginning of the idea; the transparency view shows all of it.
IDEA_PREVIEW_CHARS = 280


class RunSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    created_at: datetime
    status: RunStatus
    language: str
    safety_level: str
    idea: str
    attitude: str | None
    # Every output the run generated with, oldest first.
    outputs: tuple[str, ...]
    # Media types of the files the run holds ("image", "audio", ...), sorted.
    media_types: tuple[str, ...]
    # The newest result stands for the run.
    cover: MediaFileRecord | None
    generations: int
    media_count: int
    media_bytes: int


def summarize(record: RunRecord) -> RunSummary:
    media = [item for generation in record.generations for item in generation.media]
    outputs: list[str] = []
    for generation in record.generations:
        if generation.output_id not in outputs:
            outputs.append(generation.output_id)
    return RunSummary(
        id=record.id,
        created_at=record.created_at,
        status=record.status,
        language=record.language,
        safety_level=record.safety_level,
        idea=record.idea[:IDEA_PREVIEW_CHARS],
        attitude=record.interception.config_id if record.interception else None,
        outputs=tuple(outputs),
        media_types=tuple(sorted({item.media_type for item in media})),
        cover=_cover(record),
        generations=len(record.generations),
        media_count=len(media),
        media_bytes=sum(item.size for item in media),
    )


def _cover(record: RunRecord) -> MediaFileRecord | None:
    for generation in reversed(record.generations):
        if generation.media:
            return generation.media[0]
    return None
