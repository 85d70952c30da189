"""The start-up steps that can fail for a reason the user can fix, against the fake
Bot API over HTTP; the waits between attempts go to an injected sleep."""

from __future__ import annotations

import socket

import pytest
from aiogram import Bot

from bot.startup import (
    TELEGRAM_RETRY_DELAYS,
    TOKEN_REFUSED,
    StartupError,
    UnforeseenError,
    ask_telegram_who_we_are,
    listen,
)
from tests.fakes.telegram import FakeTelegram


class Waits:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def test_telegram_answering_on_the_last_try_lets_start_up_go_on(
    telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    telegram.fail_next("getMe", 502, times=len(TELEGRAM_RETRY_DELAYS))
    waits = Waits()
    me = await ask_telegram_who_we_are(telegram_bot, telegram.base_url, sleep=waits)
    assert me.username == "jamroom_test_bot"
    assert waits.seconds == list(TELEGRAM_RETRY_DELAYS)


async def test_telegram_failing_every_try_stops_start_up_with_a_reason(
    telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    telegram.fail_next("getMe", 502, times=len(TELEGRAM_RETRY_DELAYS) + 1)
    waits = Waits()
    with pytest.raises(StartupError, match=f"Telegram is unreachable at {telegram.base_url}") as failed:
        await ask_telegram_who_we_are(telegram_bot, telegram.base_url, sleep=waits)
    assert f"tried {len(TELEGRAM_RETRY_DELAYS) + 1} times" in str(failed.value)
    assert "123456:STEPS" not in str(failed.value)
    assert waits.seconds == list(TELEGRAM_RETRY_DELAYS)


async def test_a_refused_token_is_not_tried_again(telegram: FakeTelegram, telegram_bot: Bot) -> None:
    telegram.fail_next("getMe", 401)
    waits = Waits()
    with pytest.raises(StartupError, match=f"^{TOKEN_REFUSED}$"):
        await ask_telegram_who_we_are(telegram_bot, telegram.base_url, sleep=waits)
    assert waits.seconds == []


def test_a_port_in_use_names_the_port_and_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartupError, match=f"port {port} on 127.0.0.1 is already in use.*set PORT"):
            listen("127.0.0.1", port)


def test_an_unforeseen_error_is_one_line_that_says_where_the_traceback_is() -> None:
    during = UnforeseenError(KeyError("rooms"), starting=True)
    after = UnforeseenError(KeyError("rooms"), starting=False)
    assert str(during) == (
        "JamRoom bot could not start: KeyError: 'rooms' (run with LOG_LEVEL=DEBUG for the traceback)"
    )
    assert str(after).startswith("JamRoom bot stopped on an unexpected error: KeyError")
    assert "\n" not in str(during)
