"""What runs, said once at start-up: the database, the payments, how Telegram reaches
the bot and where the web server listens. Nothing secret: a MongoDB URI is shown
without its credentials and options, a Razorpay key only as live or test."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from bot.config import Settings

log = logging.getLogger("bot.banner")

SANDBOX = "SANDBOX: bookings are confirmed without money"


def uri_without_credentials(uri: str) -> str:
    """``mongodb://user:pass@host1,host2/db?opts`` → ``mongodb://host1,host2/db``
    (options may carry credentials too, e.g. an AWS session token)."""
    parts = urlsplit(uri)
    hosts = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{hosts}{parts.path}"


def database_line(settings: Settings) -> str:
    if settings.mongodb_uri is not None:
        return f"MongoDB at {uri_without_credentials(settings.mongodb_uri.get_secret_value())}"
    return f"embedded NX-27017, data in {settings.data_dir.resolve()}"


def payments_line(settings: Settings) -> str:
    if settings.uses_sandbox:
        return f"!!! {SANDBOX} (set the RAZORPAY_ keys for real payments) !!!"
    if settings.razorpay_live:
        return "Razorpay LIVE (rzp_live_ key): real money"
    return "Razorpay test mode (rzp_test_ key): no real money moves"


def telegram_line(settings: Settings) -> str:
    mode = (
        f"webhook at {settings.telegram_webhook_url} (secret checked on every update)"
        if settings.telegram_webhook_url
        else "long polling"
    )
    return f"{mode} through {settings.telegram_api_url}" if settings.telegram_api_url else mode


def startup_banner(settings: Settings, bot_username: str) -> str:
    rows = [
        ("database", database_line(settings)),
        ("payments", payments_line(settings)),
        ("telegram", telegram_line(settings)),
        ("web", f"listening on {settings.host}:{settings.port}, public address {settings.public_base_url}"),
    ]
    lines = [f"JamRoom bot @{bot_username} runs with:"]
    lines += [f"  {name:<9} {text}" for name, text in rows]
    return "\n".join(lines)


def announce_startup(settings: Settings, bot_username: str) -> None:
    """Logged once; a warning when the sandbox runs, so it is not missed."""
    level = logging.WARNING if settings.uses_sandbox else logging.INFO
    log.log(level, startup_banner(settings, bot_username))
