"""Telegram webhook mode (TELEGRAM_WEBHOOK_URL set): updates arrive on our web server
instead of long polling, so several processes can sit behind a load balancer.

Anyone who learns the path could post an update as any user (an owner's
``/terminate``, say), so every request must carry the secret Telegram was given in
``setWebhook``; without it, whatever the method, the answer is 401 and nothing runs."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.config import Settings
from bot.stop_signals import StopSignals

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookSecretMissingError(RuntimeError):
    """Webhook mode without TELEGRAM_WEBHOOK_SECRET would take updates from anyone."""


class SecretCheckedHandler(SimpleRequestHandler):
    """aiogram's handler, for POSTs that carry exactly our secret; 401 for anything else."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str) -> None:
        super().__init__(dispatcher, bot, secret_token=secret)
        self._secret = secret.encode()

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        # Bytes: compare_digest refuses str with non-ASCII characters (a 500 otherwise).
        offered = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(offered, self._secret)

    def register(self, app: web.Application, /, path: str, **kwargs: object) -> None:
        app.on_shutdown.append(self._handle_close)
        app.router.add_route("*", path, self.guarded, **kwargs)

    async def guarded(self, request: web.Request) -> web.StreamResponse:
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            return web.Response(text="Unauthorized", status=401)
        if request.method != "POST":
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        return await self.handle(request)


def webhook_path(settings: Settings) -> str:
    assert settings.telegram_webhook_url
    return urlparse(settings.telegram_webhook_url).path or "/telegram/webhook"


def webhook_secret(settings: Settings) -> str:
    if settings.telegram_webhook_secret is None:
        raise WebhookSecretMissingError(
            "TELEGRAM_WEBHOOK_SECRET is not set: the webhook would take forged updates"
        )
    return settings.telegram_webhook_secret.get_secret_value()


def install_webhook_route(app: web.Application, bot: Bot, dispatcher: Dispatcher, settings: Settings) -> None:
    SecretCheckedHandler(dispatcher, bot, webhook_secret(settings)).register(app, path=webhook_path(settings))


async def serve_webhook(
    bot: Bot, dispatcher: Dispatcher, app: web.Application, settings: Settings, stopping: StopSignals
) -> None:
    """Register the webhook with Telegram and serve until a stop signal."""
    assert settings.telegram_webhook_url
    await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
    await bot.set_webhook(
        settings.telegram_webhook_url,
        secret_token=webhook_secret(settings),
        allowed_updates=dispatcher.resolve_used_update_types(),
    )
    log.info("Telegram webhook mode at %s", webhook_path(settings))
    stopping.serving()
    try:
        await stopping.stop.wait()
    finally:
        await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
