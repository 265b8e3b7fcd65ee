"""Which model files the running ComfyUI offers: the choices of its loader nodes in /object_info.

For each model file, the loader nodes that name it are taken from the output chunks' workflows
(e.g. ``CheckpointLoaderSimple.ckpt_name``). ComfyUI fills those choice lists from its model
folders, so a file it lists there is one a workflow can load. Answers are kept a few seconds;
an import or a restart clears them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx

from server.catalog.models import ModelFile
from server.catalog.registry import Catalog
from server.comfyui.status import ComfyUIState, ComfyUIStatus
from server.network.http_clients import HttpClients

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
REQUEST_TIMEOUT_S = 3.0


def loader_inputs(catalog: Catalog) -> dict[str, set[tuple[str, str]]]:
    """Per model id, the (node class, input name) pairs that load it in some output's workflow."""
    ids_by_name = {model.filename: model_id for model_id, model in catalog.models.items()}
    found: dict[str, set[tuple[str, str]]] = {}
    for output in catalog.outputs.values():
        chunk = catalog.comfyui_chunks.get(output.chunk)
        if chunk is None:
            continue
        for node in chunk.workflow.values():
            for input_name, value in node.inputs.items():
                if isinstance(value, str) and value in ids_by_name:
                    found.setdefault(ids_by_name[value], set()).add((node.class_type, input_name))
    return found


def choices_of(object_info: object, class_type: str, input_name: str) -> list[str] | None:
    """The choice list of one input, in either of the formats ComfyUI 0.3.x answers with."""
    if not isinstance(object_info, dict):
        return None
    node = object_info.get(class_type)
    if not isinstance(node, dict) or not isinstance(node.get("input"), dict):
        return None
    for group in ("required", "optional"):
        spec = node["input"].get(group, {}).get(input_name)
        if not isinstance(spec, list) or not spec:
            continue
        if isinstance(spec[0], list):
            return [str(choice) for choice in spec[0]]
        if spec[0] == "COMBO" and len(spec) > 1 and isinstance(spec[1], dict):
            options = spec[1].get("options")
            if isinstance(options, list):
                return [str(choice) for choice in options]
    return None


class ComfyUIListing:
    def __init__(self, catalog: Catalog, status: Callable[[], ComfyUIStatus], network: HttpClients) -> None:
        self._loaders = loader_inputs(catalog)
        self._status = status
        self._network = network
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, object]] = {}

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def offered(self, model: ModelFile) -> bool | None:
        """True/False when a ready ComfyUI answered; None when it can't say (not running, no loader)."""
        loaders = self._loaders.get(model.id)
        status = self._status()
        if not loaders or status.state is not ComfyUIState.READY or status.url is None:
            return None
        answered = False
        for class_type, input_name in sorted(loaders):
            choices = choices_of(self._object_info(status.url, class_type), class_type, input_name)
            if choices is None:
                continue
            answered = True
            if model.filename in choices:
                return True
        return False if answered else None

    def _object_info(self, url: str, class_type: str) -> object:
        key = (url, class_type)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            with self._network.client(url, timeout=REQUEST_TIMEOUT_S) as http:
                response = http.get(f"{url}/object_info/{class_type}")
                body: object = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as error:
            log.info("ComfyUI's object_info for %s is not available: %s", class_type, error)
            body = None
        with self._lock:
            self._cache[key] = (now, body)
        return body
