"""Logging that never prints a secret: every configured secret is masked in every line."""

from __future__ import annotations

import logging

from bot.config import Settings

MASK = "***"


class SecretMaskingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = message
        for secret in self._secrets:
            masked = masked.replace(secret, MASK)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configured_secrets(settings: Settings) -> list[str]:
    values = [
        settings.bot_token,
        settings.razorpay_key_secret,
        settings.razorpay_webhook_secret,
        settings.telegram_webhook_secret,
        settings.mongodb_uri,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretMaskingFilter(configured_secrets(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("aiohttp.access", "pymongo", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
