"""Whatever ends ``python -m bot``'s start-up, it says why in a line or two, exits with
a code that tells a failure from a requested stop, and leaves no database server
behind: the next start works. Real processes, a local Bot API over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from storage.embedded import free_port
from tests.fakes.bot_api import BotApi
from tests.process_support import BOT_TOKEN, admin, servers_for, start_bot, startup_env, until

if os.environ.get("MONGODB_URI"):  # these tests are about the embedded database
    pytestmark = pytest.mark.skip(reason="runs on the embedded database only")


class HoldingBotApi(BotApi):
    """The Bot API stand-in, holding one method's answer until released: start-up
    caught at the moment it waits for Telegram."""

    def __init__(self, hold: str) -> None:
        super().__init__()
        self.hold = hold.lower()
        self.reached = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"].lower() == self.hold:
            self.reached.set()
            await self.release.wait()
        return await super().handle(request)


class RefusingTelegram(BotApi):
    """Answers every call as Telegram answers a revoked or mistyped token."""

    async def handle(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)


@pytest.fixture
async def refusing() -> AsyncIterator[RefusingTelegram]:
    server = RefusingTelegram()
    await server.start()
    yield server
    await server.stop()


def assert_clean_exit(output: str, data_dir: Path) -> None:
    assert "Traceback" not in output, output[-3000:]
    assert BOT_TOKEN not in output
    assert servers_for(data_dir) == []


async def assert_next_start_works(env: dict[str, str], cwd: Path) -> None:
    result = await asyncio.to_thread(admin, env, cwd, "seed-demo")
    assert result.returncode == 0, result.stderr[-2000:]
    assert servers_for(Path(env["DATA_DIR"])) == []


async def test_a_token_telegram_refuses_is_reported_in_one_line(
    tmp_path: Path, refusing: RefusingTelegram
) -> None:
    env = startup_env(tmp_path, refusing.base_url)
    bot = await start_bot(env, tmp_path)
    assert await bot.exit_code() == 1
    assert "Telegram refused this token: check it with @BotFather" in bot.output
    assert_clean_exit(bot.output, tmp_path / "data")
    await assert_next_start_works(env, tmp_path)


async def test_an_unreachable_telegram_is_reported_and_the_bot_exits(tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = startup_env(tmp_path, nobody)
    bot = await start_bot(env, tmp_path)
    assert await bot.exit_code() == 1
    assert f"Telegram is unreachable at {nobody}" in bot.output
    assert "tried 3 times" in bot.output
    assert_clean_exit(bot.output, tmp_path / "data")
    await assert_next_start_works(env, tmp_path)


async def test_a_port_in_use_is_named_with_its_setting(tmp_path: Path, bot_api: BotApi) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = startup_env(tmp_path, bot_api.base_url, PORT=str(port))
        bot = await start_bot(env, tmp_path)
        assert await bot.exit_code() == 1
    assert f"port {port} on 127.0.0.1 is already in use" in bot.output
    assert "PORT" in bot.output
    assert_clean_exit(bot.output, tmp_path / "data")
    await assert_next_start_works(env, tmp_path)


async def test_a_data_directory_that_is_a_file_is_named(tmp_path: Path, bot_api: BotApi) -> None:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data directory should be")
    bot = await start_bot(startup_env(tmp_path, bot_api.base_url), tmp_path)
    assert await bot.exit_code() == 1
    assert f"JamRoom bot could not start: the data directory {not_a_folder} is a file" in bot.output
    assert "DATA_DIR" in bot.output
    assert_clean_exit(bot.output, not_a_folder)


def catches(pid: int, sig: signal.Signals) -> bool:
    """Whether process ``pid`` has a handler for ``sig`` (``SigCgt`` in /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(caught & (1 << (sig - 1)))


async def _signal_while_importing(bot: Any, api: BotApi, data_dir: Path) -> None:
    # Python's own start-up (before any of our code) is out of reach; from the moment
    # the bot handles SIGTERM, aiogram and the rest take seconds to import.
    await until(lambda: catches(bot.pid, signal.SIGTERM), what="the stop signals handled")
    await asyncio.sleep(0.1)


async def _signal_while_the_database_starts(bot: Any, api: BotApi, data_dir: Path) -> None:
    await until(lambda: bool(servers_for(data_dir)), what="the database server started")


async def _signal_while_telegram_answers(bot: Any, api: HoldingBotApi, data_dir: Path) -> None:
    await asyncio.wait_for(api.reached.wait(), 60)


MOMENTS = [
    pytest.param("getme", _signal_while_importing, signal.SIGINT, id="SIGINT-while-importing"),
    pytest.param("getme", _signal_while_telegram_answers, signal.SIGINT, id="SIGINT-at-getMe"),
    pytest.param(
        "setmycommands", _signal_while_the_database_starts, signal.SIGTERM, id="SIGTERM-database-starts"
    ),
    pytest.param(
        "setmycommands",
        _signal_while_telegram_answers,
        signal.SIGTERM,
        id="SIGTERM-at-setMyCommands",
    ),
]


@pytest.mark.parametrize(("hold", "moment", "sig"), MOMENTS)
async def test_a_stop_signal_at_any_moment_of_start_up_stops_everything(
    tmp_path: Path, hold: str, moment: Any, sig: signal.Signals
) -> None:
    api = HoldingBotApi(hold)
    await api.start()
    env = startup_env(tmp_path, api.base_url)
    try:
        bot = await start_bot(env, tmp_path)
        await moment(bot, api, tmp_path / "data")
        bot.signal(sig)
        assert await bot.exit_code() == 0, bot.output[-3000:]
    finally:
        api.release.set()
        await api.stop()
    assert_clean_exit(bot.output, tmp_path / "data")
    await assert_next_start_works(env, tmp_path)
