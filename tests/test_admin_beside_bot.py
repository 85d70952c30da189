"""``python -m bot.admin`` beside a running ``python -m bot`` on the embedded database:
the CLI uses the bot's database server, and the bot shows the new room and the new
owner's menu without a restart. And the CLI run from the wrong folder says which
data directory it looked at instead of quietly starting a second database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bench.dialogs import BotApi, button
from bot.dialogs.room_cache import ROOM_TTL_SECONDS
from tests.process_support import aadmin, admin, servers_for, start_bot, startup_env, stop_api
from tests.test_process import bot_env

ASHA = {"id": 1001, "is_bot": False, "first_name": "Asha"}
RAVI = {"id": 4242, "is_bot": False, "first_name": "Ravi"}
PUNE_PAD = (
    *("add-room", "pune-pad", "--name", "Pune Pad", "--city", "Pune", "--address", "FC Road"),
    *("--price", "500", "--peak-price", "700"),
)

if os.environ.get("MONGODB_URI"):  # these tests are about the embedded database
    pytestmark = pytest.mark.skip(reason="runs on the embedded database only")


@pytest.fixture
async def api() -> AsyncIterator[BotApi]:
    server = BotApi()
    await server.start()
    yield server
    await stop_api(server)


async def answered(api: BotApi, user: dict[str, Any], version: int) -> dict[str, Any]:
    """The screen once the bot has finished answering (a tap's callback answer may
    come before the edited screen)."""
    await api.wait_reply(user["id"], version, timeout=60)
    await api.wait_settled(user["id"], timeout=60)
    return api.screen(user["id"])


async def say(api: BotApi, user: dict[str, Any], text: str) -> dict[str, Any]:
    return await answered(api, user, api.send_text(user, text))


async def tap(api: BotApi, user: dict[str, Any], screen: dict[str, Any], text: str) -> dict[str, Any]:
    target = button(screen, text=text)
    assert target is not None, [b["text"] for row in screen["reply_markup"]["inline_keyboard"] for b in row]
    return await answered(api, user, api.press(user, screen, target["callback_data"]))


async def test_the_cli_changes_a_running_bot_without_a_restart(tmp_path: Path, api: BotApi) -> None:
    env = startup_env(tmp_path, api.base_url)
    data_dir = (tmp_path / "data").resolve()
    bot = await start_bot(env, tmp_path)
    try:
        screen = await tap(api, ASHA, await say(api, ASHA, "/start"), "🎸 Find a room")
        assert "No rooms are listed yet" in screen["text"]
        assert "for room owners" in (await say(api, RAVI, "/owner"))["text"]
        server = servers_for(data_dir)
        assert len(server) == 1

        added = await aadmin(env, tmp_path, *PUNE_PAD)
        assert added.returncode == 0, added.stderr
        assert f"the running bot (PID {bot.pid}" in added.stderr
        assert str(data_dir) in added.stderr
        owner = await aadmin(env, tmp_path, "add-owner", str(RAVI["id"]), "--room", "pune-pad")
        assert owner.returncode == 0, owner.stderr
        assert servers_for(data_dir) == server  # no second server, and the bot's still runs

        screen = await tap(api, ASHA, await say(api, ASHA, "/start"), "🎸 Find a room")
        screen = await tap(api, ASHA, screen, "Pune")
        assert button(screen, text="Pune Pad") is not None
        menu = await say(api, RAVI, "/owner")
        assert "Pune Pad" in menu["text"]
        assert button(menu, text="📅 Schedule") is not None
    finally:
        code = await bot.stop()
    assert code == 0, bot.output[-3000:]
    assert "Traceback" not in bot.output
    assert servers_for(data_dir) == []


def test_the_cli_refuses_a_data_directory_without_a_database(tmp_path: Path) -> None:
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    env = {k: v for k, v in bot_env(tmp_path).items() if k != "DATA_DIR"}
    result = admin(env, elsewhere, "list-rooms")
    assert result.returncode == 2
    assert f"no JamRoom database in {elsewhere.resolve() / 'data'} (DATA_DIR=data)" in result.stderr
    assert not (elsewhere / "data").exists()

    created = admin(env, elsewhere, *PUNE_PAD)
    assert created.returncode == 0, created.stderr
    assert f"no database in {elsewhere.resolve() / 'data'} yet: starting a new one" in created.stderr
    listed = admin(env, elsewhere, "list-rooms")
    assert listed.returncode == 0, listed.stderr
    assert "pune-pad — Pune Pad" in listed.stdout
    assert servers_for(elsewhere / "data") == []


def test_the_cli_help_says_how_soon_the_bot_sees_a_change(tmp_path: Path) -> None:
    result = admin(bot_env(tmp_path), tmp_path, "--help")
    assert result.returncode == 0
    assert "Works while the bot runs" in result.stdout
    assert f"within {ROOM_TTL_SECONDS:g} s" in result.stdout


def test_a_database_that_cannot_start_is_one_line_from_the_cli(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data directory should be")
    result = admin(bot_env(tmp_path), tmp_path, "seed-demo")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: the data directory {(tmp_path / 'data').resolve()} is a file, not a folder (DATA_DIR)"
    ]
