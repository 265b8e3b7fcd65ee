"""What a seed may be: a whole number ComfyUI takes, or "random" (a new one for each generation).

ComfyUI's samplers declare their ``seed`` input as INT from 0 to 2**64-1 (``object_info``); a seed
outside was accepted here before and failed only when ComfyUI refused the queued workflow.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_COMFYUI_SEED = 2**64 - 1

# The "input_" prefix makes the error type a message code of its own (see server/api/request_body.py).
SEED_ERROR = "input_seed_out_of_range"


def check_seed(value: object) -> int | Literal["random"]:
    if value == "random":
        return "random"
    # bool is an int in Python, but `true` is no seed.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COMFYUI_SEED:
        return value
    raise PydanticCustomError(
        SEED_ERROR,
        'a seed is a whole number from 0 to {max} or "random"',
        {"max": MAX_COMFYUI_SEED},
    )


# The plain validator hides the type from the JSON Schema (the web client's types come from it).
SeedChoice = Annotated[
    int | Literal["random"],
    PlainValidator(check_seed),
    WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_COMFYUI_SEED}, {"const": "random"}]}
    ),
]
