"""The start-up banner says what runs, and nothing secret."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from bot.banner import SANDBOX, announce_startup, startup_banner, uri_without_credentials
from bot.config import Settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
KEYS = {
    "razorpay_key_secret": "thisisthekeysecret42",
    "razorpay_webhook_secret": "thisisthewebhooksecret42",
    "public_base_url": "https://bot.example.com",
}
WEBHOOK = {
    "telegram_webhook_url": "https://bot.example.com/telegram/webhook",
    "telegram_webhook_secret": "Zq4Xk2m9_Lp0-Ws7Yt6Rv5Ub3Nc1Hd8Jf",
}


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, bot_token=TOKEN, **values)  # type: ignore[call-arg]


def test_the_first_run_banner_shouts_sandbox_and_says_where_the_data_is(tmp_path: Path) -> None:
    banner = startup_banner(settings(data_dir=tmp_path / "data", port=8099), "jamroom_test_bot")
    assert banner.splitlines()[0] == "JamRoom bot @jamroom_test_bot runs with:"
    assert f"embedded NX-27017, data in {tmp_path / 'data'}" in banner
    assert f"!!! {SANDBOX}" in banner
    assert "long polling" in banner
    assert "listening on 0.0.0.0:8099, public address http://localhost:8080" in banner


def test_a_relative_data_dir_is_shown_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert f"data in {tmp_path / 'data'}\n" in startup_banner(settings(), "b")


@pytest.mark.parametrize(
    ("key_id", "words"),
    [
        ("rzp_live_1DP5mmOlF5G5ag", "Razorpay LIVE (rzp_live_ key): real money"),
        ("rzp_test_1DP5mmOlF5G5ag", "Razorpay test mode (rzp_test_ key): no real money moves"),
    ],
)
def test_razorpay_is_told_live_or_test_from_the_key(key_id: str, words: str) -> None:
    banner = startup_banner(settings(razorpay_key_id=key_id, **KEYS), "b")
    assert words in banner
    assert "SANDBOX" not in banner
    assert key_id not in banner


def test_webhook_mode_shows_the_url_and_not_the_secret() -> None:
    banner = startup_banner(settings(**WEBHOOK, payments="sandbox"), "b")
    assert "webhook at https://bot.example.com/telegram/webhook" in banner
    assert WEBHOOK["telegram_webhook_secret"] not in banner
    assert SANDBOX in banner


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("mongodb://db.example.com/jamroom", "mongodb://db.example.com/jamroom"),
        (
            "mongodb://jam:pa%40ss@db1.example.com:27017,db2.example.com/jamroom?authSource=admin",
            "mongodb://db1.example.com:27017,db2.example.com/jamroom",
        ),
        (
            "mongodb+srv://jam:pass@cluster0.abcde.mongodb.net/?authMechanismProperties=AWS_SESSION_TOKEN:tok",
            "mongodb+srv://cluster0.abcde.mongodb.net/",
        ),
    ],
)
def test_a_mongodb_uri_is_shown_without_credentials(uri: str, shown: str) -> None:
    assert uri_without_credentials(uri) == shown
    banner = startup_banner(settings(mongodb_uri=uri), "b")
    assert f"MongoDB at {shown}" in banner
    assert "pass" not in banner
    assert "tok" not in banner


def test_nothing_secret_is_in_a_full_production_banner() -> None:
    full = settings(
        razorpay_key_id="rzp_live_1DP5mmOlF5G5ag",
        **KEYS,
        **WEBHOOK,
        mongodb_uri="mongodb://jam:dbpassword42@db.example.com/jamroom",
    )
    banner = startup_banner(full, "b")
    for secret in (
        TOKEN,
        TOKEN.partition(":")[2],
        "rzp_live_1DP5mmOlF5G5ag",
        KEYS["razorpay_key_secret"],
        KEYS["razorpay_webhook_secret"],
        WEBHOOK["telegram_webhook_secret"],
        "dbpassword42",
    ):
        assert secret not in banner


def test_the_sandbox_banner_is_a_warning_and_razorpays_is_info(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.banner"):
        announce_startup(settings(), "b")
        announce_startup(settings(razorpay_key_id="rzp_test_1DP5mmOlF5G5ag", **KEYS), "b")
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.INFO]


def test_the_production_checklist_shows_the_banner_a_production_start_prints() -> None:
    production = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        mongodb_uri="mongodb://jam:dbpassword42@db.example.com/jamroom",
        razorpay_key_id="rzp_live_1DP5mmOlF5G5ag",
        **KEYS,
        **WEBHOOK,
    )
    banner = startup_banner(production, "your_bot")
    checklist = (Path(__file__).resolve().parents[1] / "docs" / "deploy.md").read_text()
    shown = "\n".join(line.removeprefix(" " * 6) for line in checklist.splitlines())
    assert banner in shown
