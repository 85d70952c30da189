"""The start-up steps that fail for a reason the user can fix: the web server's port
and the Telegram token. Each fails with a ``StartupError`` whose message says what to
do, in a line, before the database is started."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import User

log = logging.getLogger(__name__)

TELEGRAM = "https://api.telegram.org"
TELEGRAM_RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0)
"""Waits between the start-up attempts to reach Telegram: 3 attempts over about 3 s.
(Documented in ``python -m bot --help`` and the README.)"""
TELEGRAM_REQUEST_SECONDS = 10
TOKEN_REFUSED = "Telegram refused this token: check it with @BotFather"


class StartupError(Exception):
    """Start-up cannot go on; the message says why and what to do."""


class UnforeseenError(Exception):
    """An error nobody foresaw, told in a line; the traceback is logged at DEBUG."""

    def __init__(self, error: Exception, *, starting: bool) -> None:
        self.error = error
        what = "could not start" if starting else "stopped on an unexpected error"
        super().__init__(
            f"JamRoom bot {what}: {type(error).__name__}: {error} "
            "(run with LOG_LEVEL=DEBUG for the traceback)"
        )


def listen(host: str, port: int) -> socket.socket:
    """The web server's listening socket, taken before anything else starts."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port), family=family)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {host} is already in use by another program: "
                "stop that program, or set PORT to a free port"
            ) from error
        raise StartupError(
            f"cannot listen on {host}:{port} ({error.strerror or error}): check the HOST and PORT settings"
        ) from error


async def ask_telegram_who_we_are(
    bot: Bot,
    api_url: str | None,
    *,
    delays: Sequence[float] = TELEGRAM_RETRY_DELAYS,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> User:
    """``getMe``: proves the token and that Telegram answers. A refused token fails at
    once; an unreachable Telegram is tried ``len(delays) + 1`` times."""
    where = api_url or TELEGRAM
    attempts = len(delays) + 1
    for attempt in range(1, attempts + 1):
        try:
            return await bot.get_me(request_timeout=TELEGRAM_REQUEST_SECONDS)
        except TelegramUnauthorizedError as error:
            raise StartupError(TOKEN_REFUSED) from error
        except TelegramNotFound as error:
            raise StartupError(
                f"{TOKEN_REFUSED} (Telegram at {where} answered 404 Not Found: "
                "a mistyped token, or TELEGRAM_API_URL pointing elsewhere)"
            ) from error
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter, ClientDecodeError) as error:
            reason = _reason(error)
            if attempt == attempts:
                raise StartupError(
                    f"Telegram is unreachable at {where} ({reason}): tried {attempts} times in "
                    f"about {sum(delays):g} s, so the bot stops here. Check the network "
                    "(or TELEGRAM_API_URL) and start it again"
                ) from error
            delay = delays[attempt - 1]
            log.warning("Telegram is unreachable at %s (%s); trying again in %g s", where, reason, delay)
            await sleep(delay)
    raise AssertionError("unreachable")  # the loop returns or raises


def _reason(error: Exception) -> str:
    if isinstance(error, ClientDecodeError):
        return "the answer was not the Bot API's"
    return str(getattr(error, "message", "") or error).removeprefix("HTTP Client says - ")
