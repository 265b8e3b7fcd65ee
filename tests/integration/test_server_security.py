"""The real app behind waitress: the launch token, the Host check and the absence of CORS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import loopback_http
from tests.support.app_process import AppProcess, start_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """One real app behind waitress for the module: these requests change nothing, so they share it."""
    with start_app(tmp_path_factory.mktemp("security") / "app") as running:
        yield running


def test_health_answers_without_a_token(app: AppProcess) -> None:
    response = loopback_http.get(f"{app.base_url}/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_api_without_token_is_refused_with_a_plain_message(app: AppProcess) -> None:
    response = loopback_http.get(
        f"{app.base_url}/api/catalog/interceptions", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert "open AI4ArtsEd from its app window" in error["message"]


def test_api_with_a_wrong_token_is_refused(app: AppProcess) -> None:
    response = loopback_http.get(
        f"{app.base_url}/api/catalog/interceptions", headers={"Authorization": "Bearer not-the-token"}
    )
    assert response.status_code == 401


def test_api_with_the_bearer_token_is_served(app: AppProcess) -> None:
    with app.client() as client:
        assert client.get("/api/catalog/interceptions").status_code == 200


def test_launch_url_token_becomes_an_httponly_strict_cookie(app: AppProcess) -> None:
    with loopback_http.client(base_url=app.base_url) as client:
        first = client.get(f"/?token={app.token}")
        assert first.status_code == 303
        assert first.headers["location"] == "/"
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        # The client now carries the cookie; the API accepts it without a header.
        assert client.get("/api/catalog/problems").status_code == 200


def test_launch_url_with_a_wrong_token_sets_no_cookie(app: AppProcess) -> None:
    response = loopback_http.get(f"{app.base_url}/?token=guessed-wrong")
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert "no longer valid" in response.text


def test_foreign_host_header_is_refused_even_with_the_token(app: AppProcess) -> None:
    # What a DNS-rebinding page would send: our address, but its own name in Host.
    for path in ("/api/health", "/api/catalog/interceptions", "/"):
        response = loopback_http.get(
            f"{app.base_url}{path}",
            headers={"Host": f"attacker.example:{app.port}", "Authorization": f"Bearer {app.token}"},
        )
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "host_not_allowed"


def test_localhost_host_name_is_accepted(app: AppProcess) -> None:
    response = loopback_http.get(f"{app.base_url}/api/health", headers={"Host": f"localhost:{app.port}"})
    assert response.status_code == 200


def test_host_with_another_port_is_refused(app: AppProcess) -> None:
    response = loopback_http.get(f"{app.base_url}/api/health", headers={"Host": "127.0.0.1:1"})
    assert response.status_code == 403


def test_cross_origin_request_is_refused_and_no_cors_headers_exist(app: AppProcess) -> None:
    with app.client() as client:
        foreign = client.patch(
            "/api/settings", json={"language": "en"}, headers={"Origin": "http://evil.example"}
        )
        assert foreign.status_code == 403
        assert foreign.json()["error"]["code"] == "origin_not_allowed"
        preflight = client.options(
            "/api/settings",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "PATCH"},
        )
        assert "access-control-allow-origin" not in preflight.headers
        own = client.get("/api/settings", headers={"Origin": app.base_url})
        assert own.status_code == 200
        assert "access-control-allow-origin" not in own.headers


def test_pages_carry_a_strict_content_security_policy(app: AppProcess) -> None:
    response = loopback_http.get(f"{app.base_url}/api/health")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_unknown_api_route_is_a_json_error_in_the_requested_language(app: AppProcess) -> None:
    with app.client(language="de") as client:
        response = client.get("/api/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "Das gibt es hier nicht (mehr)."}


def test_invalid_body_names_the_field(app: AppProcess) -> None:
    with app.client() as client:
        response = client.patch("/api/settings", json={"language": "fr"})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "body_invalid_field"
        assert "language" in error["message"]
        unknown = client.patch("/api/settings", json={"safety_level": "research"})
        assert unknown.status_code == 400
        assert "safety_level" in unknown.json()["error"]["message"]
