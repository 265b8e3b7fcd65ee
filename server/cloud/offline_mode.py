"""Switching offline mode: the setting, and a managed ComfyUI restarted with the matching environment."""

from __future__ import annotations

import logging

from server.comfyui.runtime import ComfyUIRuntime
from server.comfyui.status import ComfyUIState
from server.settings.models import ComfyUIMode, OfflineChange, Settings
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)


class OfflineMode:
    def __init__(self, settings: SettingsStore, comfyui: ComfyUIRuntime) -> None:
        self._settings = settings
        self._comfyui = comfyui

    def change(self, change: OfflineChange) -> Settings:
        before = self._settings.offline
        settings = self._settings.change_offline(change)
        if settings.offline != before:
            log.info("offline mode switched %s", "on" if settings.offline else "off")
            self._restart_comfyui()
        return settings

    def _restart_comfyui(self) -> None:
        # ComfyUI's offline variables (HF_HUB_OFFLINE, ...) are read when it starts.
        if self._comfyui.launch_config().mode is not ComfyUIMode.MANAGED:
            return
        if self._comfyui.status().state in (ComfyUIState.READY, ComfyUIState.STARTING):
            self._comfyui.restart()
