"""Provider presets (``configs/llm_providers.json``): where each LLM server lives and what it needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from server.catalog.models import LocalizedText
from server.llm.chat_types import ChatTimeouts


class ProviderPreset(BaseModel):
    """One provider the user can choose for a pipeline stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_-]+$")
    # builtin: our supervised engine; openai_compatible: a fixed address; custom: the user gives one.
    kind: Literal["builtin", "openai_compatible", "custom"]
    names: LocalizedText
    # Language-neutral name used inside messages ("Ollama"); None: the server's host stands for it.
    label: str | None = Field(min_length=1)
    base_url: str | None
    needs_key: bool
    # Name of the key in the secrets store; None when the provider never takes a key.
    secret_name: str | None = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    # None: it depends on the address the user enters (custom).
    is_cloud: bool | None
    extra_headers: dict[str, str] = Field(default_factory=dict)
    timeouts: ChatTimeouts = Field(default_factory=ChatTimeouts)
    # How to ask for a JSON answer (the safety verdict): llama.cpp takes a JSON schema inside
    # {"type": "json_object"} and turns it into a grammar; OpenAI-style APIs take json_object only;
    # "none" relies on the instructions and the strict parser alone.
    structured_output: Literal["json_object_schema", "json_object", "none"] = "none"

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"base_url must be an http(s) URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ProviderPreset:
        if self.kind == "openai_compatible" and self.base_url is None:
            raise ValueError(f"provider {self.id!r}: an openai_compatible preset needs a base_url")
        if self.kind in ("builtin", "custom") and self.base_url is not None:
            raise ValueError(f"provider {self.id!r}: {self.kind} presets get their address at run time")
        if self.needs_key and self.secret_name is None:
            raise ValueError(f"provider {self.id!r}: needs_key requires a secret_name")
        if self.is_cloud is None and self.kind != "custom":
            raise ValueError(f"provider {self.id!r}: only a custom preset may leave is_cloud open")
        return self


class ProviderPresetFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    providers: list[ProviderPreset]

    @model_validator(mode="after")
    def _unique_ids(self) -> ProviderPresetFile:
        ids = [preset.id for preset in self.providers]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate provider ids: {duplicates}")
        return self


def load_provider_presets(path: Path) -> list[ProviderPreset]:
    """Read and validate the presets; a broken file raises with file and field named."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path.name}: not valid JSON: {exc}") from exc
    try:
        return ProviderPresetFile.model_validate(data).providers
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc
