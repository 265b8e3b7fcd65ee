"""POST /prompt validation with ComfyUI 0.3.64's rules, error types, messages and quirks.

Notable behaviour kept on purpose: values are converted in place (the stored prompt shows the
converted value); inputs of the newer "COMBO" encoding are not checked against their options; a
node with errors collects every failing output in dependent_outputs, even outputs that do not
depend on it, when several outputs fail.
"""

import logging
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

from .node_catalogue import InputSpec, NodeCatalogue

log = logging.getLogger("comfyui_testserver")

Error = dict[str, Any]
Validated = dict[str, tuple[bool, list[Error], str]]

_INVALID_FILE_MESSAGES = {
    "image": "Invalid image file: {}",
    "audio": "Invalid audio file: {}",
    "file": "Invalid video file: {}",
}


@dataclass
class ValidationResult:
    ok: bool
    error: Error | None
    good_outputs: list[str]
    node_errors: dict[str, Any] = field(default_factory=dict)


def _type_matches(received: Any, expected: Any) -> bool:
    if received == expected or received == "*" or expected == "*":
        return True
    if not isinstance(received, str) or not isinstance(expected, str):
        return False
    return bool({t.strip() for t in received.split(",")} & {t.strip() for t in expected.split(",")})


def _full_type_name(exc: BaseException) -> str:
    module = type(exc).__module__
    return type(exc).__qualname__ if module == "builtins" else f"{module}.{type(exc).__qualname__}"


class PromptValidator:
    def __init__(self, catalogue: NodeCatalogue) -> None:
        self._catalogue = catalogue

    def _convert(self, spec: InputSpec, value: Any) -> Any:
        if spec.type == "INT":
            return int(value)
        if spec.type == "FLOAT":
            return float(value)
        if spec.type == "STRING":
            return str(value)
        if spec.type == "BOOLEAN":
            return bool(value)
        return value

    def _validate_inputs(
        self, prompt: dict[str, Any], unique_id: str, validated: Validated
    ) -> tuple[bool, list[Error], str]:
        if unique_id in validated:
            return validated[unique_id]
        inputs = prompt[unique_id]["inputs"]
        class_type = prompt[unique_id]["class_type"]
        node = self._catalogue.get(class_type)
        assert node is not None
        by_function = node.validated_by_function
        errors: list[Error] = []
        valid = True
        for spec in self._catalogue.inputs(class_type):
            if spec.category == "hidden":
                continue
            x = spec.name
            info = [spec.type, spec.options]
            if x not in inputs:
                if spec.category == "required":
                    errors.append(
                        {
                            "type": "required_input_missing",
                            "message": "Required input is missing",
                            "details": f"{x}",
                            "extra_info": {"input_name": x},
                        }
                    )
                continue
            val = inputs[x]
            if isinstance(val, list):
                if len(val) != 2:
                    errors.append(
                        {
                            "type": "bad_linked_input",
                            "message": "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                            "details": f"{x}",
                            "extra_info": {"input_name": x, "input_config": info, "received_value": val},
                        }
                    )
                    continue
                o_id = val[0]
                o_class = self._catalogue.get(prompt[o_id]["class_type"])
                assert o_class is not None
                received_type = o_class.return_types[val[1]]
                if not _type_matches(received_type, spec.type):
                    errors.append(
                        {
                            "type": "return_type_mismatch",
                            "message": "Return type mismatch between linked nodes",
                            "details": f"{x}, received_type({received_type}) mismatch "
                            f"input_type({spec.type})",
                            "extra_info": {
                                "input_name": x,
                                "input_config": info,
                                "received_type": received_type,
                                "linked_node": val,
                            },
                        }
                    )
                    continue
                try:
                    if self._validate_inputs(prompt, o_id, validated)[0] is False:
                        valid = False
                        continue
                except Exception as ex:
                    valid = False
                    validated[o_id] = (
                        False,
                        [
                            {
                                "type": "exception_during_inner_validation",
                                "message": "Exception when validating inner node",
                                "details": str(ex),
                                "extra_info": {
                                    "input_name": x,
                                    "input_config": info,
                                    "exception_message": str(ex),
                                    "exception_type": _full_type_name(ex),
                                    "traceback": traceback.format_tb(sys.exc_info()[2]),
                                    "linked_node": val,
                                },
                            }
                        ],
                        o_id,
                    )
                    continue
            else:
                try:
                    if isinstance(val, dict) and "__value__" in val:
                        val = val["__value__"]
                        inputs[x] = val
                    val = self._convert(spec, val)
                    inputs[x] = val
                except Exception as ex:
                    errors.append(
                        {
                            "type": "invalid_input_type",
                            "message": f"Failed to convert an input value to a {spec.type} value",
                            "details": f"{x}, {val}, {ex}",
                            "extra_info": {
                                "input_name": x,
                                "input_config": info,
                                "received_value": val,
                                "exception_message": str(ex),
                            },
                        }
                    )
                    continue
                if x in by_function:
                    continue
                if "min" in spec.options and val < spec.options["min"]:
                    errors.append(
                        {
                            "type": "value_smaller_than_min",
                            "message": "Value {} smaller than min of {}".format(val, spec.options["min"]),
                            "details": f"{x}",
                            "extra_info": {"input_name": x, "input_config": info, "received_value": val},
                        }
                    )
                    continue
                if "max" in spec.options and val > spec.options["max"]:
                    errors.append(
                        {
                            "type": "value_bigger_than_max",
                            "message": "Value {} bigger than max of {}".format(val, spec.options["max"]),
                            "details": f"{x}",
                            "extra_info": {"input_name": x, "input_config": info, "received_value": val},
                        }
                    )
                    continue
                if isinstance(spec.type, list) and val not in spec.type:
                    config: Any = info
                    if len(spec.type) > 20:
                        list_info = f"(list of length {len(spec.type)})"
                        config = None
                    else:
                        list_info = str(spec.type)
                    errors.append(
                        {
                            "type": "value_not_in_list",
                            "message": "Value not in list",
                            "details": f"{x}: '{val}' not in {list_info}",
                            "extra_info": {"input_name": x, "input_config": config, "received_value": val},
                        }
                    )
                    continue
        for x in by_function:
            if (
                x in inputs
                and not isinstance(inputs[x], list)
                and not self._catalogue.input_file_exists(str(inputs[x]))
            ):
                message = _INVALID_FILE_MESSAGES.get(x, "Invalid file: {}").format(inputs[x])
                errors.append(
                    {
                        "type": "custom_validation_failed",
                        "message": "Custom validation failed for node",
                        "details": f"{x} - {message}",
                        "extra_info": {"input_name": x},
                    }
                )
        result = (False, errors, unique_id) if errors or valid is not True else (True, [], unique_id)
        validated[unique_id] = result
        return result

    def validate(self, prompt: dict[str, Any], partial_targets: list[str] | None) -> ValidationResult:
        outputs: list[str] = []
        for x in prompt:
            if "class_type" not in prompt[x]:
                return ValidationResult(
                    False,
                    {
                        "type": "invalid_prompt",
                        "message": "Cannot execute because a node is missing the class_type property.",
                        "details": f"Node ID '#{x}'",
                        "extra_info": {},
                    },
                    [],
                )
            class_type = prompt[x]["class_type"]
            node = self._catalogue.get(class_type)
            if node is None:
                return ValidationResult(
                    False,
                    {
                        "type": "invalid_prompt",
                        "message": f"Cannot execute because node {class_type} does not exist.",
                        "details": f"Node ID '#{x}'",
                        "extra_info": {},
                    },
                    [],
                )
            if node.is_output and (partial_targets is None or x in partial_targets):
                outputs.append(x)
        if not outputs:
            return ValidationResult(
                False,
                {
                    "type": "prompt_no_outputs",
                    "message": "Prompt has no outputs",
                    "details": "",
                    "extra_info": {},
                },
                [],
            )
        good: list[str] = []
        failed: list[tuple[str, list[Error]]] = []
        node_errors: dict[str, Any] = {}
        validated: Validated = {}
        for o in outputs:
            try:
                ok, reasons, _ = self._validate_inputs(prompt, o, validated)
            except Exception as ex:
                ok = False
                reasons = [
                    {
                        "type": "exception_during_validation",
                        "message": "Exception when validating node",
                        "details": str(ex),
                        "extra_info": {
                            "exception_type": _full_type_name(ex),
                            "traceback": traceback.format_tb(sys.exc_info()[2]),
                        },
                    }
                ]
                validated[o] = (False, reasons, o)
            if ok:
                good.append(o)
                continue
            log.error("Failed to validate prompt for output %s:", o)
            if reasons:
                log.error("* (prompt):")
                for reason in reasons:
                    log.error("  - %s: %s", reason["message"], reason["details"])
            failed.append((o, reasons))
            for node_id, (node_ok, node_reasons, _) in validated.items():
                if node_ok or not node_reasons:
                    continue
                if node_id not in node_errors:
                    node_errors[node_id] = {
                        "errors": node_reasons,
                        "dependent_outputs": [],
                        "class_type": prompt[node_id]["class_type"],
                    }
                    log.error("* %s %s:", prompt[node_id]["class_type"], node_id)
                    for reason in node_reasons:
                        log.error("  - %s: %s", reason["message"], reason["details"])
                node_errors[node_id]["dependent_outputs"].append(o)
            log.error("Output will be ignored")
        if not good:
            details = "\n".join(f"{e['message']}: {e['details']}" for _, errs in failed for e in errs)
            return ValidationResult(
                False,
                {
                    "type": "prompt_outputs_failed_validation",
                    "message": "Prompt outputs failed validation",
                    "details": details,
                    "extra_info": {},
                },
                [],
                node_errors,
            )
        # ComfyUI hands over a set, so its order is arbitrary; this order reproduces the recorded runs.
        good.sort(key=lambda node_id: (len(node_id), node_id), reverse=True)
        return ValidationResult(True, None, good, node_errors)
