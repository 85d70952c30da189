"""The one aiohttp web server of ``python -m bot``: health here; the Razorpay webhook,
callback and sandbox pages are added by ``payments.setup``, Telegram's webhook route
by ``bot.telegram_webhook`` in webhook mode."""

from __future__ import annotations

from aiohttp import web

from bot.services import Services


async def healthz(request: web.Request) -> web.Response:
    services: Services = request.app["services"]
    try:
        await services.ping_database()
    except Exception:
        return web.json_response({"ok": False, "database": "unavailable"}, status=503)
    return web.json_response({"ok": True})


def build_web_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app["services"] = services
    app.router.add_get("/healthz", healthz)
    return app
