"""GET /api/health: the readiness probe (no token needed, tells nothing private)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify


def health_blueprint(version: str) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/api/health")
    def health() -> Response:
        return jsonify({"status": "ok", "version": version})

    return bp
