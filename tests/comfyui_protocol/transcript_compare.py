"""Compares a replayed scenario with its recording, modulo what legitimately varies.

Ignored: times, timestamps, the greeting's sid, absolute paths (turned into the recordings'
placeholders), traceback lines (only "a list of strings" is checked), file bytes (only presence and
headers), and the variations the transcripts' README lists: the order of execution_interrupted.executed,
execution_error.current_outputs and the output-node list in queue/history entries, and, when a scenario
queues several prompts, where status frames fall. Numbers are compared with their type: 1 is not 1.0.
"""

import json
import os
from typing import Any

Event = dict[str, Any]


def typed_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """Where a and b differ (None if equal), telling int from float and bool from int."""
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, int | float) or isinstance(b, int | float):
        if type(a) is not type(b) or a != b:
            return f"{path}: {a!r} != {b!r}"
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            found = typed_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)} ({json.dumps(a)[:300]} vs {json.dumps(b)[:300]})"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = typed_difference(x, y, f"{path}[{index}]")
            if found:
                return found
        return None
    if a != b:
        return f"{path}: {a!r} != {b!r}"
    return None


class Normalizer:
    """Turns machine-specific paths into placeholders and drops the fields that always vary."""

    def __init__(self, placeholders: dict[str, str]) -> None:
        pairs: list[tuple[str, str]] = []
        for path, name in placeholders.items():
            for variant in {path.rstrip("/"), os.path.realpath(path).rstrip("/")}:
                pairs.append((variant, name))
        self._pairs = sorted(pairs, key=lambda p: -len(p[0]))

    def text(self, value: str) -> str:
        for path, name in self._pairs:
            value = value.replace(path, name)
        return value

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k): self(v) for k, v in value.items() if k != "timestamp"}
        return value


def _sorted_ids(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


def _queue_entry(entry: Any) -> Any:
    if isinstance(entry, list) and len(entry) == 5:
        return [*entry[:4], _sorted_ids(entry[4])]
    return entry


def normalize_message(message: dict[str, Any]) -> dict[str, Any]:
    kind, data = message.get("type"), dict(message.get("data") or {})
    if kind == "status" and "sid" in data:
        data["sid"] = "<sid>"
    if kind == "execution_interrupted":
        data["executed"] = _sorted_ids(data.get("executed"))
    if kind == "execution_error":
        data["current_outputs"] = _sorted_ids(data.get("current_outputs"))
        data["executed"] = _sorted_ids(data.get("executed"))
        trace = data.get("traceback")
        if isinstance(trace, list) and all(isinstance(line, str) for line in trace):
            data["traceback"] = "<traceback>"
    return {"type": kind, "data": data}


def normalize_json_body(body: Any) -> Any:
    """History and queue bodies: output-node lists are sets, tracebacks are opaque."""
    if isinstance(body, dict):
        if "queue_running" in body and "queue_pending" in body:
            return {k: [_queue_entry(e) for e in v] if isinstance(v, list) else v for k, v in body.items()}
        out = {}
        for key, value in body.items():
            if isinstance(value, dict) and "prompt" in value and "status" in value:
                value = dict(value, prompt=_queue_entry(value["prompt"]))
                status = value.get("status")
                if isinstance(status, dict) and isinstance(status.get("messages"), list):
                    messages = [
                        [m[0], normalize_message({"type": m[0], "data": m[1]})["data"]]
                        if isinstance(m, list) and len(m) == 2 and isinstance(m[1], dict)
                        else m
                        for m in status["messages"]
                    ]
                    value["status"] = dict(status, messages=messages)
            out[key] = value
        return out
    return body


def _ws_item(event: Event, norm: Normalizer) -> Any:
    if event["kind"] == "ws":
        return normalize_message(norm(event["message"]))
    return {
        "binary": event.get("event_type"),
        "image_type": event.get("image_type"),
        "metadata": norm(event.get("metadata")),
        "has_image": (event.get("image_bytes") or 0) > 0,
    }


def _is_status(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type") == "status"


def _status_summary(items: list[Any]) -> dict[str, Any]:
    values = [i["data"]["status"]["exec_info"]["queue_remaining"] for i in items]
    return {"count": len(values), "first": values[:1], "last": values[-1:], "max": max(values, default=None)}


def compare_websocket(
    recorded: list[Event], replayed: list[Event], norm: Normalizer, relaxed_status: bool
) -> list[str]:
    want = [_ws_item(e, Normalizer({})) for e in recorded if e["kind"] in ("ws", "ws_binary")]
    got = [_ws_item(e, norm) for e in replayed if e["kind"] in ("ws", "ws_binary")]
    problems = []
    if relaxed_status:
        want_status = _status_summary([i for i in want if _is_status(i)])
        got_status = _status_summary([i for i in got if _is_status(i)])
        if want_status != got_status:
            problems.append(f"status frames differ: recorded {want_status}, replayed {got_status}")
        want = [i for i in want if not _is_status(i)]
        got = [i for i in got if not _is_status(i)]
    for index, (w, g) in enumerate(zip(want, got, strict=False)):
        found = typed_difference(w, g, f"ws[{index}]")
        if found:
            problems.append(
                f"websocket message {index} differs: {found}\n  recorded: {json.dumps(w)[:500]}\n"
                f"  replayed: {json.dumps(g)[:500]}"
            )
            break
    if len(want) != len(got):
        problems.append(
            f"{len(want)} websocket messages recorded, {len(got)} replayed; replayed types: "
            f"{[i.get('type', i.get('binary')) for i in got]}"
        )
    return problems


def compare_response(
    key: str, recorded: dict[str, Any], replayed: dict[str, Any], norm: Normalizer
) -> list[str]:
    problems = []
    for field in ("status", "content_type"):
        if recorded.get(field) != replayed.get(field):
            problems.append(f"{key}: {field} {recorded.get(field)!r} != {replayed.get(field)!r}")
    if "json" in recorded:
        if "json" not in replayed:
            return [*problems, f"{key}: expected a JSON body, got {replayed}"]
        want = normalize_json_body(Normalizer({})(recorded["json"]))
        got = normalize_json_body(norm(replayed["json"]))
        if key.endswith("/system_stats"):
            want, got = system_stats_shape(want), system_stats_shape(got)
        found = typed_difference(want, got, key)
        if found:
            problems.append(f"{key}: body differs: {found}")
    elif "text" in recorded:
        if replayed.get("text") != recorded["text"]:
            problems.append(f"{key}: text {replayed.get('text')!r} != {recorded['text']!r}")
    elif "bytes" in recorded:
        if not replayed.get("bytes"):
            problems.append(f"{key}: expected a file body, got {replayed}")
        if recorded.get("content_disposition") != replayed.get("content_disposition"):
            problems.append(
                f"{key}: content-disposition {replayed.get('content_disposition')!r} != "
                f"{recorded.get('content_disposition')!r}"
            )
    return problems


def system_stats_shape(body: Any) -> Any:
    """system_stats differs by machine: compare its keys, value types and the version."""
    if not isinstance(body, dict) or "system" not in body:
        return body
    system = {k: type(v).__name__ for k, v in body["system"].items()}
    system["comfyui_version"] = body["system"].get("comfyui_version")
    system["os"] = body["system"].get("os")
    devices = [{k: type(v).__name__ for k, v in d.items()} for d in body.get("devices", [])]
    return {"system": system, "devices": devices}


def compare_http(recorded: list[Event], replayed: list[Event], norm: Normalizer) -> list[str]:
    want = [e for e in recorded if e["kind"] == "http"]
    got = [e for e in replayed if e["kind"] == "http"]
    if len(want) != len(got):
        return [f"{len(want)} HTTP exchanges recorded, {len(got)} replayed"]
    problems = []
    for index, (w, g) in enumerate(zip(want, got, strict=True)):
        key = f"http[{index}] {w['request']['method']} {w['request']['path']}"
        problems += compare_response(key, w["response"], g["response"], norm)
    problems += compare_same_files(want, got)
    return problems


def compare_same_files(want: list[Event], got: list[Event]) -> list[str]:
    """Where the recording served the same file twice (same sha256), the replay must too, and vice versa."""
    problems = []
    files = [
        (w["response"].get("sha256"), g["response"].get("sha256"))
        for w, g in zip(want, got, strict=True)
        if "sha256" in w["response"]
    ]
    for i, (w1, g1) in enumerate(files):
        for w2, g2 in files[i + 1 :]:
            if (w1 == w2) != (g1 == g2):
                problems.append(
                    "files that the recording served identically differ in the replay (or vice versa)"
                )
    return problems


def compare_scenario(recorded: list[Event], replayed: list[Event], placeholders: dict[str, str]) -> list[str]:
    norm = Normalizer(placeholders)
    prompts = [
        e
        for e in recorded
        if e["kind"] == "http"
        and e["request"]["path"] == "/prompt"
        and e["request"]["method"] == "POST"
        and e["response"]["status"] == 200
    ]
    relaxed = len(prompts) > 1
    return compare_websocket(recorded, replayed, norm, relaxed) + compare_http(recorded, replayed, norm)


def compare_static(
    static: dict[str, Any], replayed: dict[str, dict[str, Any]], placeholders: dict[str, str]
) -> list[str]:
    norm = Normalizer(placeholders)
    problems = []
    for key, entry in static["responses"].items():
        if key not in replayed:
            problems.append(f"{key}: not replayed")
            continue
        problems += compare_response(key, entry["response"], replayed[key]["response"], norm)
    return problems
