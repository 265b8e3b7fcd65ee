# ruff: noqa: PTH110
# (string paths on purpose: ComfyUI's path rules - commonpath, relpath, normpath - are reproduced as is)
"""The node classes the test server knows, loaded from node_catalogue.json (data, not code)."""

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model_folders import ModelFolders, input_files
from .server_paths import ServerPaths

CATALOGUE_FILE = Path(__file__).with_name("node_catalogue.json")

# The taesd preview decoders that VAELoader offers once both halves are installed.
_TAESD_CHOICES = (("taesd", "taesd"), ("taesdxl", "taesdxl"), ("taesd3", "taesd3"), ("taef1", "taef1"))


@dataclass(frozen=True)
class InputSpec:
    name: str
    category: str  # required | optional | hidden
    type: Any  # a type name, or a list of choices (legacy combo encoding)
    options: dict[str, Any]


@dataclass(frozen=True)
class NodeClass:
    name: str
    object_info: dict[str, Any]
    simulation: dict[str, Any]

    @property
    def is_output(self) -> bool:
        return bool(self.object_info.get("output_node"))

    @property
    def return_types(self) -> list[str]:
        return list(self.object_info.get("output", []))

    @property
    def behaviour(self) -> str:
        return str(self.simulation["behaviour"])

    @property
    def validated_by_function(self) -> list[str]:
        """Inputs checked by the node's own validation function instead of the generic checks."""
        return list(self.simulation.get("input_file_choices", {}))


class NodeCatalogue:
    def __init__(self, folders: ModelFolders, paths: ServerPaths, path: Path = CATALOGUE_FILE) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        self._classes = {
            name: NodeClass(name, entry["object_info"], entry["simulation"])
            for name, entry in document["nodes"].items()
        }
        self._folders = folders
        self._paths = paths

    def names(self) -> list[str]:
        return list(self._classes)

    def get(self, name: str) -> NodeClass | None:
        return self._classes.get(name)

    def _choices(self, node: NodeClass, input_name: str) -> list[str] | None:
        sim = node.simulation
        if input_name in sim.get("file_inputs", {}):
            key = sim["file_inputs"][input_name]
            names = self._folders.filenames(key)
            if key == "vae":
                approx = self._folders.filenames("vae_approx")
                for prefix, choice in _TAESD_CHOICES:
                    if any(a.startswith(prefix + "_decoder.") for a in approx) and any(
                        a.startswith(prefix + "_encoder.") for a in approx
                    ):
                        names.append(choice)
            return names + list(sim.get("builtin_choices", {}).get(input_name, []))
        if input_name in sim.get("input_file_choices", {}):
            return input_files(self._paths.input_dir, sim["input_file_choices"][input_name])
        return None

    def object_info(self, name: str) -> dict[str, Any]:
        """The node's definition as GET /object_info/<name> answers it, with today's file choices."""
        node = self._classes[name]
        info = copy.deepcopy(node.object_info)
        for section in ("required", "optional"):
            for input_name, config in info["input"].get(section, {}).items():
                choices = self._choices(node, input_name)
                if choices is None:
                    continue
                if isinstance(config[0], list):
                    config[0] = choices
                elif config[0] == "COMBO":
                    config[1]["options"] = choices
        return info

    def inputs(self, name: str) -> list[InputSpec]:
        """Input definitions in declaration order, as the validator sees them."""
        info = self.object_info(name)
        out = []
        for category in ("required", "optional", "hidden"):
            for input_name, config in info["input"].get(category, {}).items():
                if category == "hidden":
                    out.append(InputSpec(input_name, category, config, {}))
                    continue
                options = config[1] if len(config) > 1 and isinstance(config[1], dict) else {}
                out.append(InputSpec(input_name, category, config[0], options))
        return out

    def input_file_exists(self, name: str) -> bool:
        """LoadImage-style validation: 'x.png', or 'x.png [output]' etc. relative to the input folder."""
        return os.path.exists(self._paths.annotated(name))
