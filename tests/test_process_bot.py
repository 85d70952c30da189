"""``python -m bot`` as a real process with only a bot token: it starts the embedded
database, answers /start over HTTP, serves /healthz and stops everything on SIGTERM."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.bot_api import TOKEN, BotApi
from tests.process_support import alive, servers_for, start_bot, startup_env, until
from tests.telegram_support import ASHA


async def test_the_bot_runs_on_a_token_alone_and_stops_cleanly(tmp_path: Path, bot_api: BotApi) -> None:
    env = startup_env(tmp_path, bot_api.base_url, BOT_TOKEN=TOKEN)
    bot = await start_bot(env, tmp_path)
    try:
        version = bot_api.send_text(ASHA, "/start")
        reply = await bot_api.wait_reply(ASHA["id"], version, timeout=60)
        assert "Asha" in reply["text"]
        assert reply.get("reply_markup")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{env['PORT']}/healthz") as health,
        ):
            assert health.status == 200
            assert (await health.json()) == {"ok": True}
        pid_file = tmp_path / "data" / "nx-27017.pid"
        assert (tmp_path / "data" / "jamroom.db").exists()
        database_pid = int(pid_file.read_text().strip())
        assert alive(database_pid)
        await bot.finished(updates=1)
    finally:
        code = await bot.stop()
    assert code == 0, bot.output[-2000:]
    assert "Traceback" not in bot.output
    assert TOKEN not in bot.output
    assert f"data in {(tmp_path / 'data').resolve()}" in bot.output  # where the data is, in full
    await asyncio.sleep(0.2)
    assert not alive(database_pid)


async def test_webhook_mode_stops_cleanly_on_sigterm(tmp_path: Path, bot_api: BotApi) -> None:
    env = startup_env(
        tmp_path,
        bot_api.base_url,
        TELEGRAM_WEBHOOK_URL="https://bot.example.com/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET="s" * 32,
        PAYMENTS="sandbox",
    )
    bot = await start_bot(env, tmp_path)
    try:
        await until(
            lambda: any(method == "setwebhook" for method, _ in bot_api.calls), what="setWebhook called"
        )
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{env['PORT']}/healthz") as health,
        ):
            assert health.status == 200
    finally:
        code = await bot.stop()
    assert code == 0, bot.output[-3000:]
    assert "Traceback" not in bot.output
    assert servers_for(tmp_path / "data") == []


if os.environ.get("MONGODB_URI"):  # this test is about the embedded database
    pytestmark = pytest.mark.skip(reason="runs on the embedded database only")
