"""Every outgoing client shares one TLS context per certificate setting.

Building a context reads the whole certificate store (about 50 ms of CPU); the app made one for every
ComfyUI probe, listing and text step. A school's own certificate authority (SSL_CERT_FILE) must
still be the one trusted, also when it is set after the first client was made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.network.http_clients import tls_context
from tests.model_files.range_server import make_certificate


def test_clients_share_one_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    assert tls_context() is tls_context()


def test_a_schools_certificate_file_is_trusted_by_its_own_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    default = tls_context()
    certificate, _key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    school = tls_context()
    assert school is not default
    assert school is tls_context()
    # Only the school's authority: the file replaces the default store, as with httpx's trust_env.
    subjects = [ca["subject"] for ca in school.get_ca_certs()]
    assert subjects == [((("commonName", "127.0.0.1"),),)], subjects
