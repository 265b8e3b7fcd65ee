"""Offline mode means "nothing outside the school": the pool's machines stay reachable."""

from __future__ import annotations

from server.network.policy import NetworkPolicy


def test_offline_allows_the_pools_school_machines_and_nothing_else_outside() -> None:
    policy = NetworkPolicy(lambda: True, lambda: ["10.0.0.20", "gpu.school.local"])
    assert policy.allows("http://10.0.0.20:8188/prompt")
    assert policy.allows("http://gpu.school.local:8188")
    assert policy.allows("http://127.0.0.1:8188")
    assert not policy.allows("http://10.0.0.21:8188")
    assert not policy.allows("https://api.openai.com/v1")


def test_online_allows_everything() -> None:
    assert NetworkPolicy(lambda: False, lambda: []).allows("https://example.org")
