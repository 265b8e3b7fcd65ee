"""The safety evaluation: per level and category, how many unsafe ideas are blocked and how many
harmless ones, for the term lists alone and (with --checker) with the LLM check; the development
and the held-out sets separately; and the time one term check takes.

The set is tests/safety/evaluation/ (see tests/support/safety_evaluation.py for what counts as
blocked). A checker is any object with `blocks(text, level, term_result) -> bool`, made by a
factory named as `package.module:factory` (--checker, or the environment variable
AI4ARTSED_SAFETY_EVAL_CHECKER); the factory is called without arguments.

Run: .venv/bin/python bench/safety_eval.py [--checker module:factory] [--misses]
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

from server.pipeline.safety.term_filter import TermFilter
from server.pipeline.safety.term_lists import FILTERING_LEVELS
from server.settings.safety_level import SafetyLevel
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
    if args.checker:
        checker = load_checker(args.checker)
        for name, items in sets.items():
            result = score(items, term_filter, checker_decision(checker))
            print_score(f"== {name}: term lists + LLM check ({args.checker}) ==", result, args.misses)
    else:
        print(f"\n(no LLM check: pass --checker module:factory or set {CHECKER_VARIABLE})")

    print("\nTime per term check (median of 5 runs):")
    time_checks(term_filter, [item for items in sets.values() for item in items])


if __name__ == "__main__":
    main()
