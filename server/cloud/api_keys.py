"""The API keys a teacher can store: one per provider that takes one, with status but never the key.

Changing a key (set, replace, delete) is a teacher's action: once a teacher PIN is set, it is needed,
so a student can neither put in their own key nor remove the school's.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from server.catalog.models import LocalizedText
from server.errors import AppError, ErrorKind
from server.llm.provider_registry import ProviderRegistry
from server.settings.secrets import SecretsStore
from server.settings.store import SettingsStore


class KeyChange(BaseModel):
    """Body of ``PUT /api/keys/<name>``; a SecretStr, so no validation message or repr shows the key."""

    model_config = ConfigDict(extra="forbid")

    key: SecretStr = Field(min_length=1, max_length=1024)
    pin: str | None = Field(default=None, max_length=64)


class KeyRemoval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str | None = Field(default=None, max_length=64)


class KeyProvider(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: LocalizedText
    is_cloud: bool | None


class KeyStatus(BaseModel):
    """What the API says about a key: whether it is set and its last four characters, nothing more."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    label: str
    providers: list[KeyProvider]
    # False for a key a provider can do without (an own server that may take one).
    required: bool
    is_set: bool
    last4: str | None


class ApiKeys:
    def __init__(self, secrets: SecretsStore, providers: ProviderRegistry, settings: SettingsStore) -> None:
        self._secrets = secrets
        self._providers = providers
        self._settings = settings

    def statuses(self) -> list[KeyStatus]:
        return [self._status(name) for name in self._names()]

    def status(self, name: str) -> KeyStatus:
        self._known(name)
        return self._status(name)

    def set(self, name: str, change: KeyChange) -> KeyStatus:
        self._known(name)
        self._settings.check_teacher_pin(change.pin)
        try:
            self._secrets.set(name, change.key.get_secret_value())
        except ValueError:
            # The store's reason never contains the value; it is the same for every invalid key.
            raise AppError("key_invalid", ErrorKind.INVALID_INPUT) from None
        return self._status(name)

    def delete(self, name: str, removal: KeyRemoval) -> KeyStatus:
        self._known(name)
        self._settings.check_teacher_pin(removal.pin)
        self._secrets.delete(name)
        return self._status(name)

    # ------------------------------------------------------------------ internals

    def _names(self) -> list[str]:
        names: list[str] = []
        for preset in self._providers.presets():
            if preset.secret_name is not None and preset.secret_name not in names:
                names.append(preset.secret_name)
        return names

    def _known(self, name: str) -> None:
        if name not in self._names():
            raise AppError("key_unknown", ErrorKind.NOT_FOUND, name=name)

    def _status(self, name: str) -> KeyStatus:
        presets = [preset for preset in self._providers.presets() if preset.secret_name == name]
        stored = self._secrets.status(name)
        return KeyStatus(
            name=name,
            label=next((p.label for p in presets if p.label), name),
            providers=[KeyProvider(id=p.id, name=p.names, is_cloud=p.is_cloud) for p in presets],
            required=any(p.needs_key for p in presets),
            is_set=stored.is_set,
            last4=stored.last4,
        )
