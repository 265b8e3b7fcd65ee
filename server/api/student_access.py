"""The LAN listener's front door (classroom mode): students of the open class, and nothing else.

Requests reach the app here only through the LAN listener, which marks each one (``mark_lan``). For
them, instead of the launch-token check of server/api/security.py:

- the Host must be the class's ``<address>:<port>``, and an Origin other than ``http://<address>:<port>``
  is refused (DNS rebinding, other sites);
- the launch token is never accepted here, in no form (Bearer, cookie, ``?token=``): it is not even read;
- every endpoint of the app is in ``STUDENT_ACCESS`` below, either open to students with a scope or
  refused; an endpoint missing from the table is refused too (tests/classroom/test_student_access.py
  enumerates the url_map and fails on a missing row);
- without a student cookie only the join page, its assets, the join call and the health probe answer;
- a student cookie names a member of the open class (server/classroom/student_cookie.py); OWN_RUN and
  OWN_JOB endpoints also check that the run or job in the path is that student's.

To open an endpoint to students: add its row here with the narrowest scope, make the view pass
``current_owner()`` to the domain, and add it to the "open" list of the test.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from flask import Flask, Response, g, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from server.api.errors import error_response
from server.api.event_stream import STREAM_CLIENT_KEY, StreamClient
from server.api.messages import LocalizedMessages
from server.api.principal import current_owner, set_current_owner
from server.api.security import LAN_LISTENER_KEY, credential_key
from server.classroom.classroom import Classroom
from server.classroom.owner import RunOwner
from server.classroom.student_cookie import COOKIE_NAME
from server.errors import AppError

# Event streams one student may hold at once (a job's events and a spare while a page reloads).
STUDENT_STREAMS = 3
# The UI routes of the student pages (web/src/router.ts); every other page path goes to /join.
STUDENT_PAGES = frozenset({"/join", "/class", "/class/gallery"})
JOIN_PAGE = "/join"


class Scope(StrEnum):
    PUBLIC = "public"  # anyone who reaches the LAN listener (join page, join call, health)
    STUDENT = "student"  # a member of the class; the view scopes what it shows by current_owner()
    OWN_RUN = "own_run"  # a member, and the path's run_id is one of their runs, not hidden
    OWN_JOB = "own_job"  # a member, and the path's job_id is one of their jobs
    REFUSED = "refused"  # 403 on the LAN listener, whoever asks


# Every endpoint of app.url_map. Keep it explicit: a new endpoint is refused until it is added here.
STUDENT_ACCESS: dict[str, Scope] = {
    "health.health": Scope.PUBLIC,
    "spa.page": Scope.PUBLIC,  # only the student pages and assets, see _page_guard
    "class_student.join": Scope.PUBLIC,
    "class_student.me": Scope.STUDENT,
    "catalog.interceptions": Scope.STUDENT,
    "catalog.outputs": Scope.STUDENT,
    "pipeline.interception": Scope.STUDENT,
    "pipeline.optimization": Scope.STUDENT,
    "pipeline.generation": Scope.STUDENT,
    "runs.listing": Scope.STUDENT,
    "runs.read": Scope.OWN_RUN,
    "runs.detail": Scope.OWN_RUN,
    "runs.media": Scope.OWN_RUN,
    "runs.media_by_type": Scope.OWN_RUN,
    "jobs.state": Scope.OWN_JOB,
    "jobs.events": Scope.OWN_JOB,
    "jobs.preview": Scope.OWN_JOB,
    "jobs.cancel": Scope.OWN_JOB,
    # The teacher's and the machine's: never through the LAN listener.
    **dict.fromkeys(
        (
            "attitudes.create",
            "attitudes.delete",
            "attitudes.duplicate",
            "attitudes.export",
            "attitudes.import_",
            "attitudes.listing",
            "attitudes.preview",
            "attitudes.read",
            "attitudes.update",
            "catalog.problems",
            "classroom.status",
            "classroom.open_class",
            "classroom.close_class",
            "classroom.dashboard",
            "classroom.events",
            "classroom.queue",
            "classroom.remove_student",
            "classroom.hidden",
            "classroom.projection",
            "classroom.projector_window",
            "comfyui.events",
            "comfyui.logs",
            "comfyui.pool",
            "comfyui.restart",
            "comfyui.start",
            "comfyui.status",
            "comfyui.stop",
            "comfyui_install.bundle",
            "comfyui_install.picture",
            "comfyui_install.plan",
            "comfyui_install.remove",
            "comfyui_install.rollback",
            "comfyui_install.start",
            "comfyui_install.status",
            "diagnostics.download",
            "instance.bring_to_front",
            "llm.models",
            "llm.providers",
            "llm.test",
            "model_files.add_folder",
            "model_files.browse",
            "model_files.change_folder",
            "model_files.find_existing",
            "model_files.folders",
            "model_files.overview",
            "model_files.places",
            "model_files.remove_file",
            "model_files.remove_folder",
            "model_files.start_bundle",
            "model_files.start_download",
            "model_files.start_import",
            "model_files.start_verify",
            "pipeline.teacher_override",
            "runs.delete",
            "runs.download",
            "runs.export",
            "runs.facets",
            "secrets.delete_key",
            "secrets.list_keys",
            "secrets.offline",
            "secrets.set_key",
            "settings.comfyui_connection",
            "settings.read",
            "settings.safety_level",
            "settings.teacher_pin",
            "settings.update",
            "system.dismiss",
            "system.info",
            "system.storage",
        ),
        Scope.REFUSED,
    ),
}

# Whose run a run id is (RunStore.owner_of); None: the app's own user's, or no such run.
RunOwnerLookup = Callable[[str], RunOwner | None]
# Whose job a job id is (Job.owner, a RunOwner.queue_key); None: the app's user's, or no such job.
JobOwnerLookup = Callable[[str], str | None]


def mark_lan(app: Any) -> Any:
    """The WSGI app of the LAN listener: the same Flask app, each request marked as coming from the LAN."""

    def lan_app(environ: dict[str, Any], start_response: Any) -> Any:
        environ[LAN_LISTENER_KEY] = True
        return app(environ, start_response)

    return lan_app


def from_lan() -> bool:
    return bool(request.environ.get(LAN_LISTENER_KEY))


def install_student_access(
    app: Flask,
    classroom: Classroom,
    messages: LocalizedMessages,
    run_owner: RunOwnerLookup,
    job_owner: JobOwnerLookup,
) -> Callable[[], WerkzeugResponse | tuple[Response, int] | None]:
    """Returns the guard for LAN requests (server/api/security.py calls it before anything else)."""

    def guard() -> WerkzeugResponse | tuple[Response, int] | None:
        open_class = classroom.current
        if open_class is None:
            return error_response(messages, "class_login_invalid", 401)
        own_host = f"{open_class.options.address}:{open_class.options.port}"
        if request.host.lower() != own_host:
            return error_response(messages, "host_not_allowed", 403)
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"http://{own_host}":
            return error_response(messages, "origin_not_allowed", 403)
        endpoint = request.endpoint if request.routing_exception is None else None
        scope = STUDENT_ACCESS.get(endpoint or "", Scope.REFUSED)
        if endpoint == "spa.page":
            if not request.path.startswith("/api/"):
                return _page_guard()
            scope = Scope.REFUSED  # the page route's catch-all, for an API path that does not exist
        if scope is Scope.REFUSED:
            return error_response(messages, "class_forbidden", 403)
        cookie = request.cookies.get(COOKIE_NAME)
        owner = classroom.student_for_cookie(cookie)
        if owner is not None and cookie is not None:
            set_current_owner(owner)
            g.setdefault(STREAM_CLIENT_KEY, StreamClient(credential_key(cookie), STUDENT_STREAMS))
        if scope is Scope.PUBLIC:
            return None
        if owner is None:
            return error_response(messages, "class_login_invalid", 401)
        if scope is Scope.OWN_RUN and not _own_run(owner):
            return error_response(messages, "class_forbidden", 403)
        if scope is Scope.OWN_JOB and not _own_job(owner):
            return error_response(messages, "class_forbidden", 403)
        return None

    def _own_run(owner: RunOwner) -> bool:
        # Hidden results are the views' business (they answer like a missing run, runs/access.py).
        run_id = (request.view_args or {}).get("run_id")
        if not isinstance(run_id, str):
            return False
        found = _safe(lambda: run_owner(run_id))
        return found is not None and (found.class_id, found.student_id) == (owner.class_id, owner.student_id)

    def _own_job(owner: RunOwner) -> bool:
        job_id = (request.view_args or {}).get("job_id")
        return isinstance(job_id, str) and _safe(lambda: job_owner(job_id)) == owner.queue_key

    @app.after_request
    def _connected(response: Response) -> Response:
        # A student counts as connected while a request of theirs is open, an event stream included.
        owner = current_owner() if from_lan() else None
        if owner is not None:
            classroom.request_started(owner)
            response.call_on_close(lambda: classroom.request_ended(owner))
        return response

    return guard


def _page_guard() -> WerkzeugResponse | None:
    path = request.path
    if path in STUDENT_PAGES or path.startswith("/assets/"):
        return None
    # Files at the top of web/dist (the icon, the manifest) are as public as the join page.
    if path.count("/") == 1 and "." in path.rsplit("/", 1)[-1] and path != "/index.html":
        return None
    return redirect(JOIN_PAGE, code=303)


T = TypeVar("T")


def _safe(lookup: Callable[[], T]) -> T | None:
    # An unknown or unreadable run or job is simply not the student's.
    try:
        return lookup()
    except AppError:
        return None
