"""A small test client: submit a graph, collect the websocket messages until the prompt is done."""

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import websockets

from tests.support.async_runner import run_coroutine

from .transcript_replay import parse_binary


@dataclass
class PromptRun:
    response: dict[str, Any]
    status_code: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, Any] = field(default_factory=dict)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]


async def run_prompt_async(
    base_url: str,
    prompt: dict[str, Any],
    *,
    feature_flags: bool = False,
    before_done: Any = None,
    timeout: float = 60,
) -> PromptRun:
    client_id = str(uuid.uuid4())
    prompt_id = str(uuid.uuid4())
    url = base_url.replace("http://", "ws://") + "/ws?" + urlencode({"clientId": client_id})
    async with (
        websockets.connect(url, max_size=None) as ws,
        httpx.AsyncClient(base_url=base_url, timeout=60) as http,
    ):
        if feature_flags:
            await ws.send(json.dumps({"type": "feature_flags", "data": {"supports_preview_metadata": True}}))
        messages: list[dict[str, Any]] = [json.loads(await ws.recv())]
        if feature_flags:
            messages.append(json.loads(await ws.recv()))
        r = await http.post(
            "/prompt", json={"prompt": prompt, "client_id": client_id, "prompt_id": prompt_id}
        )
        run = PromptRun(r.json(), r.status_code, messages)
        if r.status_code != 200:
            return run

        async def collect() -> None:
            while True:
                raw = await ws.recv()
                message = parse_binary(raw) if isinstance(raw, bytes) else json.loads(raw)
                messages.append(message)
                if before_done is not None:
                    await before_done(http, message, prompt_id)
                data = message.get("data", {}) if "type" in message else {}
                if (
                    message.get("type") == "executing"
                    and data.get("node") is None
                    and data.get("prompt_id") == prompt_id
                ):
                    return

        await asyncio.wait_for(collect(), timeout)
        run.history = (await http.get(f"/history/{prompt_id}")).json().get(prompt_id, {})
        return run


def run_prompt(base_url: str, prompt: dict[str, Any], **kwargs: Any) -> PromptRun:
    return run_coroutine(run_prompt_async(base_url, prompt, **kwargs))


def output_files(history: dict[str, Any]) -> list[dict[str, Any]]:
    files = []
    for node_output in history.get("outputs", {}).values():
        for items in node_output.values():
            files += [item for item in items if isinstance(item, dict) and "filename" in item]
    return files
