"""``python -m bot.admin`` beside a running ``python -m bot`` on the embedded database:
the CLI uses the bot's database server, and the bot shows the new room and the new
owner's menu without a restart. And the CLI run from the wrong folder says which
data directory it looked at instead of quietly starting a second database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.dialogs.room_cache import ROOM_TTL_SECONDS
from tests.fakes.bot_api import BotApi, button
from tests.process_support import aadmin, admin, bot_env, servers_for, start_bot, startup_env
from tests.telegram_support import ASHA, Phone

RAVI = {"id": 4242, "is_bot": False, "first_name": "Ravi"}
PUNE_PAD = (
    *("add-room", "pune-pad", "--name", "Pune Pad", "--city", "Pune", "--address", "FC Road"),
    *("--price", "500", "--peak-price", "700"),
)

if os.environ.get("MONGODB_URI"):  # these tests are about the embedded database
    pytestmark = pytest.mark.skip(reason="runs on the embedded database only")


async def test_the_cli_changes_a_running_bot_without_a_restart(tmp_path: Path, bot_api: BotApi) -> None:
    env = startup_env(tmp_path, bot_api.base_url)
    data_dir = (tmp_path / "data").resolve()
    asha, ravi = Phone(bot_api, ASHA, timeout=60), Phone(bot_api, RAVI, timeout=60)
    bot = await start_bot(env, tmp_path)
    try:
        await asha.send("/start")
        await asha.tap(button(asha.screen, text="🎸 Find a room"))
        assert "No rooms are listed yet" in asha.screen["text"]
        await ravi.send("/owner")
        assert "for room owners" in ravi.screen["text"]
        server = servers_for(data_dir)
        assert len(server) == 1

        added = await aadmin(env, tmp_path, *PUNE_PAD)
        assert added.returncode == 0, added.stderr
        assert f"the running bot (PID {bot.pid}" in added.stderr
        assert str(data_dir) in added.stderr
        owner = await aadmin(env, tmp_path, "add-owner", str(RAVI["id"]), "--room", "pune-pad")
        assert owner.returncode == 0, owner.stderr
        assert servers_for(data_dir) == server  # no second server, and the bot's still runs

        await asha.send("/start")
        await asha.tap(button(asha.screen, text="🎸 Find a room"))
        await asha.tap(button(asha.screen, text="Pune"))
        assert button(asha.screen, text="Pune Pad") is not None
        await ravi.send("/owner")
        assert "Pune Pad" in ravi.screen["text"]
        assert button(ravi.screen, text="📅 Schedule") is not None
        await bot.finished(updates=bot_api.pushed)
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
