"""The bench's hook: the LLM check alone, against a checker on the LLM test server."""

from __future__ import annotations

import pytest

from server.pipeline.safety.check_instructions import CheckStage
from server.pipeline.safety.checker_hook import CheckerEndpoint, check_with_checker
from tests.llm_testserver.process import TestServerProcess


@pytest.mark.parametrize(
    ("model", "decision", "category", "checker"),
    [
        ("llama-guard-3-1b", "allowed", None, "llama_guard_3"),
        ("llama-guard-3-1b-unsafe-S1", "blocked", "violence", "llama_guard_3"),
        ("qwen3guard-gen-unsafe-Violent", "blocked", "violence", "qwen3guard"),
        ("verdict-unsafe-hate", "blocked", "hate", "json_verdict"),
        ("echo", "blocked", None, "json_verdict"),  # no verdict: fails closed
    ],
)
def test_the_hook_asks_the_checker_like_the_gate(
    llm_server: TestServerProcess, model: str, decision: str, category: str | None, checker: str
) -> None:
    endpoint = CheckerEndpoint(base_url=llm_server.base_url, model=model)
    record = check_with_checker("A dragon over the castle", "kids", endpoint, stage=CheckStage.PRE_OUTPUT)
    assert (record.decision, record.category, record.checker) == (decision, category, checker)
    assert record.llm_checked and record.llm_call is not None


def test_the_hook_refuses_a_level_without_llm_check(llm_server: TestServerProcess) -> None:
    with pytest.raises(ValueError, match="adult"):
        check_with_checker("x", "adult", CheckerEndpoint(base_url=llm_server.base_url, model="echo"))
