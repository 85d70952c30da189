"""``python -m bot``: the bot (polling, or Telegram webhook when configured), the web
server and the scheduler, in one process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import sys
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import BotCommand
from aiohttp import web

from bot.banner import announce_startup
from bot.config import ConfigurationError, Settings, load_settings
from bot.dispatcher import build_dispatcher, mongo_fsm_storage
from bot.logging_setup import setup_logging
from bot.perf import Speedups
from bot.perf.session import telegram_session
from bot.perf.startup_heap import freeze_startup_heap
from bot.services import Services, booking_rules
from bot.telegram_webhook import install_webhook_route, serve_webhook
from bot.web import build_web_app
from domain.clock import Clock, SystemClock
from payments.setup import build_payments
from storage.booking_service import BookingService
from storage.database import Database, make_client, open_database

log = logging.getLogger("bot")

NO_TOKEN_MESSAGE = """\
JamRoom bot needs a Telegram bot token, and BOT_TOKEN is not set.

  1. Open Telegram and talk to @BotFather (https://t.me/BotFather).
  2. Send /newbot, pick a name and a username ending in "bot".
  3. BotFather replies with a token like 123456789:AAH...; put it in .env:
       BOT_TOKEN=123456789:AAH...
     (or export BOT_TOKEN=... in your shell), then run `python -m bot` again.
"""

COMMANDS = [
    BotCommand(command="start", description="Main menu"),
    BotCommand(command="book", description="Find and book a room"),
    BotCommand(command="bookings", description="My bookings"),
    BotCommand(command="help", description="How this bot works"),
    BotCommand(command="owner", description="Room owners: schedule, blocks, settings, earnings"),
    BotCommand(command="cancel", description="Leave the current menu"),
]

FEATURE_MODULES: tuple[str, ...] = ("jobs.setup",)
"""Feature packages imported at start-up so they register their hooks and routes
(``on_startup``), e.g. ``"jobs.setup"``."""

Hook = Callable[[Services, Bot, Dispatcher], Awaitable[Callable[[], Awaitable[None]] | None]]
_startup_hooks: list[Hook] = []


def on_startup(hook: Hook) -> Hook:
    """Register a start-up hook (payments, scheduler); it may return a shutdown callable."""
    if hook not in _startup_hooks:
        _startup_hooks.append(hook)
    return hook


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=(
            "Run JamRoom bot: the Telegram bot (long polling, or webhook mode when "
            "TELEGRAM_WEBHOOK_URL is set), the web server on $PORT (Razorpay webhook "
            "/webhooks/razorpay, payment callback /payments/callback, /healthz, and the "
            "sandbox payment pages when no Razorpay setting is given) and the scheduled jobs. "
            "Configuration comes from the environment or .env (a blank value means unset); "
            "see .env.example. "
            "Without MONGODB_URI an embedded database is started with its data in ./data."
        ),
    )
    return parser.parse_args(argv)


def make_bot(settings: Settings) -> Bot:
    assert settings.bot_token is not None
    return Bot(
        settings.bot_token.get_secret_value(),
        session=telegram_session(settings.telegram_api_url, Speedups.from_setting(settings.speedups)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


async def build_services(settings: Settings, database: Database, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    return Services(
        settings=settings,
        clock=clock,
        bookings=BookingService(clock, booking_rules(settings)),
        database=database,
    )


def load_features() -> None:
    for module in FEATURE_MODULES:
        importlib.import_module(module)


async def run(settings: Settings) -> None:
    load_features()
    uri = settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else None
    database = await open_database(uri, settings.data_dir)
    bot = make_bot(settings)
    shutdowns: list[Callable[[], Awaitable[None]]] = []
    runner: web.AppRunner | None = None
    try:
        services = await build_services(settings, database)
        me = await bot.get_me()
        services.bot_username = me.username or services.bot_username
        payments = build_payments(settings, services.clock, services.bookings, services.bot_username)
        services.payments = payments.service
        # Dialog state gets its own client: aiogram closes its storage when polling
        # stops, and that must not close the connection the jobs and webhooks use.
        fsm_client = make_client(database.uri)
        # Long polling: Telegram hands every update to this one process. Webhooks may be
        # served by several processes, each of which must read the shared state.
        polling = not settings.telegram_webhook_url
        speedups = Speedups.from_setting(settings.speedups)
        fsm_storage = mongo_fsm_storage(fsm_client, database.db.name, speedups, single_process=polling)
        dispatcher = build_dispatcher(services, fsm_storage, speedups=speedups)
        for hook in _startup_hooks:
            stop = await hook(services, bot, dispatcher)
            if stop is not None:
                shutdowns.append(stop)
        app = build_web_app(services)
        payments.install_routes(app)
        if settings.telegram_webhook_url:
            install_webhook_route(app, bot, dispatcher, settings)
        runner = await start_web(app, settings)
        await bot.set_my_commands(COMMANDS)
        if speedups.frozen_startup_heap:
            freeze_startup_heap()
        announce_startup(settings, services.bot_username)
        log.info("JamRoom bot @%s is up (%s)", services.bot_username, database.description)
        await serve_updates(bot, dispatcher, app, settings)
    finally:
        for stop in reversed(shutdowns):
            with contextlib.suppress(Exception):
                await stop()
        if runner is not None:
            await runner.cleanup()
        await bot.session.close()
        await database.close()


async def start_web(app: web.Application, settings: Settings) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("web server on %s:%s", settings.host, settings.port)
    return runner


async def serve_updates(bot: Bot, dispatcher: Dispatcher, app: web.Application, settings: Settings) -> None:
    if not settings.telegram_webhook_url:
        await bot.delete_webhook(drop_pending_updates=False)
        await dispatcher.start_polling(bot, handle_signals=True)
        return

    await serve_webhook(bot, dispatcher, app, settings)


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
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
    return 0
