"""GET /api/health: the readiness probe (no token needed, tells nothing private)."""

from __future__ import annotations

from flask import Blueprint, Response

from server.api.answers import Health
from server.api.contract import answer


def health_blueprint(version: str) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/api/health")
    def health() -> tuple[Response, int]:
        return answer(Health(status="ok", version=version))

    return bp
