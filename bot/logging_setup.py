"""Logging that never prints a secret: every configured secret is masked in every
line, in the message, its arguments, a traceback (``exc_info``) and a stack
(``stack_info``) alike."""

from __future__ import annotations

import logging
from typing import TextIO
from urllib.parse import unquote, urlsplit

from bot.config import Settings

MASK = "***"
SHORTEST_MASKED = 6
"""Shorter values would mask ordinary words; real secrets are far longer."""
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SecretMasker:
    def __init__(self, secrets: list[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= SHORTEST_MASKED}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._secrets)


class SecretMaskingFilter(logging.Filter):
    """Masks the record itself, so every handler and formatter that sees it after this
    filter (pytest's caplog included) sees no secret."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._masker = SecretMasker(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._masker:
            return True
        message = record.getMessage()
        masked = self._masker.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text rather than format the exception again.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._masker.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self._masker.mask(record.stack_info)
        return True


class SecretMaskingFormatter(logging.Formatter):
    """Masks the finished line: whatever a format string or an exception adds to it."""

    def __init__(self, secrets: list[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._masker = SecretMasker(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self._masker.mask(super().format(record))


def configured_secrets(settings: Settings) -> list[str]:
    values = [
        settings.bot_token,
        settings.razorpay_key_secret,
        settings.razorpay_webhook_secret,
        settings.telegram_webhook_secret,
        settings.mongodb_uri,
    ]
    secrets = [v.get_secret_value() for v in values if v is not None]
    if settings.bot_token is not None:
        # The part after the colon is the secret; the bot's id before it is public.
        secrets.append(settings.bot_token.get_secret_value().partition(":")[2])
    if settings.mongodb_uri is not None:
        secrets.extend(_uri_password(settings.mongodb_uri.get_secret_value()))
    return secrets


def _uri_password(uri: str) -> list[str]:
    """The password of a MongoDB URI, as written and decoded (a driver's error may show either)."""
    userinfo = urlsplit(uri).netloc.rpartition("@")[0]
    password = userinfo.partition(":")[2]
    return [password, unquote(password)] if password else []


def masking_handler(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    secrets = configured_secrets(settings)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SecretMaskingFormatter(secrets))
    handler.addFilter(SecretMaskingFilter(secrets))
    return handler


def setup_logging(settings: Settings) -> None:
    root = logging.getLogger()
    root.handlers[:] = [masking_handler(settings)]
    root.setLevel(settings.log_level.upper())
    for noisy in ("aiohttp.access", "pymongo", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
