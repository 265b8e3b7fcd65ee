"""Serves the built web UI (web/dist) with a fallback to index.html for the app's own routes."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

from server.api.messages import LocalizedMessages


def spa_blueprint(web_dist: Path, messages: LocalizedMessages) -> Blueprint:
    bp = Blueprint("spa", __name__)

    @bp.get("/", defaults={"path": ""})
    @bp.get("/<path:path>")
    def page(path: str) -> Response:
        if path.startswith("api/"):
            abort(404)
        index = web_dist / "index.html"
        if not index.is_file():
            # Both languages: whoever reads this may have no settings yet.
            message = (
                messages.text("web_ui_not_built", language="en")
                + "\n"
                + messages.text("web_ui_not_built", language="de")
            )
            return Response(message, status=503, mimetype="text/plain")
        # send_from_directory refuses paths that leave web_dist.
        if path and (web_dist / path).is_file():
            response = send_from_directory(web_dist, path)
            if path.startswith("assets/"):
                # Vite puts a content hash into every asset name.
                response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response
        if path.startswith("assets/") or Path(path).suffix:
            abort(404)
        response = send_from_directory(web_dist, "index.html")
        response.headers["Cache-Control"] = "no-cache"
        return response

    return bp
