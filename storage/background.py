"""Work started and not waited for, so that an answer does not wait for it: a webhook
must be answered within seconds, so refunds and payouts call the gateway after it; a
musician's tap is answered before the slots it freed are offered to those waiting.
What fails or dies with the process is left to each user's own retry (a job, the
clock's pass over waited slots); here it is only logged."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class BackgroundWork:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, Any], failed: Callable[[], None]) -> None:
        """Run ``work`` now without waiting for it; ``failed`` is called in the ``except``
        block when it raises (to log it, traceback included)."""
        task = asyncio.create_task(self._logged(work, failed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _logged(self, work: Coroutine[Any, Any, Any], failed: Callable[[], None]) -> None:
        try:
            await work
        except Exception:
            failed()

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def drain(self) -> None:
        """Wait until nothing runs (tests, shutdown), work started meanwhile included."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
