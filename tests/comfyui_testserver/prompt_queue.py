"""The prompt queue and the history in ComfyUI's shapes: [number, prompt_id, prompt, extra_data, outputs]."""

import asyncio
import copy
import heapq
import itertools
from typing import Any

from .message_hub import MessageHub

MAXIMUM_HISTORY_SIZE = 10000
SENSITIVE_EXTRA_DATA_KEYS = ("auth_token_comfy_org", "api_key_comfy_org")

QueueItem = list[Any]


class PromptQueue:
    def __init__(self, hub: MessageHub) -> None:
        self._hub = hub
        self._heap: list[tuple[Any, str, int, QueueItem]] = []
        self._order = itertools.count()
        self._running: dict[int, QueueItem] = {}
        self._task_counter = 0
        self._not_empty = asyncio.Event()
        self.history: dict[str, dict[str, Any]] = {}
        self.flags: dict[str, Any] = {}

    def _queue_updated(self) -> None:
        self._hub.send_sync("status", {"status": self.queue_info()})

    def queue_info(self) -> dict[str, Any]:
        return {"exec_info": {"queue_remaining": self.tasks_remaining()}}

    def tasks_remaining(self) -> int:
        return len(self._heap) + len(self._running)

    def put(self, item: QueueItem) -> None:
        heapq.heappush(self._heap, (item[0], item[1], next(self._order), item))
        self._queue_updated()
        self._not_empty.set()

    async def get(self) -> tuple[QueueItem, int]:
        while not self._heap:
            self._not_empty.clear()
            await self._not_empty.wait()
        item = heapq.heappop(self._heap)[3]
        item_id = self._task_counter
        self._running[item_id] = copy.deepcopy(item)
        self._task_counter += 1
        self._queue_updated()
        return item, item_id

    def task_done(self, item_id: int, history_result: dict[str, Any], status: dict[str, Any]) -> None:
        prompt = self._running.pop(item_id)
        if len(self.history) > MAXIMUM_HISTORY_SIZE:
            self.history.pop(next(iter(self.history)))
        for key in SENSITIVE_EXTRA_DATA_KEYS:
            prompt[3].pop(key, None)
        entry: dict[str, Any] = {"prompt": prompt, "outputs": {}, "status": copy.deepcopy(status)}
        entry.update(history_result)
        self.history[prompt[1]] = entry
        self._queue_updated()

    def running(self) -> list[QueueItem]:
        return list(self._running.values())

    def pending(self) -> list[QueueItem]:
        return [entry[3] for entry in self._heap]

    def wipe_queue(self) -> None:
        self._heap = []
        self._queue_updated()

    def delete_queue_item(self, prompt_id: str) -> bool:
        for index, entry in enumerate(self._heap):
            if entry[1] == prompt_id:
                if len(self._heap) == 1:
                    self.wipe_queue()
                else:
                    self._heap.pop(index)
                    heapq.heapify(self._heap)
                self._queue_updated()
                return True
        return False

    def get_history(
        self, prompt_id: str | None = None, max_items: int | None = None, offset: int = -1
    ) -> dict[str, Any]:
        if prompt_id is not None:
            return {prompt_id: copy.deepcopy(self.history[prompt_id])} if prompt_id in self.history else {}
        out: dict[str, Any] = {}
        if offset < 0 and max_items is not None:
            offset = len(self.history) - max_items
        for index, key in enumerate(self.history):
            if index >= offset:
                out[key] = self.history[key]
                if max_items is not None and len(out) >= max_items:
                    break
        return out

    def wipe_history(self) -> None:
        self.history = {}

    def delete_history_item(self, prompt_id: str) -> None:
        self.history.pop(prompt_id, None)

    def set_flag(self, name: str, value: Any) -> None:
        self.flags[name] = value

    def take_flags(self) -> dict[str, Any]:
        flags, self.flags = self.flags, {}
        return flags
