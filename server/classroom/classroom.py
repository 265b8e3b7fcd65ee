"""Classroom mode: one open class at a time, its students, and the LAN listener they reach it on.

The class lives only in memory: its join code, its cookie secret and its student registry are gone
when it closes or the app quits, so every student login ends at once. What stays are the students'
runs (each names its owner, server/classroom/owner.py) in the teacher's data folder.

This service is the app's ``ClassRules`` (server/classroom/rules.py): the workshop and the generator
ask it which safety level, attitudes and outputs a student's request may use.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from server.classroom.join_code import code_matches, new_join_code
from server.classroom.join_throttle import JoinThrottle
from server.classroom.lan_addresses import check_listen_address
from server.classroom.nicknames import clean_nickname, unique_nickname
from server.classroom.owner import RunOwner
from server.classroom.queue_control import QueueControl
from server.classroom.student_cookie import StudentCookies
from server.errors import AppError, ErrorKind
from server.runs.store import RunStore
from server.settings.models import ClassroomSettings
from server.settings.safety_level import SafetyLevel
from server.settings.store import SettingsStore

log = logging.getLogger(__name__)

# More devices than any class has: a flood of joins by someone who saw the code cannot fill memory.
MAX_STUDENTS = 200
# A student counts as connected while a request of theirs is open (an event stream) or was recent.
CONNECTED_S = 30.0


class Listener(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


# Binds the LAN address and port (raising AppError in plain words) and returns the listener, unstarted.
ListenerFactory = Callable[[str, int], Listener]
# The safety term lists' hits for a text at a level (SafetyGate.blocking_terms).
TermCheck = Callable[[str, SafetyLevel], list[str]]


@dataclass(frozen=True)
class ClassOptions:
    address: str
    port: int
    attitude_ids: tuple[str, ...]
    output_ids: tuple[str, ...]
    safety_level: SafetyLevel
    per_student_limit: int


@dataclass
class Student:
    id: str
    nickname: str
    joined_at: datetime
    last_seen: float
    open_requests: int = 0


@dataclass
class OpenClass:
    id: str
    code: str
    options: ClassOptions
    opened_at: datetime
    cookies: StudentCookies
    throttle: JoinThrottle
    students: dict[str, Student] = field(default_factory=dict)
    projected_run_id: str | None = None
    paused: bool = False
    teacher_first: bool = False

    @property
    def join_url(self) -> str:
        return f"http://{self.options.address}:{self.options.port}/join"

    def owner(self, student: Student) -> RunOwner:
        return RunOwner(class_id=self.id, student_id=student.id, nickname=student.nickname)


class Classroom:
    def __init__(
        self,
        settings: SettingsStore,
        runs: RunStore,
        attitudes: Callable[[], Collection[str]],
        outputs: Callable[[], Collection[str]],
        blocking_terms: TermCheck,
        queue: QueueControl | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._runs = runs
        self._attitudes = attitudes
        self._outputs = outputs
        self._blocking_terms = blocking_terms
        self._queue = queue
        self._clock = clock
        self._lock = threading.RLock()
        self._listener_factory: ListenerFactory | None = None
        self._listener: Listener | None = None
        self._class: OpenClass | None = None

    def use_listener(self, factory: ListenerFactory) -> None:
        """How the LAN listener is made (server/app.py wires the Flask app in; the domain has none)."""
        self._listener_factory = factory

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def current(self) -> OpenClass | None:
        return self._class

    def open(self, options: ClassOptions) -> OpenClass:
        policy = self._settings.policy
        policy.refuse_classroom()
        address = check_listen_address(options.address)
        fixed = self._settings.current.classroom
        for name in policy.classroom_fixed():
            if getattr(options, name) != getattr(fixed, name):
                policy.refuse("classroom")
        if options.safety_level is SafetyLevel.RESEARCH:
            # Research switches every check off: never for a class of children and teenagers.
            raise AppError("classroom_research_level", ErrorKind.INVALID_INPUT)
        fixed_level = policy.fixed.get("safety_level")
        if fixed_level is not None and options.safety_level != SafetyLevel(fixed_level):
            policy.refuse("safety_level")
        self._check_choices(options)
        options = ClassOptions(
            address=address,
            port=options.port,
            attitude_ids=tuple(dict.fromkeys(options.attitude_ids)),
            output_ids=tuple(dict.fromkeys(options.output_ids)),
            safety_level=options.safety_level,
            per_student_limit=options.per_student_limit,
        )
        with self._lock:
            if self._class is not None:
                raise AppError("classroom_already_open", ErrorKind.CONFLICT)
            if self._listener_factory is None:
                raise AppError("classroom_unavailable", ErrorKind.UNAVAILABLE)
            listener = self._listener_factory(options.address, options.port)
            listener.start()
            class_id = secrets.token_hex(6)
            self._listener = listener
            self._class = OpenClass(
                id=class_id,
                code=new_join_code(),
                options=options,
                opened_at=datetime.now(UTC),
                cookies=StudentCookies(class_id),
                throttle=JoinThrottle(clock=self._clock),
            )
            log.info("class %s opened on %s:%d", class_id, options.address, options.port)
            opened = self._class
        self._remember(options)
        return opened

    def close(self) -> None:
        """Stops the LAN listener and forgets the class: every student cookie is refused at once."""
        with self._lock:
            closing, listener = self._class, self._listener
            self._class, self._listener = None, None
        if listener is not None:
            listener.stop()
        if closing is not None and self._queue is not None:
            # A paused queue must not outlive its class (the teacher's own jobs would wait forever).
            self._queue.set_paused(False)
            self._queue.set_teacher_first(False)
        if closing is not None:
            log.info("class %s closed (%d students)", closing.id, len(closing.students))

    def _check_choices(self, options: ClassOptions) -> None:
        # No output is fine: a class may work with text attitudes only (their result is a text).
        if not options.attitude_ids:
            raise AppError("classroom_choose_an_attitude", ErrorKind.INVALID_INPUT)
        known_attitudes, known_outputs = set(self._attitudes()), set(self._outputs())
        unknown = [each for each in options.attitude_ids if each not in known_attitudes]
        unknown += [each for each in options.output_ids if each not in known_outputs]
        if unknown:
            raise AppError("classroom_unknown_choice", ErrorKind.INVALID_INPUT, ids=", ".join(unknown))

    def _remember(self, options: ClassOptions) -> None:
        # A policy that fixes any classroom option fixes the whole setting: nothing to remember then.
        if "classroom" in self._settings.policy.fixed:
            return
        remembered = ClassroomSettings(
            address=options.address, port=options.port, per_student_limit=options.per_student_limit
        )
        if remembered != self._settings.current.classroom:
            self._settings.set_classroom(remembered)

    # --- students ----------------------------------------------------------------------------

    def join(self, code: str, nickname: str, source: str) -> tuple[RunOwner, str]:
        """A new student of the open class and their cookie value; wrong codes are throttled."""
        with self._lock:
            open_class = self._require_open()
            wait = open_class.throttle.retry_after(source)
            if wait is not None:
                raise AppError(
                    "join_attempts_exceeded", ErrorKind.TOO_MANY_REQUESTS, seconds=wait, retry_after=wait
                )
            if not code_matches(code, open_class.code):
                open_class.throttle.failed(source)
                raise AppError("join_code_wrong", ErrorKind.FORBIDDEN)
        cleaned = clean_nickname(
            nickname, lambda text: self._blocking_terms(text, open_class.options.safety_level)
        )
        with self._lock:
            if self._class is not open_class:
                raise AppError("classroom_not_open", ErrorKind.CONFLICT)
            if len(open_class.students) >= MAX_STUDENTS:
                raise AppError("classroom_full", ErrorKind.CONFLICT, max=MAX_STUDENTS)
            taken = [student.nickname for student in open_class.students.values()]
            student = Student(
                id=secrets.token_hex(6),
                nickname=unique_nickname(cleaned, taken),
                joined_at=datetime.now(UTC),
                last_seen=self._clock(),
            )
            open_class.students[student.id] = student
            return open_class.owner(student), open_class.cookies.issue(student.id)

    def student_for_cookie(self, value: str | None) -> RunOwner | None:
        """The member a cookie value names, or None (class closed, forged, removed)."""
        with self._lock:
            open_class = self._class
            if open_class is None:
                return None
            student_id = open_class.cookies.student_id(value)
            student = open_class.students.get(student_id) if student_id is not None else None
            return None if student is None else open_class.owner(student)

    def request_started(self, owner: RunOwner) -> None:
        with self._lock:
            student = self._student(owner)
            if student is not None:
                student.open_requests += 1
                student.last_seen = self._clock()

    def request_ended(self, owner: RunOwner) -> None:
        with self._lock:
            student = self._student(owner)
            if student is not None:
                student.open_requests = max(0, student.open_requests - 1)
                student.last_seen = self._clock()

    def connected(self, student: Student) -> bool:
        return student.open_requests > 0 or self._clock() - student.last_seen < CONNECTED_S

    def remove_student(self, student_id: str) -> None:
        with self._lock:
            open_class = self._require_open()
            if open_class.students.pop(student_id, None) is None:
                raise AppError("classroom_student_unknown", ErrorKind.NOT_FOUND)

    def students(self) -> list[Student]:
        with self._lock:
            return [] if self._class is None else list(self._class.students.values())

    # --- the teacher's controls --------------------------------------------------------------

    def set_hidden(self, run_id: str, hidden: bool) -> None:
        """Hides a student's result from that student and the projector (kept for the teacher)."""
        open_class = self._require_open()
        self._require_class_run(open_class, run_id)
        self._runs.set_hidden_from_class(run_id, hidden)
        with self._lock:
            if hidden and open_class.projected_run_id == run_id:
                open_class.projected_run_id = None

    def set_projection(self, run_id: str | None) -> None:
        open_class = self._require_open()
        # The teacher's own demo runs may be projected too; a hidden result may not.
        if run_id is not None and self._runs.load(run_id).hidden_from_class:
            raise AppError("classroom_run_hidden", ErrorKind.CONFLICT)
        with self._lock:
            open_class.projected_run_id = run_id

    def _require_class_run(self, open_class: OpenClass, run_id: str) -> None:
        owner = self._runs.owner_of(run_id)
        if owner is None or owner.class_id != open_class.id:
            raise AppError("classroom_run_not_in_class", ErrorKind.CONFLICT)

    def set_queue(self, paused: bool | None, teacher_first: bool | None) -> OpenClass:
        with self._lock:
            open_class = self._require_open()
            if paused is not None:
                open_class.paused = paused
                if self._queue is not None:
                    self._queue.set_paused(paused)
            if teacher_first is not None:
                open_class.teacher_first = teacher_first
                if self._queue is not None:
                    self._queue.set_teacher_first(teacher_first)
            return open_class

    # --- ClassRules (server/classroom/rules.py) ----------------------------------------------

    def is_member(self, owner: RunOwner) -> bool:
        with self._lock:
            return self._student(owner) is not None

    def safety_level(self, owner: RunOwner) -> SafetyLevel | None:
        open_class = self._class
        return open_class.options.safety_level if open_class is not None and self.is_member(owner) else None

    def allows_attitude(self, owner: RunOwner, attitude_id: str) -> bool:
        open_class = self._class
        return (
            open_class is not None
            and self.is_member(owner)
            and attitude_id in open_class.options.attitude_ids
        )

    def allows_output(self, owner: RunOwner, output_id: str) -> bool:
        open_class = self._class
        return open_class is not None and self.is_member(owner) and output_id in open_class.options.output_ids

    def per_student_limit(self, queue_key: str) -> int | None:
        """For the job queue's ``owner_limit``: the class's limit for its students, none for the teacher."""
        open_class = self._class
        if open_class is None or not queue_key.startswith(f"{open_class.id}:"):
            return None
        return open_class.options.per_student_limit

    # --- inside ------------------------------------------------------------------------------

    def _student(self, owner: RunOwner) -> Student | None:
        open_class = self._class
        if open_class is None or owner.class_id != open_class.id:
            return None
        return open_class.students.get(owner.student_id)

    def _require_open(self) -> OpenClass:
        if self._class is None:
            raise AppError("classroom_not_open", ErrorKind.CONFLICT)
        return self._class
