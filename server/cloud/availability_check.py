"""Catalog availability: a cloud output needs the app online, its provider known and its key stored."""

from __future__ import annotations

from collections.abc import Callable

from server.catalog.availability import UnavailableReason
from server.catalog.models import OutputConfig
from server.llm.chat_errors import UnknownProviderError
from server.llm.provider_registry import ProviderRegistry


class CloudOutputCheck:
    def __init__(self, offline: Callable[[], bool], providers: ProviderRegistry) -> None:
        self._offline = offline
        self._providers = providers

    def __call__(self, output: OutputConfig) -> list[UnavailableReason]:
        if not output.backend.is_cloud:
            return []
        try:
            preset = self._providers.preset(output.backend.value)
        except UnknownProviderError:
            missing = {"provider": output.backend.value}
            return [UnavailableReason(code="cloud.provider_missing", params=missing)]
        params = {"provider": preset.label or preset.id}
        reasons: list[UnavailableReason] = []
        if self._offline():
            reasons.append(UnavailableReason(code="cloud.output_offline", params=params, fix_page="settings"))
        if preset.needs_key and not self._providers.key_is_set(preset.id):
            reasons.append(
                UnavailableReason(code="cloud.output_needs_key", params=params, fix_page="settings")
            )
        return reasons
