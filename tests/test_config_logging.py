"""The log never prints a configured secret: not in a message, its arguments, a
traceback or a stack, through the handler ``python -m bot`` installs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError

from bot.config import Settings
from bot.logging_setup import MASK, masking_handler
from bot.perf import Speedups
from bot.perf.session import telegram_session

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
SECRETS = {
    "bot token": TOKEN,
    "bot token's secret half": TOKEN.partition(":")[2],
    "razorpay key secret": "rzp-key-secret-Hush42",
    "razorpay webhook secret": "whsec-Hush-webhook-42",
    "telegram webhook secret": "Zq4Xk2m9_Lp0-Ws7Yt6Rv5Ub3Nc1Hd8Jf",
    "mongodb password, as written": "p%40ss%2FHush%3A42",
    "mongodb password, decoded": "p@ss/Hush:42",
}
SETTINGS = Settings(
    _env_file=None,  # type: ignore[call-arg]
    bot_token=TOKEN,
    razorpay_key_id="rzp_test_1DP5mmOlF5G5ag",
    razorpay_key_secret=SECRETS["razorpay key secret"],
    razorpay_webhook_secret=SECRETS["razorpay webhook secret"],
    public_base_url="https://bot.example.com",
    telegram_webhook_url="https://bot.example.com/telegram/webhook",
    telegram_webhook_secret=SECRETS["telegram webhook secret"],
    mongodb_uri="mongodb://jam:p%40ss%2FHush%3A42@db.example.com,db2.example.com/jamroom?authSource=admin",
)


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    logger = logging.getLogger("test.masking")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(masking_handler(SETTINGS, stream))
    yield logger, stream
    logger.handlers.clear()
    logger.propagate = True


def assert_masked(text: str) -> None:
    for name, secret in SECRETS.items():
        assert secret not in text, name
    assert MASK in text


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_a_secret_in_the_message_or_its_arguments_is_masked(
    log: tuple[logging.Logger, io.StringIO], secret: str
) -> None:
    logger, stream = log
    logger.info("calling with %s", secret)
    logger.warning(f"an f-string with {secret} in it")
    assert_masked(stream.getvalue())


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_a_secret_in_a_traceback_is_masked(log: tuple[logging.Logger, io.StringIO], secret: str) -> None:
    logger, stream = log
    try:
        raise RuntimeError(f"the library said: {secret}")
    except RuntimeError:
        logger.exception("start-up failed")
    try:
        raise ValueError("outer") from KeyError(secret)
    except ValueError as error:
        logger.error("chained", exc_info=error)
    text = stream.getvalue()
    assert "Traceback" in text
    assert "RuntimeError: the library said: ***" in text
    assert_masked(text)


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_a_secret_in_a_stack_is_masked(log: tuple[logging.Logger, io.StringIO], secret: str) -> None:
    logger, stream = log
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 1, "where we were", None, None, sinfo=f"Stack:\n  {secret}"
    )
    logger.handle(record)
    assert_masked(stream.getvalue())


async def test_aiogram_naming_the_token_in_its_error_is_masked(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    """A TELEGRAM_API_URL without a scheme makes aiogram's error quote the whole call URL."""
    logger, stream = log
    bot = Bot(TOKEN, session=telegram_session("localhost:8081", Speedups()))
    try:
        with pytest.raises(TelegramNetworkError) as caught:
            await bot.get_me()
    finally:
        await bot.session.close()
    assert TOKEN in str(caught.value)
    logger.error("Telegram failed", exc_info=caught.value)
    text = stream.getvalue()
    assert "NonHttpUrlClientError" in text
    assert_masked(text)


def test_pytests_own_capture_sees_the_masked_record(
    log: tuple[logging.Logger, io.StringIO], caplog: pytest.LogCaptureFixture
) -> None:
    """The filter masks the record itself, so any handler after ours sees no secret."""
    logger, _ = log
    logger.propagate = True
    with caplog.at_level(logging.INFO, logger="test.masking"):
        try:
            raise RuntimeError(TOKEN)
        except RuntimeError:
            logger.exception("with %s", SECRETS["razorpay key secret"])
    assert_masked(caplog.text)
