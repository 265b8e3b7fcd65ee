"""The local server's front door: only this machine's app window (or a browser with its link) gets in.

- Every /api request except the health probe needs the launch token, as a Bearer header or as the
  HttpOnly SameSite=Strict cookie that a page receives once from the ``?token=`` in its first URL.
- The Host header must be our own loopback address: a web page on another site that resolves its
  name to 127.0.0.1 (DNS rebinding) is refused.
- No CORS headers are ever sent; a cross-site request with an Origin that is not ours is refused.
- A request with valid credentials is marked with its stream client (see server/api/event_stream.py):
  a hash of the credential, never the IP address, and how many event streams it may hold. Every view
  of the app shares the launch credential, so it may hold the whole stream budget.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask, Response, g, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from server.api.errors import error_response
from server.api.event_stream import STREAM_CLIENT_KEY, StreamClient
from server.api.messages import LocalizedMessages
from server.stream_budget import MAX_STREAMS
from server.window_focus import FOCUS_PATH

# Set on every request of classroom mode's LAN listener (server/api/student_access.py mark_lan).
LAN_LISTENER_KEY = "ai4artsed.lan_listener"
# The student endpoints answer only on the LAN listener, never to the launch credential.
STUDENT_BLUEPRINT = "class_student"

Guard = Callable[[], WerkzeugResponse | tuple[Response, int] | None]

# The focus request checks its own secret (server/window_focus.py) and can only raise the window.
PUBLIC_API_PATHS = frozenset({"/api/health", FOCUS_PATH})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@dataclass(frozen=True)
class LaunchSecurity:
    token: str
    port: int

    @property
    def allowed_hosts(self) -> frozenset[str]:
        return frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}"})

    @property
    def allowed_origins(self) -> frozenset[str]:
        return frozenset(f"http://{host}" for host in self.allowed_hosts)

    @property
    def cookie_name(self) -> str:
        # Browsers do not separate cookies by port: two app instances must not overwrite each other.
        return f"ai4artsed_session_{self.port}"

    def token_matches(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.token.encode())


def install_security(
    app: Flask, security: LaunchSecurity, messages: LocalizedMessages, lan_guard: Guard | None = None
) -> None:
    """``lan_guard`` judges the requests of classroom mode's LAN listener instead (student_access.py);
    without it such a request is refused."""

    @app.before_request
    def _guard() -> WerkzeugResponse | tuple[Response, int] | None:
        if request.environ.get(LAN_LISTENER_KEY):
            # Never the launch token on the LAN: that guard does not even look at it.
            return lan_guard() if lan_guard is not None else error_response(messages, "forbidden", 403)
        if request.host.lower() not in security.allowed_hosts:
            return error_response(messages, "host_not_allowed", 403)
        origin = request.headers.get("Origin")
        if origin is not None and origin not in security.allowed_origins:
            return error_response(messages, "origin_not_allowed", 403)
        if request.blueprint == STUDENT_BLUEPRINT:
            return error_response(messages, "class_forbidden", 403)
        if request.path.startswith("/api/"):
            credential = _valid_credential(security)
            if credential is not None:
                g.setdefault(STREAM_CLIENT_KEY, StreamClient(credential_key(credential), MAX_STREAMS))
                return None
            if request.path in PUBLIC_API_PATHS:
                return None
            return error_response(messages, "unauthorized", 401)
        url_token = request.args.get("token")
        if url_token is not None:
            return _exchange_url_token(security, url_token)
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _valid_credential(security: LaunchSecurity) -> str | None:
    header = request.headers.get("Authorization", "")
    bearer = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    if security.token_matches(bearer):
        return bearer
    cookie = request.cookies.get(security.cookie_name)
    return cookie if security.token_matches(cookie) else None


def credential_key(credential: str) -> str:
    """A key that tells clients apart without being a credential itself (it may appear in logs)."""
    return hashlib.sha256(credential.encode()).hexdigest()[:16]


def _exchange_url_token(security: LaunchSecurity, url_token: str) -> WerkzeugResponse:
    """Turns the one-time ``?token=`` of the launch URL into a cookie and removes it from the address bar."""
    remaining = [(key, value) for key, value in request.args.items(multi=True) if key != "token"]
    target = request.path + (f"?{urlencode(remaining)}" if remaining else "")
    if not security.token_matches(url_token):
        return Response(_EXPIRED_LINK_PAGE, status=401, mimetype="text/html")
    response = redirect(target, code=303)
    response.set_cookie(security.cookie_name, security.token, httponly=True, samesite="Strict", path="/")
    return response


# Shown before the UI (and its translations) can load, so both languages are on the page.
_EXPIRED_LINK_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>AI4ArtsEd</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 4em auto; line-height: 1.5">
<h1>AI4ArtsEd</h1>
<p lang="de">Dieser Link gilt nicht mehr. Bitte schließe dieses Fenster und starte AI4ArtsEd neu
oder verwende den Link, den die App beim Start angezeigt hat.</p>
<p lang="en">This link is no longer valid. Please close this window and start AI4ArtsEd again,
or use the link the app showed when it started.</p>
</body></html>
"""
