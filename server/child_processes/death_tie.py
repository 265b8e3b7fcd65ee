"""Ties a child's life to the app's, where the operating system offers a way.

Linux: the child asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``),
set between fork and exec. The kernel sends it when the *thread* that forked the child ends, not the
process, which is why every child is started from one thread that lives as long as the app (see
``children.py``).

Windows: every child is put into one job object created with ``JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE``;
the app holds the only handle, so when the app ends (even killed) Windows closes it and ends every
process in the job, including the children's own children started after the assignment.

macOS offers neither; there only the record and the reaping at the next start help.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


if sys.platform.startswith("linux"):

    def linux_child_setup() -> Callable[[], None] | None:
        """The ``preexec_fn`` that arms the parent-death signal, or None where there is no prctl.

        libc and the function are looked up here, before the fork: between fork and exec the child
        may only do async-signal-safe work, and the ctypes call itself is just that system call.
        """
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            prctl = libc.prctl
        except (OSError, AttributeError) as exc:
            log.warning("children cannot be tied to the app (no prctl: %s)", exc)
            return None
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        prctl.restype = ctypes.c_int
        parent = os.getpid()
        kill = int(signal.SIGKILL)

        def arm_parent_death_signal() -> None:
            prctl(_PR_SET_PDEATHSIG, kill, 0, 0, 0)
            # The app may have died between fork and prctl: then no signal would ever come.
            if os.getppid() != parent:
                os.kill(os.getpid(), kill)

        return arm_parent_death_signal

else:

    def linux_child_setup() -> Callable[[], None] | None:
        """Elsewhere there is no parent-death signal."""
        return None


class WindowsJob:
    """A job object that kills its processes when the app's handle to it closes (at the app's end)."""

    def __init__(self) -> None:
        self._handle: int | None = None
        if sys.platform == "win32":
            self._handle = _create_kill_on_close_job()

    def add(self, pid: int) -> bool:
        """Puts the process into the job; False where that is not possible (then only the record helps)."""
        if sys.platform == "win32" and self._handle is not None:
            return _assign_to_job(self._handle, pid)
        return False


if sys.platform == "win32":
    from ctypes import wintypes

    _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
    _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
    _PROCESS_TERMINATE = 0x0001
    _PROCESS_SET_QUOTA = 0x0100

    class _BasicLimits(ctypes.Structure):
        _fields_ = [
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", wintypes.DWORD),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", wintypes.DWORD),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", wintypes.DWORD),
            ("SchedulingClass", wintypes.DWORD),
        ]

    class _IoCounters(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_uint64)
            for name in (
                "ReadOperationCount",
                "WriteOperationCount",
                "OtherOperationCount",
                "ReadTransferCount",
                "WriteTransferCount",
                "OtherTransferCount",
            )
        ]

    class _ExtendedLimits(ctypes.Structure):
        _fields_ = [
            ("BasicLimitInformation", _BasicLimits),
            ("IoInfo", _IoCounters),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        ]

    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _kernel32.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    _kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    _kernel32.SetInformationJobObject.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
    ]
    _kernel32.SetInformationJobObject.restype = wintypes.BOOL
    _kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    _kernel32.OpenProcess.restype = wintypes.HANDLE
    _kernel32.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    _kernel32.AssignProcessToJobObject.restype = wintypes.BOOL
    _kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    _kernel32.CloseHandle.restype = wintypes.BOOL

    def _create_kill_on_close_job() -> int | None:
        handle = _kernel32.CreateJobObjectW(None, None)
        if not handle:
            log.warning("no job object for the children (error %d)", ctypes.get_last_error())
            return None
        limits = _ExtendedLimits()
        limits.BasicLimitInformation.LimitFlags = _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        if not _kernel32.SetInformationJobObject(
            handle, _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS, ctypes.byref(limits), ctypes.sizeof(limits)
        ):
            log.warning("the children's job object cannot kill on close (error %d)", ctypes.get_last_error())
            _kernel32.CloseHandle(handle)
            return None
        # Deliberately never closed: the handle closes when the app ends, and that ends the job.
        return int(handle)

    def _assign_to_job(job: int, pid: int) -> bool:
        process = _kernel32.OpenProcess(_PROCESS_SET_QUOTA | _PROCESS_TERMINATE, False, pid)
        if not process:
            log.warning("cannot open process %d for the job object (error %d)", pid, ctypes.get_last_error())
            return False
        try:
            if not _kernel32.AssignProcessToJobObject(job, process):
                log.warning("process %d not added to the job object (error %d)", pid, ctypes.get_last_error())
                return False
            return True
        finally:
            _kernel32.CloseHandle(process)
