"""Settings as a deployment gives them: blank means unset, every misconfiguration is
refused with the setting's name and the problem, never its value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.config import ConfigurationError, Settings, load_settings
from tests.process_support import env_file

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
TEST_KEYS = {
    "razorpay_key_id": "rzp_test_1DP5mmOlF5G5ag",
    "razorpay_key_secret": "thisisthekeysecret42",
    "razorpay_webhook_secret": "thisisthewebhooksecret42",
}
PUBLIC = "https://bot.example.com"
WEBHOOK = {
    "telegram_webhook_url": "https://bot.example.com/telegram/webhook",
    "telegram_webhook_secret": "Zq4Xk2m9_Lp0-Ws7Yt6Rv5Ub3Nc1Hd8Jf",
}


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def refusal(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(**values)
    return str(caught.value)


# --- blank means unset ---------------------------------------------------------------


def test_env_example_with_only_a_token_is_a_working_sandbox(tmp_path: Path) -> None:
    loaded = Settings(_env_file=env_file(tmp_path, BOT_TOKEN=TOKEN))  # type: ignore[call-arg]
    assert loaded.bot_token is not None
    assert loaded.bot_token.get_secret_value() == TOKEN
    assert loaded.uses_sandbox
    assert loaded.razorpay_key_id is None
    assert loaded.razorpay_key_secret is None
    assert loaded.telegram_webhook_url is None
    assert loaded.mongodb_uri is None
    assert loaded.port == 8080


def test_blank_and_whitespace_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "TELEGRAM_WEBHOOK_URL", "PORT", "PAYMENTS"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("MONGODB_URI", "   ")
    loaded = settings(bot_token=TOKEN)
    assert loaded.uses_sandbox
    assert loaded.mongodb_uri is None
    assert loaded.port == 8080


def test_a_blank_environment_value_leaves_the_env_file_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "")
    loaded = Settings(_env_file=env_file(tmp_path, BOT_TOKEN=TOKEN))  # type: ignore[call-arg]
    assert loaded.bot_token is not None
    assert loaded.bot_token.get_secret_value() == TOKEN


# --- the bot token and the time zone --------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["abc", "123456", "123456:", ":AAH", "12a4:AAH", "123:AA H", "bot123:AAH", "123:AAH/x", "123:AAH:x"],
)
def test_a_malformed_bot_token_is_refused(token: str) -> None:
    text = refusal(bot_token=token)
    assert "BOT_TOKEN does not look like a token from @BotFather" in text
    assert token not in text.replace("BOT_TOKEN", "")


@pytest.mark.parametrize("token", [TOKEN, "1:x", "42:sandbox-token_2"])
def test_a_token_shaped_like_telegrams_is_accepted(token: str) -> None:
    assert settings(bot_token=token).bot_token is not None


@pytest.mark.parametrize("zone", ["Asia/Bangalore", "Mars/Olympus", "../etc/passwd", "IST"])
def test_an_unknown_default_timezone_is_refused(zone: str) -> None:
    assert "DEFAULT_TIMEZONE is not a known IANA time zone" in refusal(default_timezone=zone)


def test_a_known_default_timezone_is_accepted() -> None:
    assert settings(default_timezone="Asia/Kolkata").default_timezone == "Asia/Kolkata"


# --- webhook mode needs a secret --------------------------------------------------------


def test_webhook_mode_without_a_secret_is_refused_with_a_way_to_make_one() -> None:
    text = refusal(telegram_webhook_url=WEBHOOK["telegram_webhook_url"], payments="sandbox")
    assert "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET" in text
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in text


@pytest.mark.parametrize(
    "secret",
    [
        "short-secret",
        "x" * 31,
        "a secret with spaces in it, long enough to pass",
        "ümlaut-" + "x" * 40,
        "x" * 257,
    ],
)
def test_a_weak_or_malformed_webhook_secret_is_refused(secret: str) -> None:
    text = refusal(**{**WEBHOOK, "telegram_webhook_secret": secret}, payments="sandbox")
    assert "TELEGRAM_WEBHOOK_SECRET must be 32 to 256 characters of A-Z a-z 0-9 _ -" in text
    assert secret not in text


def test_a_webhook_secret_of_32_url_safe_characters_is_accepted() -> None:
    loaded = settings(**WEBHOOK, payments="sandbox")
    assert loaded.telegram_webhook_secret is not None


# --- which payments run ----------------------------------------------------------------


def test_no_razorpay_setting_at_all_is_the_sandbox() -> None:
    loaded = settings(razorpay_timeout_seconds=5)
    assert loaded.uses_sandbox
    assert not loaded.razorpay_configured


def test_all_three_razorpay_settings_with_a_public_https_address_is_razorpay() -> None:
    loaded = settings(**TEST_KEYS, public_base_url=PUBLIC)
    assert not loaded.uses_sandbox
    assert loaded.razorpay_configured
    assert not loaded.razorpay_live


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"razorpay_key_id": "rzp_live_1DP5mmOlF5G5ag"}, "RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET"),
        ({"razorpay_key_secret": "thisisthekeysecret42"}, "RAZORPAY_KEY_ID, RAZORPAY_WEBHOOK_SECRET"),
        ({"razorpay_webhook_secret": "thisisthewebhooksecret42"}, "RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET"),
        (
            {"razorpay_key_id": "rzp_test_1DP5mmOlF5G5ag", "razorpay_key_secret": "thisisthekeysecret42"},
            "RAZORPAY_WEBHOOK_SECRET",
        ),
        (
            {"razorpay_api_url": "https://api.razorpay.com"},
            "RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET",
        ),
        # The live key with a blank secret that once selected the sandbox:
        ({"razorpay_key_id": "rzp_live_1DP5mmOlF5G5ag", "razorpay_key_secret": ""}, "RAZORPAY_KEY_SECRET"),
    ],
)
def test_a_partial_razorpay_setup_is_refused(given: dict[str, str], missing: str) -> None:
    text = refusal(**given, public_base_url=PUBLIC)
    assert "Razorpay is half set up" in text
    assert f"missing: {missing}" in text
    for value in given.values():
        assert not value or value not in text


@pytest.mark.parametrize("key_id", ["rzp_live_1DP5mmOlF5G5ag", "rzp_test_1DP5mmOlF5G5ag"])
def test_the_sandbox_cannot_be_chosen_beside_razorpay_keys(key_id: str) -> None:
    text = refusal(**{**TEST_KEYS, "razorpay_key_id": key_id}, public_base_url=PUBLIC, payments="sandbox")
    assert "PAYMENTS=sandbox" in text
    assert "remove" in text
    assert key_id not in text


def test_a_live_key_alone_with_the_sandbox_is_refused() -> None:
    text = refusal(razorpay_key_id="rzp_live_1DP5mmOlF5G5ag", payments="sandbox")
    assert "live" in text
    assert "PAYMENTS=sandbox" in text


def test_razorpay_chosen_without_keys_is_refused() -> None:
    assert "PAYMENTS=razorpay needs" in refusal(payments="razorpay")


def test_webhook_mode_needs_keys_or_an_explicit_sandbox() -> None:
    text = refusal(**WEBHOOK)
    assert "PAYMENTS=sandbox" in text
    assert "RAZORPAY_KEY_ID" in text
    assert settings(**WEBHOOK, payments="sandbox").uses_sandbox
    assert not settings(**WEBHOOK, **TEST_KEYS, public_base_url=PUBLIC).uses_sandbox


@pytest.mark.parametrize(
    "base",
    [
        "http://localhost:8080",
        "http://bot.example.com",
        "https://localhost",
        "https://127.0.0.1:8443",
        "https://192.168.1.20",
        "https://myhost",
    ],
)
def test_razorpay_keys_need_a_public_https_base_url(base: str) -> None:
    text = refusal(**TEST_KEYS, public_base_url=base)
    assert "PUBLIC_BASE_URL must be a public https:// address" in text


def test_razorpay_keys_with_the_default_base_url_are_refused() -> None:
    assert "PUBLIC_BASE_URL must be a public https:// address" in refusal(**TEST_KEYS)


@pytest.mark.parametrize("key_id", ["rzp_1DP5mmOlF5G5ag", "key_live_1DP5mm", "RZP_LIVE_1DP5mm"])
def test_a_key_id_that_is_not_razorpays_is_refused(key_id: str) -> None:
    text = refusal(**{**TEST_KEYS, "razorpay_key_id": key_id}, public_base_url=PUBLIC)
    assert "RAZORPAY_KEY_ID must start with rzp_live_ or rzp_test_" in text
    assert key_id not in text


def test_the_live_key_is_told_from_the_test_key() -> None:
    live = settings(**{**TEST_KEYS, "razorpay_key_id": "rzp_live_1DP5mmOlF5G5ag"}, public_base_url=PUBLIC)
    assert live.razorpay_live


# --- errors name the setting, never the value -------------------------------------------

SECRETS = {
    "bot token": {"bot_token": "12345:has a space HUSHtokenpart"},
    "bot token, well formed": {"bot_token": TOKEN, "payments": "bogus"},
    "razorpay key secret": {"razorpay_key_secret": "rzp-key-HUSH-value-42"},
    "razorpay webhook secret": {"razorpay_webhook_secret": "whsec-HUSH-value-42"},
    "razorpay key secret beside keys": {**TEST_KEYS, "razorpay_key_secret": "rzp-key-HUSH-value-43"},
    "telegram webhook secret": {**WEBHOOK, "telegram_webhook_secret": "HUSH!value!with!bangs!xxxxxxxxxxx"},
    "telegram webhook secret beside a webhook": {
        **WEBHOOK,
        "telegram_webhook_secret": "HUSHvalue_thirty_two_characters_long",
    },
    "mongodb password": {"mongodb_uri": "mongo://jam:HUSH-db-password@db.example.com/jamroom"},
}
"""Each case is refused, and each carries a secret marked HUSH."""


@pytest.mark.parametrize("values", SECRETS.values(), ids=SECRETS.keys())
def test_a_configuration_error_never_shows_a_secret(values: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None, **values)
    shown = str(caught.value)
    assert shown.startswith("configuration error: ")
    assert "input_value" not in shown
    assert "HUSH" not in shown
    assert TOKEN.split(":")[1] not in shown
    with pytest.raises(ValidationError) as raw:  # pydantic's own text, should anyone print it
        Settings(_env_file=None, **values)  # type: ignore[call-arg]
    assert "HUSH" not in str(raw.value)
    assert TOKEN.split(":")[1] not in str(raw.value)


def test_a_configuration_error_names_each_setting_on_its_own_line() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None, port="eighty", hold_minutes="0", refund_policy="lots")
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("configuration error: PORT: ")
    assert lines[1].startswith("configuration error: HOLD_MINUTES: ")
    assert lines[2] == (
        "configuration error: REFUND_POLICY: refund policy must look like 24:100,6:50 "
        "(hours of notice:percent refunded)"
    )
    assert "lots" not in str(caught.value)
    assert "eighty" not in str(caught.value)


@pytest.mark.parametrize("uri", ["postgres://db.example.com/x", "db.example.com:27017"])
def test_a_mongodb_uri_that_is_not_one_is_refused(uri: str) -> None:
    text = refusal(mongodb_uri=uri)
    assert "MONGODB_URI must start with mongodb:// or mongodb+srv://" in text
    assert uri not in text


WEBHOOK_EXTRAS = {"telegram_webhook_url": {"telegram_webhook_secret": WEBHOOK["telegram_webhook_secret"]}}


@pytest.mark.parametrize(
    "setting", ["telegram_api_url", "razorpay_api_url", "public_base_url", "telegram_webhook_url"]
)
@pytest.mark.parametrize("url", ["localhost:8081", "ftp://files.example.com", "api.telegram.org"])
def test_a_web_address_without_http_or_https_is_refused(setting: str, url: str) -> None:
    text = refusal(**{setting: url}, **WEBHOOK_EXTRAS.get(setting, {}))
    assert f"{setting.upper()} must start with https:// or http://" in text


def test_a_plain_http_webhook_is_refused_unless_a_local_bot_api_server_takes_it() -> None:
    plain = {
        **WEBHOOK,
        "telegram_webhook_url": "http://bot.example.com/telegram/webhook",
        "payments": "sandbox",
    }
    assert "TELEGRAM_WEBHOOK_URL must start with https://" in refusal(**plain)
    assert settings(**plain, telegram_api_url="http://127.0.0.1:8081").telegram_webhook_url


@pytest.mark.parametrize("level", ["LOUD", "info!", "10"])
def test_an_unknown_log_level_is_refused(level: str) -> None:
    assert "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in refusal(log_level=level)


def test_a_log_level_in_any_case_is_accepted() -> None:
    assert settings(log_level="debug").log_level == "DEBUG"


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        ("6:100,24:50", "REFUND_POLICY: more notice must never give less back (list tiers like 24:100,6:50)"),
        ("24:100,24:50", "REFUND_POLICY: two refund tiers have the same hours of notice"),
        ("1000:100", "REFUND_POLICY: at most 720 hours of notice"),
        ("0.001:50", "REFUND_POLICY: hours of notice must come to whole minutes"),
        ("48:100,24:90,12:80,6:50,3:20,1:10", "REFUND_POLICY: at most 5 refund tiers"),
    ],
)
def test_booking_settings_that_cannot_be_a_rooms_rules_stop_the_start_up(policy: str, problem: str) -> None:
    """The settings are the booking rules of every room whose owner set none."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None, refund_policy=policy)
    assert str(caught.value) == f"configuration error: {problem}"


def test_the_default_booking_settings_make_a_rooms_rules() -> None:
    settings = load_settings(_env_file=None, refund_policy="48:100,12:50,2:0", min_lead_minutes="90")
    assert settings.refund_policy == "48:100,12:50,2:0"
