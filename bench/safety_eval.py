"""The safety evaluation: per level and category, how many unsafe ideas are blocked and how many
harmless ones, for the term lists alone and (with --checker) with the LLM check; the development
and the held-out sets separately; and the time one term check takes.

The set is tests/safety/evaluation/ (see tests/support/safety_evaluation.py for what counts as
blocked). A checker is any object with `blocks(text, level, term_result) -> bool`, made by a
factory named as `package.module:factory` (--checker, or the environment variable
AI4ARTSED_SAFETY_EVAL_CHECKER); the factory is called without arguments.

A ready checker: --checker-url URL --checker-model NAME asks any OpenAI-compatible server (a
llama.cpp server with a guard GGUF, Ollama) through server/pipeline/safety/checker_hook.py, with the
app's prompts and parsing, for every text the lists let through at kids and youth (as the app does
with a capable checker). --checker-test-server starts the LLM test server (tests/llm_testserver) as
a child process and asks it as `llama-guard-3-1b` (or --checker-model): that column measures the
TEST SERVER's behaviour (it answers "safe" to every natural text), not a real guard model's.

Run: .venv/bin/python bench/safety_eval.py [--checker module:factory | --checker-url URL
     --checker-model NAME | --checker-test-server] [--misses]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.pipeline.safety.checker_hook import CheckerEndpoint, check_with_checker
from server.pipeline.safety.term_filter import TermFilter, TermFilterResult
from server.pipeline.safety.term_lists import FILTERING_LEVELS
from server.settings.safety_level import SafetyLevel
from tests.llm_testserver.process import TestServerProcess
from tests.support.safety_evaluation import (
    DEVELOPMENT,
    HELDOUT,
    EvaluationChecker,
    EvaluationItem,
    Score,
    checker_decision,
    load_evaluation_set,
    score,
)

TERMS_DIR = Path(__file__).resolve().parents[1] / "configs" / "safety" / "terms"
CHECKER_VARIABLE = "AI4ARTSED_SAFETY_EVAL_CHECKER"


class EndpointChecker:
    """The app's LLM check against one OpenAI-compatible server; counts its calls and their time."""

    def __init__(self, endpoint: CheckerEndpoint) -> None:
        self.endpoint = endpoint
        self.timings: list[float] = []
        self.failures = 0

    def blocks(self, text: str, level: SafetyLevel, term_result: TermFilterResult) -> bool:  # noqa: ARG002
        # Asked for every text the lists let through, review hit or not, as the app asks a capable checker.
        started = time.perf_counter()
        # The language only picks the explanation's wording, which the evaluation does not score.
        record = check_with_checker(text, level, self.endpoint)
        self.timings.append(time.perf_counter() - started)
        if record.decision not in ("allowed", "blocked"):
            self.failures += 1
        # Whatever is not an explicit "allowed" stops the run at kids and youth (fail closed).
        return record.decision != "allowed"

    def summary(self) -> str:
        if not self.timings:
            return "no checker calls"
        median = statistics.median(self.timings) * 1000
        return (
            f"{len(self.timings)} checker calls, median {median:.1f} ms, "
            f"max {max(self.timings) * 1000:.1f} ms per check, {self.failures} failed checks"
        )


def load_checker(spec: str) -> EvaluationChecker:
    module_name, _, factory_name = spec.partition(":")
    if not factory_name:
        raise SystemExit(f"--checker wants 'package.module:factory', got '{spec}'")
    factory = getattr(importlib.import_module(module_name), factory_name)
    checker: EvaluationChecker = factory()
    return checker


def print_score(title: str, result: Score, show_misses: bool) -> None:
    print(f"\n{title}")
    print(f"  {'level':<7}{'category':<15}{'blocked':>9}{'of':>5}{'rate':>8}")
    for level in FILTERING_LEVELS:
        categories = sorted({category for item_level, category in result.unsafe if item_level is level})
        for category in categories:
            tally = result.unsafe[(level, category)]
            misses = f"  missed: {' '.join(tally.misses)}" if show_misses and tally.misses else ""
            figures = f"{tally.blocked:>9}{tally.total:>5}{tally.rate:>8.1%}"
            print(f"  {level.value:<7}{category:<15}{figures}{misses}")
        total = result.unsafe_total(level)
        print(f"  {level.value:<7}{'ALL UNSAFE':<15}{total.blocked:>9}{total.total:>5}{total.rate:>8.1%}")
        harmless = result.harmless[level]
        misses = f"  blocked: {' '.join(harmless.misses)}" if show_misses and harmless.misses else ""
        print(
            f"  {level.value:<7}{'harmless':<15}{harmless.blocked:>9}{harmless.total:>5}"
            f"{harmless.rate:>8.1%}{misses}"
        )
    everything = result.unsafe_total()
    extremist = result.unsafe_total(category="extremism_86a")
    print(
        f"  unsafe blocked at their levels: {everything.blocked}/{everything.total} ({everything.rate:.1%}); "
        f"extremist at every level: {extremist.blocked}/{extremist.total} ({extremist.rate:.1%})"
    )


def time_checks(term_filter: TermFilter, items: list[EvaluationItem]) -> None:
    texts = [item.text for item in items]
    long_text = " ".join(texts[:40])  # about 300 words: a long interception answer
    for label, sample in (("one idea", texts), ("300-word text", [long_text])):
        for level in (SafetyLevel.KIDS, SafetyLevel.ADULT):
            rounds = max(1, 2000 // len(sample))
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(rounds):
                    for text in sample:
                        term_filter.check(text, level)
                timings.append((time.perf_counter() - started) / (rounds * len(sample)))
            print(f"  {label:<14} at {level.value:<6}: {statistics.median(timings) * 1e6:8.1f} µs per check")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--checker", default=os.environ.get(CHECKER_VARIABLE), help="package.module:factory")
    parser.add_argument("--checker-url", help="an OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    parser.add_argument(
        "--checker-model", help="the checker's model name (default with the test server: llama-guard-3-1b)"
    )
    parser.add_argument(
        "--checker-test-server",
        action="store_true",
        help="start the LLM test server and use it as the checker (measures the test server, not a guard)",
    )
    parser.add_argument("--misses", action="store_true", help="list the ids of every wrong decision")
    args = parser.parse_args()

    started = time.perf_counter()
    term_filter = TermFilter.from_directory(TERMS_DIR)
    build = time.perf_counter() - started
    sets = {name: load_evaluation_set(name) for name in (DEVELOPMENT, HELDOUT)}
    sizes = ", ".join(f"{name} {len(items)}" for name, items in sets.items())
    print(f"Safety evaluation ({sizes} items); term filter built in {build * 1000:.0f} ms")
    for level in FILTERING_LEVELS:
        print(f"  {level.value}: {term_filter.term_count(level)} spellings")

    for name, items in sets.items():
        print_score(f"== {name}: term lists alone ==", score(items, term_filter), args.misses)
    test_server: TestServerProcess | None = None
    try:
        checker: EvaluationChecker | None = None
        label = args.checker
        if args.checker_test_server:
            test_server = TestServerProcess()
            test_server.start()
            model = args.checker_model or "llama-guard-3-1b"
            checker = EndpointChecker(CheckerEndpoint(base_url=test_server.base_url, model=model))
            label = f"the LLM TEST SERVER as '{model}': its behaviour, not a real guard model's"
        elif args.checker_url:
            if not args.checker_model:
                raise SystemExit("--checker-url needs --checker-model")
            checker = EndpointChecker(CheckerEndpoint(base_url=args.checker_url, model=args.checker_model))
            label = f"{args.checker_model} at {args.checker_url}"
        elif args.checker:
            checker = load_checker(args.checker)
        if checker is not None:
            for name, items in sets.items():
                result = score(items, term_filter, checker_decision(checker))
                print_score(f"== {name}: term lists + LLM check ({label}) ==", result, args.misses)
            if isinstance(checker, EndpointChecker):
                print(f"\nLLM check: {checker.summary()}")
        else:
            print(
                "\n(no LLM check: pass --checker-url and --checker-model, --checker-test-server,"
                f" --checker module:factory, or set {CHECKER_VARIABLE})"
            )
    finally:
        if test_server is not None:
            test_server.stop()

    print("\nTime per term check (median of 5 runs):")
    time_checks(term_filter, [item for items in sets.values() for item in items])


if __name__ == "__main__":
    main()
