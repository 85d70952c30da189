"""Work a webhook starts and does not wait for: a webhook must be answered within
seconds, so refunds and payouts call the gateway after it. What fails, or dies with the
process, stays due in the database for its retry job; here it is only logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any


class BackgroundWork:
    def __init__(self, log: logging.Logger) -> None:
        self.log = log
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, Any], failure: str, *args: object) -> None:
        """Run ``work`` now without waiting for it; a failure is logged as ``failure``
        (a %-format with ``args``)."""
        task = asyncio.create_task(self._logged(work, failure, args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _logged(self, work: Coroutine[Any, Any, Any], failure: str, args: tuple[object, ...]) -> None:
        try:
            await work
        except Exception:
            self.log.exception(failure, *args)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def drain(self) -> None:
        """Wait until nothing runs (tests, shutdown), work started meanwhile included."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
