from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.comfyui.supervisor import LaunchConfig, RestartPolicy, free_loopback_port
from tests.comfyui_runtime.rig import FAST_RESTARTS, SupervisorRig, build_rig, managed_config
from tests.comfyui_runtime.targets import ComfyUITarget, resolve_target, target_params

RigFactory = Callable[..., SupervisorRig]


@pytest.fixture(params=target_params())
def target(request: pytest.FixtureRequest) -> ComfyUITarget:
    return resolve_target(str(request.param))


@pytest.fixture
def testserver() -> ComfyUITarget:
    return resolve_target("testserver")


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[RigFactory]:
    """Builds supervisors in their own folders; every one is shut down after the test."""
    rigs: list[SupervisorRig] = []

    def factory(
        config: LaunchConfig,
        *,
        name: str = "rig",
        ready_timeout_s: float = 60.0,
        policy: RestartPolicy = FAST_RESTARTS,
        choose_port: Callable[[], int] = free_loopback_port,
        redact: Callable[[str], str] = str,
    ) -> SupervisorRig:
        rig = build_rig(
            tmp_path / name,
            config,
            ready_timeout_s=ready_timeout_s,
            policy=policy,
            choose_port=choose_port,
            redact=redact,
        )
        rigs.append(rig)
        return rig

    yield factory
    for rig in rigs:
        rig.supervisor.shutdown()


def target_config(target: ComfyUITarget, device_flags: tuple[str, ...] = ("--cpu",)) -> LaunchConfig:
    return managed_config(target.directory, target.python, device_flags)
