"""Starts the jobs with ``python -m bot``: APScheduler runs the booking clock, a
delivery loop drains the outbox. Both read their work from the database, so they
need no job store and any number of processes may run them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pymongo.errors import ConnectionFailure

from bot.app import on_startup
from bot.services import Services
from jobs.delivery import OutboxDeliverer, run_forever
from jobs.lifecycle import BookingClock

log = logging.getLogger(__name__)

CLOCK_INTERVAL_SECONDS = 15
DELIVERY_IDLE_SECONDS = 0.5


_ticking: set[asyncio.Task[None]] = set()


async def tick_logged(clock: BookingClock) -> None:
    task = asyncio.current_task()
    if task is not None:  # so shutdown can let a running tick finish
        _ticking.add(task)
        task.add_done_callback(_ticking.discard)
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


@on_startup
async def start_jobs(services: Services, bot: Bot, dispatcher: Dispatcher) -> Callable[[], Awaitable[None]]:
    booking_clock = BookingClock(
        services.bookings,
        services.clock,
        services.payments,
        services.settings.reminder_offsets,
        bot_username=services.bot_username,
    )
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        tick_logged,
        "interval",
        seconds=CLOCK_INTERVAL_SECONDS,
        args=[booking_clock],
        id="booking-clock",
        max_instances=1,
        coalesce=True,
        # APScheduler runs on real time; the jobs take their "now" from services.clock.
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    stop = asyncio.Event()
    payments = services.payments
    deliverer = OutboxDeliverer(
        bot, services.clock, attachments=payments.render_attachment if payments is not None else None
    )
    delivery = asyncio.create_task(run_forever(deliverer.deliver_due, DELIVERY_IDLE_SECONDS, stop))

    async def shutdown() -> None:
        stop.set()
        # Paused, not shut down yet: APScheduler's shutdown cancels a running tick.
        scheduler.pause()
        await asyncio.wait_for(delivery, 10)
        if _ticking:
            await asyncio.wait(list(_ticking), timeout=10)
        scheduler.shutdown(wait=False)

    return shutdown
