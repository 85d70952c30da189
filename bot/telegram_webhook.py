"""Telegram webhook mode (TELEGRAM_WEBHOOK_URL set): updates arrive on our web server
instead of long polling, so several processes can sit behind a load balancer."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.config import Settings
from bot.stop_signals import StopSignals

log = logging.getLogger(__name__)


def webhook_path(settings: Settings) -> str:
    assert settings.telegram_webhook_url
    return urlparse(settings.telegram_webhook_url).path or "/telegram/webhook"


def install_webhook_route(app: web.Application, bot: Bot, dispatcher: Dispatcher, settings: Settings) -> None:
    secret = settings.telegram_webhook_secret
    SimpleRequestHandler(
        dispatcher, bot, secret_token=secret.get_secret_value() if secret else None
    ).register(app, path=webhook_path(settings))


async def serve_webhook(
    bot: Bot, dispatcher: Dispatcher, app: web.Application, settings: Settings, stopping: StopSignals
) -> None:
    """Register the webhook with Telegram and serve until a stop signal."""
    assert settings.telegram_webhook_url
    secret = settings.telegram_webhook_secret
    await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
    await bot.set_webhook(
        settings.telegram_webhook_url,
        secret_token=secret.get_secret_value() if secret else None,
        allowed_updates=dispatcher.resolve_used_update_types(),
    )
    log.info("Telegram webhook mode at %s", webhook_path(settings))
    stopping.serving()
    try:
        await stopping.stop.wait()
    finally:
        await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
