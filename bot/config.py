"""Every setting comes from the environment or ``.env`` (documented in .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.refund import RefundPolicy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    mongodb_uri: SecretStr | None = None
    data_dir: Path = Path("data")

    host: str = "0.0.0.0"
    port: int = 8080
    public_base_url: str = "http://localhost:8080"

    razorpay_key_id: str | None = None
    razorpay_key_secret: SecretStr | None = None
    razorpay_webhook_secret: SecretStr | None = None
    razorpay_api_url: str | None = None
    razorpay_timeout_seconds: float = 10.0

    hold_minutes: int = Field(15, ge=1, le=120)
    min_lead_minutes: int = Field(30, ge=0, le=24 * 60)
    max_slots_per_booking: int = Field(8, ge=1, le=24)
    booking_horizon_days: int = Field(60, ge=1, le=365)
    refund_policy: str = "24:100,6:50"
    reminders_before_hours: str = "24,1"
    default_timezone: str = "Asia/Kolkata"

    log_level: str = "INFO"
    speedups: Literal["on", "off"] = "on"  # off: stock aiogram/aiogram-dialog (bot/perf)

    @field_validator("refund_policy")
    @classmethod
    def _refund_policy_parses(cls, value: str) -> str:
        RefundPolicy.parse(value)
        return value

    @field_validator("reminders_before_hours")
    @classmethod
    def _reminders_parse(cls, value: str) -> str:
        _parse_hours_list(value)
        return value

    @field_validator("public_base_url", "telegram_api_url", "razorpay_api_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _razorpay_keys_come_together(self) -> Settings:
        key_id, key_secret = bool(self.razorpay_key_id), self.razorpay_key_secret is not None
        if key_id != key_secret:
            raise ValueError("set RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET together (neither: the sandbox)")
        if key_id and self.razorpay_webhook_secret is None:
            raise ValueError("RAZORPAY_WEBHOOK_SECRET is required with Razorpay keys (webhooks are verified)")
        return self

    @property
    def hold(self) -> timedelta:
        return timedelta(minutes=self.hold_minutes)

    @property
    def min_lead(self) -> timedelta:
        return timedelta(minutes=self.min_lead_minutes)

    @property
    def refund(self) -> RefundPolicy:
        return RefundPolicy.parse(self.refund_policy)

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        return tuple(timedelta(hours=h) for h in _parse_hours_list(self.reminders_before_hours))

    @property
    def razorpay_configured(self) -> bool:
        return bool(self.razorpay_key_id and self.razorpay_key_secret)


def _parse_hours_list(text: str) -> list[float]:
    try:
        hours = [float(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise ValueError(f"reminder hours must look like 24,1, got {text!r}") from error
    if any(h <= 0 for h in hours):
        raise ValueError("reminder hours must be positive")
    return sorted(hours, reverse=True)
