"""The teacher PIN apart from the settings: throttled checks, and no settings lock while it hashes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from server.errors import AppError
from server.notices import Notices
from server.settings import teacher_pin
from server.settings.models import (
    LlmStagePatch,
    OfflineChange,
    PinChange,
    ProviderChoice,
    SafetyLevelChange,
    SettingsPatch,
)
from server.settings.pin_throttle import FIRST_WAIT_S, FREE_TRIES, MAX_WAIT_S, PinThrottle, wait_after
from server.settings.safety_level import SafetyLevel
from server.settings.store import SettingsStore
from server.settings.teacher_pin_file import PinState, TeacherPin

PIN = "4711"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _code(action: Callable[[], object]) -> str:
    with pytest.raises(AppError) as raised:
        action()
    return raised.value.code


def test_the_wait_grows_after_the_free_tries_up_to_the_cap() -> None:
    assert [wait_after(n) for n in range(FREE_TRIES)] == [0.0] * FREE_TRIES
    assert wait_after(FREE_TRIES) == FIRST_WAIT_S
    assert wait_after(FREE_TRIES + 1) == 2 * FIRST_WAIT_S
    assert wait_after(FREE_TRIES + 20) == MAX_WAIT_S
    assert wait_after(FREE_TRIES + 100_000) == MAX_WAIT_S


def test_after_the_free_tries_the_right_pin_waits_until_the_backoff_passed(tmp_path: Path) -> None:
    clock = Clock()
    pin = TeacherPin(tmp_path, clock)
    pin.load(marker=False)
    pin.replace(None, PIN)
    for _ in range(FREE_TRIES):
        assert _code(lambda: pin.check("0000")) == "pin_wrong"
    with pytest.raises(AppError) as throttled:
        pin.check(PIN)
    assert throttled.value.code == "pin_throttled"
    assert throttled.value.params["seconds"] == str(int(FIRST_WAIT_S))

    # A new process (the app restarted) on the same folder still waits.
    clock.now += FIRST_WAIT_S - 1
    again = TeacherPin(tmp_path, clock)
    assert again.load(marker=True) is PinState.SET
    assert _code(lambda: again.check(PIN)) == "pin_throttled"
    clock.now += 1
    assert again.check(PIN) is True
    # A right PIN starts the count again.
    assert _code(lambda: again.check("0000")) == "pin_wrong"
    assert again.check(PIN) is True


def test_a_clock_set_back_waits_no_longer_than_the_cap(tmp_path: Path) -> None:
    clock = Clock()
    throttle = PinThrottle(tmp_path / "attempts.json", clock)
    for _ in range(FREE_TRIES + 10):
        throttle.record_failure()
    clock.now -= 10_000
    with pytest.raises(AppError) as throttled:
        PinThrottle(tmp_path / "attempts.json", clock).refuse_if_waiting()
    assert int(throttled.value.params["seconds"]) <= MAX_WAIT_S  # type: ignore[call-overload]


def test_a_broken_attempt_file_gives_no_free_tries(tmp_path: Path) -> None:
    clock = Clock()
    (tmp_path / "teacher-pin-attempts.json").write_text("{", encoding="utf-8")
    pin = TeacherPin(tmp_path, clock)
    pin.load(marker=False)
    pin.replace(None, PIN)
    assert _code(lambda: pin.check("0000")) == "pin_wrong"
    assert _code(lambda: pin.check(PIN)) == "pin_throttled"


@pytest.mark.parametrize("typed", ["４７１１", "٤٧١١", "12", "4711 ", "1234567890123"])
def test_only_4_to_12_ascii_digits_are_a_pin(tmp_path: Path, typed: str) -> None:
    pin = TeacherPin(tmp_path)
    pin.load(marker=False)
    assert _code(lambda: pin.replace(None, typed)) == "pin_format"
    pin.replace(None, PIN)
    # Not a guess that could be right: refused as such, and not counted.
    for _ in range(FREE_TRIES + 1):
        assert _code(lambda: pin.check(typed)) == "pin_format"
    assert pin.check(PIN) is True


def test_settings_reads_go_on_while_a_pin_is_hashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """By structure: inside every hash, another thread reads the settings to the end."""
    store = SettingsStore(tmp_path / "settings.json", Notices())
    real_derive = teacher_pin.derive
    reads: list[bool] = []

    def derive_while_reading(pin: str, salt: bytes) -> bytes:
        reader = threading.Thread(target=lambda: store.current)
        reader.start()
        # Generous: a held settings lock would block the reader until this hash returned, i.e. never.
        reader.join(timeout=30)
        reads.append(not reader.is_alive())
        return real_derive(pin, salt)

    monkeypatch.setattr(teacher_pin, "derive", derive_while_reading)
    store.change_pin(PinChange(new_pin=PIN))
    store.change_safety_level(SafetyLevelChange(level=SafetyLevel.YOUTH, pin=PIN))
    store.change_offline(OfflineChange(offline=False, pin=PIN))
    safety_stage = LlmStagePatch(safety=ProviderChoice(provider_id="ollama", model="m"))
    store.apply(SettingsPatch(llm=safety_stage, pin=PIN))
    store.change_pin(PinChange(current_pin=PIN, new_pin="1234"))
    store.check_teacher_pin("1234")
    assert len(reads) == 7 and all(reads)
    assert store.current.safety_level is SafetyLevel.YOUTH
    assert store.current.llm.safety.provider_id == "ollama"


def test_a_version_1_file_brings_its_pin_even_over_an_older_pin_file(tmp_path: Path) -> None:
    """An older app (after a downgrade) wrote settings.json last: its PIN is the one in force."""
    old_store = SettingsStore(tmp_path / "settings.json", Notices())
    old_store.change_pin(PinChange(new_pin="1111"))
    v1_hash = teacher_pin.hash_pin(PIN).model_dump()
    (tmp_path / "settings.json").write_text(json.dumps({"schema_version": 1, "teacher_pin": v1_hash}))
    store = SettingsStore(tmp_path / "settings.json", Notices())
    assert store.pin_state is PinState.SET
    store.check_teacher_pin(PIN)
    assert _code(lambda: store.check_teacher_pin("1111")) == "pin_wrong"


@pytest.mark.parametrize(
    ("content", "state", "notice"),
    [
        # Not even JSON: it cannot tell whether a PIN was set.
        ("not json at all", PinState.LOCKED, "settings_damaged"),
        ('{"schema_version": 2, "teacher_pin_set": true, "bogus": 1}', PinState.LOCKED, "settings_damaged"),
        ('{"schema_version": 2, "language": "xx"}', PinState.NONE, "settings_damaged"),  # says: no PIN
        # A version 1 PIN hash that cannot be read: the settings are fine, the PIN is locked.
        ('{"teacher_pin": {"salt": 1}}', PinState.LOCKED, "teacher_pin_locked"),
    ],
)
def test_without_a_pin_file_a_damaged_file_locks_unless_it_says_no_pin(
    tmp_path: Path, content: str, state: PinState, notice: str
) -> None:
    (tmp_path / "settings.json").write_text(content, encoding="utf-8")
    notices = Notices()
    store = SettingsStore(tmp_path / "settings.json", notices)
    assert store.pin_state is state
    assert store.current.safety_level is SafetyLevel.KIDS and store.current.offline is True
    assert store.current.teacher_pin_set is (state is not PinState.NONE)
    assert notice in [item.code for item in notices.all()]
    # The marker went to disk: the next start agrees without the damaged file.
    assert SettingsStore(tmp_path / "settings.json", Notices()).pin_state is state
