"""Job state, cancel, and the server-sent event stream of a job.

``GET /api/jobs/<id>/events`` replays every event so far, then streams new ones until the job is
final. A reconnecting EventSource sends ``Last-Event-ID`` and gets only what it missed. Events that
carry a message code (errors, blocks, notices) get the message in the reader's language added here,
and so does each file a finished job lists under ``result.skipped`` (an import's files not taken).
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from server.api.answers import JobSummary
from server.api.contract import answer
from server.api.event_stream import Batch, Message, event_stream_response
from server.api.messages import LocalizedMessages
from server.api.principal import current_owner
from server.errors import AppError, ErrorKind
from server.i18n.translator import Language
from server.jobs.events import JobEvent
from server.jobs.manager import Job, JobManager
from server.stream_budget import StreamBudget


def job_summary(job: Job, jobs: JobManager) -> JobSummary:
    return JobSummary(
        id=job.id,
        kind=job.kind,
        state=job.state.value,
        run_id=job.run_id,
        queue_position=jobs.queue_position(job),
    )


def render_event(event: JobEvent, messages: LocalizedMessages, language: Language) -> dict[str, object]:
    data = dict(event.data)
    code = data.get("code")
    if isinstance(code, str) and event.type in ("error", "blocked", "notice"):
        params = data.get("params")
        data["message"] = messages.text(code, params if isinstance(params, dict) else None, language)
    result = data.get("result")
    if event.type == "state" and isinstance(result, dict) and isinstance(result.get("skipped"), list):
        data["result"] = {
            **result,
            "skipped": [_with_message(item, messages, language) for item in result["skipped"]],
        }
    return data


def _with_message(item: object, messages: LocalizedMessages, language: Language) -> object:
    """A file a job did not take (an import's ``skipped``), with its reason in the reader's language."""
    if not isinstance(item, dict) or not isinstance(item.get("code"), str):
        return item
    params = item.get("params")
    return {
        **item,
        "message": messages.text(item["code"], params if isinstance(params, dict) else None, language),
    }


def jobs_blueprint(jobs: JobManager, messages: LocalizedMessages, streams: StreamBudget) -> Blueprint:
    bp = Blueprint("jobs", __name__)

    def visible_job(job_id: str) -> Job:
        """A student sees only their own jobs; another's answers like a job that does not exist."""
        job = jobs.get(job_id)
        owner = current_owner()
        if owner is not None and job.owner != owner.queue_key:
            raise AppError("job_not_found", ErrorKind.NOT_FOUND)
        return job

    @bp.get("/api/jobs/<job_id>")
    def state(job_id: str) -> tuple[Response, int]:
        return answer(job_summary(visible_job(job_id), jobs))

    @bp.post("/api/jobs/<job_id>/cancel")
    def cancel(job_id: str) -> tuple[Response, int]:
        return answer(job_summary(jobs.cancel(visible_job(job_id).id), jobs), 202)

    @bp.get("/api/jobs/<job_id>/preview")
    def preview(job_id: str) -> Response:
        latest = visible_job(job_id).preview()
        if latest is None:
            raise AppError("preview_not_found", ErrorKind.NOT_FOUND)
        _, image, mime_type = latest
        response = Response(image, mimetype=mime_type)
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/api/jobs/<job_id>/events")
    def events(job_id: str) -> Response:
        job = visible_job(job_id)
        language = messages.language()
        seq = _last_event_id()

        def next_batch(timeout: float) -> Batch:
            nonlocal seq
            batch = job.events_after(seq, timeout)
            if batch:
                seq = batch[-1].seq
            frames = [
                Message(event.type, render_event(event, messages, language), event.seq) for event in batch
            ]
            # Also for a reader that comes back after the end: without `end`, it would reconnect forever.
            return Batch(frames, last=job.state.is_final and not job.events_after(seq, 0))

        return event_stream_response(next_batch, streams, retry_ms=1000)

    return bp


def _last_event_id() -> int:
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0
