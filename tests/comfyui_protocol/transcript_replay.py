"""Replays the client side of a recorded scenario against a server and records what comes back.

The recording drives the replay: the same websocket client id, the feature_flags message if the
recorded client sent one, and the HTTP requests in their order. Before each request the replay waits
for the "milestone" messages the recorded client had already seen at that moment (execution_start,
executing, and the final executing{node: null}) and keeps a recorded pause after them, such as the
0.5 s between ImageBlur starting and the interrupt.
"""

import asyncio
import contextlib
import hashlib
import json
import struct
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import websockets

from .transcripts import Scenario

MILESTONE_TIMEOUT = 120.0
# Upload bodies are not stored in the recordings, only their length and sha256; these we know.
KNOWN_UPLOADS = {
    "4b343bb87daccb15672c085950d34327930275597fdc6528c69d13ea653c392a": b"this is not audio data\n" * 40,
}


def _is_milestone(message: dict[str, Any]) -> bool:
    return message.get("type") in ("execution_start", "executing")


def _milestone_key(message: dict[str, Any]) -> str:
    data = message.get("data", {})
    return json.dumps([message.get("type"), data.get("node"), data.get("prompt_id")])


def parse_binary(frame: bytes) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "ws_binary",
        "event_type": None,
        "image_type": None,
        "metadata": None,
        "bytes": len(frame),
    }
    if len(frame) >= 8:
        event["event_type"] = struct.unpack(">I", frame[:4])[0]
        if event["event_type"] == 1:
            event["image_type"] = struct.unpack(">I", frame[4:8])[0]
            event["image_bytes"] = len(frame) - 8
            event["image"] = frame[8:]
        elif event["event_type"] == 4:
            size = struct.unpack(">I", frame[4:8])[0]
            event["metadata"] = json.loads(frame[8 : 8 + size])
            event["image_bytes"] = len(frame) - 8 - size
            event["image"] = frame[8 + size :]
    return event


def describe_response(response: httpx.Response) -> dict[str, Any]:
    content_type = response.headers.get("content-type")
    out: dict[str, Any] = {"status": response.status_code, "content_type": content_type}
    body = response.content
    base = (content_type or "").split(";")[0].strip().lower()
    if not body:
        out["text"] = ""
    elif base == "application/json":
        out["json"] = json.loads(body)
    elif base.startswith("text/"):
        out["text"] = body.decode("utf-8", "replace")
    else:
        out["bytes"] = len(body)
        out["sha256"] = hashlib.sha256(body).hexdigest()
        out["body"] = body
        if response.headers.get("content-disposition"):
            out["content_disposition"] = response.headers["content-disposition"]
    return out


class Replayer:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.events: list[dict[str, Any]] = []
        self._messages: list[tuple[float, dict[str, Any]]] = []
        self._arrived = asyncio.Event()
        self._t0 = 0.0

    def _now(self) -> float:
        return time.monotonic() - self._t0

    async def _read(self, ws: Any) -> None:
        try:
            async for raw in ws:
                t = self._now()
                if isinstance(raw, bytes):
                    self.events.append({"t": t, **parse_binary(raw)})
                else:
                    message = json.loads(raw)
                    self.events.append({"t": t, "kind": "ws", "message": message})
                    self._messages.append((t, message))
                self._arrived.set()
        except websockets.ConnectionClosed:
            pass

    async def _wait_for(self, predicate: Any, count: int = 1, timeout: float = MILESTONE_TIMEOUT) -> float:
        """Time at which the count-th message matching predicate arrived."""
        deadline = time.monotonic() + timeout
        while True:
            seen = [t for t, m in self._messages if predicate(m)]
            if len(seen) >= count:
                return seen[count - 1]
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("expected websocket message did not arrive")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)

    async def _request(self, http: httpx.AsyncClient, request: dict[str, Any]) -> httpx.Response:
        kwargs: dict[str, Any] = {}
        if request.get("query"):
            kwargs["params"] = request["query"]
        if "body_text" in request:
            kwargs["content"] = request["body_text"].encode()
            kwargs["headers"] = {"Content-Type": request.get("content_type") or "application/json"}
        elif "multipart" in request:
            files = {}
            for field, spec in request["multipart"]["files"].items():
                body = KNOWN_UPLOADS.get(spec["sha256"], b"\x00garbage" * (spec["bytes"] // 8 + 1))[
                    : spec["bytes"]
                ]
                files[field] = (spec["filename"], body, spec["content_type"])
            kwargs["files"] = files
            kwargs["data"] = request["multipart"]["fields"]
        elif request.get("json") is not None:
            kwargs["json"] = request["json"]
        return await http.request(request["method"], request["path"], **kwargs)

    async def run(self, scenario: Scenario, grace: float = 0.5) -> list[dict[str, Any]]:
        recorded = scenario.events
        async with httpx.AsyncClient(base_url=self.base_url, timeout=120) as http:
            self._t0 = time.monotonic()
            url = (
                self.base_url.replace("http://", "ws://")
                + "/ws?"
                + urlencode({"clientId": scenario.client_id})
            )
            async with websockets.connect(url, max_size=None, ping_interval=None) as ws:
                self.events.append(
                    {
                        "t": self._now(),
                        "kind": "ws_open",
                        "path": "/ws",
                        "query": {"clientId": scenario.client_id},
                    }
                )
                reader = asyncio.create_task(self._read(ws))
                for event in recorded:
                    if event["kind"] == "ws_send":
                        self.events.append({"t": self._now(), "kind": "ws_send", "message": event["message"]})
                        await ws.send(json.dumps(event["message"]))
                await self._wait_for(lambda m: m.get("type") == "status" and "sid" in m.get("data", {}))
                if any(e["kind"] == "ws_send" for e in recorded):
                    await self._wait_for(lambda m: m.get("type") == "feature_flags")
                await self._replay_http(http, recorded)
                await asyncio.sleep(grace)
                self.events.append({"t": self._now(), "kind": "ws_close"})
                await ws.close()
                await asyncio.wait_for(reader, 10)
        self.events.sort(key=lambda e: e["t"])
        return self.events

    async def _replay_http(self, http: httpx.AsyncClient, recorded: list[dict[str, Any]]) -> None:
        previous_done_recorded = 0.0
        for index, event in enumerate(recorded):
            if event["kind"] != "http":
                continue
            # Milestones the recorded client had seen before sending this request.
            before = [e for e in recorded[:index] if e["kind"] == "ws" and _is_milestone(e["message"])]
            last_milestone_recorded = 0.0
            last_milestone_replayed = 0.0
            counts: dict[str, int] = {}
            for milestone in before:
                key = _milestone_key(milestone["message"])
                counts[key] = counts.get(key, 0) + 1
                replayed = await self._wait_for(lambda m, key=key: _milestone_key(m) == key, counts[key])
                last_milestone_recorded = max(last_milestone_recorded, milestone["t"])
                last_milestone_replayed = max(last_milestone_replayed, replayed)
            gap = event["t"] - max(last_milestone_recorded, previous_done_recorded)
            if gap > 0.2 and last_milestone_recorded > previous_done_recorded:
                await asyncio.sleep(max(0.0, last_milestone_replayed + gap - self._now()))
            t = self._now()
            response = await self._request(http, event["request"])
            self.events.append(
                {
                    "t": t,
                    "kind": "http",
                    "t_response": self._now(),
                    "request": event["request"],
                    "response": describe_response(response),
                }
            )
            previous_done_recorded = event["t_response"]
            if response.status_code != event["response"]["status"]:
                return  # the rest of the recording no longer applies; the comparison shows why


async def replay_static(base_url: str, static: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """GET every request of static.json, in its order; answers keyed like static.json's responses."""
    out: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for key, entry in static["responses"].items():
            request = entry["request"]
            response = await http.request(request["method"], request["path"], params=request["query"] or None)
            out[key] = {"request": request, "response": describe_response(response)}
    return out
