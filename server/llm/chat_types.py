"""The data a chat call takes and gives back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ChatMessage(BaseModel):
    """One message of a conversation; the prompt parts stay separate messages up to the provider."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class SamplingParameters(BaseModel):
    """Parameters that reach the provider unchanged; ``None`` means the provider's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, gt=0)


class ChatTimeouts(BaseModel):
    """Explicit limits in seconds; ``read_s`` is the longest silence between two received bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connect_s: float = Field(default=5.0, gt=0)
    read_s: float = Field(default=120.0, gt=0)
    write_s: float = Field(default=30.0, gt=0)


class ChatReply(BaseModel):
    """A complete (non-streamed) answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    model: str | None = None
    finish_reason: str | None = None


class ModelInfo(BaseModel):
    """One entry of ``GET /models``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    owned_by: str | None = None
