"""``python -m bot``: the bot (polling, or Telegram webhook when configured), the web
server and the jobs, in one process.

This is the composition root: ``_start_and_serve`` builds everything in plain calls,
top to bottom, and is the only place that knows every layer. The arrows point down
only: bot -> jobs, payments -> storage -> domain. Jobs and payments never import bot
(they get plain values, not Settings) nor each other: what the jobs need from payments
is ``jobs.ports.JobPayments``, and the payment service handed in here is one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import BotCommand
from aiohttp import web

from bot.banner import announce_startup
from bot.command_line import parse_args
from bot.config import ConfigurationError, Settings, load_settings
from bot.dispatcher import build_dispatcher, mongo_fsm_storage
from bot.live_screens import slot_screen_painter
from bot.logging_setup import MASK, configured_secrets, setup_logging
from bot.perf import Speedups
from bot.perf.database_reads import read_directly_from
from bot.perf.session import telegram_session
from bot.perf.startup_heap import tune_collector
from bot.services import Services, booking_rules, payments_config
from bot.startup import StartupError, UnforeseenError, ask_telegram_who_we_are, listen
from bot.stop_signals import StopSignals
from bot.telegram_webhook import install_webhook_route, serve_webhook
from bot.web import build_web_app
from domain.calendar_files import CALENDAR_ATTACHMENT
from domain.clock import Clock, SystemClock
from domain.words import musician
from domain.words.language import Language, _, load_catalogues, speaking
from jobs.calendar_delivery import CalendarFiles
from jobs.delivery import OutboxDeliverer, Redraws, attachments_by_kind
from jobs.lifecycle import REMINDERS, BookingClock
from jobs.live_screens import SlotScreenRedraws
from jobs.ports import JobPayments
from jobs.setup import start_jobs
from payments.invoices import INVOICE_ATTACHMENT
from payments.setup import build_payments
from storage.booking_service import BookingService
from storage.database import make_client, open_database
from storage.embedded import EmbeddedDatabaseError

log = logging.getLogger("bot")

NO_TOKEN_MESSAGE = """\
JamRoom bot needs a Telegram bot token, and BOT_TOKEN is not set.

  1. Open Telegram and talk to @BotFather (https://t.me/BotFather).
  2. Send /newbot, pick a name and a username ending in "bot".
  3. BotFather replies with a token like 123456789:AAH...; put it in .env:
       BOT_TOKEN=123456789:AAH...
     (or export BOT_TOKEN=... in your shell), then run `python -m bot` again.
"""


def command_menu(language: Language) -> list[BotCommand]:
    """The commands Telegram lists in the chat's menu, described in ``language``."""
    with speaking(language):
        return [
            BotCommand(command=command, description=_(description))
            for command, description in musician.COMMAND_DESCRIPTIONS.items()
        ]


DEFAULT_BOT_USERNAME = "jamroom_bot"
"""Only should Telegram's getMe name no username (it always names one for a bot)."""


def make_bot(settings: Settings) -> Bot:
    assert settings.bot_token is not None
    return Bot(
        settings.bot_token.get_secret_value(),
        session=telegram_session(settings.telegram_api_url, Speedups.from_setting(settings.speedups)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def booking_clock(
    bookings: BookingService,
    clock: Clock,
    payments: JobPayments | None,
    *,
    reminder_offsets: tuple[timedelta, ...] = REMINDERS,
    bot_username: str | None = None,
) -> BookingClock:
    """The jobs' booking clock (the tests build theirs here too)."""
    return BookingClock(bookings, clock, payments, reminder_offsets, bot_username=bot_username)


def outbox_deliverer(
    bot: Bot,
    clock: Clock,
    bookings: BookingService,
    payments: JobPayments,
    jobs_clock: BookingClock,
    bot_username: str,
    *,
    redraws: Redraws | None = None,
) -> OutboxDeliverer:
    """The outbox's deliverer and what it makes at delivery: the invoice (payments), the
    calendar file (storage-free, beside it) and the reminder that tells the check-in
    info (the jobs' clock); ``redraws``: the open slot screens it redraws with what the
    messages leave of the send budget. The tests build theirs here too."""
    attachments = attachments_by_kind(
        {
            INVOICE_ATTACHMENT: payments.render_attachment,
            CALENDAR_ATTACHMENT: CalendarFiles(clock, bookings, bot_username).render_attachment,
        }
    )
    return OutboxDeliverer(bot, clock, attachments=attachments, texts=jobs_clock.render_text, redraws=redraws)


async def run(settings: Settings) -> None:
    """Serve until a stop signal. A stop signal during start-up ends it quietly; a
    failure raises ``StartupError`` (a reason for the user) or ``UnforeseenError``.
    Whatever ends it, everything started is stopped first."""
    stopping = StopSignals()
    try:
        await _start_and_serve(settings, stopping)
    except asyncio.CancelledError:
        if stopping.requested is None:
            raise
    except (StartupError, EmbeddedDatabaseError):
        raise
    except Exception as error:
        raise UnforeseenError(error, starting=not stopping.is_serving) from error


async def _start_and_serve(settings: Settings, stopping: StopSignals) -> None:
    async with contextlib.AsyncExitStack() as running:  # undone in reverse, whatever happens
        try:  # a broken translation stops the start, not a musician's booking
            load_catalogues()
        except (OSError, ValueError) as error:
            raise StartupError(f"The translations cannot be read ({error}); reinstall the bot.") from error
        # The port first and Telegram second: each fails in a moment, and before the database starts.
        listener = running.enter_context(listen(settings.host, settings.port))
        bot = make_bot(settings)
        running.push_async_callback(bot.session.close)
        me = await ask_telegram_who_we_are(bot, settings.telegram_api_url)
        bot_username = me.username or DEFAULT_BOT_USERNAME
        uri = settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else None
        database = await open_database(uri, settings.data_dir)
        running.push_async_callback(database.close)

        clock = SystemClock()
        bookings = BookingService(clock, booking_rules(settings))
        running.push_async_callback(_quietly, bookings.aftermath.drain)  # before the database closes
        payments = build_payments(payments_config(settings, bot_username), clock, bookings)
        services = Services(
            settings=settings,
            clock=clock,
            bookings=bookings,
            database=database,
            payments=payments.service,
            bot_username=bot_username,
        )

        # Dialog state gets its own client: aiogram closes its storage when polling
        # stops, and that must not close the connection the jobs and webhooks use.
        fsm_client = make_client(database.uri)
        running.push_async_callback(fsm_client.close)
        # Long polling: Telegram hands every update to this one process. Webhooks may be
        # served by several processes, each of which must read the shared state.
        polling = not settings.telegram_webhook_url
        speedups = Speedups.from_setting(settings.speedups)
        read_directly_from(uri, speedups)
        fsm_storage = mongo_fsm_storage(fsm_client, database.db.name, speedups, single_process=polling)
        dispatcher = build_dispatcher(services, fsm_storage, speedups=speedups)

        jobs_clock = booking_clock(
            bookings,
            clock,
            payments.service,
            reminder_offsets=settings.reminder_offsets,
            bot_username=bot_username,
        )
        stop_jobs = start_jobs(
            jobs_clock,
            outbox_deliverer(
                bot,
                clock,
                bookings,
                payments.service,
                jobs_clock,
                bot_username,
                # Open slot screens, redrawn with what the messages leave of the send budget.
                redraws=SlotScreenRedraws(bookings, clock, slot_screen_painter(bot, dispatcher)).redraw_due,
            ),
        )
        running.push_async_callback(_quietly, stop_jobs)

        app = build_web_app(services)
        payments.install_routes(app)
        if settings.telegram_webhook_url:
            install_webhook_route(app, bot, dispatcher, settings)
        runner = await start_web(app, listener, settings)
        running.push_async_callback(runner.cleanup)
        await bot.set_my_commands(command_menu(Language.ENGLISH))
        await bot.set_my_commands(command_menu(Language.HINDI), language_code=Language.HINDI.value)
        tune_collector(speedups)
        announce_startup(settings, bot_username)
        log.info("JamRoom bot @%s is up (%s)", bot_username, database.description)
        await serve_updates(bot, dispatcher, app, settings, stopping)


async def _quietly(stop: Callable[[], Awaitable[None]]) -> None:
    try:
        await stop()
    except Exception as error:  # the steps after it (the database above all) must still run
        log.warning("a shutdown step failed (%s: %s); going on with the others", type(error).__name__, error)


async def start_web(app: web.Application, listener: socket.socket, settings: Settings) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, listener).start()
    log.info("web server on %s:%s", settings.host, settings.port)
    return runner


async def serve_updates(
    bot: Bot, dispatcher: Dispatcher, app: web.Application, settings: Settings, stopping: StopSignals
) -> None:
    if settings.telegram_webhook_url:
        await serve_webhook(bot, dispatcher, app, settings, stopping)
        return
    await bot.delete_webhook(drop_pending_updates=False)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    await asyncio.sleep(0)  # polling takes its lock now, so stop_polling below reaches it
    stopping.serving()
    stop = asyncio.create_task(stopping.stop.wait())
    await asyncio.wait({polling, stop}, return_when=asyncio.FIRST_COMPLETED)
    if stop.done() and not polling.done():
        await dispatcher.stop_polling()
    stop.cancel()
    await polling  # its error, if it failed


def main(argv: list[str] | None = None) -> int:
    parse_args(argv)
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 2
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print(NO_TOKEN_MESSAGE, file=sys.stderr)  # noqa: T201
        return 2
    setup_logging(settings)
    try:
        asyncio.run(run(settings))
    except (StartupError, EmbeddedDatabaseError) as error:
        print(_masked(f"JamRoom bot could not start: {error}", settings), file=sys.stderr)  # noqa: T201
        return 1
    except UnforeseenError as error:
        log.debug("the error in full", exc_info=error.error)
        print(_masked(str(error), settings), file=sys.stderr)  # noqa: T201
        return 1
    except KeyboardInterrupt:  # Ctrl-C in the moment after the event loop has closed
        pass
    return 0


def _masked(text: str, settings: Settings) -> str:
    for secret in configured_secrets(settings):
        text = text.replace(secret, MASK)
    return text
