"""The order in which a lane starts its waiting jobs: round-robin by owner, not first come first served.

One student (or the teacher) submitting many jobs must not make everyone else wait for all of
them. So the queue serves owners in rounds: in every round each owner with a waiting job gets one
start, in the order they joined the round; within one owner, jobs start first come first served.

- After an owner's job starts, the owner's next job joins the next round: every other owner with a
  waiting job gets one start before them again.
- An owner without a waiting job (new, or back after a while) joins the current round behind
  those already waiting in it. So nobody banks turns by staying away, and a newcomer waits at most
  for one job of each other owner.
- "Teacher first" (the owner ``None``, the app's own user) starts the teacher's jobs before
  everyone else's. Those starts are out of turn: they neither advance the round nor count against
  the teacher once "teacher first" is switched off.

This is start-time fair queuing with one unit of work per job. The queue holds no lock: the lane
that owns it guards every call.
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

Owner = str | None
Item = TypeVar("Item")


@dataclass(frozen=True, order=True)
class _Turn:
    """Where an owner's next job stands: its round, then when the owner joined that round."""

    round: int
    joined: int


class FairQueue(Generic[Item]):
    def __init__(self) -> None:
        self._waiting: dict[Owner, deque[Item]] = {}
        self._turns: dict[Owner, _Turn] = {}
        # Each owner's round of its last start (only for owners seen; small: one per student).
        self._last_round: dict[Owner, int] = {}
        self._round = 0  # the round of the last start in turn
        self._clock = 0  # orders owners who join the same round
        self.teacher_first = False

    def __len__(self) -> int:
        return sum(len(items) for items in self._waiting.values())

    def waiting_of(self, owner: Owner) -> int:
        return len(self._waiting.get(owner, ()))

    def push(self, owner: Owner, item: Item) -> None:
        items = self._waiting.get(owner)
        if items is None:
            items = self._waiting[owner] = deque()
            self._turns[owner] = _Turn(max(self._round, self._last_round.get(owner, -1) + 1), self._tick())
        items.append(item)

    def pop(self) -> Item | None:
        """The job to start now (removed from the queue), or None when nothing waits."""
        owner = _next_owner(self._turns, self.teacher_first)
        if isinstance(owner, _Nobody):
            return None
        items = self._waiting[owner]
        item = items.popleft()
        turn = self._turns[owner]
        if owner is None and self.teacher_first:
            # Out of turn: the teacher keeps the current round, as if they had just joined it.
            self._last_round[owner] = self._round - 1
            next_turn = _Turn(self._round, self._tick())
        else:
            self._round = turn.round
            self._last_round[owner] = turn.round
            next_turn = _Turn(turn.round + 1, self._tick())
        if items:
            self._turns[owner] = next_turn
        else:
            del self._waiting[owner]
            del self._turns[owner]
        return item

    def remove(self, item: Item) -> bool:
        """Takes a waiting job out (cancelled); the owner's next job keeps the owner's place."""
        for owner, items in self._waiting.items():
            if item in items:
                items.remove(item)
                if not items:
                    del self._waiting[owner]
                    del self._turns[owner]
                return True
        return False

    def order(self) -> list[Item]:
        """Every waiting job in the order the queue would start them if nothing changed."""
        # A copy that pops: the order can never differ from what pop() will do.
        rehearsal: FairQueue[Item] = copy.copy(self)
        rehearsal._waiting = {owner: deque(items) for owner, items in self._waiting.items()}
        rehearsal._turns = dict(self._turns)
        rehearsal._last_round = dict(self._last_round)
        ordered: list[Item] = []
        while rehearsal._turns:
            item = rehearsal.pop()
            assert item is not None
            ordered.append(item)
        return ordered

    def clear(self) -> list[Item]:
        everything = self.order()
        self._waiting.clear()
        self._turns.clear()
        return everything

    def _tick(self) -> int:
        self._clock += 1
        return self._clock


class _Nobody:
    """No owner has a waiting job (None is an owner: the teacher)."""


def _next_owner(turns: dict[Owner, _Turn], teacher_first: bool) -> Owner | _Nobody:
    if not turns:
        return _Nobody()
    if teacher_first and None in turns:
        return None
    return min(turns, key=turns.__getitem__)
