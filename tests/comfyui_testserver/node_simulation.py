# ruff: noqa: PTH100, PTH103, PTH118, PTH119, PTH120, PTH123, PTH202, PTH208
# (string paths on purpose: ComfyUI's path rules - commonpath, relpath, normpath - are reproduced as is)
"""What each simulated node does: small stand-in values flow between nodes, save nodes write real files.

Values are plain dicts: IMAGE {width, height, frames: [rgb, ...]}, LATENT {kind, width, height, frames,
seconds, seed}, AUDIO {seconds, sample_rate, channels, tone}, VIDEO {image, fps, audio}, SIGMAS
{steps}; models, conditionings etc. are tokens {type, name}.
"""

import asyncio
import functools
import json
import math
import os
import random
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .control_knobs import ControlKnobs
from .hold_gate import HoldGate
from .media import flac_writer, jpeg_writer, mp3_writer, mp4_writer, ogg_opus_writer, png_writer, webp_writer
from .model_folders import ModelFolders
from .node_catalogue import NodeClass
from .server_paths import ServerPaths

Rgb = tuple[int, int, int]
Value = Any
UiOutput = dict[str, Any]


class SimulatedNodeError(Exception):
    """A simulated exception inside a node; reported as execution_error with this type and message."""

    def __init__(self, exception_type: str, message: str) -> None:
        super().__init__(message)
        self.exception_type = exception_type


class InterruptRequestedError(Exception):
    """POST /interrupt reached a point where the node checks for it."""


ProgressHook = Callable[[int, int, bytes | None], None]


@dataclass
class SimulationSettings:
    paths: ServerPaths
    folders: ModelFolders
    knobs: ControlKnobs
    preview_method: str
    preview_size: int
    disable_metadata: bool
    hold_gate: HoldGate = field(default_factory=HoldGate)


@dataclass
class NodeRun:
    node_id: str
    node: NodeClass
    inputs: dict[str, Any]
    prompt: dict[str, Any]
    extra_data: dict[str, Any]
    settings: SimulationSettings
    progress: ProgressHook
    interrupted: Callable[[], bool] = lambda: False

    @property
    def sim(self) -> dict[str, Any]:
        return self.node.simulation

    async def work(self, megapixels: float = 0.0, *, hold: bool = True) -> None:
        """Spend the node's simulated time (scaled; a slow-node knob replaces it), then wait while the
        node is held."""
        knobs = self.settings.knobs
        seconds = knobs.slow_nodes.get(self.node.name)
        if seconds is None:
            seconds = (
                float(self.sim.get("seconds", 0.0))
                + float(self.sim.get("seconds_per_megapixel", 0.0)) * megapixels
            )
            seconds *= knobs.time_scale
        if seconds > 0:
            await asyncio.sleep(seconds)
        if hold:
            await self.hold()

    async def hold(self) -> None:
        """Wait while this node is held (COMFYUI_TESTSERVER_HOLD_NODES), see hold_gate.py."""
        held = self.settings.knobs.hold_nodes
        if self.node.name in held or self.node_id in held:
            await self.settings.hold_gate.wait(self.interrupted)

    def metadata(self) -> dict[str, str]:
        if self.settings.disable_metadata:
            return {}
        out = {"prompt": json.dumps(self.prompt)}
        for key, value in (self.extra_data.get("extra_pnginfo") or {}).items():
            out[key] = json.dumps(value)
        return out


Behaviour = Callable[[NodeRun], Awaitable[tuple[list[Value], UiOutput | None]]]


def describe(value: Value) -> str:
    """How a linked value appears in execution_error.current_inputs."""
    if isinstance(value, dict) and "type" in value:
        kind = value["type"]
        if kind == "IMAGE":
            return f"<IMAGE {len(value['frames'])}x{value['height']}x{value['width']}x3>"
        return f"<{kind}>"
    return str(value)


def _image(width: int, height: int, frames: list[Rgb]) -> dict[str, Any]:
    return {"type": "IMAGE", "width": width, "height": height, "frames": frames}


def _megapixels(image: dict[str, Any]) -> float:
    return float(image["width"] * image["height"] * len(image["frames"])) / 1e6


def _color(value: int) -> Rgb:
    return ((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)


def _seed_color(seed: int) -> Rgb:
    rng = random.Random(seed)
    return (rng.randint(20, 235), rng.randint(20, 235), rng.randint(20, 235))


def save_image_path(
    prefix: str, output_dir: str, width: int = 0, height: int = 0
) -> tuple[str, str, int, str]:
    """ComfyUI's naming: subfolder from the prefix, and a counter one past the highest file of that prefix."""
    if "%" in prefix:
        now = time.localtime()
        for key, value in (
            ("%width%", str(width)),
            ("%height%", str(height)),
            ("%year%", str(now.tm_year)),
            ("%month%", f"{now.tm_mon:02}"),
            ("%day%", f"{now.tm_mday:02}"),
            ("%hour%", f"{now.tm_hour:02}"),
            ("%minute%", f"{now.tm_min:02}"),
            ("%second%", f"{now.tm_sec:02}"),
        ):
            prefix = prefix.replace(key, value)
    subfolder = os.path.dirname(os.path.normpath(prefix))
    filename = os.path.basename(os.path.normpath(prefix))
    folder = os.path.join(output_dir, subfolder)
    if os.path.commonpath((output_dir, os.path.abspath(folder))) != output_dir:
        raise SimulatedNodeError(
            "Exception",
            "**** ERROR: Saving image outside the output folder is not allowed."
            f"\n full_output_folder: {os.path.abspath(folder)}\n         output_dir: {output_dir}"
            f"\n         commonpath: {os.path.commonpath((output_dir, os.path.abspath(folder)))}",
        )
    counters = []
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        names = []
    size = len(filename)
    for name in names:
        head = name[: size + 1]
        if os.path.normcase(head[:-1]) != os.path.normcase(filename) or head[-1:] != "_":
            continue
        try:
            counters.append(int(name[size + 1 :].split("_")[0]))
        except ValueError:
            counters.append(0)
    return folder, filename, (max(counters) + 1 if counters else 1), subfolder


def _temp_suffix() -> str:
    return "_temp_" + "".join(random.choice("abcdefghijklmnopqrstupvxyz") for _ in range(5))


async def _write(path: str, encode: Callable[[], bytes]) -> None:
    data = await asyncio.to_thread(encode)
    await asyncio.to_thread(_write_file, path, data)


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


# ------------------------------------------------------------------------------------------ behaviours


async def model_loader(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    for input_name, key in run.sim.get("file_inputs", {}).items():
        name = run.inputs.get(input_name)
        if name in run.sim.get("builtin_choices", {}).get(input_name, []) or name in (
            "taesd",
            "taesdxl",
            "taesd3",
            "taef1",
        ):
            continue
        if run.settings.folders.full_path(key, str(name)) is None:
            raise SimulatedNodeError(
                "FileNotFoundError", f"Model in folder '{key}' with filename '{name}' not found."
            )
    return _pass_through_outputs(run), None


def _pass_through_outputs(run: NodeRun) -> list[Value]:
    """Each output reuses the next linked input of the same type, else becomes a fresh token."""
    used: set[str] = set()
    outputs: list[Value] = []
    for out_type in run.node.return_types:
        found = None
        for name, value in run.inputs.items():
            if name not in used and isinstance(value, dict) and value.get("type") == out_type:
                found = value
                used.add(name)
                break
        outputs.append(
            found if found is not None else {"type": out_type, "name": f"{run.node.name}#{run.node_id}"}
        )
    return outputs


async def pass_through(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    return _pass_through_outputs(run), None


async def empty_latent(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    spec = run.sim["latent"]
    batch = int(run.inputs.get(spec.get("batch", ""), 1) or 1)
    latent: dict[str, Any] = {"type": "LATENT", "seed": 0}
    if "seconds" in spec:
        latent.update(
            kind="audio", seconds=float(run.inputs[spec["seconds"]]), width=0, height=0, frames=batch
        )
    else:
        length = int(run.inputs.get(spec.get("frames", ""), 1) or 1)
        latent.update(
            kind="image",
            width=int(run.inputs[spec["width"]]),
            height=int(run.inputs[spec["height"]]),
            frames=batch * length,
            seconds=0.0,
        )
    outputs = _pass_through_outputs(run)
    return [latent if t == "LATENT" else v for t, v in zip(run.node.return_types, outputs, strict=True)], None


def _latent_of(run: NodeRun) -> dict[str, Any]:
    for value in run.inputs.values():
        if isinstance(value, dict) and value.get("type") == "LATENT":
            return value
    return {
        "type": "LATENT",
        "kind": "image",
        "width": 512,
        "height": 512,
        "frames": 1,
        "seconds": 0.0,
        "seed": 0,
    }


def _step_count(run: NodeRun) -> int:
    spec = run.sim["steps"]
    if "sigmas_input" in spec:
        sigmas = run.inputs.get(spec["sigmas_input"])
        return int(sigmas.get("steps", 1)) if isinstance(sigmas, dict) else 1
    steps = int(run.inputs.get(spec["input"], 1))
    if "start_input" in spec:
        start = int(run.inputs.get(spec["start_input"], 0))
        end = int(run.inputs.get(spec["end_input"], steps))
        return max(0, min(end, steps) - start)
    return steps


def _preview(run: NodeRun, latent: dict[str, Any], step: int, total: int) -> bytes | None:
    if run.settings.preview_method == "none" or latent.get("kind") != "image":
        return None
    width, height = max(1, latent["width"] // 8), max(1, latent["height"] // 8)
    scale = run.settings.preview_size / max(width, height)
    target = _seed_color(int(latent.get("seed", 0)))
    t = step / max(1, total)
    top = tuple(round(128 + (c - 128) * t) for c in target)
    bottom = tuple(round(40 + (c - 40) * t) for c in target)
    return jpeg_writer.encode_jpeg(max(1, round(width * scale)), max(1, round(height * scale)), top, bottom)  # type: ignore[arg-type]


async def sampler(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    knobs = run.settings.knobs
    slow = knobs.slow_nodes.get(run.node.name)
    if slow is None:
        # The model's load time; a slow-node knob's seconds are all spent in the steps below.
        await run.work(hold=False)
    source = _latent_of(run)
    seed_value = run.inputs.get(run.sim.get("seed_input", "seed"), 0)
    seed = int(seed_value) if isinstance(seed_value, int | float) else 0
    latent = dict(source, seed=seed)
    steps = _step_count(run)
    per_step = (
        (slow / max(1, steps))
        if slow is not None
        else float(run.sim.get("seconds_per_step", 0.05)) * knobs.time_scale
    )
    for step in range(steps):
        if per_step > 0:
            await asyncio.sleep(per_step)
        run.progress(step + 1, steps, _preview(run, latent, step + 1, steps))
        if step == 0:
            # Held after the first step, so a test sees progress while the job runs.
            await run.hold()
    outputs = [latent if t == "LATENT" else {"type": t} for t in run.node.return_types]
    return outputs, None


async def scheduler(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    return [{"type": "SIGMAS", "steps": int(run.inputs.get(run.sim.get("steps_input", "steps"), 20))}], None


async def vae_decode(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    latent = _latent_of(run)
    width, height = int(latent.get("width") or 512), int(latent.get("height") or 512)
    frames = max(1, int(latent.get("frames", 1)))
    image = _image(width, height, [_seed_color(int(latent.get("seed", 0)))] * frames)
    await run.work(_megapixels(image))
    return [image], None


async def vae_encode(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    image = run.inputs.get("pixels") or _image(512, 512, [(0, 0, 0)])
    await run.work(_megapixels(image))
    return [
        {
            "type": "LATENT",
            "kind": "image",
            "width": image["width"],
            "height": image["height"],
            "frames": len(image["frames"]),
            "seconds": 0.0,
            "seed": 0,
        }
    ], None


async def vae_decode_audio(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    latent = _latent_of(run)
    seconds = float(latent.get("seconds") or 5.0)
    return [
        {
            "type": "AUDIO",
            "seconds": seconds,
            "sample_rate": 44100,
            "channels": 2,
            "tone": 220.0 + (int(latent.get("seed", 0)) % 24) * 20.0,
        }
    ], None


async def vae_encode_audio(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    audio = run.inputs.get("audio") or {"seconds": 1.0}
    return [
        {
            "type": "LATENT",
            "kind": "audio",
            "width": 0,
            "height": 0,
            "frames": 1,
            "seconds": float(audio.get("seconds", 1.0)),
            "seed": 0,
        }
    ], None


async def empty_image(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    width, height, batch = int(run.inputs["width"]), int(run.inputs["height"]), int(run.inputs["batch_size"])
    image = _image(width, height, [_color(int(run.inputs.get("color", 0)))] * batch)
    await run.work(_megapixels(image))
    return [image], None


async def image_filter(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    image = next(v for v in run.inputs.values() if isinstance(v, dict) and v.get("type") == "IMAGE")
    await run.work(_megapixels(image))
    if run.sim.get("invert"):
        image = dict(image, frames=[(255 - r, 255 - g, 255 - b) for r, g, b in image["frames"]])
    return [image], None


async def scale(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    source = next(
        v for v in run.inputs.values() if isinstance(v, dict) and v.get("type") in ("IMAGE", "LATENT")
    )
    spec = run.sim["scale"]
    width, height = int(source["width"]), int(source["height"])
    if "factor" in spec or "fixed_factor" in spec:
        factor = float(spec.get("fixed_factor") or run.inputs.get(spec.get("factor", ""), 1.0))
        width, height = max(1, round(width * factor)), max(1, round(height * factor))
    else:
        new_w, new_h = int(run.inputs.get(spec["width"], 0)), int(run.inputs.get(spec["height"], 0))
        if new_w == 0 and new_h == 0:
            new_w, new_h = width, height
        elif new_w == 0:
            new_w = max(1, round(width * new_h / height))
        elif new_h == 0:
            new_h = max(1, round(height * new_w / width))
        width, height = new_w, new_h
    result = dict(source, width=width, height=height)
    await run.work(width * height * float(len(source["frames"]) if "frames" in source else 1) / 1e6)
    return [result], None


def _png_size(path: str) -> tuple[int, int] | None:
    with open(path, "rb") as f:
        head = f.read(32)
    if head.startswith(png_writer.SIGNATURE) and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    if (
        head[:3] == b"\xff\xd8\xff"
        or head[:4] == b"RIFF"
        or head[:6] in (b"GIF87a", b"GIF89a")
        or head[:2] == b"BM"
    ):
        return 512, 512
    return None


async def load_image(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    path = run.settings.paths.annotated(str(run.inputs["image"]))
    size = _png_size(path)
    if size is None:
        raise SimulatedNodeError("PIL.UnidentifiedImageError", f"cannot identify image file '{path}'")
    image = _image(size[0], size[1], [(128, 128, 128)])
    return [image, {"type": "MASK", "width": size[0], "height": size[1]}], None


def _audio_info(path: str) -> dict[str, Any] | None:
    with open(path, "rb") as f:
        head = f.read(64)
    size = os.path.getsize(path)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        channels, rate = struct.unpack("<HI", head[22:28])
        bits = struct.unpack("<H", head[34:36])[0] or 16
        seconds = max(0.0, (size - 44) / max(1, rate * channels * bits // 8))
        return {"seconds": seconds, "sample_rate": rate, "channels": channels}
    if head[:4] == b"fLaC":
        info = int.from_bytes(head[18:26], "big")
        rate = info >> 44
        channels = ((info >> 41) & 0x7) + 1
        total = info & ((1 << 36) - 1)
        return {"seconds": total / max(1, rate), "sample_rate": rate, "channels": channels}
    if head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return {"seconds": size * 8 / 128000, "sample_rate": 44100, "channels": 2}
    if head[:4] == b"OggS" or head[4:8] == b"ftyp" or head[:4] == b"\x1aE\xdf\xa3":
        return {"seconds": 5.0, "sample_rate": 48000, "channels": 2}
    return None


async def load_audio(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    path = run.settings.paths.annotated(str(run.inputs["audio"]))
    info = _audio_info(path)
    if info is None:
        raise SimulatedNodeError(
            "av.error.InvalidDataError",
            f"[Errno 1094995529] Invalid data found when processing input: '{path}'",
        )
    return [{"type": "AUDIO", "tone": 330.0, **info}], None


async def load_video(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    path = run.settings.paths.annotated(str(run.inputs["file"]))
    with open(path, "rb") as f:
        head = f.read(12)
    if head[4:8] != b"ftyp" and head[:4] != b"\x1aE\xdf\xa3" and head[:4] != b"RIFF":
        raise SimulatedNodeError(
            "av.error.InvalidDataError",
            f"[Errno 1094995529] Invalid data found when processing input: '{path}'",
        )
    image = _image(512, 512, [(90, 90, 90)] * 24)
    return [{"type": "VIDEO", "image": image, "fps": 24.0, "audio": None}], None


async def empty_audio(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    return [
        {
            "type": "AUDIO",
            "seconds": float(run.inputs["duration"]),
            "sample_rate": int(run.inputs["sample_rate"]),
            "channels": int(run.inputs["channels"]),
            "tone": 0.0,
        }
    ], None


async def create_video(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    return [
        {
            "type": "VIDEO",
            "image": run.inputs["images"],
            "fps": float(run.inputs["fps"]),
            "audio": run.inputs.get("audio"),
        }
    ], None


async def video_components(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    await run.work()
    video = run.inputs["video"]
    return [video["image"], video.get("audio"), video["fps"]], None


async def primitive(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    return [run.inputs.get("value")], None


async def string_concatenate(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    parts = [str(run.inputs.get("string_a", "")), str(run.inputs.get("string_b", ""))]
    return [str(run.inputs.get("delimiter", "")).join(parts)], None


async def save_image(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    image = run.inputs["images"]
    await run.work(_megapixels(image))
    temp = run.sim.get("folder") == "temp"
    out_dir = run.settings.paths.temp_dir if temp else run.settings.paths.output_dir
    prefix = str(run.inputs.get("filename_prefix", "ComfyUI")) + (_temp_suffix() if temp else "")
    folder, filename, counter, subfolder = save_image_path(prefix, out_dir, image["width"], image["height"])
    results = []
    text = run.metadata()
    for batch_number, rgb in enumerate(image["frames"]):
        file = f"{filename.replace('%batch_num%', str(batch_number))}_{counter:05}_.png"
        await _write(
            os.path.join(folder, file),
            functools.partial(
                png_writer.encode_png, image["width"], image["height"], rgb, text, 1 if temp else 4
            ),
        )
        results.append({"filename": file, "subfolder": subfolder, "type": "temp" if temp else "output"})
        counter += 1
    return [], {"images": results}


async def save_animated(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    image = run.inputs["images"]
    await run.work(_megapixels(image))
    fmt = run.sim["format"]
    out_dir = run.settings.paths.output_dir
    folder, filename, counter, subfolder = save_image_path(
        str(run.inputs["filename_prefix"]), out_dir, image["width"], image["height"]
    )
    file = f"{filename}_{counter:05}_.{fmt}"
    fps = float(run.inputs.get("fps", 6.0))
    w, h, frames = image["width"], image["height"], image["frames"]
    if fmt == "webp":
        await _write(os.path.join(folder, file), lambda: webp_writer.encode_animated_webp(w, h, frames, fps))
        animated = len(frames) != 1
    else:
        text = run.metadata()
        await _write(os.path.join(folder, file), lambda: png_writer.encode_apng(w, h, frames, fps, text))
        animated = True
    return [], {
        "images": [{"filename": file, "subfolder": subfolder, "type": "output"}],
        "animated": [animated],
    }


async def save_video(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    video = run.inputs["video"]
    image = video["image"]
    await run.work(_megapixels(image))
    fmt = str(run.inputs.get("format", "auto"))
    if fmt not in ("auto", "mp4"):
        raise SimulatedNodeError("ValueError", f"Unsupported video format: {fmt}")
    folder, filename, counter, subfolder = save_image_path(
        str(run.inputs["filename_prefix"]), run.settings.paths.output_dir, image["width"], image["height"]
    )
    file = f"{filename}_{counter:05}_.mp4"
    w, h, frames, fps = image["width"], image["height"], image["frames"], float(video["fps"])
    await _write(os.path.join(folder, file), lambda: mp4_writer.encode_mp4(w, h, frames, fps))
    return [], {"images": [{"filename": file, "subfolder": subfolder, "type": "output"}], "animated": [True]}


def _samples(audio: dict[str, Any]) -> list[list[int]]:
    rate = int(audio["sample_rate"])
    count = round(float(audio["seconds"]) * rate)
    tone = float(audio.get("tone") or 0.0)
    if tone <= 0:
        channel = [0] * count
    else:
        step = 2 * math.pi * tone / rate
        channel = [round(6000 * math.sin(step * i)) for i in range(count)]
    return [channel] * int(audio["channels"])


async def save_audio(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    audio = run.inputs["audio"]
    if not isinstance(audio, dict) or "sample_rate" not in audio:
        raise SimulatedNodeError("TypeError", "'NoneType' object is not subscriptable")
    await run.work()
    fmt = run.sim["format"]
    temp = run.sim.get("folder") == "temp"
    prefix = str(run.inputs.get("filename_prefix", "ComfyUI")) + (_temp_suffix() if temp else "")
    out_dir = run.settings.paths.temp_dir if temp else run.settings.paths.output_dir
    folder, filename, counter, subfolder = save_image_path(prefix, out_dir)
    file = f"{filename.replace('%batch_num%', '0')}_{counter:05}_.{fmt}"
    tags = run.metadata()
    seconds, rate, channels = float(audio["seconds"]), int(audio["sample_rate"]), int(audio["channels"])
    if fmt == "flac":
        await _write(os.path.join(folder, file), lambda: flac_writer.encode_flac(_samples(audio), rate, tags))
    elif fmt == "mp3":
        kbps = 320 if run.inputs.get("quality") == "320k" else 128
        await _write(
            os.path.join(folder, file), lambda: mp3_writer.encode_silent_mp3(seconds, rate, channels, kbps)
        )
    else:
        await _write(
            os.path.join(folder, file), lambda: ogg_opus_writer.encode_silent_opus(seconds, rate, channels)
        )
    return [], {"audio": [{"filename": file, "subfolder": subfolder, "type": "temp" if temp else "output"}]}


async def preview_any(run: NodeRun) -> tuple[list[Value], UiOutput | None]:
    source = run.inputs.get("source")
    if isinstance(source, str):
        value = source
    elif isinstance(source, int | float | bool):
        value = str(source)
    elif source is None:
        value = "None"
    else:
        value = json.dumps(source)
    return [], {"text": [value]}


BEHAVIOURS: dict[str, Behaviour] = {
    "model_loader": model_loader,
    "pass_through": pass_through,
    "empty_latent": empty_latent,
    "sampler": sampler,
    "scheduler": scheduler,
    "vae_decode": vae_decode,
    "vae_encode": vae_encode,
    "vae_decode_audio": vae_decode_audio,
    "vae_encode_audio": vae_encode_audio,
    "empty_image": empty_image,
    "image_filter": image_filter,
    "scale": scale,
    "load_image": load_image,
    "load_audio": load_audio,
    "load_video": load_video,
    "empty_audio": empty_audio,
    "create_video": create_video,
    "video_components": video_components,
    "primitive": primitive,
    "string_concatenate": string_concatenate,
    "save_image": save_image,
    "save_animated": save_animated,
    "save_video": save_video,
    "save_audio": save_audio,
    "preview_any": preview_any,
}
