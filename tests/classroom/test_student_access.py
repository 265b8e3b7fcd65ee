"""The LAN listener lets students of the open class do the workshop and nothing else (issue 17, 1-3).

The app runs in this process; the LAN listener is the real waitress server on 127.0.0.2 (standing in
for the school network), reached over real HTTP.
"""

from __future__ import annotations

import re

import httpx
import pytest

from server.api.student_access import STUDENT_ACCESS, Scope
from server.classroom.owner import RunOwner
from server.jobs.manager import JobContext
from tests.classroom.conftest import OpenClassroom
from tests.classroom.lan import LAN_ADDRESS

DUMMY_VALUES = {
    "run_id": "20261205-120000-abcdef",
    "job_id": "0" * 32,
    "name": "image.png",
    "media_type": "image",
    "export_id": "0" * 32,
    "attitude_id": "some_attitude",
    "provider_id": "builtin",
    "folder_id": "f1",
    "model_id": "m1",
    "student_id": "s1",
    "path": "settings",
}


def _requests(classroom: OpenClassroom) -> list[tuple[str, str, str, Scope]]:
    """(endpoint, method, path, scope) for every route of the app, with a value for each argument."""
    found = []
    for rule in classroom.api.flask_app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda match: DUMMY_VALUES[match.group(1)], rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, path, STUDENT_ACCESS.get(rule.endpoint, Scope.REFUSED)))
    return found


def test_every_endpoint_of_the_app_has_a_row_in_the_access_table(classroom: OpenClassroom) -> None:
    endpoints = {rule.endpoint for rule in classroom.api.flask_app.url_map.iter_rules()}
    assert endpoints - set(STUDENT_ACCESS) == set(), "add these endpoints to STUDENT_ACCESS"
    assert set(STUDENT_ACCESS) - endpoints == set(), "these rows name no endpoint any more"


def test_every_endpoint_not_open_to_students_refuses_a_student_and_nobody(classroom: OpenClassroom) -> None:
    refused = [entry for entry in _requests(classroom) if entry[3] is Scope.REFUSED]
    assert len(refused) > 60
    with classroom.joined("Mia") as student, classroom.student() as nobody:
        for endpoint, method, path, _ in refused:
            as_student = student.request(method, path, json={})
            assert as_student.status_code == 403, (endpoint, method, path, as_student.text)
            assert as_student.json()["error"]["code"] == "class_forbidden"
            as_nobody = nobody.request(method, path, json={})
            assert as_nobody.status_code in (401, 403), (endpoint, method, path)


def test_a_device_without_a_login_gets_only_the_join_page(classroom: OpenClassroom) -> None:
    needs_login = [
        entry for entry in _requests(classroom) if entry[3] in (Scope.STUDENT, Scope.OWN_RUN, Scope.OWN_JOB)
    ]
    with classroom.student() as nobody:
        for endpoint, method, path, _ in needs_login:
            answer = nobody.request(method, path, json={})
            assert answer.status_code == 401, (endpoint, path, answer.text)
            assert answer.json()["error"]["code"] == "class_login_invalid"
        assert nobody.get("/api/health").status_code == 200


def test_the_launch_token_is_never_accepted_on_the_lan_listener(classroom: OpenClassroom) -> None:
    token = classroom.api.token
    cookie_name = f"ai4artsed_session_{classroom.api.port}"
    with classroom.student() as device:
        bearer = device.get("/api/settings", headers={"Authorization": f"Bearer {token}"})
        assert bearer.status_code == 403
        as_cookie = device.get("/api/runs", headers={"Cookie": f"{cookie_name}={token}"})
        assert as_cookie.status_code == 401
        in_url = device.get(f"/?token={token}")
        assert in_url.status_code == 303 and in_url.headers["location"] == "/join"
        assert "set-cookie" not in in_url.headers
        teacher_route = device.get("/api/classroom", headers={"Authorization": f"Bearer {token}"})
        assert teacher_route.status_code == 403


def test_a_foreign_host_or_origin_is_refused(classroom: OpenClassroom) -> None:
    with classroom.joined("Ben") as student:
        assert student.get("/api/class/me").status_code == 200
        rebound = student.get("/api/class/me", headers={"Host": f"evil.example:{classroom.port}"})
        assert rebound.status_code == 403 and rebound.json()["error"]["code"] == "host_not_allowed"
        other_port = student.get("/api/class/me", headers={"Host": f"{LAN_ADDRESS}:1"})
        assert other_port.status_code == 403
        foreign = student.post(
            "/api/class/join",
            json={"code": classroom.code, "nickname": "Eve"},
            headers={"Origin": "http://evil.example"},
        )
        assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "origin_not_allowed"
        own = student.get("/api/class/me", headers={"Origin": f"http://{LAN_ADDRESS}:{classroom.port}"})
        assert own.status_code == 200


def test_the_student_pages_are_served_and_every_other_page_goes_to_join(classroom: OpenClassroom) -> None:
    with classroom.student() as device:
        for page in ("/join", "/class", "/class/gallery"):
            answer = device.get(page)
            # 503 only where the web UI is not built in this checkout; never a redirect or a refusal.
            assert answer.status_code in (200, 503), page
        for other in ("/", "/settings", "/gallery", "/projector", "/class/../settings", "/index.html"):
            answer = device.get(other)
            assert answer.status_code == 303 and answer.headers["location"] == "/join", other
        assert device.get("/api/no-such-thing").status_code == 403


def test_join_me_and_duplicate_nicknames(classroom: OpenClassroom) -> None:
    with classroom.student() as first, classroom.student() as second:
        joined = first.post("/api/class/join", json={"code": classroom.code.lower(), "nickname": "  Mia  "})
        assert joined.status_code == 200, joined.text
        cookie = joined.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
        me = first.get("/api/class/me").json()
        assert me["nickname"] == "Mia" and me["class_id"] == classroom.view["id"]
        assert me["attitude_ids"] == classroom.view["attitude_ids"] and me["safety_level"] == "kids"
        again = second.post("/api/class/join", json={"code": classroom.code, "nickname": "mia"}).json()
        assert again["nickname"] == "mia 2"


@pytest.mark.parametrize(
    ("nickname", "code"),
    [
        ("   ", "nickname_empty"),
        ("A" * 21, "nickname_too_long"),
        ("<b>", "nickname_characters"),
        ("gory", "nickname_not_allowed"),
    ],
)
def test_nicknames_are_checked(classroom: OpenClassroom, nickname: str, code: str) -> None:
    with classroom.student() as device:
        answer = device.post("/api/class/join", json={"code": classroom.code, "nickname": nickname})
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code


def test_wrong_codes_are_limited_but_a_class_behind_one_address_still_gets_in(
    classroom: OpenClassroom,
) -> None:
    with classroom.student() as device:
        for _ in range(20):
            wrong = device.post("/api/class/join", json={"code": "AAAAAA", "nickname": "Tom"})
            assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "join_code_wrong"
    # Thirty children behind the school's NAT (one address here) join after some mistyped.
    for number in range(30):
        with classroom.student() as device:
            joined = device.post(
                "/api/class/join", json={"code": classroom.code, "nickname": f"Kid {number}"}
            )
            assert joined.status_code == 200, joined.text
    with classroom.student() as guesser:
        answers = [
            guesser.post("/api/class/join", json={"code": "AAAAAA", "nickname": "Tom"}) for _ in range(45)
        ]
        limited = answers[-1]
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "join_attempts_exceeded"
        assert int(limited.headers["Retry-After"]) >= 1
        # While limited, even the right code is refused: the answer must not tell a guesser the code.
        right = guesser.post("/api/class/join", json={"code": classroom.code, "nickname": "Tom"})
        assert right.status_code == 429


def test_a_removed_student_is_out_at_once_and_others_stay(classroom: OpenClassroom) -> None:
    with classroom.joined("Ada") as ada, classroom.joined("Bo") as bo:
        ada_id = ada.get("/api/class/me").json()["student_id"]
        removed = classroom.teacher.delete(f"/api/classroom/students/{ada_id}")
        assert removed.status_code == 200, removed.text
        assert ada.get("/api/class/me").status_code == 401
        assert bo.get("/api/class/me").status_code == 200


def test_closing_the_class_ends_every_login_and_the_listener(classroom: OpenClassroom) -> None:
    with classroom.joined("Ada") as ada:
        cookie = ada.cookies.get("ai4artsed_class")
        assert classroom.teacher.request("DELETE", "/api/classroom").status_code == 200
        with pytest.raises(httpx.ConnectError):
            ada.get("/api/class/me")
        # Reopened on the same address and port: the old cookie belongs to the closed class.
        reopened = classroom.teacher.post(
            "/api/classroom",
            json={
                **{k: classroom.view[k] for k in ("address", "port", "attitude_ids", "output_ids")},
                "safety_level": "kids",
                "per_student_limit": 1,
            },
        )
        assert reopened.status_code == 201, reopened.text
        with classroom.student() as device:
            device.cookies.set("ai4artsed_class", cookie or "")
            assert device.get("/api/class/me").status_code == 401


def test_the_student_endpoints_are_refused_on_the_app_listener(classroom: OpenClassroom) -> None:
    answer = classroom.teacher.post("/api/class/join", json={"code": classroom.code, "nickname": "T"})
    assert answer.status_code == 403
    assert classroom.teacher.get("/api/class/me").status_code == 403


def test_a_student_sees_only_the_class_attitudes_and_outputs(classroom: OpenClassroom) -> None:
    with classroom.joined("Ada") as ada:
        attitudes = ada.get("/api/catalog/interceptions").json()["categories"]
        outputs = ada.get("/api/catalog/outputs").json()["media_types"]
    assert [each["id"] for category in attitudes for each in category["interceptions"]] == classroom.view[
        "attitude_ids"
    ]
    assert [each["id"] for group in outputs for each in group["outputs"]] == classroom.view["output_ids"]
    teacher_view = classroom.teacher.get("/api/catalog/interceptions").json()["categories"]
    assert sum(len(category["interceptions"]) for category in teacher_view) > 1


def _park(context: JobContext) -> None:
    return None


def test_a_student_reads_and_cancels_only_their_own_jobs(classroom: OpenClassroom) -> None:
    jobs = classroom.api.services.jobs
    with classroom.joined("Ada") as ada, classroom.joined("Bo") as bo:
        me = ada.get("/api/class/me").json()
        owner = RunOwner(class_id=me["class_id"], student_id=me["student_id"], nickname=me["nickname"])
        own = jobs.submit("test", "text", _park, owner=owner.queue_key)
        teachers = jobs.submit("test", "text", _park)
        assert ada.get(f"/api/jobs/{own.id}").status_code == 200
        assert bo.get(f"/api/jobs/{own.id}").status_code == 403
        assert bo.post(f"/api/jobs/{own.id}/cancel").status_code == 403
        assert ada.get(f"/api/jobs/{teachers.id}").status_code == 403
        assert ada.get(f"/api/jobs/{'f' * 32}").status_code == 403


def test_a_students_workshop_step_uses_the_class_rules_and_makes_their_own_run(
    classroom: OpenClassroom,
) -> None:
    allowed = classroom.view["attitude_ids"][0]
    teacher_view = classroom.teacher.get("/api/catalog/interceptions").json()["categories"]
    other = next(
        each["id"] for category in teacher_view for each in category["interceptions"] if each["id"] != allowed
    )
    with classroom.joined("Ada") as ada, classroom.joined("Bo") as bo:
        refused = ada.post(
            "/api/interception", json={"config_id": other, "idea": "Ein Fuchs", "language": "de"}
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "class_not_allowed"
        started = ada.post(
            "/api/interception", json={"config_id": allowed, "idea": "Ein Fuchs", "language": "de"}
        )
        assert started.status_code == 202, started.text
        run_id, job_id = started.json()["run_id"], started.json()["job_id"]
        assert ada.get(f"/api/jobs/{job_id}").status_code == 200
        assert bo.get(f"/api/jobs/{job_id}").status_code == 403
        owner = classroom.api.services.runs.owner_of(run_id)
        assert owner is not None and owner.nickname == "Ada" and owner.class_id == classroom.view["id"]
        assert classroom.api.services.runs.load(run_id).safety_level == "kids"
        assert bo.get(f"/api/runs/{run_id}").status_code == 403
        student_id = ada.get("/api/class/me").json()["student_id"]
        classroom.teacher.delete(f"/api/classroom/students/{student_id}")
        # Removed: the next step is refused at the door (and by the class rules behind it).
        again = ada.post(
            "/api/interception", json={"config_id": allowed, "idea": "Noch einer", "language": "de"}
        )
        assert again.status_code == 401


def test_a_class_takes_a_bounded_number_of_students(
    classroom: OpenClassroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.classroom.classroom.MAX_STUDENTS", 2)
    with classroom.joined("Ada"), classroom.joined("Bo"), classroom.student() as third:
        full = third.post("/api/class/join", json={"code": classroom.code, "nickname": "Cy"})
        assert full.status_code == 409 and full.json()["error"]["code"] == "classroom_full"
