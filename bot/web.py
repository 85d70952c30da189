"""The one aiohttp web server of ``python -m bot``: health, Razorpay webhook and
callback, the sandbox payment pages, and Telegram's webhook in webhook mode."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.services import Services

RouteInstaller = Callable[[web.Application, Services], None]
_installers: list[RouteInstaller] = []


def register_routes(installer: RouteInstaller) -> None:
    """Let a feature package (payments) add its routes to the web app."""
    if installer not in _installers:
        _installers.append(installer)


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
    for install in _installers:
        install(app, services)
    return app
