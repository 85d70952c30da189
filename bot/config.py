"""Every setting comes from the environment or ``.env`` (documented in .env.example).

A blank value means unset, everywhere, so ``cp .env.example .env`` with only
BOT_TOKEN filled in runs. Everything that cannot work is refused here, before
anything starts, naming the setting and the problem but never its value."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.payouts import BASIS_POINTS
from domain.refund import RefundPolicy
from domain.room_rules import NOTICE_MINUTES, RoomRuleError, RoomRules, RuleField, RuleProblem
from domain.urls import is_public_https

TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
"""Telegram's ``<bot id>:<secret>``; whether Telegram knows it is only learnt by asking."""

WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,256}")
"""Telegram allows 1-256 of these characters; fewer than 32 can be guessed."""

MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'

RAZORPAY_KEYS = ("razorpay_key_id", "razorpay_key_secret", "razorpay_webhook_secret")
RAZORPAY_SETTINGS = (*RAZORPAY_KEYS, "razorpay_api_url")
"""What says "Razorpay, not the sandbox" (RAZORPAY_TIMEOUT_SECONDS is only tuning)."""

RAZORPAY_KEY_PREFIXES = ("rzp_live_", "rzp_test_")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigurationError(Exception):
    """Settings that cannot run, one ``configuration error: ...`` line per problem."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        # pydantic would print the raw value (a secret) in its error text.
        hide_input_in_errors=True,
    )

    bot_token: SecretStr | None = None
    bot_username: str | None = None  # for the admin CLI's links; else asked from Telegram (getMe)
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    mongodb_uri: SecretStr | None = None
    data_dir: Path = Path("data")

    host: str = "0.0.0.0"
    port: int = 8080
    public_base_url: str = "http://localhost:8080"

    payments: Literal["sandbox", "razorpay"] | None = None
    razorpay_key_id: str | None = None
    razorpay_key_secret: SecretStr | None = None
    razorpay_webhook_secret: SecretStr | None = None
    razorpay_api_url: str | None = None
    razorpay_timeout_seconds: float = 10.0
    platform_commission_bp: int = 0
    """The platform's cut of each payment in basis points (100 = 1%), 0 to 10000; owners'
    Route transfers are the rest."""

    hold_minutes: int = Field(15, ge=1, le=120)
    min_lead_minutes: int = Field(30, ge=0, le=24 * 60)
    max_slots_per_booking: int = Field(8, ge=1, le=24)
    max_unpaid_holds: int = Field(2, ge=1, le=20)
    booking_horizon_days: int = Field(60, ge=1, le=365)
    refund_policy: str = "24:100,6:50"
    reminders_before_hours: str = "24,1"
    default_timezone: str = "Asia/Kolkata"

    log_level: str = "INFO"
    speedups: Literal["on", "off"] = "on"  # off: stock aiogram/aiogram-dialog (bot/perf)

    @model_validator(mode="before")
    @classmethod
    def _blank_means_unset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}

    @field_validator("bot_token")
    @classmethod
    def _token_is_shaped_like_telegrams(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_SHAPE.fullmatch(value.get_secret_value().strip()):
            raise ValueError(
                "BOT_TOKEN does not look like a token from @BotFather "
                "(digits, a colon, then letters, digits, _ and -)"
            )
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_is_strong(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be 32 to 256 characters of A-Z a-z 0-9 _ - "
                f"(Telegram's alphabet); make one with: {MAKE_A_SECRET}"
            )
        return value

    @field_validator("mongodb_uri")
    @classmethod
    def _mongodb_uri_is_one(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("MONGODB_URI must start with mongodb:// or mongodb+srv://")
        return value

    @field_validator("payments", mode="before")
    @classmethod
    def _payments_lower_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("default_timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError) as error:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError("DEFAULT_TIMEZONE is not a known IANA time zone (e.g. Asia/Kolkata)") from error
        return value

    @field_validator("refund_policy")
    @classmethod
    def _refund_policy_parses(cls, value: str) -> str:
        try:
            RefundPolicy.parse(value)
        except ValueError as error:
            raise ValueError(
                "refund policy must look like 24:100,6:50 (hours of notice:percent refunded)"
            ) from error
        return value

    @field_validator("reminders_before_hours")
    @classmethod
    def _reminders_parse(cls, value: str) -> str:
        _parse_hours_list(value)
        return value

    @field_validator("public_base_url", "telegram_api_url", "razorpay_api_url", "telegram_webhook_url")
    @classmethod
    def _web_address(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Without a scheme, aiohttp's error quotes the whole call URL, token included.
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{str(info.field_name).upper()} must start with https:// or http://")
        return value.rstrip("/") if value else value

    @field_validator("platform_commission_bp", mode="before")
    @classmethod
    def _commission_in_basis_points(cls, value: Any) -> Any:
        text = str(value).strip()
        if not text.isdigit() or not 0 <= int(text) <= BASIS_POINTS:
            raise ValueError(
                "PLATFORM_COMMISSION_BP must be whole basis points from 0 to 10000 "
                "(100 = 1%, 250 = 2.5%; 0: owners get the whole payment)"
            )
        return int(text)

    @field_validator("log_level")
    @classmethod
    def _log_level_is_one(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @model_validator(mode="after")
    def _webhook_mode_is_safe(self) -> Settings:
        if not self.telegram_webhook_url:
            return self
        if not self.telegram_webhook_url.startswith("https://") and self.telegram_api_url is None:
            raise ValueError("TELEGRAM_WEBHOOK_URL must start with https:// (Telegram posts only over TLS)")
        if self.telegram_webhook_secret is None:
            raise ValueError(
                "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (32+ characters of A-Z a-z 0-9 _ -), "
                f"or anyone could post updates as any user; make one with: {MAKE_A_SECRET}"
            )
        return self

    @model_validator(mode="after")
    def _booking_rules_make_a_rooms_rules(self) -> Settings:
        """These settings are the booking rules of every room whose owner set none, so they
        must be rules an owner could set (``domain.room_rules``)."""
        try:
            RoomRules(
                horizon_days=self.booking_horizon_days,
                lead_minutes=self.min_lead_minutes,
                max_slots=self.max_slots_per_booking,
                refund_policy=self.refund,
            )
        except RoomRuleError as error:
            raise ValueError(_room_rules_problem(error)) from None
        return self

    @model_validator(mode="after")
    def _payments_are_one_clear_choice(self) -> Settings:
        problem = _payments_problem(self)
        if problem:
            raise ValueError(problem)
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
    def razorpay_settings_given(self) -> list[str]:
        """The names of the Razorpay settings that are set (any one rules the sandbox out)."""
        return [name.upper() for name in RAZORPAY_SETTINGS if getattr(self, name) is not None]

    @property
    def razorpay_configured(self) -> bool:
        return all(getattr(self, name) is not None for name in RAZORPAY_KEYS)

    @property
    def uses_sandbox(self) -> bool:
        """The sandbox: bookings confirmed without money. Only with no Razorpay setting at all."""
        return not self.razorpay_settings_given

    @property
    def razorpay_live(self) -> bool:
        return bool(self.razorpay_key_id and self.razorpay_key_id.startswith("rzp_live_"))


def _payments_problem(settings: Settings) -> str | None:
    given = settings.razorpay_settings_given
    missing = [name.upper() for name in RAZORPAY_KEYS if getattr(settings, name) is None]
    if settings.payments == "sandbox":
        if settings.razorpay_live:
            return (
                "PAYMENTS=sandbox confirms bookings without money and cannot run with a live "
                "RAZORPAY_KEY_ID: remove PAYMENTS=sandbox, or remove the RAZORPAY_ settings"
            )
        if given:
            return f"PAYMENTS=sandbox cannot run beside {', '.join(given)}: remove one or the other"
        return None
    if not given:
        if settings.payments == "razorpay":
            return f"PAYMENTS=razorpay needs {', '.join(missing)}"
        if settings.telegram_webhook_url:
            return (
                "webhook mode (TELEGRAM_WEBHOOK_URL) is a production setting, and no Razorpay keys "
                f"are set: set {', '.join(missing)}, or PAYMENTS=sandbox to confirm bookings without money"
            )
        return None
    if missing:
        return (
            f"Razorpay is half set up: {', '.join(given)} set, missing: {', '.join(missing)}. "
            "Set all three keys, or no RAZORPAY_ setting at all for the sandbox"
        )
    assert settings.razorpay_key_id is not None
    if not settings.razorpay_key_id.startswith(RAZORPAY_KEY_PREFIXES):
        return "RAZORPAY_KEY_ID must start with rzp_live_ or rzp_test_ (copy it from the Razorpay dashboard)"
    if not is_public_https(settings.public_base_url):
        return (
            "PUBLIC_BASE_URL must be a public https:// address when Razorpay keys are set "
            "(Razorpay sends payers back to it), not a local or http:// one"
        )
    return None


RULE_SETTINGS = {
    RuleField.HORIZON: "BOOKING_HORIZON_DAYS",
    RuleField.LEAD: "MIN_LEAD_MINUTES",
    RuleField.SLOT_LIMIT: "MAX_SLOTS_PER_BOOKING",
    RuleField.REFUND_TIERS: "REFUND_POLICY",
}


def _room_rules_problem(error: RoomRuleError) -> str:
    """One line naming the setting, for the operator (the values are not secret, but the
    other settings' messages never print values either)."""
    setting = RULE_SETTINGS.get(error.rule, error.rule.value.upper())
    match error.problem:
        case RuleProblem.TOO_MANY_TIERS:
            return f"{setting}: at most {error.limits.high if error.limits else 0} refund tiers"
        case RuleProblem.NOTICE_REPEATED:
            return f"{setting}: two refund tiers have the same hours of notice"
        case RuleProblem.NOT_MONOTONIC:
            return f"{setting}: more notice must never give less back (list tiers like 24:100,6:50)"
        case RuleProblem.MALFORMED:
            return f"{setting}: hours of notice must come to whole minutes"
        case RuleProblem.OUT_OF_RANGE if error.rule is RuleField.REFUND_TIERS:
            return f"{setting}: at most {NOTICE_MINUTES.high // 60} hours of notice"
    limits = f" ({error.limits.low} to {error.limits.high})" if error.limits else ""
    return f"{setting}: out of the range a room's rules allow{limits}"


def _parse_hours_list(text: str) -> list[float]:
    try:
        hours = [float(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise ValueError("reminder hours must look like 24,1") from error
    if any(h <= 0 for h in hours):
        raise ValueError("reminder hours must be positive")
    return sorted(hours, reverse=True)


def load_settings(**overrides: Any) -> Settings:
    """The settings, or a ConfigurationError whose text is safe to print."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """One line per problem, naming the setting; never the value (it may be a secret)."""
    lines = []
    for problem in error.errors(include_url=False, include_context=False, include_input=False):
        message = problem["msg"].removeprefix("Value error, ")
        setting = "_".join(str(part) for part in problem["loc"]).upper()
        if setting and not message.startswith(setting):
            message = f"{setting}: {message}"
        lines.append(f"configuration error: {message}")
    return "\n".join(lines)
