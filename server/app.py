"""The Flask app factory: services come in ready-made, blueprints only translate HTTP."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from server.api.attitudes import attitudes_blueprint
from server.api.catalog import catalog_blueprint
from server.api.classroom import classroom_blueprint
from server.api.classroom_student import classroom_student_blueprint
from server.api.comfyui import comfyui_blueprint
from server.api.comfyui_install import comfyui_install_blueprint
from server.api.diagnostics import diagnostics_blueprint
from server.api.errors import register_error_handlers
from server.api.health import health_blueprint
from server.api.instance import instance_blueprint
from server.api.jobs import jobs_blueprint
from server.api.llm import llm_blueprint
from server.api.messages import LocalizedMessages
from server.api.model_files import model_files_blueprint
from server.api.path_parts import install_path_checks
from server.api.pipeline import pipeline_blueprint
from server.api.runs import runs_blueprint
from server.api.secrets import secrets_blueprint
from server.api.security import LaunchSecurity, install_security
from server.api.settings import settings_blueprint
from server.api.spa import spa_blueprint
from server.api.student_access import install_student_access, mark_lan
from server.api.system import system_blueprint
from server.classroom.dashboard import ClassDashboards
from server.classroom.queue_control import QueueControl
from server.errors import AppError
from server.jobs.manager import JobManager
from server.projector_window import ProjectorWindow
from server.services import Services
from server.stream_budget import StreamBudget
from server.window_focus import WindowFocus
from server.wsgi_server import EmbeddedServer, bind_address

MAX_REQUEST_BYTES = 16 * 1024 * 1024


def create_app(
    services: Services,
    security: LaunchSecurity,
    streams: StreamBudget,
    focus: WindowFocus | None = None,
    projector: ProjectorWindow | None = None,
) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    messages = LocalizedMessages(services.translator, services.settings)
    # Classroom mode's LAN listener serves this same app; its requests get the students' guard.
    lan_guard = install_student_access(
        app, services.classroom, messages, services.runs.owner_of, _job_owner(services.jobs)
    )
    install_security(app, security, messages, lan_guard)
    register_error_handlers(app, messages)
    # After the security check: a stranger learns nothing from how a path is judged.
    install_path_checks(app, messages)

    # Each blueprint gets the services it uses, never the whole container.
    app.register_blueprint(health_blueprint(services.version))
    app.register_blueprint(instance_blueprint(focus or WindowFocus()))
    app.register_blueprint(system_blueprint(services.version, services.paths, services.notices, messages))
    app.register_blueprint(
        settings_blueprint(services.settings, services.comfyui_settings, services.providers)
    )
    app.register_blueprint(
        catalog_blueprint(
            services.catalog,
            services.availability,
            messages,
            services.output_places,
            services.classroom.allows_attitude,
            services.classroom.allows_output,
        )
    )
    app.register_blueprint(attitudes_blueprint(services.attitudes, services.settings))
    app.register_blueprint(jobs_blueprint(services.jobs, messages, streams))
    app.register_blueprint(
        runs_blueprint(
            services.runs,
            frozenset(services.catalog.media_types),
            services.gallery,
            services.exporter,
            messages,
        )
    )
    app.register_blueprint(llm_blueprint(services.providers, services.llm, messages, services.gate))
    app.register_blueprint(secrets_blueprint(services.api_keys, services.offline_mode, services.settings))
    app.register_blueprint(pipeline_blueprint(services.workshop, services.generator))
    app.register_blueprint(comfyui_blueprint(services.comfyui, messages, streams))
    app.register_blueprint(
        model_files_blueprint(
            services.models,
            messages,
            services.settings,
            services.providers.builtin_model_present,
            services.output_places,
        )
    )
    app.register_blueprint(comfyui_install_blueprint(services.comfyui_installer))
    app.register_blueprint(diagnostics_blueprint(services.diagnostics))
    app.register_blueprint(
        classroom_blueprint(
            services.classroom,
            services.settings,
            ClassDashboards(services.classroom, services.runs, services.jobs, QueueControl(services.jobs)),
            streams,
            projector or ProjectorWindow(),
        )
    )
    app.register_blueprint(classroom_student_blueprint(services.classroom, messages))
    # Last: its catch-all route must not shadow the API.
    app.register_blueprint(spa_blueprint(services.resources.web_dist, messages))

    # The LAN listener shares the app's stream budget, never the launch port (bound when a class opens).
    def lan_listener(address: str, port: int) -> EmbeddedServer:
        return EmbeddedServer(
            mark_lan(app), bind_address(address, port), streams, owns_streams=False, name="lan-listener"
        )

    services.classroom.use_listener(lan_listener)
    return app


def _job_owner(jobs: JobManager) -> Callable[[str], str | None]:
    def lookup(job_id: str) -> str | None:
        try:
            return jobs.get(job_id).owner
        except AppError:
            return None

    return lookup
