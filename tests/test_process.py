"""``python -m bot`` as a real process."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import Settings
from bot.logging_setup import SecretMaskingFilter, configured_secrets
from tests.process_support import bot_env, run_module

ROOT = Path(__file__).resolve().parents[1]


def test_without_a_token_it_explains_how_to_get_one(tmp_path: Path) -> None:
    result = run_module("bot", bot_env(tmp_path), tmp_path)
    assert result.returncode == 2
    assert "@BotFather" in result.stderr
    assert "/newbot" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_help_describes_what_runs(tmp_path: Path) -> None:
    result = run_module("bot", bot_env(tmp_path), tmp_path, "--help")
    assert result.returncode == 0
    for words in (
        "/webhooks/razorpay",
        "/payments/callback",
        "/healthz",
        "TELEGRAM_WEBHOOK_URL",
        ".env.example",
    ):
        assert words in result.stdout


HEAVY_PACKAGES = {"aiogram", "aiogram_dialog", "aiohttp", "pymongo", "beanie", "pydantic", "matplotlib"}


def test_help_answers_before_the_heavy_imports(tmp_path: Path) -> None:
    """``--help`` took 4 s when it came after loading aiogram and the rest; the import
    list, unlike a stopwatch, does not depend on how busy the machine is."""
    result = run_module("bot", bot_env(tmp_path), tmp_path, "--help", python=("-X", "importtime"))
    assert result.returncode == 0
    assert "exit codes:" in result.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "bot" in imported
    assert not imported & HEAVY_PACKAGES


def test_bad_configuration_is_reported_without_a_traceback(tmp_path: Path) -> None:
    env = bot_env(tmp_path, BOT_TOKEN="1:x", REFUND_POLICY="lots")
    result = run_module("bot", env, tmp_path)
    assert result.returncode == 2
    assert "refund policy must look like 24:100,6:50" in result.stderr
    assert "Traceback" not in result.stderr


def test_refund_tiers_no_room_could_have_stop_the_start_up_in_one_line(tmp_path: Path) -> None:
    env = bot_env(tmp_path, BOT_TOKEN="1:x", REFUND_POLICY="6:100,24:50")
    result = run_module("bot", env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: REFUND_POLICY: more notice must never give less back "
        "(list tiers like 24:100,6:50)"
    ]


def test_env_example_documents_every_setting() -> None:
    documented = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert documented == {name.upper() for name in Settings.model_fields}


def test_secrets_never_reach_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        _env_file=None,
        bot_token="123456:SECRET-TOKEN",
        razorpay_key_id="rzp_test_key",
        razorpay_key_secret="rzp-key-secret-xyz",
        razorpay_webhook_secret="whsec-abcdef",
        public_base_url="https://bot.example.com",
    )
    logger = logging.getLogger("test.secrets")
    logger.addFilter(SecretMaskingFilter(configured_secrets(settings)))
    with caplog.at_level(logging.INFO, logger="test.secrets"):
        logger.info(
            "calling https://api.telegram.org/bot%s/getMe with %s", "123456:SECRET-TOKEN", "whsec-abcdef"
        )
        logger.info("key rzp-key-secret-xyz")
    text = caplog.text
    assert "SECRET-TOKEN" not in text
    assert "whsec-abcdef" not in text
    assert "rzp-key-secret-xyz" not in text
    assert text.count("***") == 3
