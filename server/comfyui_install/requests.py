"""The bodies of the install routes (server/api/comfyui_install.py), as the API contract lists them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from server.comfyui_install.plan import PlanChoices


class InstallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choices: PlanChoices = Field(default_factory=PlanChoices)
    # The teacher agreed to leave offline mode for exactly this install's downloads.
    leave_offline: bool = False
    # The teacher PIN, once one is set.
    pin: str | None = Field(default=None, max_length=64)


class BundleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field(min_length=1, max_length=4096)
    choices: PlanChoices = Field(default_factory=PlanChoices)
    leave_offline: bool = False
    # Model files (ids of the app's model list) written beside it, as the models page's bundle does.
    model_ids: list[str] = Field(default_factory=list, max_length=200)
    pin: str | None = Field(default=None, max_length=64)


class InstallActionRequest(BaseModel):
    """Rollback and removal: the teacher PIN once one is set (the body may be left out without one)."""

    model_config = ConfigDict(extra="forbid")

    pin: str | None = Field(default=None, max_length=64)
