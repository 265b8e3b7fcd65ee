"""Writes finished runs into a runs folder through the real RunStore and record models, as the app
would have left them (for gallery tests and the gallery benchmark)."""

from __future__ import annotations

import hashlib
import secrets
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from server.classroom.owner import RunOwner
from server.runs.models import (
    GenerationRecord,
    InterceptionRecord,
    MediaFileRecord,
    OptimizationRecord,
    RunRecord,
    RunStatus,
    SafetyVerdictRecord,
    TelephoneRoundRecord,
    TranslationRecord,
)
from server.runs.store import RunStore
from tests.comfyui_testserver.media.mp4_writer import encode_mp4

MEDIA = {
    "image": ("image/png", ".png"),
    "audio": ("audio/wav", ".wav"),
    "video": ("video/mp4", ".mp4"),
}


def tiny_png(red: int = 200, green: int = 80, blue: int = 40) -> bytes:
    """A real 2x2 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes([red, green, blue]) * 2
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * 2))
        + chunk(b"IEND", b"")
    )


def tiny_wav() -> bytes:
    """A real WAV file: 100 samples of silence, 8 kHz mono 16 bit."""
    samples = b"\x00\x00" * 100
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(samples), b"WAVE", b"fmt ", 16, 1, 1,
                         8000, 16000, 2, 16, b"data", len(samples))  # fmt: skip
    return header + samples


def tiny_mp4() -> bytes:
    """A real H.264 MP4: three 64x48 frames of one colour at 8 frames per second."""
    return encode_mp4(64, 48, [(40, 120, 200)] * 3, 8.0)


@dataclass
class RunSpec:
    idea: str
    created_at: datetime
    attitude: str | None = "dada"
    medium: str | None = "image"
    output_id: str = "selftest_image"
    rules: str = "Mach es absurd."
    interception: str = "Ein Fest, bei dem der Regen tanzt."
    optimized: str = "festival, dancing rain"
    english: str = "a festival with dancing rain"
    negative: str = "blurry"
    seed: int = 1234
    rounds: list[tuple[str, str]] = field(default_factory=list)
    status: RunStatus = RunStatus.COMPLETE
    self_test: bool = False
    # A student's run (classroom mode).
    owner: RunOwner | None = None


def write_run(store: RunStore, spec: RunSpec, run_id: str | None = None) -> RunRecord:
    """A finished run with its media file; ``run_id`` defaults to one made from ``created_at``."""
    run_id = run_id or f"{spec.created_at.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    record = RunRecord(
        id=run_id,
        created_at=spec.created_at,
        updated_at=spec.created_at,
        language="de",
        safety_level="kids",
        idea=spec.idea,
        status=spec.status,
        self_test=spec.self_test,
        owner=spec.owner,
    )
    if spec.attitude is not None:
        record.interception = InterceptionRecord(
            config_id=spec.attitude,
            kind="recursive" if spec.rounds else "transform",
            input=spec.idea,
            rules=spec.rules,
            output=spec.interception,
            rounds=[TelephoneRoundRecord(language=lang, text=text) for lang, text in spec.rounds],
            finished=True,
        )
        record.optimizations = [
            OptimizationRecord(
                output_id=spec.output_id,
                input=spec.interception,
                instruction="Short phrases.",
                applied=True,
                output=spec.optimized,
                finished=True,
            )
        ]
    record.safety = [
        SafetyVerdictRecord(stage="input", level="kids", decision="allowed", at=spec.created_at),
    ]
    created = store.create(record)
    if spec.medium is None:
        return created
    mime, extension = MEDIA[spec.medium]
    data = {"image": tiny_png, "audio": tiny_wav, "video": tiny_mp4}[spec.medium]()
    name = f"g1{extension}"
    store.media_path(run_id, name).write_bytes(data)
    generation = GenerationRecord(
        id="g1-abcd",
        output_id=spec.output_id,
        text=spec.optimized,
        translation=TranslationRecord(source_text=spec.optimized, english=spec.english, applied=True),
        negative_prompt=spec.negative,
        seed=spec.seed,
        backend="comfyui",
        status=RunStatus.COMPLETE,
        media=[
            MediaFileRecord(
                name=name,
                media_type=spec.medium,
                mime_type=mime,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        ],
        started_at=spec.created_at,
        finished_at=spec.created_at + timedelta(seconds=3),
    )

    def finish(run: RunRecord) -> None:
        run.generations.append(generation)
        run.safety.append(
            SafetyVerdictRecord(stage="pre_output", level="kids", decision="allowed", at=spec.created_at)
        )

    store.update(run_id, finish)
    return store.load(run_id)


def day(offset_days: int, hour: int = 10) -> datetime:
    """A moment ``offset_days`` after 2024-03-01 (UTC)."""
    return datetime(2024, 3, 1, hour, tzinfo=UTC) + timedelta(days=offset_days)
