"""The lab policy: a machine-wide ``policy.json`` with which a school's IT fixes settings for every user.

The policy never changes what is stored in a user's settings.json; it is laid over it, so the app
sees the policy's values (``LabPolicy.overlay``) and a change of a fixed setting is refused, whoever
asks and whatever PIN they know (``LabPolicy.refuse_change``). A setting counts as fixed as a whole
top-level field: when the policy names any part of ``comfyui``, the whole ComfyUI setting is locked.

A broken policy file must not open up what it meant to close: whenever the file exists but cannot be
read completely, the safety level and offline mode are fixed anyway, to the file's value where that
part was readable and to the strictest value (``kids``, offline) where it was not. Everything else
that was readable applies as written; the unreadable parts are reported and otherwise ignored.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server.errors import AppError, ErrorKind
from server.settings.models import ComfyUIMode, PoolMachineSettings, Settings
from server.settings.safety_level import SafetyLevel

log = logging.getLogger(__name__)

POLICY_FILE_ENV = "AI4ARTSED_POLICY_FILE"
# Where a broken file leaves safety and the network: as closed as the app can be.
STRICTEST: Mapping[str, object] = {"safety_level": SafetyLevel.KIDS.value, "offline": True}
_SETTING_NAMES_FILE = Path(__file__).with_name("setting_names.json")


def policy_file_location(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> Path:
    """The documented place per operating system (docs/lab-policy.md), or the one the variable names.

    The variable counts only where the machine has no policy of its own: anyone who starts the app
    can set a variable, so it must never replace (or hide) the policy an admin put in place.
    """
    machine = machine_policy_file(environ, platform)
    override = environ.get(POLICY_FILE_ENV, "").strip()
    if override and not _present(machine):
        return Path(override)
    if override:
        log.warning("%s is ignored: the machine's own policy %s applies", POLICY_FILE_ENV, machine)
    return machine


def machine_policy_file(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> Path:
    if platform == "win32":
        program_data = environ.get("ProgramData") or environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(program_data) / "AI4ArtsEd" / "policy.json"
    if platform == "darwin":
        return Path("/Library/Application Support/AI4ArtsEd/policy.json")
    return Path("/etc/ai4artsed/policy.json")


def _present(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        # Cannot tell (no permission): treat it as there, so load_policy fails safe on it.
        return True


class ComfyUIPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: ComfyUIMode | None = None
    directory: str | None = None
    python: str | None = None
    url: str | None = None
    device_flags: list[str] | None = None
    # The ComfyUI pool's further machines (a header's value cannot be in a policy: secrets.json).
    machines: list[PoolMachineSettings] | None = None


class ComfyUIInstallPolicy(BaseModel):
    """ "Install ComfyUI for me" in a lab: whether teachers may, and where installs live."""

    model_config = ConfigDict(extra="forbid")

    allowed: bool | None = None
    # Where installs live instead of the user's data folder, e.g. a lab drive, or the machine-wide
    # install IT made (`ai4artsed --install-comfyui --machine-wide`), which the app only reads.
    root: str | None = Field(default=None, min_length=1)


class ModelFoldersPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chosen: list[str] | None = None
    find_existing: bool | None = None


class ClassroomPolicy(BaseModel):
    """Classroom mode in a lab: whether teachers may open a class, and its fixed options."""

    model_config = ConfigDict(extra="forbid")

    allowed: bool | None = None
    address: str | None = Field(default=None, max_length=64)
    port: int | None = Field(default=None, ge=1024, le=65535)
    per_student_limit: int | None = Field(default=None, ge=1, le=10)


class PolicyFile(BaseModel):
    """What policy.json may contain; every field is optional and an unknown one is an error."""

    model_config = ConfigDict(extra="forbid")

    # Free text for the admin (who wrote it, why); JSON has no comments.
    comment: str | None = None
    safety_level: SafetyLevel | None = None
    offline: bool | None = None
    comfyui: ComfyUIPolicy | None = None
    model_folders: ModelFoldersPolicy | None = None
    # The app's own models folder (imports and downloads go there), e.g. a shared drive of the lab.
    models_dir: str | None = Field(default=None, min_length=1)
    # A school folder of attitudes every user of the PC sees, read-only (docs/attitudes.md).
    attitudes_dir: str | None = Field(default=None, min_length=1)
    comfyui_install: ComfyUIInstallPolicy | None = None
    classroom: ClassroomPolicy | None = None
    hide_settings: bool = False


# The PolicyFile fields that are Settings fields (the rest steer the app otherwise).
_SETTINGS_FIELDS = ("safety_level", "offline", "comfyui", "model_folders", "classroom")
# Policy fields inside a settings field that steer the app but are no setting themselves.
_NOT_SETTINGS = {"classroom": {"allowed"}}


class PolicyProblem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str  # "(file)" when the file as a whole is unreadable
    detail: str


@dataclass(frozen=True)
class LabPolicy:
    """The policy in effect. ``LabPolicy()`` is "no policy": nothing fixed, nothing hidden."""

    file: Path | None = None
    # Top-level Settings field -> its fixed value (JSON form; nested ones hold only what the file set).
    fixed: Mapping[str, Any] = field(default_factory=dict)
    hide_settings: bool = False
    models_dir: Path | None = None
    attitudes_dir: Path | None = None
    comment: str | None = None
    problems: tuple[PolicyProblem, ...] = ()
    comfyui_install_allowed: bool = True
    comfyui_install_root: Path | None = None
    classroom_allowed: bool = True

    @property
    def locked(self) -> list[str]:
        return list(self.fixed)

    def public(self) -> dict[str, object]:
        """What GET /api/settings says about the policy (the settings page greys out or hides)."""
        return {"locked": self.locked, "hide_settings": self.hide_settings}

    def describe(self) -> dict[str, object]:
        """Everything about the policy in effect, for diagnostics."""
        return {
            "file": None if self.file is None else str(self.file),
            "fixed": dict(self.fixed),
            "hide_settings": self.hide_settings,
            "models_dir": None if self.models_dir is None else str(self.models_dir),
            "attitudes_dir": None if self.attitudes_dir is None else str(self.attitudes_dir),
            "comfyui_install_allowed": self.comfyui_install_allowed,
            "comfyui_install_root": None
            if self.comfyui_install_root is None
            else str(self.comfyui_install_root),
            "classroom_allowed": self.classroom_allowed,
            "comment": self.comment,
            "problems": [problem.model_dump() for problem in self.problems],
        }

    def overlay(self, stored: Settings) -> Settings:
        """The settings in effect: the stored ones with the policy's values laid over them."""
        if not self.fixed:
            return stored.model_copy(deep=True)
        merged = stored.model_dump(mode="json")
        for name, value in self.fixed.items():
            if isinstance(value, Mapping) and isinstance(merged.get(name), dict):
                merged[name] = {**merged[name], **value}
            else:
                merged[name] = value
        return Settings.model_validate(merged)

    def refuse(self, name: str) -> None:
        """Raises the error the UI shows when someone tries to change a fixed setting."""
        if name in self.fixed:
            raise AppError(
                "setting_locked_by_policy",
                ErrorKind.FORBIDDEN,
                setting=setting_name(name),
                file=str(self.file),
            )

    def refuse_comfyui_install(self) -> None:
        """Raises when the policy fixes ComfyUI or forbids installing it."""
        self.refuse("comfyui")
        if not self.comfyui_install_allowed:
            raise AppError("comfyui_install_forbidden_by_policy", ErrorKind.FORBIDDEN, file=str(self.file))

    def classroom_fixed(self) -> list[str]:
        """The classroom options (``address``, ``port``, ``per_student_limit``) the policy fixes."""
        fixed = self.fixed.get("classroom")
        return sorted(fixed) if isinstance(fixed, Mapping) else []

    def refuse_classroom(self) -> None:
        """Raises when the policy forbids classroom mode."""
        if not self.classroom_allowed:
            raise AppError("classroom_forbidden_by_policy", ErrorKind.FORBIDDEN, file=str(self.file))

    def refuse_change(self, before: Settings, after: Settings) -> None:
        """Refuses when ``after`` differs from ``before`` in any fixed field."""
        for name in self.fixed:
            if getattr(before, name) != getattr(after, name):
                self.refuse(name)


def setting_name(name: str) -> Mapping[str, str]:
    """A setting's name in both languages, for messages (the translator picks one)."""
    names: dict[str, dict[str, str]] = json.loads(_SETTING_NAMES_FILE.read_text(encoding="utf-8"))
    return names.get(name, {"de": name, "en": name})


def load_policy(path: Path) -> LabPolicy:
    """Reads the policy; never raises. No file means no policy."""
    try:
        if not path.exists():
            return LabPolicy()
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.error("lab policy %s is unreadable (%s); safety and offline fixed to the strictest", path, exc)
        return _fail_safe(path, {}, [PolicyProblem(field="(file)", detail=_short(exc))])
    if not isinstance(raw, dict):
        detail = f"the file must hold one JSON object {{...}}, not {type(raw).__name__}"
        log.error("lab policy %s: %s; safety and offline mode fixed to the strictest", path, detail)
        return _fail_safe(path, {}, [PolicyProblem(field="(file)", detail=detail)])

    readable: dict[str, Any] = {}
    problems: list[PolicyProblem] = []
    for key, value in raw.items():
        if key not in PolicyFile.model_fields:
            problems.append(PolicyProblem(field=str(key), detail="unknown field"))
            continue
        try:
            PolicyFile.model_validate({key: value})
        except ValidationError as exc:
            problems.append(PolicyProblem(field=key, detail=_validation_detail(exc)))
            continue
        readable[key] = value
    for folder_field in ("models_dir", "attitudes_dir"):
        if folder_field in readable and not Path(readable[folder_field]).is_absolute():
            problems.append(PolicyProblem(field=folder_field, detail="must be an absolute path"))
            del readable[folder_field]
    root = (readable.get("comfyui_install") or {}).get("root")
    if root is not None and not Path(root).is_absolute():
        problems.append(PolicyProblem(field="comfyui_install", detail="root must be an absolute path"))
        del readable["comfyui_install"]

    if problems:
        for problem in problems:
            log.error("lab policy %s: field %s: %s", path, problem.field, problem.detail)
        log.error("lab policy %s is partly broken; safety and offline mode are fixed regardless", path)
        return _fail_safe(path, readable, problems)
    policy = _build(path, PolicyFile.model_validate(readable), ())
    log.info("lab policy %s in effect; it fixes %s", path, ", ".join(policy.locked) or "no settings")
    return policy


def _fail_safe(path: Path, readable: Mapping[str, Any], problems: list[PolicyProblem]) -> LabPolicy:
    parsed = PolicyFile.model_validate(readable)
    policy = _build(path, parsed, tuple(problems))
    fixed = dict(policy.fixed)
    for name, strictest in STRICTEST.items():
        fixed.setdefault(name, strictest)
    return LabPolicy(
        file=policy.file,
        fixed=fixed,
        hide_settings=policy.hide_settings,
        models_dir=policy.models_dir,
        attitudes_dir=policy.attitudes_dir,
        comment=policy.comment,
        problems=policy.problems,
        # An install rule that could not be read must not open installing up.
        comfyui_install_allowed=policy.comfyui_install_allowed
        and not any(problem.field in ("comfyui_install", "(file)") for problem in problems),
        comfyui_install_root=policy.comfyui_install_root,
        # Likewise a classroom rule that could not be read keeps classroom mode closed.
        classroom_allowed=policy.classroom_allowed
        and not any(problem.field in ("classroom", "(file)") for problem in problems),
    )


def _build(path: Path, parsed: PolicyFile, problems: tuple[PolicyProblem, ...]) -> LabPolicy:
    install = parsed.comfyui_install or ComfyUIInstallPolicy()
    values = parsed.model_dump(mode="json", exclude_none=True, include=set(_SETTINGS_FIELDS))
    # Only what the file set: a nested field the admin left out stays the user's own.
    fixed: dict[str, Any] = {}
    for name in _SETTINGS_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, dict):
            value = {key: part for key, part in value.items() if key not in _NOT_SETTINGS.get(name, set())}
        # "comfyui": {} fixes nothing, so it locks nothing either.
        if value != {}:
            fixed[name] = value
    return LabPolicy(
        file=path,
        fixed=fixed,
        hide_settings=parsed.hide_settings,
        models_dir=None if parsed.models_dir is None else Path(parsed.models_dir),
        attitudes_dir=None if parsed.attitudes_dir is None else Path(parsed.attitudes_dir),
        comment=parsed.comment,
        problems=problems,
        comfyui_install_allowed=install.allowed is not False,
        comfyui_install_root=None if install.root is None else Path(install.root),
        classroom_allowed=parsed.classroom is None or parsed.classroom.allowed is not False,
    )


def _validation_detail(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
