"""Reads one JSON configuration file into its pydantic model, with errors that name file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigFileError(Exception):
    """A configuration file is missing or broken; the message names the file and every bad field."""


def read_config_file(path: Path, model: type[M], error: type[ConfigFileError] = ConfigFileError) -> M:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path.name}: cannot be read ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise error(
            f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(part) for part in detail['loc'])}': {detail['msg']}"
            for detail in exc.errors()
        )
        raise error(f"{path.name}: {problems}") from exc
