"""The parts of a class: join code, nicknames, the failure throttle, the signed cookie, the LAN
addresses, and the lab policy's classroom rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.classroom.join_code import ALPHABET, LENGTH, code_matches, new_join_code
from server.classroom.join_throttle import JoinThrottle
from server.classroom.lan_addresses import LanAddress, check_listen_address, default_address
from server.classroom.nicknames import clean_nickname, unique_nickname
from server.classroom.student_cookie import StudentCookies
from server.errors import AppError
from server.settings.policy import load_policy


def test_join_codes_have_six_characters_without_look_alikes() -> None:
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) > 190
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in codes)
    assert not set("0O1IL2Z5S8BQDUV6G") & set(ALPHABET)
    assert code_matches(" ac3-4ef ", "AC34EF") and not code_matches("AC34EE", "AC34EF")


def test_nicknames_are_trimmed_checked_and_made_unique() -> None:
    def no_terms(_: str) -> list[str]:
        return []

    assert clean_nickname("  Anne-Marie   O'Neill ", no_terms) == "Anne-Marie O'Neill"
    assert clean_nickname("Ümit", no_terms) == "Ümit"
    for raw, code in (
        ("", "nickname_empty"),
        ("x" * 21, "nickname_too_long"),
        ("a<script>", "nickname_characters"),
    ):
        with pytest.raises(AppError) as refused:
            clean_nickname(raw, no_terms)
        assert refused.value.code == code
    with pytest.raises(AppError) as blocked:
        clean_nickname("Gory", lambda text: ["gory"] if "gory" in text.lower() else [])
    assert blocked.value.code == "nickname_not_allowed"
    assert unique_nickname("Mia", ["Ben"]) == "Mia"
    assert unique_nickname("Mia", ["mia", "Mia 2"]) == "Mia 3"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_counts_failures_per_address_refills_and_caps_all_addresses() -> None:
    clock = Clock()
    throttle = JoinThrottle(
        per_address_burst=5, per_address_refill_s=2.0, total_burst=8, total_refill_s=1.0, clock=clock
    )
    for _ in range(5):
        assert throttle.retry_after("10.0.0.1") is None
        throttle.failed("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 2
    assert throttle.retry_after("10.0.0.2") is None  # another address is not affected ...
    for _ in range(3):
        throttle.failed("10.0.0.2")
    assert throttle.retry_after("10.0.0.3") == 1  # ... until all addresses together used the total
    clock.now += 2.0
    assert throttle.retry_after("10.0.0.1") is None  # one failure refilled


def test_a_cookie_fits_only_its_class_and_student() -> None:
    cookies = StudentCookies("class-a")
    value = cookies.issue("s1")
    assert cookies.student_id(value) == "s1"
    assert cookies.student_id(value.replace("s1.", "s2.")) is None
    assert StudentCookies("class-a").student_id(value) is None  # a new class has a new secret
    same_secret_other_class = StudentCookies("class-b", secret=b"k" * 32)
    assert StudentCookies("class-a", secret=b"k" * 32).student_id(same_secret_other_class.issue("s1")) is None
    for broken in (None, "", "s1", "s1.", ".sig", "a.b.c"):
        assert cookies.student_id(broken) is None


def test_the_remembered_address_wins_while_the_machine_has_it() -> None:
    found = [
        LanAddress(address="192.168.1.20", interface="eth0"),
        LanAddress(address="10.0.0.5", interface="wlan0"),
    ]
    assert default_address("10.0.0.5", found) == "10.0.0.5"
    assert default_address("172.16.0.9", found) == "192.168.1.20"
    assert default_address(None, []) is None
    for wildcard in ("0.0.0.0", "224.0.0.1", "not an address", "::1"):
        with pytest.raises(AppError):
            check_listen_address(wildcard)


def _policy(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(content) if not isinstance(content, str) else content, encoding="utf-8")
    return path


def test_the_lab_policy_can_forbid_classroom_mode_or_fix_its_options(tmp_path: Path) -> None:
    assert load_policy(tmp_path / "none.json").classroom_allowed
    forbidden = load_policy(_policy(tmp_path, {"classroom": {"allowed": False}}))
    assert not forbidden.classroom_allowed and forbidden.classroom_fixed() == []
    with pytest.raises(AppError) as refused:
        forbidden.refuse_classroom()
    assert refused.value.code == "classroom_forbidden_by_policy"
    fixed = load_policy(_policy(tmp_path, {"classroom": {"port": 9000, "per_student_limit": 2}}))
    assert fixed.classroom_allowed and fixed.classroom_fixed() == ["per_student_limit", "port"]
    assert fixed.fixed["classroom"] == {"port": 9000, "per_student_limit": 2}
    # A broken file or classroom entry keeps classroom mode closed.
    assert not load_policy(_policy(tmp_path, "{broken")).classroom_allowed
    assert not load_policy(_policy(tmp_path, {"classroom": {"port": "high"}})).classroom_allowed
