"""Environment variables that make the test server misbehave on purpose (documented in README.md)."""

import os
from dataclasses import dataclass, field

PREFIX = "COMFYUI_TESTSERVER_"


def _float(environ: dict[str, str], name: str, default: float | None) -> float | None:
    raw = environ.get(PREFIX + name, "").strip()
    if not raw:
        return default
    return float(raw)


def _name_seconds(raw: str) -> dict[str, float]:
    """'KSampler:5,ImageBlur:2.5' -> {'KSampler': 5.0, 'ImageBlur': 2.5}."""
    out: dict[str, float] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, seconds = part.partition(":")
        out[name.strip()] = float(seconds) if seconds else 5.0
    return out


@dataclass(frozen=True)
class ControlKnobs:
    startup_failure: str = ""
    stall: bool = False
    startup_delay: float = 0.0
    crash_after: float | None = None
    crash_exit_code: int = 1
    fail_nodes: frozenset[str] = frozenset()
    fail_message: str = ""
    fail_exception_type: str = "RuntimeError"
    slow_nodes: dict[str, float] = field(default_factory=dict)
    hold_nodes: frozenset[str] = frozenset()
    time_scale: float = 1.0
    pause_after_prompt: float = 0.3

    @staticmethod
    def from_environment(environ: dict[str, str] | None = None) -> "ControlKnobs":
        env = dict(os.environ) if environ is None else environ

        def get(name: str) -> str:
            return env.get(PREFIX + name, "").strip()

        return ControlKnobs(
            startup_failure=get("FAIL_AT_START"),
            stall=get("STALL") not in ("", "0", "false"),
            startup_delay=_float(env, "STARTUP_DELAY", 0.0) or 0.0,
            crash_after=_float(env, "CRASH_AFTER", None),
            crash_exit_code=int(get("CRASH_EXIT_CODE") or "1"),
            fail_nodes=frozenset(n.strip() for n in get("FAIL_NODES").split(",") if n.strip()),
            fail_message=get("FAIL_MESSAGE"),
            fail_exception_type=get("FAIL_EXCEPTION_TYPE") or "RuntimeError",
            slow_nodes=_name_seconds(get("SLOW_NODES")),
            hold_nodes=frozenset(n.strip() for n in get("HOLD_NODES").split(",") if n.strip()),
            time_scale=_float(env, "TIME_SCALE", 1.0) or 0.0,
            pause_after_prompt=_float(env, "PAUSE_AFTER_PROMPT", 0.3) or 0.0,
        )
