"""``python -m bot`` and ``python -m bot.admin`` as real processes, configured as a
user configures them: through ``.env`` and the environment."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from storage.embedded import free_port
from tests.fakes.bot_api import TOKEN, BotApi
from tests.process_support import aadmin, bot_env, env_file, run_module, start_bot
from tests.telegram_support import ASHA

WEBHOOK_SECRET = "Zq4Xk2m9_Lp0-Ws7Yt6Rv5Ub3Nc1Hd8Jf"
KEYS = {
    "RAZORPAY_KEY_ID": "rzp_test_1DP5mmOlF5G5ag",
    "RAZORPAY_KEY_SECRET": "thisisthekeysecret42",
    "RAZORPAY_WEBHOOK_SECRET": "thisisthewebhooksecret42",
}


def run(tmp_path: Path, module: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_module(module, bot_env(tmp_path, **env), tmp_path, *args, timeout=120)


REFUSED = {
    "malformed token": (
        {"BOT_TOKEN": "abc"},
        "configuration error: BOT_TOKEN does not look like a token from @BotFather",
    ),
    "unknown time zone": (
        {"BOT_TOKEN": TOKEN, "DEFAULT_TIMEZONE": "Asia/Bangalore"},
        "configuration error: DEFAULT_TIMEZONE is not a known IANA time zone",
    ),
    "webhook without a secret": (
        {"BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/tg", "PAYMENTS": "sandbox"},
        "configuration error: TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET",
    ),
    "live key with a blank secret": (
        {"BOT_TOKEN": TOKEN, "RAZORPAY_KEY_ID": "rzp_live_1DP5mmOlF5G5ag", "RAZORPAY_KEY_SECRET": ""},
        "configuration error: Razorpay is half set up",
    ),
    "keys with a local base URL": (
        {"BOT_TOKEN": TOKEN, **KEYS, "PUBLIC_BASE_URL": "http://localhost:8080"},
        "configuration error: PUBLIC_BASE_URL must be a public https:// address",
    ),
}


@pytest.mark.parametrize(("env", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_start_up_refuses_a_misconfiguration_in_one_line_before_starting_anything(
    tmp_path: Path, env: dict[str, str], reason: str
) -> None:
    result = run(tmp_path, "bot", **env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # no embedded database was started


HUSHED = {
    "BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
    "RAZORPAY_KEY_SECRET": "rzp-key-secret-Hush42",
    "RAZORPAY_WEBHOOK_SECRET": "whsec-Hush-webhook-42",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/tg",
    "TELEGRAM_WEBHOOK_SECRET": "Hush! not Telegram's alphabet, and long enough",
    "MONGODB_URI": "mongo://jam:db-pass-Hush-42@db.example.com/jamroom",
}


@pytest.mark.parametrize("module", ["bot", "bot.admin"])
def test_a_refused_configuration_prints_no_secret(tmp_path: Path, module: str) -> None:
    args = ["list-rooms"] if module == "bot.admin" else []
    result = run(tmp_path, module, *args, **HUSHED)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines
    assert all(line.startswith("configuration error: ") for line in lines), result.stderr
    for name in ("TELEGRAM_WEBHOOK_SECRET", "MONGODB_URI"):
        assert name in result.stderr
    assert "Hush" not in result.stderr
    assert HUSHED["BOT_TOKEN"].partition(":")[2] not in result.stderr
    assert not (tmp_path / "data").exists()


async def test_env_example_with_only_a_token_runs_the_cli_and_the_bot_with_one_banner(
    tmp_path: Path, bot_api: BotApi
) -> None:
    """cp .env.example .env, fill in BOT_TOKEN: blank lines are unset, so the sandbox runs."""
    port = free_port()
    env_file(tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=bot_api.base_url, PORT=str(port), HOST="127.0.0.1")
    env = bot_env(tmp_path)
    env.pop("DATA_DIR")  # as the user has it: DATA_DIR=data from the file
    cli = await aadmin(env, tmp_path, "seed-demo", timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert "3 added" in cli.stdout

    bot = await start_bot(env, tmp_path)
    try:
        version = bot_api.send_text(ASHA, "/start")
        reply = await bot_api.wait_reply(ASHA["id"], version, timeout=60)
        assert "Asha" in reply["text"]
        await bot.finished(updates=1)
    finally:
        code = await bot.stop()
    log = bot.output
    assert code == 0, log[-2000:]
    assert log.count("runs with:") == 1
    banner = log[log.index("runs with:") :]
    assert "WARNING" in log[: log.index("runs with:")].splitlines()[-1]
    assert f"embedded NX-27017, data in {tmp_path / 'data'}" in banner
    assert "!!! SANDBOX: bookings are confirmed without money" in banner
    assert f"long polling through {bot_api.base_url}" in banner
    assert f"listening on 127.0.0.1:{port}, public address http://localhost:8080" in banner
    assert TOKEN not in log
