"""Classroom test helpers: a free port on 127.0.0.2 (stands in for the school network) and a class."""

from __future__ import annotations

import socket
from typing import Any

import httpx

from tests.support import loopback_http

LAN_ADDRESS = "127.0.0.2"


def free_lan_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LAN_ADDRESS, 0))
        port: int = sock.getsockname()[1]
        return port


def class_request(client: httpx.Client, port: int, **overrides: Any) -> dict[str, Any]:
    """A valid POST /api/classroom body: the catalog's first attitude and first output, level kids."""
    attitudes = client.get("/api/catalog/interceptions").json()["categories"]
    outputs = client.get("/api/catalog/outputs").json()["media_types"]
    body: dict[str, Any] = {
        "address": LAN_ADDRESS,
        "port": port,
        "attitude_ids": [attitudes[0]["interceptions"][0]["id"]],
        "output_ids": [outputs[0]["outputs"][0]["id"]],
        "safety_level": "kids",
        "per_student_limit": 1,
    }
    body.update(overrides)
    return body


def student_client(port: int, language: str = "en") -> httpx.Client:
    return loopback_http.client(
        base_url=f"http://{LAN_ADDRESS}:{port}",
        headers={"Accept-Language": language},
        timeout=30.0,
        follow_redirects=False,
    )
