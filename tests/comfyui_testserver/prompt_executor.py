# ruff: noqa: PTH116
# (string paths on purpose: ComfyUI's path rules - commonpath, relpath, normpath - are reproduced as is)
"""Runs one prompt the way ComfyUI 0.3.64 does, message for message.

Per prompt: execution_start, execution_cached, then per node progress_state + executing (+ progress
and previews for samplers) + executed for nodes with UI output, then one of execution_success /
execution_error / execution_interrupted. Outputs are cached by input signature ("classic" cache):
an identical re-run sends execution_cached with every node and re-sends executed at once.
"""

import json
import logging
import os
import sys
import time
import traceback
from typing import Any

from .execution_order import ExecutionList, is_link
from .message_hub import MessageHub
from .node_catalogue import NodeCatalogue
from .node_simulation import (
    BEHAVIOURS,
    InterruptRequestedError,
    NodeRun,
    SimulatedNodeError,
    SimulationSettings,
    describe,
)

log = logging.getLogger("comfyui_testserver")


class ProgressRegistry:
    """Per-node progress, sent as progress_state with every change (ComfyUI's WebUIProgressHandler)."""

    def __init__(self, hub: MessageHub, prompt_id: str) -> None:
        self._hub = hub
        self._prompt_id = prompt_id
        self._nodes: dict[str, dict[str, Any]] = {}

    def _entry(self, node_id: str) -> dict[str, Any]:
        return self._nodes.setdefault(node_id, {"state": "pending", "value": 0, "max": 1})

    def _send(self) -> None:
        nodes = {
            node_id: {
                "value": s["value"],
                "max": s["max"],
                "state": s["state"],
                "node_id": node_id,
                "prompt_id": self._prompt_id,
                "display_node_id": node_id,
                "parent_node_id": None,
                "real_node_id": node_id,
            }
            for node_id, s in self._nodes.items()
            if s["state"] != "pending"
        }
        self._hub.send_sync(
            "progress_state", {"prompt_id": self._prompt_id, "nodes": nodes}, self._hub.client_id
        )

    def start(self, node_id: str) -> None:
        self._entry(node_id).update(state="running", value=0.0, max=1.0)
        self._send()

    def update(self, node_id: str, value: int, total: int, preview: bytes | None) -> None:
        self._entry(node_id).update(state="running", value=value, max=total)
        self._send()
        if preview is not None and self._hub.supports_preview_metadata(self._hub.client_id):
            metadata = {
                "node_id": node_id,
                "prompt_id": self._prompt_id,
                "display_node_id": node_id,
                "parent_node_id": None,
                "real_node_id": node_id,
            }
            self._hub.send_preview_with_metadata(preview, metadata, self._hub.client_id)

    def finish(self, node_id: str) -> None:
        entry = self._entry(node_id)
        entry.update(state="finished", value=entry["max"])
        self._send()


def _signature(prompt: dict[str, Any], node_id: str, is_changed: dict[str, Any], memo: dict[str, str]) -> str:
    """Class, constant inputs and the signatures of everything upstream: equal signature, equal output."""
    if node_id in memo:
        return memo[node_id]
    if node_id not in prompt:
        return "missing"
    node = prompt[node_id]
    parts: list[Any] = [node["class_type"], is_changed.get(node_id)]
    for key in sorted(node["inputs"]):
        value = node["inputs"][key]
        if is_link(value):
            parts.append([key, "ANCESTOR", _signature(prompt, value[0], is_changed, memo), value[1]])
        else:
            parts.append([key, value])
    memo[node_id] = json.dumps(parts, sort_keys=True, default=str)
    return memo[node_id]


class PromptExecutor:
    def __init__(self, hub: MessageHub, catalogue: NodeCatalogue, settings: SimulationSettings) -> None:
        self._hub = hub
        self._catalogue = catalogue
        self._settings = settings
        self.interrupted = False
        self.reset()

    def reset(self) -> None:
        self._outputs: dict[str, list[Any]] = {}
        self._ui: dict[str, dict[str, Any]] = {}
        self.status_messages: list[list[Any]] = []
        self.success = True
        self.history_result: dict[str, Any] = {}

    def interrupt(self) -> None:
        self.interrupted = True
        self._settings.hold_gate.wake()

    def release_held_nodes(self) -> None:
        self._settings.hold_gate.release()

    def hold_nodes_again(self) -> None:
        self._settings.hold_gate.hold()

    def _add_message(self, event: str, data: dict[str, Any], broadcast: bool) -> None:
        data = {**data, "timestamp": int(time.time() * 1000)}
        self.status_messages.append([event, data])
        if self._hub.client_id is not None or broadcast:
            self._hub.send_sync(event, data, self._hub.client_id)

    def _is_changed(self, prompt: dict[str, Any]) -> dict[str, Any]:
        """Loaders of input files re-run when the file changes (ComfyUI hashes the file)."""
        out: dict[str, Any] = {}
        for node_id, node in prompt.items():
            node_class = self._catalogue.get(node["class_type"])
            if node_class is None:
                continue
            for input_name in node_class.simulation.get("input_file_choices", {}):
                path = self._settings.paths.annotated(str(node["inputs"].get(input_name, "")))
                try:
                    stat = os.stat(path)
                    out[node_id] = [stat.st_mtime_ns, stat.st_size]
                except OSError:
                    out[node_id] = None
        return out

    async def execute(
        self, prompt: dict[str, Any], prompt_id: str, extra_data: dict[str, Any], execute_outputs: list[str]
    ) -> None:
        self.interrupted = False
        self._hub.client_id = extra_data.get("client_id")
        self.status_messages = []
        self._add_message("execution_start", {"prompt_id": prompt_id}, broadcast=False)
        progress = ProgressRegistry(self._hub, prompt_id)
        memo: dict[str, str] = {}
        changed = self._is_changed(prompt)
        signatures = {node_id: _signature(prompt, node_id, changed, memo) for node_id in prompt}
        keep = set(signatures.values())
        self._outputs = {k: v for k, v in self._outputs.items() if k in keep}
        self._ui = {k: v for k, v in self._ui.items() if k in keep}
        cached_nodes = [node_id for node_id in prompt if signatures[node_id] in self._outputs]
        self._add_message(
            "execution_cached", {"nodes": cached_nodes, "prompt_id": prompt_id}, broadcast=False
        )

        def is_output(node_id: str) -> bool:
            node_class = self._catalogue.get(prompt[node_id]["class_type"])
            return node_class is not None and node_class.is_output

        order = ExecutionList(prompt, lambda n: signatures.get(n) in self._outputs, is_output)
        for output_id in execute_outputs:
            order.add_node(output_id)
        executed: list[str] = []
        self.success = True
        while not order.is_empty():
            node_id = order.next_node()
            if node_id is None:
                self.success = False
                blamed = next(iter(prompt))
                cycle = {
                    "exception_message": "Dependency cycle detected",
                    "current_inputs": [],
                    "exception_type": "graph.DependencyCycleError",
                    "traceback": [],
                }
                self._report_error(prompt_id, prompt, executed, blamed, cycle)
                break
            was_cached = signatures[node_id] in self._outputs
            outcome = await self._run_node(prompt, prompt_id, node_id, signatures, extra_data, progress)
            if outcome is None:
                order.complete(node_id)
                if not was_cached:
                    executed.append(node_id)
                continue
            self.success = False
            if outcome == "interrupted":
                self._add_message(
                    "execution_interrupted",
                    {
                        "prompt_id": prompt_id,
                        "node_id": node_id,
                        "node_type": prompt[node_id]["class_type"],
                        "executed": list(executed),
                    },
                    broadcast=True,
                )
            elif isinstance(outcome, dict):
                self._report_error(prompt_id, prompt, executed, node_id, outcome)
            break
        else:
            self._add_message("execution_success", {"prompt_id": prompt_id}, broadcast=False)
        outputs: dict[str, Any] = {}
        meta: dict[str, Any] = {}
        for node_id in prompt:
            ui = self._ui.get(signatures[node_id])
            if ui is not None:
                outputs[node_id] = ui["output"]
                meta[node_id] = ui["meta"]
        self.history_result = {"outputs": outputs, "meta": meta}
        self._hub.last_node_id = None

    def _report_error(
        self, prompt_id: str, prompt: dict[str, Any], executed: list[str], node_id: str, error: dict[str, Any]
    ) -> None:
        self._add_message(
            "execution_error",
            {
                "prompt_id": prompt_id,
                "node_id": node_id,
                "node_type": prompt[node_id]["class_type"],
                "executed": list(executed),
                "exception_message": error["exception_message"],
                "exception_type": error["exception_type"],
                "traceback": error["traceback"],
                "current_inputs": error["current_inputs"],
                "current_outputs": list(prompt),
            },
            broadcast=False,
        )

    def _current_inputs(
        self, node: dict[str, Any], inputs: dict[str, Any], prompt: dict[str, Any], extra_data: dict[str, Any]
    ) -> dict[str, list[Any]]:
        """The inputs as execution_error reports them: constants verbatim, everything else as text."""
        out = {
            name: [describe(value)] if is_link(node["inputs"][name]) else [value]
            for name, value in inputs.items()
        }
        node_class = self._catalogue.get(node["class_type"])
        hidden = node_class.object_info["input"].get("hidden", {}) if node_class else {}
        for name, kind in hidden.items():
            if kind in ("PROMPT", ["PROMPT"]):
                out[name] = [str(prompt)]
            elif kind in ("EXTRA_PNGINFO", ["EXTRA_PNGINFO"]):
                extra = extra_data.get("extra_pnginfo")
                out[name] = [None if extra is None else str(extra)]
        return out

    async def _run_node(
        self,
        prompt: dict[str, Any],
        prompt_id: str,
        node_id: str,
        signatures: dict[str, str],
        extra_data: dict[str, Any],
        progress: ProgressRegistry,
    ) -> str | dict[str, Any] | None:
        """None on success, "interrupted", or the error details of a failure."""
        hub = self._hub
        node = prompt[node_id]
        node_class = self._catalogue.get(node["class_type"])
        assert node_class is not None
        signature = signatures[node_id]
        if signature in self._outputs:
            if hub.client_id is not None:
                cached = self._ui.get(signature) or {}
                hub.send_sync(
                    "executed",
                    {
                        "node": node_id,
                        "display_node": node_id,
                        "output": cached.get("output"),
                        "prompt_id": prompt_id,
                    },
                    hub.client_id,
                )
            progress.finish(node_id)
            return None
        progress.start(node_id)
        inputs: dict[str, Any] = {}
        for name, value in node["inputs"].items():
            inputs[name] = self._outputs[signatures[value[0]]][value[1]] if is_link(value) else value
        if hub.client_id is not None:
            hub.last_node_id = node_id
            hub.send_sync(
                "executing", {"node": node_id, "display_node": node_id, "prompt_id": prompt_id}, hub.client_id
            )

        def on_progress(value: int, total: int, preview: bytes | None) -> None:
            if self.interrupted:
                raise InterruptRequestedError()
            progress.update(node_id, value, total, preview)
            hub.send_sync(
                "progress",
                {"value": value, "max": total, "prompt_id": prompt_id, "node": node_id},
                hub.client_id,
            )
            if preview is not None and not hub.supports_preview_metadata(hub.client_id):
                hub.send_preview(preview, hub.client_id)

        run = NodeRun(
            node_id,
            node_class,
            inputs,
            prompt,
            extra_data,
            self._settings,
            on_progress,
            interrupted=lambda: self.interrupted,
        )
        try:
            if self.interrupted:
                raise InterruptRequestedError()
            knobs = self._settings.knobs
            if node_class.name in knobs.fail_nodes or node_id in knobs.fail_nodes:
                await run.work()
                raise SimulatedNodeError(
                    knobs.fail_exception_type,
                    knobs.fail_message
                    or f"Simulated failure of {node_class.name} (COMFYUI_TESTSERVER_FAIL_NODES)",
                )
            outputs, ui = await BEHAVIOURS[node_class.behaviour](run)
        except InterruptRequestedError:
            log.info("Processing interrupted")
            return "interrupted"
        except SimulatedNodeError as failure:
            log.error("!!! Exception during processing !!! %s", failure)
            log.error("%s", "".join(traceback.format_exception(failure)))
            return {
                "exception_message": f"{failure}\n",
                "exception_type": failure.exception_type,
                "traceback": traceback.format_tb(sys.exc_info()[2]),
                "current_inputs": self._current_inputs(node, inputs, prompt, extra_data),
            }
        if ui:
            self._ui[signature] = {
                "meta": {
                    "node_id": node_id,
                    "display_node": node_id,
                    "parent_node": None,
                    "real_node_id": node_id,
                },
                "output": ui,
            }
            if hub.client_id is not None:
                hub.send_sync(
                    "executed",
                    {"node": node_id, "display_node": node_id, "output": ui, "prompt_id": prompt_id},
                    hub.client_id,
                )
        self._outputs[signature] = outputs
        progress.finish(node_id)
        return None
