"""Where held nodes wait (COMFYUI_TESTSERVER_HOLD_NODES) until a test lets them go.

A test that must act "while a job runs" (cancel it, kill the machine, look at the queue) gets a job
that runs exactly as long as it needs, instead of a fixed slow node and the hope that it acts in
time. `POST /testserver/release` opens the gate: held nodes go on at once and later ones no longer
wait, until `POST /testserver/hold` closes it again (e.g. the first picture runs, the second is held).
An interrupt also ends the wait: the node then ends as if its work were done, and
the interrupt lands where ComfyUI notices it (the next sampler step or the next node), so the
messages are the same as with a real ComfyUI that finished the node's work in that moment.
"""

import asyncio
from collections.abc import Callable


class HoldGate:
    def __init__(self) -> None:
        self.released = False
        self._changed = asyncio.Event()

    def release(self) -> None:
        self.released = True
        self._changed.set()

    def hold(self) -> None:
        """Held nodes wait again from now on (a node already past its hold is not stopped)."""
        self.released = False

    def wake(self) -> None:
        """Something the waiting nodes check has changed (an interrupt)."""
        self._changed.set()

    async def wait(self, interrupted: Callable[[], bool]) -> None:
        # No await between the check and clear(), so a wake-up cannot fall between them.
        while not (self.released or interrupted()):
            self._changed.clear()
            await self._changed.wait()
