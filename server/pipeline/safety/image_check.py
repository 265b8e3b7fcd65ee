"""The local image check: generated images (and a few frames of each video) before anyone sees them.

The detector is NudeNet's small ONNX model (``320n.onnx``, a YOLOv8-style detector of 18 body-part
labels), run on the CPU by onnxruntime. We ship only the model file from the ``nudenet`` wheel and
do the pre- and post-processing here (pad to a square, 320 px, RGB in [0, 1]; per anchor the best
label and its score), so none of NudeNet's (AGPL-3.0) Python code runs in the app; see
docs/third-party-licences.md. OpenCV decodes the images and the video frames.

Which labels withhold media at which score is data: configs/safety/image_check.json.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, model_validator

from server.catalog.models import Strict
from server.config_file import ConfigFileError, read_config_file
from server.settings.safety_level import SafetyLevel

if TYPE_CHECKING:
    import numpy.typing as npt

log = logging.getLogger(__name__)

# The detector's output rows, in its own order (NudeNet 3.x).
LABELS = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
INPUT_SIZE = 320
MODEL_FILE = "320n.onnx"
# Another detector file with the same labels (a newer NudeNet model); tests point it at a double.
MODEL_ENV = "AI4ARTSED_NUDITY_MODEL"
CHECKED_MEDIA_TYPES = frozenset({"image", "video"})


class ImageCheckFile(Strict):
    description: str = ""
    levels: list[SafetyLevel]
    video_frames: Annotated[int, Field(ge=1, le=32)]
    thresholds: dict[SafetyLevel, dict[str, Annotated[float, Field(gt=0.0, le=1.0)]]]

    @model_validator(mode="after")
    def _thresholds_fit(self) -> ImageCheckFile:
        for level in self.levels:
            if level not in self.thresholds:
                raise ValueError(f"no thresholds for the checked level '{level.value}'")
        for labels in self.thresholds.values():
            unknown = sorted(set(labels) - set(LABELS))
            if unknown:
                raise ValueError(f"unknown detector label(s): {', '.join(unknown)}")
        return self


class ImageCheckError(ConfigFileError):
    """configs/safety/image_check.json is missing or broken; the message names file and field."""


@dataclass(frozen=True)
class MediaCheckResult:
    withheld: bool
    findings: dict[str, float] = field(default_factory=dict)  # label -> score at/over its threshold
    frames: int = 0
    duration_ms: int = 0
    failure: str | None = None  # "model_missing", "unreadable": withheld to be careful


def find_model_file() -> Path | None:
    """The detector file: the override, the frozen app's copy, or the installed ``nudenet`` wheel's."""
    override = os.environ.get(MODEL_ENV)
    if override:
        return Path(override) if Path(override).is_file() else None
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        frozen = Path(bundle) / "nudenet" / MODEL_FILE
        return frozen if frozen.is_file() else None
    try:
        dist = importlib.metadata.distribution("nudenet")
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.name == MODEL_FILE:
            path = Path(str(dist.locate_file(entry)))
            if path.is_file():
                return path
    return None


class NudityDetector:
    """The ONNX session, made on first use (about 0.2 s) and shared; onnxruntime runs are thread-safe."""

    def __init__(self, model_path: Path) -> None:
        self._path = model_path
        self._lock = threading.Lock()
        self._session: object | None = None

    def scores(self, bgr: npt.NDArray[Any]) -> dict[str, float]:
        """Per label, the best score of an anchor whose best label it is (as NudeNet reads its output)."""
        import numpy as np

        session = self._load()
        height, width = bgr.shape[:2]
        side = max(height, width)
        padded = np.zeros((side, side, 3), dtype=np.uint8)
        padded[:height, :width] = bgr[:, :, :3]
        import cv2

        resized = cv2.resize(padded, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
        blob = resized[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        output = session.run(None, {session.get_inputs()[0].name: blob})[0]  # type: ignore[attr-defined]
        rows = np.asarray(output)[0].T[:, 4:]  # anchors x labels
        best = rows.argmax(axis=1)
        best_scores = rows.max(axis=1)
        result: dict[str, float] = {}
        for index, label in enumerate(LABELS[: rows.shape[1]]):
            mine = best_scores[best == index]
            if mine.size:
                result[label] = float(mine.max())
        return result

    def _load(self) -> object:
        with self._lock:
            if self._session is None:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = 2  # the GPU's queue is busy anyway; leave cores to the UI
                self._session = onnxruntime.InferenceSession(
                    str(self._path), sess_options=options, providers=["CPUExecutionProvider"]
                )
            return self._session


class ImageCheck:
    def __init__(self, settings: ImageCheckFile, model_path: Path | None) -> None:
        self._settings = settings
        self._detector = NudityDetector(model_path) if model_path is not None else None

    @classmethod
    def load(cls, path: Path) -> ImageCheck:
        return cls(read_config_file(path, ImageCheckFile, ImageCheckError), find_model_file())

    @property
    def model_available(self) -> bool:
        return self._detector is not None

    def applies(self, level: SafetyLevel, media_type: str) -> bool:
        return level in self._settings.levels and media_type in CHECKED_MEDIA_TYPES

    def check(self, path: Path, media_type: str, level: SafetyLevel) -> MediaCheckResult:
        """Fails closed: no detector or an unreadable file withholds the media."""
        started = time.monotonic()
        if self._detector is None:
            return MediaCheckResult(withheld=True, failure="model_missing")
        try:
            frames = _frames(path, media_type, self._settings.video_frames)
        except OSError as error:
            log.warning("the image check could not read %s: %s", path.name, error)
            frames = []
        if not frames:
            return MediaCheckResult(withheld=True, failure="unreadable", duration_ms=_ms(started))
        thresholds = self._settings.thresholds[level]
        findings: dict[str, float] = {}
        for frame in frames:
            for label, score in self._detector.scores(frame).items():
                limit = thresholds.get(label)
                if limit is not None and score >= limit:
                    findings[label] = round(max(score, findings.get(label, 0.0)), 3)
        return MediaCheckResult(
            withheld=bool(findings), findings=findings, frames=len(frames), duration_ms=_ms(started)
        )


def _frames(path: Path, media_type: str, count: int) -> list[npt.NDArray[Any]]:
    import cv2
    import numpy as np

    if media_type == "video":
        capture = cv2.VideoCapture(str(path))
        try:
            total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
            frames: list[npt.NDArray[Any]] = []
            if total > 0:
                # Evenly spread, first and last included: a clip may turn in its last second.
                wanted = sorted({round(i * (total - 1) / max(1, count - 1)) for i in range(count)})
                for index in wanted:
                    capture.set(cv2.CAP_PROP_POS_FRAMES, index)
                    ok, frame = capture.read()
                    if ok and frame is not None:
                        frames.append(frame)
            if frames:
                return frames
        finally:
            capture.release()
        # An animated WebP that the video reader cannot open: at least its first frame.
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return [image] if image is not None else []


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
