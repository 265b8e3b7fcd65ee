"""Websocket clients and the ordered outgoing message queue (ComfyUI's send_sync + publish loop).

Messages addressed to a client id go only to that socket; messages without one go to every socket.
"""

import asyncio
import json
import logging
import struct
from typing import Any

from aiohttp import web

log = logging.getLogger("comfyui_testserver")

PREVIEW_IMAGE = 1
PREVIEW_IMAGE_WITH_METADATA = 4


class MessageHub:
    def __init__(self) -> None:
        self.sockets: dict[str, web.WebSocketResponse] = {}
        self.feature_flags: dict[str, dict[str, Any]] = {}
        self._queue: asyncio.Queue[tuple[str, Any, str | None]] = asyncio.Queue()
        # Execution state that ComfyUI keeps on its server object.
        self.client_id: str | None = None
        self.last_node_id: str | None = None
        self.last_prompt_id: str | None = None

    def supports_preview_metadata(self, sid: str | None) -> bool:
        if sid is None:
            return False
        return self.feature_flags.get(sid, {}).get("supports_preview_metadata", False) is True

    def send_sync(self, event: str, data: Any, sid: str | None = None) -> None:
        self._queue.put_nowait((event, data, sid))

    def send_preview(self, jpeg: bytes, sid: str | None) -> None:
        self._queue.put_nowait(("binary", struct.pack(">II", PREVIEW_IMAGE, 1) + jpeg, sid))

    def send_preview_with_metadata(self, jpeg: bytes, metadata: dict[str, Any], sid: str | None) -> None:
        meta = json.dumps({**metadata, "image_type": "image/jpeg"}).encode("utf-8")
        frame = struct.pack(">II", PREVIEW_IMAGE_WITH_METADATA, len(meta)) + meta + jpeg
        self._queue.put_nowait(("binary", frame, sid))

    async def send_now(self, event: str, data: Any, sid: str | None) -> None:
        message = {"type": event, "data": data}
        for ws in self._targets(sid):
            await self._safe(ws.send_json(message))

    def _targets(self, sid: str | None) -> list[web.WebSocketResponse]:
        if sid is None:
            return list(self.sockets.values())
        ws = self.sockets.get(sid)
        return [ws] if ws is not None else []

    async def _safe(self, sending: Any) -> None:
        try:
            await sending
        except (ConnectionError, RuntimeError) as err:
            log.warning("send error: %s", err)

    async def publish_loop(self) -> None:
        while True:
            event, data, sid = await self._queue.get()
            if event == "binary":
                for ws in self._targets(sid):
                    await self._safe(ws.send_bytes(data))
            else:
                await self.send_now(event, data, sid)
