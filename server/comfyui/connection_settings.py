"""Changing how the app reaches ComfyUI (managed folder, external address, none) from the settings.

A change is checked before it is saved, so a teacher learns at once that a folder is not a ComfyUI
install or has no Python, not only later when a generation waits for it. ComfyUI reads its launch
settings when it starts: a running one keeps the old ones until it is restarted, which the caller
offers (``restart_needed``). Choosing "none" stops a running ComfyUI at once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from server.comfyui.installation import locate_installation
from server.comfyui.pool import MachineSpec, header_for_secrets, header_secret_name, url_host
from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.status import ComfyUIState
from server.errors import AppError, ErrorKind
from server.path_names import MAX_NAME_BYTES, NAME_TOO_LONG, path_problem
from server.settings.models import (
    ComfyUIChange,
    ComfyUIMode,
    ComfyUISettings,
    PoolMachineChange,
    PoolMachineSettings,
    Settings,
)
from server.settings.secrets import SecretsStore
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

# An HTTP header name (RFC 9110 token), e.g. "Authorization".
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")


@dataclass(frozen=True)
class ComfyUIChangeResult:
    settings: Settings
    # ComfyUI runs (or tries to) with the settings from before the change.
    restart_needed: bool
    # This launch uses a ComfyUI named on the command line; the saved choice applies from the next start.
    command_line_override: bool


class ComfyUIConnectionSettings:
    def __init__(
        self, settings: SettingsStore, runtime: ComfyUIRuntime, secrets: SecretsStore | None = None
    ) -> None:
        self._settings = settings
        self._runtime = runtime
        self._secrets = secrets

    def change(self, change: ComfyUIChange) -> ComfyUIChangeResult:
        before = self._settings.current.comfyui
        # Before the folder checks: a teacher should learn first that the lab policy fixes this.
        self._settings.policy.refuse("comfyui")
        chosen = self._checked(change, before)
        if change.machines is not None:
            chosen = chosen.model_copy(update={"machines": self._machines(change.machines, before)})
        settings = self._settings.set_comfyui(chosen)
        self._runtime.pool.refresh()
        changed = chosen != before
        if changed:
            log.info("ComfyUI settings changed: mode %s", chosen.mode.value)
        override = self._runtime.chosen_on_command_line
        state = self._runtime.status().state
        restart_needed = False
        if changed and not override:
            if chosen.mode is ComfyUIMode.NONE:
                if state is not ComfyUIState.STOPPED:
                    self._runtime.stop()
            else:
                restart_needed = state is not ComfyUIState.STOPPED
        return ComfyUIChangeResult(settings, restart_needed, override)

    def _machines(
        self, changes: list[PoolMachineChange], before: ComfyUISettings
    ) -> list[PoolMachineSettings]:
        """The pool's other machines; a header value goes to secrets.json, settings keep its name only."""
        kept = {machine.url: machine for machine in before.machines}
        machines: list[PoolMachineSettings] = []
        seen: set[str] = set()
        for change in changes:
            url = change.url.strip().rstrip("/")
            if not url.startswith(("http://", "https://")) or not url_host(url):
                raise AppError("comfyui_url_invalid", ErrorKind.INVALID_INPUT, url=url)
            if url in seen:
                continue
            seen.add(url)
            header_name = (change.header_name or "").strip() or None
            secret = header_secret_name(MachineSpec(url).id)
            if header_name is not None and not _HEADER_NAME.fullmatch(header_name):
                raise AppError("comfyui_pool_header_invalid", ErrorKind.INVALID_INPUT)
            if self._secrets is not None:
                if header_name is None:
                    if self._secrets.get(secret) is not None:
                        self._secrets.delete(secret)
                elif change.header_value:
                    if not change.header_value.isprintable():
                        raise AppError("comfyui_pool_header_invalid", ErrorKind.INVALID_INPUT)
                    self._secrets.set(secret, header_for_secrets(change.header_value))
                elif kept.get(url) is None or self._secrets.get(secret) is None:
                    raise AppError("comfyui_pool_header_value_needed", ErrorKind.INVALID_INPUT)
            name = (change.name or "").strip() or None
            machines.append(
                PoolMachineSettings(url=url, name=name, enabled=change.enabled, header_name=header_name)
            )
        for url in set(kept) - seen:
            secret = header_secret_name(MachineSpec(url).id)
            if self._secrets is not None and self._secrets.get(secret) is not None:
                self._secrets.delete(secret)
        return machines

    @staticmethod
    def _checked(change: ComfyUIChange, before: ComfyUISettings) -> ComfyUISettings:
        directory = (change.directory or "").strip() or None
        python = (change.python or "").strip() or None
        url = (change.url or "").strip().rstrip("/") or None
        if change.mode is ComfyUIMode.MANAGED:
            if directory is None:
                raise AppError("comfyui_folder_needed", ErrorKind.INVALID_INPUT)
            # A name the file system cannot hold would fail the checks below with ENAMETOOLONG.
            for typed in (directory, python or ""):
                problem = path_problem(typed, separators="/\\")
                if problem == NAME_TOO_LONG:
                    raise AppError("input_folder_name_too_long", ErrorKind.INVALID_INPUT, max=MAX_NAME_BYTES)
                if problem is not None:
                    raise AppError("input_folder_control_character", ErrorKind.INVALID_INPUT)
            # Raises with a message that says what is wrong with the folder or its Python.
            installation = locate_installation(directory, python)
            directory = str(installation.directory)
        elif change.mode is ComfyUIMode.EXTERNAL:
            if url is None:
                raise AppError("comfyui_url_needed", ErrorKind.INVALID_INPUT)
            if not url.startswith(("http://", "https://")):
                raise AppError("comfyui_url_invalid", ErrorKind.INVALID_INPUT, url=url)
        # The other mode's value stays, so switching back and forth does not lose what was typed.
        return ComfyUISettings(
            mode=change.mode,
            directory=directory if change.mode is ComfyUIMode.MANAGED else before.directory,
            python=python if change.mode is ComfyUIMode.MANAGED else before.python,
            url=url if change.mode is ComfyUIMode.EXTERNAL else before.url,
            device_flags=before.device_flags,
            machines=before.machines,
        )
