"""One running app per data folder: a second start says so, asks the first to show its window, and ends.

Two apps on one data folder would overwrite each other's settings.json (and with it the teacher's
choices) and the ComfyUI process record. The guard is an operating-system lock on ``app.lock`` in the
data folder (flock on Linux and macOS, msvcrt.locking on Windows): it ends with the process, even
after a crash, so a stale lock can never keep the app from starting.

The hand-off leaves no launch token anywhere: the first app writes only its port and a one-time
focus secret to ``instance.json`` (owner-only), and that secret opens nothing but
``POST /api/instance/focus`` (server/window_focus.py).
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import logging
import sys
from pathlib import Path
from typing import IO

from server.atomic_write import write_json_atomic
from server.i18n.translator import Translator
from server.window_focus import FOCUS_HEADER, FOCUS_PATH

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "app.lock"
INSTANCE_FILE_NAME = "instance.json"
# The exit code of a start that found the app already running (2: the port was taken).
ALREADY_RUNNING_EXIT = 3


class SingleInstance:
    def __init__(self, folder: Path, handle: IO[bytes]) -> None:
        self._folder = folder
        self._handle = handle

    @classmethod
    def claim(cls, folder: Path) -> SingleInstance | None:
        """The lock for this data folder, or None when another running app holds it."""
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / LOCK_FILE_NAME).open("a+b")
        try:
            _lock(handle)
        except BlockingIOError:
            handle.close()
            return None
        except OSError:
            # A file system without locks (some network shares): run unguarded rather than not at all.
            log.warning("could not lock %s; a second start would not be noticed", folder / LOCK_FILE_NAME)
        return cls(folder, handle)

    def announce(self, port: int, focus_secret: str) -> None:
        """Tells a later start where to ask for the window (owner-only: the secret is for us alone)."""
        write_json_atomic(
            self._folder / INSTANCE_FILE_NAME, {"port": port, "focus": focus_secret}, mode=0o600
        )

    def release(self) -> None:
        with contextlib.suppress(OSError):
            (self._folder / INSTANCE_FILE_NAME).unlink(missing_ok=True)
        self._handle.close()  # closing the file ends the lock


def refuse_second_start(folder: Path) -> int:
    """Says in plain words that the app runs already, asks it to show its window, and gives the exit code."""
    shown = ask_to_show_window(folder)
    translator = Translator()
    for language in ("en", "de"):
        print(translator.translate("already_running", language, {"folder": str(folder)}), file=sys.stderr)
        if shown:
            print(translator.translate("already_running_window_shown", language), file=sys.stderr)
    return ALREADY_RUNNING_EXIT


def ask_to_show_window(folder: Path) -> bool:
    """True when the running app brought its window to the front."""
    try:
        instance = json.loads((folder / INSTANCE_FILE_NAME).read_text(encoding="utf-8"))
        port, secret = int(instance["port"]), str(instance["focus"])
    except (OSError, ValueError, KeyError, TypeError):
        return False  # the first app is still starting (or ended just now)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3.0)
    try:
        connection.request("POST", FOCUS_PATH, headers={FOCUS_HEADER: secret})
        response = connection.getresponse()
        return response.status == 200 and json.loads(response.read()).get("window_shown") is True
    except (OSError, ValueError, AttributeError):
        return False
    finally:
        connection.close()


def _lock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)  # msvcrt locks bytes from the current position: always the first one
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError as exc:  # Windows reports a held lock as EACCES or EDEADLOCK
            if exc.errno in (errno.EACCES, errno.EDEADLOCK):
                raise BlockingIOError(str(exc)) from exc
            raise
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
