# ruff: noqa: PTH100, PTH111, PTH112, PTH113, PTH114, PTH117, PTH118, PTH120, PTH122, PTH208
# (string paths on purpose: ComfyUI's path rules - commonpath, relpath, normpath - are reproduced as is)
"""Where model files are looked up: ComfyUI's folder table, extended by extra_model_paths.yaml files.

Lists are read from disk on every call, so files added while the server runs show up at once.
"""

import logging
import mimetypes
import os
from pathlib import Path

import yaml

MODEL_EXTENSIONS = frozenset({".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"})
LEGACY_NAMES = {"unet": "diffusion_models", "clip": "text_encoders"}

log = logging.getLogger("comfyui_testserver")


def _default_table(models_dir: str, base_dir: str) -> dict[str, tuple[list[str], frozenset[str]]]:
    def m(*names: str) -> list[str]:
        return [os.path.join(models_dir, n) for n in names]

    return {
        "checkpoints": (m("checkpoints"), MODEL_EXTENSIONS),
        "configs": (m("configs"), frozenset({".yaml"})),
        "loras": (m("loras"), MODEL_EXTENSIONS),
        "vae": (m("vae"), MODEL_EXTENSIONS),
        "text_encoders": (m("text_encoders", "clip"), MODEL_EXTENSIONS),
        "diffusion_models": (m("unet", "diffusion_models"), MODEL_EXTENSIONS),
        "clip_vision": (m("clip_vision"), MODEL_EXTENSIONS),
        "style_models": (m("style_models"), MODEL_EXTENSIONS),
        "embeddings": (m("embeddings"), MODEL_EXTENSIONS),
        "diffusers": (m("diffusers"), frozenset({"folder"})),
        "vae_approx": (m("vae_approx"), MODEL_EXTENSIONS),
        "controlnet": (m("controlnet", "t2i_adapter"), MODEL_EXTENSIONS),
        "gligen": (m("gligen"), MODEL_EXTENSIONS),
        "upscale_models": (m("upscale_models"), MODEL_EXTENSIONS),
        "custom_nodes": ([os.path.join(base_dir, "custom_nodes")], frozenset()),
        "hypernetworks": (m("hypernetworks"), MODEL_EXTENSIONS),
        "photomaker": (m("photomaker"), MODEL_EXTENSIONS),
        "classifiers": (m("classifiers"), frozenset({""})),
        "model_patches": (m("model_patches"), MODEL_EXTENSIONS),
        "audio_encoders": (m("audio_encoders"), MODEL_EXTENSIONS),
    }


class ModelFolders:
    def __init__(self, base_dir: str) -> None:
        self._table = _default_table(os.path.join(base_dir, "models"), base_dir)

    def keys(self) -> list[str]:
        return list(self._table)

    def has(self, key: str) -> bool:
        return key in self._table

    def add_path(self, key: str, path: str, is_default: bool = False) -> None:
        key = LEGACY_NAMES.get(key, key)
        if key not in self._table:
            self._table[key] = ([path], frozenset())
            return
        paths = self._table[key][0]
        if path in paths:
            if is_default and paths[0] != path:
                paths.remove(path)
                paths.insert(0, path)
        elif is_default:
            paths.insert(0, path)
        else:
            paths.append(path)

    def load_extra_config(self, yaml_path: str) -> None:
        with Path(yaml_path).open(encoding="utf-8") as stream:
            config = yaml.safe_load(stream)
        yaml_dir = os.path.dirname(os.path.abspath(yaml_path))
        for section in config or {}:
            conf = config[section]
            if conf is None:
                continue
            conf = dict(conf)
            base_path = conf.pop("base_path", None)
            if base_path:
                base_path = os.path.expandvars(os.path.expanduser(base_path))
                if not os.path.isabs(base_path):
                    base_path = os.path.abspath(os.path.join(yaml_dir, base_path))
            is_default = bool(conf.pop("is_default", False))
            for key, value in conf.items():
                for line in str(value).split("\n"):
                    if not line:
                        continue
                    if base_path:
                        full = os.path.join(base_path, line)
                    elif not os.path.isabs(line):
                        full = os.path.abspath(os.path.join(yaml_dir, line))
                    else:
                        full = line
                    full = os.path.normpath(full)
                    log.info("Adding extra search path %s %s", key, full)
                    self.add_path(key, full, is_default)

    def folder_paths(self, key: str) -> list[str]:
        return list(self._table[LEGACY_NAMES.get(key, key)][0])

    def filenames(self, key: str) -> list[str]:
        """Relative, '/'-separated names of the files in every folder of that key (links included)."""
        paths, extensions = self._table[LEGACY_NAMES.get(key, key)]
        found: set[str] = set()
        for folder in paths:
            if not os.path.isdir(folder):
                continue
            for dirpath, subdirs, files in os.walk(folder, followlinks=True):
                subdirs[:] = [d for d in subdirs if d != ".git"]
                for name in files:
                    rel = os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/")
                    if not extensions or os.path.splitext(rel)[1].lower() in extensions:
                        found.add(rel)
        return sorted(found)

    def full_path(self, key: str, filename: str) -> str | None:
        """The file behind a listed name, or None (a dangling link is listed but has no file)."""
        relative = os.path.relpath(os.path.join("/", filename), "/")
        for folder in self.folder_paths(key):
            candidate = os.path.join(folder, relative)
            if os.path.isfile(candidate):
                return candidate
            if os.path.islink(candidate):
                log.warning("WARNING path %s exists but doesn't link anywhere, skipping.", candidate)
        return None


def content_type_of(filename: str) -> str | None:
    """'image', 'audio', 'video', ... as the input-file choice lists of LoadImage/LoadAudio use it."""
    if filename.lower().endswith(".webp"):
        return "image"
    mime, _ = mimetypes.guess_type(filename, strict=False)
    return mime.split("/")[0] if mime else None


def input_files(input_dir: str, content_types: list[str]) -> list[str]:
    try:
        names = os.listdir(input_dir)
    except FileNotFoundError:
        return []
    files = [n for n in names if os.path.isfile(os.path.join(input_dir, n))]
    return sorted(n for n in files if content_type_of(n) in content_types)
