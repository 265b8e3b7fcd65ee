"""Write the web client's API types (web/src/api/generated.ts) from the pydantic models of the API
contract (server/api/contract.py), through json-schema-to-typescript (a devDependency of web/).

    python tools/api_types.py            write the file (make api-types)
    python tools/api_types.py --check    fail when the file differs from what the models give
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.api.contract import schema_document  # noqa: E402

TARGET = ROOT / "web" / "src" / "api" / "generated.ts"
JSON2TS = ROOT / "web" / "node_modules" / ".bin" / "json2ts"
BANNER = (
    "// generated, do not edit: `make api-types` writes this file from the pydantic models listed in\n"
    "// server/api/contract.py (tools/api_types.py, json-schema-to-typescript)."
)


def contract_schema() -> dict[str, Any]:
    document = schema_document()
    definitions = {name: _definition(name, schema) for name, schema in document.get("$defs", {}).items()}
    return {"title": "ApiContract", "type": "object", "additionalProperties": False, "$defs": definitions}


def _definition(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A definition keeps its own title (the type's name); nested ones lose theirs. A model that
    differs as a request ("X-Input") and as an answer ("X-Output") is ``XInput`` and ``X``."""
    cleaned = {key: value if key == "title" else _untitled(value) for key, value in schema.items()}
    if name.endswith("-Input"):
        cleaned["title"] = name.removesuffix("-Input") + "Input"
    elif name.endswith("-Output"):
        cleaned["title"] = name.removesuffix("-Output")
    return cleaned


def _untitled(node: Any) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            # A reference with siblings (a default, a description) would become a copy of the
            # referenced type under a numbered name (ComfyUIMode1, ...): keep the reference alone.
            return {"$ref": node["$ref"]}
        return {
            key: _untitled(value)
            for key, value in node.items()
            if key != "title" or not isinstance(value, str)
        }
    if isinstance(node, list):
        return [_untitled(item) for item in node]
    return node


def generate() -> str:
    if not JSON2TS.exists():
        raise SystemExit(f"{JSON2TS} is missing: run `cd web && npm ci` first")
    with tempfile.TemporaryDirectory() as folder:
        schema_file = Path(folder) / "api-contract.json"
        schema_file.write_text(json.dumps(contract_schema(), indent=2), encoding="utf-8")
        result = subprocess.run(
            [
                str(JSON2TS),
                "--input",
                str(schema_file),
                "--unreachableDefinitions",
                "--additionalProperties=false",
                "--no-declareExternallyReferenced=false",
                "--bannerComment",
                BANNER,
                "--style.singleQuote",
                "--no-style.semi",
                "--style.printWidth=110",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT / "web",
        )
    if result.returncode != 0:
        raise SystemExit(f"json2ts failed:\n{result.stderr}")
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    text = generate()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(
                f"{TARGET.relative_to(ROOT)} is out of date with the API's pydantic models "
                "(server/api/contract.py): run `make api-types` and commit the result.",
                file=sys.stderr,
            )
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
