"""Settings sit below the pipeline: the pipeline reads settings, never the other way round.

An upward import ties settings.json's schema to pipeline internals and invites import cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.append(node.module)
    return names


def test_settings_never_import_the_pipeline() -> None:
    upward = [
        f"{path.relative_to(SERVER.parent)}: {name}"
        for path in sorted((SERVER / "settings").rglob("*.py"))
        for name in _imported_modules(path)
        if name == "server.pipeline" or name.startswith("server.pipeline.")
    ]
    assert upward == []
