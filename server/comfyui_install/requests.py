"""The bodies of the install routes (server/api/comfyui_install.py), as the API contract lists them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from server.comfyui_install.plan import PlanChoices


class InstallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choices: PlanChoices = Field(default_factory=PlanChoices)
    # The teacher agreed to leave offline mode for exactly this install's downloads.
    leave_offline: bool = False


class BundleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field(min_length=1, max_length=4096)
    choices: PlanChoices = Field(default_factory=PlanChoices)
    leave_offline: bool = False
