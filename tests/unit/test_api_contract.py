"""The API contract: JSON answers come from listed pydantic models, the web client's types are
generated from them and current, and blueprints only translate HTTP."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from server.api.contract import REQUEST_MODELS, RESPONSE_MODELS

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "server" / "api"

# Object types that stay in web/src/api/types.ts, none of them an API shape of its own:
# JobEventData maps each event name to its generated type (server/jobs/event_payloads.py), and
# JobEvent makes of that map a union the compiler narrows by the event's name.
CLIENT_OBJECT_TYPES = {"JobEventData", "JobEvent"}


def _calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _called_names(path: Path) -> set[str]:
    names = set()
    for call in _calls(path):
        if isinstance(call.func, ast.Name):
            names.add(call.func.id)
        elif isinstance(call.func, ast.Attribute):
            names.add(call.func.attr)
    return names


def _blueprint_modules() -> list[Path]:
    return sorted(API.glob("*.py"))


def test_the_web_clients_generated_types_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "api_types.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_no_api_shape_is_hand_written_in_the_web_client() -> None:
    source = (ROOT / "web" / "src" / "api" / "types.ts").read_text(encoding="utf-8")
    interfaces = set(re.findall(r"^export interface (\w+)", source, flags=re.MULTILINE))
    object_types = set(re.findall(r"^export type (\w+) = \{", source, flags=re.MULTILINE))
    assert interfaces == set()
    assert object_types <= CLIENT_OBJECT_TYPES
    assert "from './generated'" in source


def test_every_json_answer_goes_through_the_contract() -> None:
    """jsonify only inside contract.answer: a hand-built dict would escape the generated types."""
    offenders = [
        path.name
        for path in _blueprint_modules()
        if path.name != "contract.py" and "jsonify" in _called_names(path)
    ]
    assert offenders == []


def test_the_contract_lists_each_model_once_and_the_schema_names_them() -> None:
    from server.api.contract import schema_document

    assert len(set(RESPONSE_MODELS)) == len(RESPONSE_MODELS)
    assert len(set(REQUEST_MODELS)) == len(REQUEST_MODELS)
    definitions = schema_document()["$defs"]
    for model in RESPONSE_MODELS:
        assert any(name == model.__name__ or name.startswith(f"{model.__name__}-") for name in definitions), (
            model
        )


def test_blueprints_get_their_services_not_the_container() -> None:
    offenders = [
        path.name
        for path in _blueprint_modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "server.services"
    ]
    assert offenders == []


def test_message_codes_become_text_in_one_place() -> None:
    """Only server/api/messages.py calls the translator; every other module asks it."""
    offenders = [
        path.name
        for path in _blueprint_modules()
        if path.name != "messages.py" and "translate" in _called_names(path)
    ]
    assert offenders == []


def test_blueprints_leave_the_model_files_listing_to_the_service() -> None:
    offenders = [
        path.name
        for path in _blueprint_modules()
        for call in _calls(path)
        if isinstance(call.func, ast.Attribute)
        and call.func.attr == "clear"
        and isinstance(call.func.value, ast.Attribute)
        and call.func.value.attr in ("listing", "_listing")
    ]
    assert offenders == []


def test_every_job_event_the_web_client_knows_has_a_server_model() -> None:
    """JOB_EVENT_NAMES (web) and JobEventData name only events whose data has a model, each the
    generated type of that model."""
    from server.jobs.event_payloads import EVENT_PAYLOADS

    source = (ROOT / "web" / "src" / "api" / "types.ts").read_text(encoding="utf-8")
    names_list = re.search(r"JOB_EVENT_NAMES: readonly JobEventName\[\] = \[(.*?)\]", source, flags=re.DOTALL)
    assert names_list is not None
    names = set(re.findall(r"'(\w+)'", names_list.group(1)))
    assert names == set(EVENT_PAYLOADS)
    event_map = re.search(r"export type JobEventData = \{(.*?)\n\}", source, flags=re.DOTALL)
    assert event_map is not None
    mapped = dict(re.findall(r"^\s*(\w+): G\.(\w+)$", event_map.group(1), flags=re.MULTILINE))
    assert mapped == {name: model.__name__ for name, model in EVENT_PAYLOADS.items()}
