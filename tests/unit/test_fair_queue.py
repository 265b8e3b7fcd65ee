"""The fair queue's order: round-robin by owner, newcomers in the current round, teacher first."""

from __future__ import annotations

import random

from server.jobs.fair_queue import FairQueue, Owner


def queue_of(*jobs: tuple[Owner, str]) -> FairQueue[str]:
    queue: FairQueue[str] = FairQueue()
    for owner, job in jobs:
        queue.push(owner, job)
    return queue


def drain(queue: FairQueue[str]) -> list[str]:
    started = []
    while (job := queue.pop()) is not None:
        started.append(job)
    return started


def test_one_owner_is_served_first_come_first_served() -> None:
    assert drain(queue_of(("a", "a1"), ("a", "a2"), ("a", "a3"))) == ["a1", "a2", "a3"]


def test_owners_take_turns_however_many_jobs_each_submitted() -> None:
    queue = queue_of(("a", "a1"), ("a", "a2"), ("a", "a3"), ("b", "b1"), ("b", "b2"), ("c", "c1"))
    assert drain(queue) == ["a1", "b1", "c1", "a2", "b2", "a3"]


def test_the_teacher_none_is_one_more_owner() -> None:
    queue = queue_of((None, "t1"), (None, "t2"), ("a", "a1"), ("a", "a2"))
    assert drain(queue) == ["t1", "a1", "t2", "a2"]


def test_after_a_start_an_owner_who_came_meanwhile_goes_first() -> None:
    """The first job of a burst starts at once; whoever arrives while it runs is next, not its owner."""
    queue = queue_of(("a", "a1"))
    assert queue.pop() == "a1"
    queue.push("a", "a2")
    queue.push("b", "b1")
    assert drain(queue) == ["b1", "a2"]


def test_a_newcomer_joins_the_current_round_behind_those_already_waiting_in_it() -> None:
    queue = queue_of(("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2"), ("c", "c1"), ("c", "c2"))
    assert queue.pop() == "a1"
    queue.push("d", "d1")
    assert drain(queue) == ["b1", "c1", "d1", "a2", "b2", "c2"]


def test_staying_away_banks_no_turns() -> None:
    queue = queue_of(("a", "a1"))
    for number in range(1, 6):
        queue.push("b", f"b{number}")
        queue.push("c", f"c{number}")
    assert [queue.pop() for _ in range(7)] == ["a1", "b1", "c1", "b2", "c2", "b3", "c3"]
    # a is back after three rounds: it joins the round that runs, not the rounds it missed.
    for number in (2, 3, 4):
        queue.push("a", f"a{number}")
    assert drain(queue) == ["a2", "b4", "c4", "a3", "b5", "c5", "a4"]


def test_teacher_first_puts_the_teachers_jobs_before_everyone_elses() -> None:
    queue = queue_of(("a", "a1"), ("b", "b1"), (None, "t1"), (None, "t2"))
    queue.teacher_first = True
    assert queue.order() == ["t1", "t2", "a1", "b1"]
    assert drain(queue) == ["t1", "t2", "a1", "b1"]


def test_teacher_first_starts_do_not_count_against_the_teacher_once_it_is_off() -> None:
    queue = queue_of(("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2"))
    queue.teacher_first = True
    for job in ("t1", "t2", "t3"):
        queue.push(None, job)
        assert queue.pop() == job
    queue.teacher_first = False
    queue.push(None, "t4")
    # The teacher joins the current round like anyone new, behind a and b who wait in it.
    assert drain(queue) == ["a1", "b1", "t4", "a2", "b2"]


def test_a_removed_job_leaves_its_owners_next_job_in_its_place() -> None:
    queue = queue_of(("a", "a1"), ("a", "a2"), ("b", "b1"), ("c", "c1"))
    assert queue.remove("a1")
    assert not queue.remove("a1")
    assert queue.order() == ["a2", "b1", "c1"]
    assert queue.waiting_of("a") == 1
    assert queue.remove("b1")
    assert queue.waiting_of("b") == 0
    assert len(queue) == 2


def test_the_announced_order_is_the_order_of_starts() -> None:
    """order() is what the queue events announce: it must be what pop() then does, whatever came before."""
    chance = random.Random(17)
    queue: FairQueue[str] = FairQueue()
    owners: list[Owner] = [None, "a", "b", "c", "d"]
    for step in range(400):
        action = chance.random()
        if action < 0.5:
            queue.push(chance.choice(owners), f"job{step}")
        elif action < 0.75:
            expected = queue.order()
            started = queue.pop()
            assert started == (expected[0] if expected else None)
            assert queue.order() == expected[1:]
        elif action < 0.85:
            waiting = queue.order()
            if waiting:
                gone = chance.choice(waiting)
                queue.remove(gone)
                # The owner's later jobs may move up a round: only the set is certain here.
                assert sorted(queue.order()) == sorted(job for job in waiting if job != gone)
        else:
            queue.teacher_first = not queue.teacher_first
    expected = queue.order()
    assert drain(queue) == expected
