"""Real ``python -m bot`` and ``python -m bot.admin`` processes: their environment,
start them, signal them, and find the database servers they leave (or do not leave)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storage.database import Database
from storage.embedded import free_port

BOT_TOKEN = "123456:STARTUP"
HANDLED = re.compile(r"Update id=(\d+) is (?:not )?handled")
ROOT = Path(__file__).resolve().parents[1]


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment without any of the bot's settings, data in ``tmp_path/data``,
    and ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "RAZORPAY_", "TELEGRAM_", "MONGODB", "PAYMENTS", "PUBLIC_"))
    }
    env.update({"DATA_DIR": str(tmp_path / "data"), **extra})
    return env


def uri_of(database: Database) -> str:
    """The address of the test database, naming the database, for another process."""
    return urlsplit(database.uri)._replace(path=f"/{database.db.name}").geturl()


def env_file(tmp_path: Path, **filled: str) -> Path:
    """.env.example copied as a user would, with only ``filled`` values written in."""
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={filled[name]}" if name in filled and not line.startswith("#") else line)
    path = tmp_path / ".env"
    path.write_text("\n".join(lines) + "\n")
    return path


def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "zombie" not in status.read_text().lower()
    except OSError:
        return False


def servers_for(data_dir: Path) -> list[int]:
    """The pids of every NX-27017 server whose command line names ``data_dir``."""
    wanted = str(data_dir.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if (
            any("nx_27017" in arg for arg in argv)
            and any(wanted in arg for arg in argv)
            and alive(int(entry.name))
        ):
            found.append(int(entry.name))
    return found


async def until(check: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """What ``check`` (plain or async) returns, once that is true; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return outcome
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s: {what or getattr(check, '__name__', check)}")
        await asyncio.sleep(0.05)


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, sig: signal.Signals) -> None:
        if self.process.returncode is None:
            self.process.send_signal(sig)

    def handled_updates(self) -> list[int]:
        """The ids of the updates this process has finished with, from aiogram's log line
        ``Update id=N is handled`` (or ``not handled``)."""
        return [int(found) for found in HANDLED.findall(self.output)]

    async def finished(self, updates: int, timeout: float = 30.0) -> None:
        """Wait until this process has finished with ``updates`` updates. The bot answers
        before it saves the dialog state, so a process stopped right after an answer may
        cut that save short (and log it)."""
        await until(
            lambda: len(self.handled_updates()) >= updates,
            timeout=timeout,
            what=f"{self.log.name}: {updates} update(s) handled",
        )

    async def exit_code(self, timeout: float = 60.0) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout)
        # Shown by pytest when the test fails.
        logging.getLogger(__name__).warning("%s exited %s:\n%s", self.log.name, code, self.output[-4000:])
        return code

    async def stop(self) -> int:
        self.signal(signal.SIGTERM)
        return await self.exit_code()

    async def kill(self) -> int:
        self.signal(signal.SIGKILL)
        return await self.exit_code()


def startup_env(workdir: Path, api_url: str, **settings: str) -> dict[str, str]:
    """A bot token, the given Bot API, a free port on loopback, data in ``workdir/data``;
    ``settings`` add to or replace these."""
    defaults = {
        "BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_API_URL": api_url,
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
    }
    return bot_env(workdir, **{**defaults, **settings})


async def start_bot(env: dict[str, str], cwd: Path, name: str = "bot") -> BotProcess:
    """``python -m bot`` in a session of its own (only the test's signals reach it), its
    output in ``<name>.log``."""
    log = cwd / f"{name}.log"
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    return BotProcess(process, log)


def run_module(
    module: str, env: dict[str, str], cwd: Path, *argv: str, timeout: float = 60, python: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``python [PYTHON] -m MODULE ARGV``, waited for, its output captured."""
    return subprocess.run(
        [sys.executable, *python, "-m", module, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def admin(
    env: dict[str, str], cwd: Path, *argv: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m bot.admin ARGV``, waited for."""
    return run_module("bot.admin", env, cwd, *argv, timeout=timeout)


async def aadmin(
    env: dict[str, str], cwd: Path, *argv: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``admin`` without blocking the event loop (a bot under test may be serving on it)."""
    return await asyncio.to_thread(admin, env, cwd, *argv, timeout=timeout)


def orphan_server(data_dir: Path, port: int | None = None) -> subprocess.Popen[bytes]:
    """An NX-27017 server on ``data_dir`` that nobody owns, started as this project's
    earlier versions did (no record of its port), in a session of its own as a server
    left by a crashed bot would be."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nx_27017.nx_27017",
            "--db",
            str(data_dir / "jamroom.db"),
            "--host",
            "127.0.0.1",
            "-p",
            str(port or free_port()),
            "--log-file",
            str(data_dir / "nx-27017.log"),
            "--pid-file",
            str(data_dir / "nx-27017.pid"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def end(process: subprocess.Popen[bytes]) -> None:
    """Stop a process this test started, if it still runs."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
