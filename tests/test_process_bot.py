"""``python -m bot`` as a real process with only a bot token: it starts the embedded
database, answers /start over HTTP, serves /healthz and stops everything on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bench.dialogs import TOKEN, BotApi
from storage.embedded import free_port
from tests.process_support import servers_for, start_bot, startup_env, stop_api, until
from tests.test_process import bot_env

ASHA = {"id": 1001, "is_bot": False, "first_name": "Asha"}


@pytest.fixture
async def api() -> AsyncIterator[BotApi]:
    server = BotApi()
    await server.start()
    yield server
    await stop_api(server)


def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text().lower()


async def test_the_bot_runs_on_a_token_alone_and_stops_cleanly(tmp_path: Path, api: BotApi) -> None:
    port = free_port()
    env = bot_env(tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, PORT=str(port), HOST="127.0.0.1")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        version = api.send_text(ASHA, "/start")
        reply = await api.wait_reply(ASHA["id"], version, timeout=60)
        assert "Asha" in reply["text"]
        assert reply.get("reply_markup")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as health,
        ):
            assert health.status == 200
            assert (await health.json()) == {"ok": True}
        pid_file = tmp_path / "data" / "nx-27017.pid"
        assert (tmp_path / "data" / "jamroom.db").exists()
        database_pid = int(pid_file.read_text().strip())
        assert alive(database_pid)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert "Traceback" not in stderr.decode()
    assert TOKEN not in stderr.decode()
    assert f"data in {(tmp_path / 'data').resolve()}" in stderr.decode()  # where the data is, in full
    await asyncio.sleep(0.2)
    assert not alive(database_pid)


async def test_webhook_mode_stops_cleanly_on_sigterm(tmp_path: Path, api: BotApi) -> None:
    api.record_calls = True
    port = free_port()
    env = startup_env(
        tmp_path,
        api.base_url,
        PORT=str(port),
        TELEGRAM_WEBHOOK_URL="https://bot.example.com/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET="s" * 32,
        PAYMENTS="sandbox",
    )
    bot = await start_bot(env, tmp_path)
    try:
        await until(lambda: any(method == "setwebhook" for method, _ in api.calls), what="setWebhook called")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as health,
        ):
            assert health.status == 200
    finally:
        code = await bot.stop()
    assert code == 0, bot.output[-3000:]
    assert "Traceback" not in bot.output
    assert servers_for(tmp_path / "data") == []


if os.environ.get("MONGODB_URI"):  # this test is about the embedded database
    pytestmark = pytest.mark.skip(reason="runs on the embedded database only")
