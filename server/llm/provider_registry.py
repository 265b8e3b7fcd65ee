"""Turns a (provider, model, address override) choice into a ready chat client.

The registry knows the presets, takes keys from the secrets store and starts the built-in engine on
first use. Clients are kept per provider and address, so connections are reused between calls.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from server.llm.builtin_engine import BuiltinEngine, EngineEndpoint
from server.llm.bundled_model import SMOLLM2_MODEL_ID, find_smollm2
from server.llm.chat_client import ChatClient
from server.llm.chat_errors import (
    BaseUrlMissingError,
    EngineModelMissingError,
    KeyMissingError,
    KeyOnlyForProviderError,
    UnknownProviderError,
)
from server.llm.chat_types import ModelInfo
from server.llm.network_addresses import display_host, is_local_address
from server.llm.provider_presets import ProviderPreset
from server.network.http_clients import HttpClients
from server.network.policy import NetworkPolicy
from server.settings.models import ProviderChoice
from server.settings.secrets import SecretsStore

_BUILTIN_LABEL = "llama.cpp"


class GgufModelResolver(Protocol):
    """Where the GGUF file for a built-in engine model id lies (the model manager implements this later)."""

    def resolve(self, model: str) -> Path: ...

    def available(self) -> list[ModelInfo]: ...


class DefaultGgufResolver:
    """The bundled SmolLM2 test model, plus ``*.gguf`` files in a models folder (id = file name)."""

    def __init__(self, models_dir: Path | None = None) -> None:
        self._models_dir = models_dir

    def resolve(self, model: str) -> Path:
        if model == SMOLLM2_MODEL_ID:
            bundled = find_smollm2()
            if bundled is not None:
                return bundled.path
        elif (
            self._models_dir is not None
            and model.endswith(".gguf")
            and "/" not in model
            and "\\" not in model
        ):
            candidate = self._models_dir / model
            if candidate.is_file():
                return candidate
        raise EngineModelMissingError({"provider": _BUILTIN_LABEL, "model": model})

    def available(self) -> list[ModelInfo]:
        models: list[ModelInfo] = []
        if find_smollm2() is not None:
            models.append(ModelInfo(id=SMOLLM2_MODEL_ID, owned_by="bundled (test grade)"))
        if self._models_dir is not None and self._models_dir.is_dir():
            models += [
                ModelInfo(id=path.name, owned_by="local") for path in sorted(self._models_dir.glob("*.gguf"))
            ]
        return models


@dataclass(frozen=True)
class ResolvedProvider:
    """A client ready for the chosen model. The registry owns the client: don't close it."""

    client: ChatClient
    model: str
    preset: ProviderPreset
    is_cloud: bool


class ProviderRegistry:
    def __init__(
        self,
        presets: Sequence[ProviderPreset],
        secrets: SecretsStore,
        builtin_engine: BuiltinEngine | None = None,
        gguf_resolver: GgufModelResolver | None = None,
        transport: httpx.BaseTransport | None = None,
        clients: HttpClients | None = None,
    ) -> None:
        """``clients``: the app's HTTP client factory (offline mode); ``transport`` only without it."""
        self._presets = {preset.id: preset for preset in presets}
        self._order = [preset.id for preset in presets]
        self._secrets = secrets
        self._engine = builtin_engine
        self._gguf = gguf_resolver or DefaultGgufResolver()
        self._http = clients or HttpClients(NetworkPolicy.unrestricted(), transport)
        self._lock = threading.Lock()
        # (provider id, base url) -> (fingerprint of the key, client)
        self._clients: dict[tuple[str, str], tuple[str, ChatClient]] = {}

    def __repr__(self) -> str:
        return f"ProviderRegistry(providers={self._order!r})"

    def presets(self) -> list[ProviderPreset]:
        return [self._presets[provider_id] for provider_id in self._order]

    def preset(self, provider_id: str) -> ProviderPreset:
        preset = self._presets.get(provider_id)
        if preset is None:
            raise UnknownProviderError({"provider_id": provider_id, "provider": provider_id})
        return preset

    def key_is_set(self, provider_id: str) -> bool:
        secret_name = self.preset(provider_id).secret_name
        return secret_name is not None and self._secrets.status(secret_name).is_set

    def is_cloud(self, provider_id: str, base_url: str | None = None) -> bool:
        """Whether calls leave the local network (offline mode forbids those)."""
        preset = self.preset(provider_id)
        if preset.is_cloud is not None:
            return preset.is_cloud
        address = base_url or preset.base_url
        return address is None or not is_local_address(address)

    def resolve(self, choice: ProviderChoice) -> ResolvedProvider:
        preset = self.preset(choice.provider_id)
        if preset.kind == "builtin":
            endpoint = self._builtin_endpoint(choice.model)
            base_url = endpoint.base_url
            model = "builtin"  # the engine serves one model under this alias
            # The engine's own key, new at every launch (the engine refuses requests without it).
            client = self._client(preset, base_url, engine_key=endpoint.api_key)
        else:
            base_url = self._base_url(preset, choice.base_url)
            model = choice.model
            client = self._client(preset, base_url)
        return ResolvedProvider(
            client=client,
            model=model,
            preset=preset,
            is_cloud=self.is_cloud(preset.id, base_url),
        )

    def list_models(self, provider_id: str, base_url: str | None = None) -> list[ModelInfo]:
        preset = self.preset(provider_id)
        if preset.kind == "builtin":
            return self._gguf.available()
        return self._client(preset, self._base_url(preset, base_url)).list_models()

    def builtin_model_present(self, model: str) -> bool:
        """Whether the built-in engine finds the GGUF file of ``model`` (bundled or in the models folder)."""
        try:
            self._gguf.resolve(model)
        except EngineModelMissingError:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            clients = [client for _, client in self._clients.values()]
            self._clients.clear()
        for client in clients:
            client.close()

    # --- internals ------------------------------------------------------------------------------

    def _builtin_endpoint(self, model: str) -> EngineEndpoint:
        if self._engine is None:
            raise EngineModelMissingError({"provider": _BUILTIN_LABEL, "model": model})
        return self._engine.ensure_running(self._gguf.resolve(model))

    def _base_url(self, preset: ProviderPreset, override: str | None) -> str:
        base_url = override or preset.base_url
        if not base_url:
            raise BaseUrlMissingError({"provider": preset.label or preset.id})
        return base_url

    def api_key(self, preset: ProviderPreset, base_url: str) -> str | None:
        """The stored key for a request to ``base_url``: only for the Authorization header.

        A provider with a fixed address gets its key only at that address; an address override (a
        setting anyone at the app can change) must never carry the key elsewhere.
        """
        key = self._secrets.get(preset.secret_name) if preset.secret_name else None
        label = preset.label or display_host(base_url)
        if preset.needs_key and not key:
            raise KeyMissingError({"provider": label})
        if key and preset.base_url is not None and base_url.rstrip("/") != preset.base_url.rstrip("/"):
            if preset.needs_key:
                raise KeyOnlyForProviderError(
                    {"provider": label, "host": display_host(preset.base_url)},
                    f"address override {display_host(base_url)} refused for a keyed provider",
                )
            key = None
        return key

    def _client(self, preset: ProviderPreset, base_url: str, engine_key: str | None = None) -> ChatClient:
        key = engine_key if engine_key is not None else self.api_key(preset, base_url)
        fingerprint = hashlib.sha256((key or "").encode()).hexdigest()
        cache_key = (preset.id, base_url)
        stale: ChatClient | None = None
        with self._lock:
            cached = self._clients.get(cache_key)
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            client = ChatClient(
                base_url,
                api_key=key,
                provider_label=preset.label or display_host(base_url),
                extra_headers=preset.extra_headers,
                timeouts=preset.timeouts,
                clients=self._http,
                is_cloud=preset.is_cloud,
            )
            if cached is not None:
                stale = cached[1]
            self._clients[cache_key] = (fingerprint, client)
        if stale is not None:
            # The key changed; a call still running on the old client would be cut, which is what
            # replacing a key should do anyway.
            stale.close()
        return client
