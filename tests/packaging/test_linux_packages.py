"""The built .deb and .tar.gz: contents, install, update, removal, and that user data survive them.

Runs when AI4ARTSED_DIST_DIR names the folder with the packages (`make dist` sets it). The .deb is
installed into a temporary root with ``dpkg --root`` (as root, as in CI), never into this system.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from server import __version__
from tests.support import loopback_http
from tests.support.app_process import free_port

DIST_DIR_ENV = "AI4ARTSED_DIST_DIR"
PACKAGE = "ai4artsed"

if not os.environ.get(DIST_DIR_ENV) or not sys.platform.startswith("linux"):
    pytest.skip(f"Linux, with {DIST_DIR_ENV} set (make dist does)", allow_module_level=True)


def dist_dir() -> Path:
    return Path(os.environ[DIST_DIR_ENV]).resolve()


def the_one(pattern: str) -> Path:
    found = sorted(dist_dir().glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {dist_dir()}, found {found}"
    return found[0]


def deb_file() -> Path:
    return the_one(f"{PACKAGE}_{__version__}_*.deb")


def tarball() -> Path:
    return the_one(f"{PACKAGE}-{__version__}-linux-*.tar.gz")


def deb_field(name: str) -> str:
    result = subprocess.run(["dpkg-deb", "--field", str(deb_file()), name], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def deb_paths() -> list[str]:
    result = subprocess.run(["dpkg-deb", "--contents", str(deb_file())], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # "mode owner/group size date time ./path[ -> target]"
    return [line.split(None, 5)[5].split(" -> ")[0].removeprefix(".") for line in result.stdout.splitlines()]


def test_the_deb_describes_itself_and_depends_on_the_platform_libraries() -> None:
    assert deb_field("Package") == PACKAGE
    assert deb_field("Version") == __version__
    depends = deb_field("Depends")
    for library in ("libxcb-cursor0", "libnss3", "libxkbcommon-x11-0", "libgbm1", "libc6"):
        assert library in depends, depends
    assert "fonts-noto-color-emoji" in deb_field("Recommends")
    assert deb_field("Section") == "education"


def test_the_deb_installs_program_launcher_menu_entry_and_icons_only() -> None:
    paths = set(deb_paths())
    for needed in (
        f"/opt/{PACKAGE}/{PACKAGE}",
        f"/usr/bin/{PACKAGE}",
        f"/usr/share/applications/{PACKAGE}.desktop",
        f"/usr/share/icons/hicolor/256x256/apps/{PACKAGE}.png",
        f"/usr/share/icons/hicolor/48x48/apps/{PACKAGE}.png",
        "/usr/share/metainfo/org.ai4artsed.desktop.metainfo.xml",
        f"/usr/share/doc/{PACKAGE}/copyright",
    ):
        assert needed in paths, needed
    allowed = (f"/opt/{PACKAGE}", "/usr/bin/", "/usr/share/")
    stray = [path for path in paths if path not in ("/", "/opt/", "/usr/") and not path.startswith(allowed)]
    assert stray == [], f"the package must not ship files elsewhere (e.g. /etc or a home): {stray}"


def test_the_desktop_entry_and_metainfo_are_valid(tmp_path: Path) -> None:
    subprocess.run(["dpkg-deb", "--extract", str(deb_file()), str(tmp_path)], check=True)
    desktop = tmp_path / "usr" / "share" / "applications" / f"{PACKAGE}.desktop"
    text = desktop.read_text(encoding="utf-8")
    assert f"Exec={PACKAGE}" in text and f"Icon={PACKAGE}" in text
    assert "Comment[de]=" in text
    launcher = (tmp_path / "usr" / "bin" / PACKAGE).read_text(encoding="utf-8")
    assert f"exec /opt/{PACKAGE}/{PACKAGE} " in launcher
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    if shutil.which("appstreamcli"):
        metainfo = tmp_path / "usr" / "share" / "metainfo" / "org.ai4artsed.desktop.metainfo.xml"
        result = subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_maintainer_scripts_leave_home_folders_alone(tmp_path: Path) -> None:
    subprocess.run(["dpkg-deb", "--control", str(deb_file()), str(tmp_path)], check=True)
    scripts = [path for path in tmp_path.iterdir() if path.name in ("preinst", "postinst", "prerm", "postrm")]
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        for forbidden in ("/home", "$HOME", ".config", ".local", "/root"):
            assert forbidden not in text, f"{script.name} mentions {forbidden}"


# --- install into a temporary root ------------------------------------------------------------------


def new_dpkg_root(folder: Path, apparmor_4: bool) -> Path:
    for sub in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "etc/apparmor.d"):
        (folder / sub).mkdir(parents=True)
    (folder / "var/lib/dpkg/status").touch()
    (folder / "var/lib/dpkg/available").touch()
    if apparmor_4:
        # As on Ubuntu 24.04: AppArmor 4 with restricted user namespaces.
        (folder / "etc/apparmor.d/abi").mkdir()
        (folder / "etc/apparmor.d/abi/4.0").write_text("", encoding="utf-8")
    return folder


def dpkg(root: Path, *args: str) -> None:
    result = subprocess.run(
        [
            "dpkg",
            f"--root={root}",
            "--force-script-chrootless",  # run the scripts here, with DPKG_ROOT set
            "--force-depends",  # the empty root has none of the libraries
            "--log=/dev/null",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under folder with the sha256 of its content (folders as "dir")."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        )
        for path in sorted(folder.rglob("*"))
    }


def user_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env["HOME"] = str(home)
    return env


@contextmanager
def run_headless_until_healthy(program: Path, home: Path) -> Iterator[httpx.Client]:
    port = free_port()
    token = secrets.token_urlsafe(24)
    with (home / "app-output.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [str(program), "--headless", f"--port={port}", f"--token={token}"],
            env=user_env(home),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        with loopback_http.client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as client:
            while True:
                assert process.poll() is None, (home / "app-output.log").read_text(encoding="utf-8")
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the installed program did not answer"
                time.sleep(0.1)
            yield client
    finally:
        process.terminate()
        assert process.wait(30) == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="dpkg --root needs root (CI)")
def test_install_update_and_purge_keep_the_users_data(tmp_path: Path) -> None:
    root = new_dpkg_root(tmp_path / "root", apparmor_4=True)
    home = tmp_path / "home"
    home.mkdir()
    dpkg(root, "--install", str(deb_file()))
    program = root / "opt" / PACKAGE / PACKAGE
    assert program.is_file()
    assert (root / "etc/apparmor.d" / PACKAGE).is_file(), "the AppArmor profile is installed on AppArmor 4"

    # The installed program makes its folders in the user's home; add what a lesson leaves behind.
    with run_headless_until_healthy(program, home) as client:
        assert client.get("/api/catalog/interceptions").status_code == 200
    config_dir = home / ".config" / "AI4ArtsEd"
    data_dir = home / ".local" / "share" / "AI4ArtsEd"
    assert (data_dir / "logs" / "app.log").is_file(), sorted(home.rglob("*"))
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "settings.json").write_text('{"language": "de"}', encoding="utf-8")
    (data_dir / "runs" / "2026-01-01_run").mkdir(parents=True)
    (data_dir / "runs" / "2026-01-01_run" / "run.json").write_text("{}", encoding="utf-8")
    (data_dir / "models" / "checkpoints").mkdir(parents=True, exist_ok=True)  # the app made it
    (data_dir / "models" / "checkpoints" / "tiny.safetensors").write_bytes(os.urandom(1024))
    (home / "app-output.log").unlink()
    before = snapshot(home)

    dpkg(root, "--install", str(deb_file()))  # an update (same version: the upgrade path all the same)
    assert snapshot(home) == before
    dpkg(root, "--remove", PACKAGE)
    assert snapshot(home) == before
    assert not program.exists()
    assert not (root / "etc/apparmor.d" / PACKAGE).exists()
    dpkg(root, "--purge", PACKAGE)
    assert snapshot(home) == before
    left = [str(path.relative_to(root)) for path in (root / "opt").rglob("*")]
    assert left == [], f"files left behind in /opt: {left}"
    assert not (root / "usr" / "bin" / PACKAGE).exists()


def test_the_postinst_adds_no_apparmor_profile_before_apparmor_4(tmp_path: Path) -> None:
    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "--control", str(deb_file()), str(control)], check=True)
    root = new_dpkg_root(tmp_path / "root", apparmor_4=False)
    result = subprocess.run(
        ["sh", str(control / "postinst"), "configure"], env={**os.environ, "DPKG_ROOT": str(root)}
    )
    assert result.returncode == 0
    assert list((root / "etc" / "apparmor.d").iterdir()) == []


# --- .tar.gz --------------------------------------------------------------------------------------


def test_the_tarball_unpacks_anywhere_and_runs(tmp_path: Path) -> None:
    top = f"{PACKAGE}-{__version__}"
    with tarfile.open(tarball()) as archive:
        members = archive.getmembers()
        assert {member.uid for member in members} == {0}
        names = {member.name for member in members}
        for needed in (f"{top}/{PACKAGE}", f"{top}/INSTALL.txt", f"{top}/share/{PACKAGE}.desktop"):
            assert needed in names, needed
        assert any(member.issym() for member in members), "PyInstaller's symlinks must stay links"
        archive.extractall(tmp_path, filter="tar")
    folder = tmp_path / top
    dangling = [str(path) for path in folder.rglob("*") if path.is_symlink() and not path.exists()]
    assert dangling == []
    home = tmp_path / "home"
    home.mkdir()
    with run_headless_until_healthy(folder / PACKAGE, home) as client:
        assert client.get("/api/catalog/outputs").status_code == 200
    # The program folder stays as it was: user data went to the home folder.
    assert not list(folder.glob("**/settings.json"))
    assert (home / ".local" / "share" / "AI4ArtsEd" / "logs" / "app.log").is_file()
