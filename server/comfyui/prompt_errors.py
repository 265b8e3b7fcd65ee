"""ComfyUI's rejections and execution errors, in words a teacher can act on.

``POST /prompt`` answers 400 with ``{error: {type, message, details, extra_info}, node_errors:
{node_id: {errors: [{type, message, details, extra_info}], class_type, dependent_outputs}}}``.
A missing model file is ``value_not_in_list`` on a loader; a node type that is not installed is
``invalid_prompt`` ("Cannot execute because node X does not exist."). Every problem becomes a
message code with its facts; the raw text goes to the log, never to a student.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from server.errors import AppError, ErrorKind

log = logging.getLogger(__name__)

# Model files ComfyUI loads by name; a value like this that is "not in list" is a missing file.
MODEL_FILE_SUFFIXES = (".safetensors", ".sft", ".gguf", ".ckpt", ".pt", ".pth", ".bin", ".onnx")
_UNKNOWN_NODE = re.compile(r"node (\S+) does not exist")
_OUT_OF_MEMORY = re.compile(r"out of memory|OutOfMemory|MemoryError|Allocation on device", re.IGNORECASE)
# Rejections that mean our own workflow is broken, not the teacher's setup.
_WORKFLOW_BROKEN = {"prompt_no_outputs", "no_prompt", "invalid_prompt"}
_VALUE_ERRORS = {
    "value_smaller_than_min",
    "value_bigger_than_max",
    "invalid_input_type",
    "value_not_in_list",
    "custom_validation_failed",
}
_PRIORITY = ("comfyui_model_missing", "comfyui_node_missing")


class _ComfyError(BaseModel):
    # ComfyUI adds fields in newer versions: read what we know, ignore the rest.
    model_config = ConfigDict(extra="ignore")

    type: str = ""
    message: str = ""
    details: str = ""
    extra_info: dict[str, Any] = {}


class _NodeErrors(BaseModel):
    model_config = ConfigDict(extra="ignore")

    errors: list[_ComfyError] = []
    class_type: str = ""


class _Rejection(BaseModel):
    model_config = ConfigDict(extra="ignore")

    error: _ComfyError | str = _ComfyError()
    node_errors: dict[str, _NodeErrors] = {}


class PromptProblem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    params: dict[str, str]


class PromptRejectedError(AppError):
    """ComfyUI refused the workflow: ``code``/``params`` name the most useful problem, ``problems`` all."""

    def __init__(self, problems: list[PromptProblem]) -> None:
        first = sorted(problems, key=_rank)[0]
        kind = ErrorKind.UNAVAILABLE if first.code in _PRIORITY else ErrorKind.FAILED
        super().__init__(first.code, kind, **first.params)
        self.problems = problems


def _rank(problem: PromptProblem) -> int:
    return _PRIORITY.index(problem.code) if problem.code in _PRIORITY else len(_PRIORITY)


def rejection_problems(
    body: Mapping[str, Any], workflow: Mapping[str, Any], label: str, redact: Callable[[str], str]
) -> list[PromptProblem]:
    """The problems in a 400 answer (or in the ``node_errors`` of a 200 answer)."""
    rejection = _Rejection.model_validate(body)
    problems: list[PromptProblem] = []
    for node_id, node in rejection.node_errors.items():
        class_type = node.class_type or _class_type(workflow, node_id)
        for error in node.errors:
            problems.append(_node_problem(error, class_type, label, redact))
    error = (
        rejection.error if isinstance(rejection.error, _ComfyError) else _ComfyError(message=rejection.error)
    )
    if not problems:
        if error.type == "invalid_prompt" and (unknown := _UNKNOWN_NODE.search(error.message)):
            problems.append(
                PromptProblem(code="comfyui_node_missing", params={"output": label, "node": unknown.group(1)})
            )
        else:
            detail = redact(error.message or error.type or "?")[:300]
            code = "comfyui_workflow_broken" if error.type in _WORKFLOW_BROKEN else "comfyui_prompt_rejected"
            problems.append(PromptProblem(code=code, params={"output": label, "detail": detail}))
    return problems


def _node_problem(
    error: _ComfyError, class_type: str, label: str, redact: Callable[[str], str]
) -> PromptProblem:
    input_name = str(error.extra_info.get("input_name") or error.details.split(",")[0] or "?")
    received = error.extra_info.get("received_value")
    base = {"output": label, "node": class_type, "input": input_name}
    if (
        error.type == "value_not_in_list"
        and isinstance(received, str)
        and received.lower().endswith(MODEL_FILE_SUFFIXES)
    ):
        return PromptProblem(code="comfyui_model_missing", params={**base, "file": received})
    if error.type == "required_input_missing":
        return PromptProblem(code="comfyui_input_missing", params=base)
    if error.type in _VALUE_ERRORS:
        value = redact(str(received))[:120] if received is not None else "?"
        return PromptProblem(code="comfyui_input_invalid", params={**base, "value": value})
    detail = redact(f"{error.message} {error.details}".strip())[:300]
    return PromptProblem(code="comfyui_node_rejected", params={**base, "detail": detail})


def _class_type(workflow: Mapping[str, Any], node_id: str) -> str:
    node = workflow.get(node_id)
    if isinstance(node, Mapping):
        return str(node.get("class_type", "?"))
    return "?"


class ExecutionFailure(BaseModel):
    """An ``execution_error``, reduced to what a person can be shown (the traceback is logged only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    params: dict[str, str]
    node: str | None = None
    class_type: str | None = None


def execution_failure(data: Mapping[str, Any], label: str, redact: Callable[[str], str]) -> ExecutionFailure:
    node = data.get("node_id")
    class_type = str(data.get("node_type") or "?")
    exception_type = str(data.get("exception_type") or "")
    message = str(data.get("exception_message") or "").strip()
    traceback = data.get("traceback")
    log.warning(
        "ComfyUI node %s (%s) failed: %s: %s\n%s",
        node,
        class_type,
        exception_type,
        message,
        "".join(str(line) for line in traceback) if isinstance(traceback, list) else "",
    )
    node_id = str(node) if node is not None else None
    if _OUT_OF_MEMORY.search(exception_type) or _OUT_OF_MEMORY.search(message):
        return ExecutionFailure(
            code="comfyui_out_of_memory_in_job",
            params={"output": label, "node": class_type},
            node=node_id,
            class_type=class_type,
        )
    first_line = redact(message.splitlines()[0] if message else "")[:300]
    return ExecutionFailure(
        code="comfyui_node_failed",
        params={
            "output": label,
            "node": class_type,
            "exception": exception_type.rsplit(".", 1)[-1] or "?",
            "message": first_line or "?",
        },
        node=node_id,
        class_type=class_type,
    )
