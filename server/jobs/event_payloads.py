"""The data of every job event, and the results jobs return: one pydantic model each.

A job writes its events as plain dicts (``JobContext.emit``); each is checked against its event's
model when it is emitted (``check_event``), so a wrong shape fails where it is made, not in a
child's browser. The same models are listed in the API contract (server/api/contract.py), so the
web client's types of the event stream are generated, never hand-written.

``message`` fields are empty when emitted: the API writes the text in the reader's language into
them when it streams the event (server/api/jobs.py render_event). A field with a ``None`` default
may be left out by the job (e.g. ``round`` of a token outside the Telephone).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from server.catalog.models import LocalizedText
from server.model_files.file_work import ModelProgress
from server.notices import NoticeLevel

InstallPhaseName = Literal[
    "download", "unpack", "python", "pytorch", "requirements", "first_start", "self_test", "models"
]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- job results


class InterceptionResult(_Payload):
    run_id: str
    text: str


class OptimizationResult(_Payload):
    run_id: str
    text: str
    applied: bool


class MediaItem(_Payload):
    """A generated file of a run; ``url`` is ``/api/runs/<run_id>/media/<name>``."""

    name: str
    url: str
    media_type: str
    mime_type: str
    size: int
    sha256: str


class GenerationResult(_Payload):
    run_id: str
    generation_id: str
    seed: int | None
    media: list[MediaItem]


class ExportResult(_Payload):
    export_id: str
    download_url: str
    runs: int
    size: int


class ImportSkip(_Payload):
    """A file an import found and did not take, with why (``message``: added by the API)."""

    file: str
    outcome: str
    code: str
    params: dict[str, object]
    message: str = ""


# ---------------------------------------------------------------- event data


class StateEvent(_Payload):
    state: Literal["queued", "running", "succeeded", "failed", "cancelled", "blocked"]
    # what the job returned, on "succeeded" (one of the results above, by the job's kind)
    result: dict[str, object] | None = None


class QueueEvent(_Payload):
    """The job's place in its lane's fair order (round-robin by owner), sent again whenever it changes.

    ``position`` 1 starts next; ``ahead`` = position - 1 jobs start before it; ``waiting``: all
    waiting jobs of the lane. ``estimate_s``: seconds until it starts, from the lane's recent run
    times (mean x ahead / slots), null until 3 jobs have finished in the lane or while ``paused``
    (the teacher paused the queue: nothing new starts)."""

    position: int
    waiting: int
    ahead: int
    paused: bool
    estimate_s: int | None


class ComfyUIQueueEvent(_Payload):
    """How many prompts of others are ahead in ComfyUI's own queue (e.g. a shared school GPU server)."""

    ahead: int


class StageEvent(_Payload):
    stage: Literal[
        "safety_input",
        "interception",
        "safety_interception_output",
        "optimization",
        "translation",
        "safety_pre_output",
        "generation",
    ]


class SafetyEvent(_Payload):
    stage: Literal["input", "interception_output", "pre_output"]
    decision: Literal["allowed", "blocked"]


class TokenEvent(_Payload):
    stage: str
    text: str
    round: int | None = None


class RoundStartEvent(_Payload):
    index: int
    total: int
    language: str
    language_name: LocalizedText


class RoundEvent(_Payload):
    index: int
    language: str
    text: str


class TextEvent(_Payload):
    stage: str
    text: str
    applied: bool | None = None


class BlockedEvent(_Payload):
    """``message``: the child-friendly explanation in the reader's language (added by the API)."""

    code: str
    params: dict[str, object]
    stage: str
    category: str | None
    message: str = ""


class ErrorEvent(_Payload):
    """``message`` says what to do (added by the API)."""

    code: str
    params: dict[str, object]
    message: str = ""


class ProgressEvent(_Payload):
    value: int
    max: int
    node: str | None
    fraction: float


class ExecutingEvent(_Payload):
    node: str | None
    class_type: str | None


class PreviewEvent(_Payload):
    """A new preview image while sampling: ``GET /api/jobs/<id>/preview?index=<index>``."""

    index: int
    mime_type: str


class JobNotice(_Payload):
    """An outcome a teacher should read (a file imported, refused, ...); ``message`` added by the API."""

    code: str
    level: NoticeLevel
    params: dict[str, object]
    model_id: str | None
    file: str | None
    message: str = ""


class CloudEvent(_Payload):
    """A cloud output's request: connecting, sending, waiting (the provider works), receiving, saving."""

    state: Literal["connecting", "sending", "waiting", "receiving", "saving"]
    provider: str


class PhaseEvent(_Payload):
    """Installing ComfyUI (or writing its offline bundle): a new phase began."""

    phase: InstallPhaseName
    index: int
    of: int
    python: str | None = None
    build: str | None = None
    packages: list[str] | None = None


class InstallProgressEvent(_Payload):
    """Bytes of the download so far and its speed; in the uv phases ``done`` is what is installed in
    the new environment against the pin's estimate, with uv's own summary at the end."""

    phase: InstallPhaseName
    done: int
    total: int | None
    bytes_per_s: int
    installed_bytes: int | None = None
    cached_bytes: int | None = None
    expected_bytes: int | None = None
    elapsed_s: float | None = None
    finished: bool | None = None
    prepared_packages: int | None = None
    prepared_s: float | None = None
    installed_packages: int | None = None
    installed_s: float | None = None
    downloaded_packages: int | None = None
    downloaded_s: float | None = None


class SelfTestPictureEvent(_Payload):
    """The new install painted its self-test picture."""

    bytes: int


EVENT_PAYLOADS: dict[str, type[BaseModel]] = {
    "state": StateEvent,
    "queue": QueueEvent,
    "comfyui_queue": ComfyUIQueueEvent,
    "stage": StageEvent,
    "safety": SafetyEvent,
    "token": TokenEvent,
    "round_start": RoundStartEvent,
    "round": RoundEvent,
    "text": TextEvent,
    "blocked": BlockedEvent,
    "error": ErrorEvent,
    "progress": ProgressEvent,
    "executing": ExecutingEvent,
    "preview": PreviewEvent,
    "media": MediaItem,
    "model_progress": ModelProgress,
    "notice": JobNotice,
    "cloud": CloudEvent,
    "phase": PhaseEvent,
    "install_progress": InstallProgressEvent,
    "self_test_picture": SelfTestPictureEvent,
}

JOB_RESULTS: tuple[type[BaseModel], ...] = (
    InterceptionResult,
    OptimizationResult,
    GenerationResult,
    ExportResult,
    ImportSkip,
)


class UnknownEventError(TypeError):
    """A job emitted an event no model describes: a bug of the job, not of its input."""


def check_event(event_type: str, data: dict[str, object]) -> None:
    """Raises when ``data`` is not what the event's model says (pydantic's ValidationError)."""
    model = EVENT_PAYLOADS.get(event_type)
    if model is None:
        raise UnknownEventError(f"job event {event_type!r} has no model in server/jobs/event_payloads.py")
    model.model_validate(data)
