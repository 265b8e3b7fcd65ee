"""The stream budget: per-client bounds end a client's oldest stream, the total bound the busiest client's."""

from __future__ import annotations

from server.stream_budget import REPLACED, SHUTDOWN, StreamBudget, StreamSlot


def ended(slots: list[StreamSlot]) -> list[bool]:
    return [slot.ended.is_set() for slot in slots]


def test_a_client_at_its_bound_gives_up_its_oldest_stream() -> None:
    budget = StreamBudget(max_streams=100, hard_limit=110)
    student = [budget.open("student-a", 3) for _ in range(3)]
    other = budget.open("student-b", 3)
    assert all(slot is not None for slot in [*student, other])
    newest = budget.open("student-a", 3)
    assert newest is not None
    assert ended([slot for slot in student if slot is not None]) == [True, False, False]
    assert other is not None and not other.ended.is_set()
    assert budget.open_count("student-a") == 3
    assert budget.open_count() == 4


def test_a_full_budget_ends_the_oldest_stream_of_the_client_holding_the_most() -> None:
    budget = StreamBudget(max_streams=4, hard_limit=6)
    teacher = budget.open("teacher", 4)
    students = [budget.open("student", 4) for _ in range(3)]
    assert budget.open("newcomer", 4) is not None
    assert teacher is not None and not teacher.ended.is_set()
    assert ended([slot for slot in students if slot is not None]) == [True, False, False]
    assert budget.open_count() == 4


def test_streams_that_have_not_left_yet_count_up_to_the_hard_limit() -> None:
    budget = StreamBudget(max_streams=2, hard_limit=3)
    first, second, third = (budget.open("app", 2) for _ in range(3))
    assert first is not None and first.ended.is_set()
    # The ended stream has not left (its thread still runs): nothing more fits.
    assert budget.open("app", 2) is None
    budget.close(first)
    budget.close(first)
    assert budget.open("app", 2) is not None
    assert second is not None and second.ended.is_set()
    assert third is not None and not third.ended.is_set()


def test_end_all_tells_every_stream_to_end() -> None:
    budget = StreamBudget(max_streams=5, hard_limit=5)
    slots = [budget.open(f"client-{n}", 5) for n in range(3)]
    first = slots[0]
    assert first is not None
    budget.open(first.client, 1)
    budget.end_all()
    assert ended([slot for slot in slots if slot is not None]) == [True, True, True]
    assert [slot.end_reason for slot in slots if slot is not None] == [REPLACED, SHUTDOWN, SHUTDOWN]
    assert budget.open_count() == 0
