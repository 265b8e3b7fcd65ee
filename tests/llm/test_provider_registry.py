"""Provider presets load and validate; the registry turns a choice into a working client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.cloud.provider_addresses import PROVIDER_URLS_ENV, with_address_overrides
from server.llm.chat_errors import (
    BaseUrlMissingError,
    KeyMissingError,
    KeyOnlyForProviderError,
    UnknownProviderError,
)
from server.llm.chat_types import ChatMessage
from server.llm.provider_presets import load_provider_presets
from server.llm.provider_registry import ProviderRegistry
from server.settings.models import ProviderChoice
from server.settings.secrets import SecretsStore
from tests.llm.message_texts import render_error
from tests.llm_testserver.process import TestServerProcess
from tests.llm_testserver.server import TEST_KEY

PRESETS_FILE = Path(__file__).resolve().parents[2] / "configs" / "llm_providers.json"
MESSAGES = [ChatMessage(role="user", content="hello")]


@pytest.fixture
def registry(tmp_path: Path) -> ProviderRegistry:
    return ProviderRegistry(load_provider_presets(PRESETS_FILE), SecretsStore(tmp_path / "secrets.json"))


def test_shipped_presets_are_complete() -> None:
    presets = {p.id: p for p in load_provider_presets(PRESETS_FILE)}
    assert set(presets) == {
        "builtin",
        "ollama",
        "lmstudio",
        "llamacpp",
        "openrouter",
        "openai",
        "mistral",
        "custom",
    }
    assert presets["ollama"].base_url == "http://127.0.0.1:11434/v1"
    assert presets["lmstudio"].base_url == "http://127.0.0.1:1234/v1"
    assert presets["llamacpp"].base_url == "http://127.0.0.1:8080/v1"
    assert presets["builtin"].base_url is None and presets["custom"].base_url is None
    for cloud in ("openrouter", "openai", "mistral"):
        assert presets[cloud].is_cloud is True
        assert presets[cloud].needs_key is True
        assert presets[cloud].secret_name == cloud
    for local in ("builtin", "ollama", "lmstudio", "llamacpp"):
        assert presets[local].is_cloud is False
        assert presets[local].needs_key is False
    assert {"HTTP-Referer", "X-Title"} <= set(presets["openrouter"].extra_headers)


def test_unknown_field_is_a_load_error_naming_the_file(tmp_path: Path) -> None:
    data = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    data["providers"][1]["base_ulr"] = "http://127.0.0.1:1/v1"
    broken = tmp_path / "llm_providers.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"(?s)llm_providers\.json.*base_ulr"):
        load_provider_presets(broken)


def test_inconsistent_preset_is_refused(tmp_path: Path) -> None:
    data = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    data["providers"][4]["secret_name"] = None  # openrouter needs a key but would have nowhere to keep it
    broken = tmp_path / "llm_providers.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="needs_key requires a secret_name"):
        load_provider_presets(broken)


def test_local_preset_with_address_override_talks_to_that_server(
    registry: ProviderRegistry, provider: TestServerProcess
) -> None:
    resolved = registry.resolve(
        ProviderChoice(provider_id="ollama", model="echo", base_url=provider.base_url)
    )
    assert resolved.is_cloud is False
    assert resolved.client.provider_label == "Ollama"
    assert resolved.client.complete(resolved.model, MESSAGES).text == "echo: hello"
    assert "authorization" not in provider.requests()[0]["headers"]
    # The same choice reuses the same client (and its connections).
    again = registry.resolve(ProviderChoice(provider_id="ollama", model="echo", base_url=provider.base_url))
    assert again.client is resolved.client
    assert [m.id for m in registry.list_models("ollama", provider.base_url)] == ["echo", "slow-stream"]
    registry.close()


def test_cloud_preset_needs_its_key(tmp_path: Path, provider: TestServerProcess) -> None:
    secrets = SecretsStore(tmp_path / "secrets.json")
    # The provider's own address, moved for this launch through the environment (as the app does).
    moved = json.dumps({"openrouter": f"{provider.root_url}/keyed/v1"})
    presets = with_address_overrides(load_provider_presets(PRESETS_FILE), {PROVIDER_URLS_ENV: moved})
    registry = ProviderRegistry(presets, secrets)
    choice = ProviderChoice(provider_id="openrouter", model="echo")
    with pytest.raises(KeyMissingError) as caught:
        registry.resolve(choice)
    assert "OpenRouter" in render_error(caught.value, "de")
    secrets.set("openrouter", TEST_KEY)
    # An address in a setting never receives the key of a provider with a fixed address.
    with pytest.raises(KeyOnlyForProviderError):
        registry.resolve(ProviderChoice(provider_id="openrouter", model="echo", base_url=provider.base_url))
    assert provider.requests() == []
    resolved = registry.resolve(choice)
    assert resolved.is_cloud is True
    assert resolved.client.complete(resolved.model, MESSAGES).text == "echo: hello"
    headers = provider.requests()[0]["headers"]
    assert headers["authorization"] == f"Bearer {TEST_KEY}"
    assert headers["x-title"] == "AI4ArtsEd Desktop"
    assert "http-referer" in headers
    # A replaced key gives a new client with the new header.
    secrets.set("openrouter", "sk-or-replaced-0000000000")
    replaced = registry.resolve(choice)
    assert replaced.client is not resolved.client
    assert TEST_KEY not in repr(registry) and TEST_KEY not in repr(replaced.client)
    registry.close()


def test_custom_needs_an_address_and_is_local_or_cloud_by_address(registry: ProviderRegistry) -> None:
    with pytest.raises(BaseUrlMissingError):
        registry.resolve(ProviderChoice(provider_id="custom", model="m"))
    assert registry.is_cloud("custom", "http://127.0.0.1:8000/v1") is False
    assert registry.is_cloud("custom", "http://192.168.1.20:8000/v1") is False
    assert registry.is_cloud("custom", "https://llm.example.org/v1") is True


def test_custom_provider_takes_an_optional_key(tmp_path: Path, provider: TestServerProcess) -> None:
    secrets = SecretsStore(tmp_path / "secrets.json")
    registry = ProviderRegistry(load_provider_presets(PRESETS_FILE), secrets)
    secrets.set("custom", TEST_KEY)
    resolved = registry.resolve(
        ProviderChoice(provider_id="custom", model="echo", base_url=f"{provider.root_url}/keyed/v1")
    )
    assert resolved.client.provider_label == f"127.0.0.1:{provider.port}"
    assert resolved.client.complete(resolved.model, MESSAGES).text == "echo: hello"
    registry.close()


def test_unknown_provider(registry: ProviderRegistry) -> None:
    with pytest.raises(UnknownProviderError) as caught:
        registry.resolve(ProviderChoice(provider_id="nope", model="m"))
    assert "nope" in render_error(caught.value, "en")
