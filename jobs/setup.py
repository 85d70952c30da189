"""Starts the jobs: APScheduler runs the booking clock, a delivery loop drains the
outbox. Both read their work from the database, so they need no job store and any
number of processes may run them. The composition root (bot/app.py) builds both and
calls ``start_jobs``; so do the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pymongo.errors import ConnectionFailure

from jobs.delivery import OutboxDeliverer, run_forever
from jobs.lifecycle import BookingClock

log = logging.getLogger(__name__)

CLOCK_INTERVAL_SECONDS = 15
DELIVERY_IDLE_SECONDS = 0.5


async def tick_logged(clock: BookingClock, ticking: set[asyncio.Task[None]] | None = None) -> None:
    """One tick, its failures logged; ``ticking`` holds the running tick, so shutdown can
    let it finish."""
    task = asyncio.current_task()
    if task is not None and ticking is not None:
        ticking.add(task)
        task.add_done_callback(ticking.discard)
    try:
        done = await clock.tick()
    except ConnectionFailure as error:
        log.warning("booking clock: database unavailable (%s); skipping this tick", type(error).__name__)
        return
    except Exception:
        log.exception("booking clock tick failed; the next tick tries again")
        return
    if any(done.values()):
        log.info("booking clock: %s", {k: v for k, v in done.items() if v})


def start_jobs(booking_clock: BookingClock, deliverer: OutboxDeliverer) -> Callable[[], Awaitable[None]]:
    """Start ticking the booking clock and delivering the outbox; returns what stops both,
    letting a running tick and the messages in flight finish."""
    ticking: set[asyncio.Task[None]] = set()
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        tick_logged,
        "interval",
        seconds=CLOCK_INTERVAL_SECONDS,
        args=[booking_clock, ticking],
        id="booking-clock",
        max_instances=1,
        coalesce=True,
        # APScheduler runs on real time; the jobs take their "now" from their own Clock.
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    stop = asyncio.Event()
    delivery = asyncio.create_task(run_forever(deliverer.deliver_due, DELIVERY_IDLE_SECONDS, stop))

    async def shutdown() -> None:
        stop.set()
        # Paused, not shut down yet: APScheduler's shutdown cancels a running tick.
        scheduler.pause()
        await asyncio.wait_for(delivery, 10)
        if ticking:
            await asyncio.wait(list(ticking), timeout=10)
        scheduler.shutdown(wait=False)

    return shutdown
