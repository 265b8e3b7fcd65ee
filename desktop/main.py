"""Starts AI4ArtsEd: the embedded server on a free loopback port, then the window (or headless).

Order matters: stop signals are routed first (before any thread exists), then services, server and
the health probe, and only then the window, so the window never shows a connection error.
"""

from __future__ import annotations

import http.client
import logging
import secrets
import sys
import threading
import time
import webbrowser

from desktop.app_logging import configure_logging
from desktop.cli import LaunchOptions, parse_args
from desktop.single_instance import SingleInstance, refuse_second_start
from desktop.stop_signals import StopSignalWatcher
from desktop.window import WindowUnavailableError, run_window
from server.api.security import LaunchSecurity
from server.app import create_app
from server.errors import AppError
from server.i18n.translator import Translator
from server.projector_window import ProjectorWindow
from server.resources import Resources
from server.services import Services, build_services
from server.settings.paths import AppPaths
from server.stream_budget import StreamBudget
from server.window_focus import WindowFocus
from server.wsgi_server import EmbeddedServer, bind_loopback

log = logging.getLogger("desktop")

HEALTH_TIMEOUT_S = 20.0


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    options = parse_args(argv)
    if options.machine_install is not None:
        from desktop.install_comfyui import run_machine_wide_install

        return run_machine_wide_install(options.machine_install)
    stop_requested = threading.Event()
    StopSignalWatcher(stop_requested.set)

    paths = AppPaths.in_folder(options.data_dir) if options.data_dir else AppPaths.for_user()
    # Before the log: a second start must not rotate the running app's log file.
    instance = SingleInstance.claim(paths.data_dir)
    if instance is None:
        return refuse_second_start(paths.data_dir)
    log_file = configure_logging(paths.logs_dir, options.log_level)
    log.info("starting AI4ArtsEd (data: %s, log: %s)", paths.data_dir, log_file)

    try:
        sock = bind_loopback(options.port)
    except AppError as exc:
        message = Translator().translate(exc.code, "en", exc.params)
        print(f"AI4ArtsEd could not start: {message}", file=sys.stderr)
        instance.release()
        return 2

    services = build_services(paths, Resources.locate(), options.comfyui)
    token = options.token or secrets.token_urlsafe(32)
    focus = WindowFocus()
    projector = ProjectorWindow()
    # One budget for every event stream; the web server has threads for all of them and ends them first.
    streams = StreamBudget()
    server = EmbeddedServer(
        create_app(
            services, LaunchSecurity(token=token, port=sock.getsockname()[1]), streams, focus, projector
        ),
        sock,
        streams,
    )
    server.start()
    try:
        _wait_until_healthy(server.port)
        log.info("server ready at %s after %.0f ms", server.base_url, (time.monotonic() - started) * 1000)
        instance.announce(server.port, focus.secret)
        app_url = f"{server.base_url}/?token={token}"
        projector_url = f"{server.base_url}/projector?token={token}"
        _show(options, app_url, services, stop_requested, started, focus, (projector, projector_url))
    finally:
        _shutdown(services, server)
        instance.release()
    return 0


def _show(
    options: LaunchOptions,
    app_url: str,
    services: Services,
    stop_requested: threading.Event,
    started: float,
    focus: WindowFocus,
    projector: tuple[ProjectorWindow, str],
) -> None:
    if not options.headless:

        def on_ui_ready() -> None:
            log.info("window shows the app after %.0f ms", (time.monotonic() - started) * 1000)

        try:
            run_window(
                app_url,
                services.resources.icon,
                on_ui_ready,
                stop_requested,
                focus,
                config_dir=services.paths.config_dir,
                projector=projector,
            )
            return
        except WindowUnavailableError as exc:
            print(f"AI4ArtsEd cannot open its own window: {exc}.", file=sys.stderr)
            if webbrowser.open(app_url):
                print("It opened your web browser instead.", file=sys.stderr)
    # The one line a script (or a person) needs to reach the app.
    print(f"AI4ArtsEd is running at {app_url}", flush=True)
    print("Press Ctrl+C to stop.", file=sys.stderr, flush=True)
    stop_requested.wait()


def _wait_until_healthy(port: int) -> None:
    # A bare HTTP connection: an httpx client would first build an SSL context (tens of ms) for a
    # plain loopback request.
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2.0)
        try:
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the embedded server did not answer on port {port} within {HEALTH_TIMEOUT_S:.0f} s"
            )
        time.sleep(0.01)


def _shutdown(services: Services, server: EmbeddedServer) -> None:
    log.info("shutting down")
    services.shutdown()
    server.stop()
    log.info("stopped")
    logging.shutdown()


if __name__ == "__main__":
    sys.exit(main())
