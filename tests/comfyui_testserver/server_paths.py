# ruff: noqa: PTH118
# (string paths on purpose: ComfyUI's path rules - commonpath, relpath, normpath - are reproduced as is)
"""The input, output, temp and user folders, set like ComfyUI sets them from its flags."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerPaths:
    base_dir: str
    input_dir: str
    output_dir: str
    temp_dir: str
    user_dir: str

    def by_type(self, kind: str) -> str | None:
        return {"output": self.output_dir, "input": self.input_dir, "temp": self.temp_dir}.get(kind)

    def annotated(self, name: str, default_dir: str | None = None) -> str:
        """'x.png [output]' lives in the output folder; a plain name in default_dir (the input folder)."""
        for kind in ("output", "input", "temp"):
            suffix = f" [{kind}]"
            if name.endswith(suffix):
                return os.path.join(self.by_type(kind) or "", name[: -len(suffix)])
        return os.path.join(default_dir or self.input_dir, name)
