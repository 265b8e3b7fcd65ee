"""The app's services and Flask app inside the test process, for API tests that need no child process.

Wired the way ``desktop/main.py`` wires them (``build_services`` on a data folder, ``create_app``
with a ``LaunchSecurity``, a ``StreamBudget`` and a ``WindowFocus``), only without waitress, the
single-instance lock and the window: requests go through httpx's WSGI transport straight into the
Flask app, so a test reads the same ``httpx`` answers as against the real process, in milliseconds
instead of a process start. Start-up, shutdown, signals, ports, sockets and the frozen program are
what the real-process tests (``tests/support/app_process.py``) are for.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from flask import Flask

from server.api.security import LaunchSecurity
from server.app import create_app
from server.resources import Resources
from server.services import Services, build_services
from server.settings.models import ComfyUISettings
from server.settings.paths import AppPaths
from server.stream_budget import StreamBudget
from server.window_focus import WindowFocus
from tests.support import loopback_http
from tests.support.app_process import free_port

# Never bound: it only names the Host and Origin the security checks expect, as the real port does.
_PORT = free_port()


@dataclass
class InProcessApp:
    """What an API test uses of ``AppProcess``: ``client()``, ``token``, ``data_dir``, ``base_url``."""

    flask_app: Flask
    services: Services
    streams: StreamBudget
    token: str
    port: int
    data_dir: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, language: str = "en") -> httpx.Client:
        return loopback_http.client(
            transport=httpx.WSGITransport(app=self.flask_app),
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}", "Accept-Language": language},
            timeout=30.0,
        )


@contextmanager
def in_process_app(
    data_dir: Path, *, catalog_root: Path | None = None, comfyui: ComfyUISettings | None = None
) -> Iterator[InProcessApp]:
    """The app on ``data_dir`` (created), its services shut down afterwards as the app's exit does.

    Settings written into ``data_dir`` beforehand (tests/support/settings_files.py) are the saved
    ones, as for the real app. ``comfyui`` is what ``--comfyui-dir``/``--comfyui-url`` give the real
    app: a ComfyUI for this launch only (``desktop.cli.comfyui_choice`` builds it from the same values).
    A managed ComfyUI started this way is a child of the test process, with the test process's
    environment (``monkeypatch.setenv`` reaches it as ``start_app(env=...)`` does).
    """
    paths = AppPaths.in_folder(data_dir)
    located = Resources.locate()
    resources = Resources(app_root=located.app_root, catalog_root=catalog_root or located.catalog_root)
    services = build_services(paths, resources, comfyui)
    streams = StreamBudget()
    token = secrets.token_urlsafe(24)
    try:
        flask_app = create_app(services, LaunchSecurity(token=token, port=_PORT), streams, WindowFocus())
        yield InProcessApp(flask_app, services, streams, token, _PORT, data_dir)
    finally:
        # The order of the app's exit (desktop/main.py: services, then the web server's streams).
        services.shutdown()
        streams.end_all()
