"""One embedded server per data directory, shared by the processes that use it.

The process that starts the server owns it: it holds an exclusive lock on
``nx-27017.owner`` in the data directory for as long as it lives (the kernel lets go
when it dies, however it dies) and records the server in ``nx-27017.json`` (server
PID, port, owner PID and role). Another process that finds the lock held reads the
record: an admin CLI connects to a running bot's server as a guest and leaves it
running; a second bot is refused; and a process that finds an admin command's
server waits for that command to end (a moment). A process that gets the lock
stops any server still running on the data directory (left by a process that died)
and starts its own.

A PID is only ever signalled after ``/proc`` shows it is an NX-27017 server on this
data directory's database file, so a PID reused by another program is never touched."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import signal
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from storage.embedded import DATABASE_FILE, DATABASE_NAME, PID_FILE, EmbeddedDatabaseError, EmbeddedMongo

log = logging.getLogger(__name__)

SERVER_RECORD = "nx-27017.json"
OWNER_LOCK = "nx-27017.owner"
PATIENCE_SECONDS = 30.0
"""How long a process waits for another one's server to answer, or a bot for an
admin command's server to go, before it gives up with a message."""
LEFTOVER_STOP_SECONDS = 10.0


class Role(StrEnum):
    BOT = "bot"
    ADMIN = "admin CLI"


@dataclass(frozen=True)
class ServerRecord:
    """What ``nx-27017.json`` says about the server of a data directory."""

    pid: int
    port: int
    owner_pid: int
    owner: Role

    @classmethod
    def read(cls, data_dir: Path) -> ServerRecord | None:
        try:
            fields = json.loads((data_dir / SERVER_RECORD).read_text())
            return cls(
                int(fields["pid"]), int(fields["port"]), int(fields["owner_pid"]), Role(fields["owner"])
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, data_dir: Path) -> None:
        draft = data_dir / f"{SERVER_RECORD}.{os.getpid()}"
        draft.write_text(json.dumps(asdict(self)))
        draft.replace(data_dir / SERVER_RECORD)  # readers never see half a record


@dataclass
class SharedServer:
    """The embedded server a process uses: its own (``started``), or another's."""

    data_dir: Path
    record: ServerRecord
    started: EmbeddedMongo | None
    _lock: int | None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.record.port}/{DATABASE_NAME}"

    @property
    def description(self) -> str:
        if self.started is not None:
            return f"embedded NX-27017 on port {self.record.port}, data in {self.data_dir}"
        return (
            f"the embedded database of the running {self.record.owner} "
            f"(PID {self.record.owner_pid}, port {self.record.port}), data in {self.data_dir}"
        )

    async def release(self) -> None:
        """Stop the server if this process started it; a guest leaves it running."""
        if self.started is None:
            return
        try:
            await self.started.astop()
            with contextlib.suppress(OSError):
                (self.data_dir / SERVER_RECORD).unlink()
        finally:
            if self._lock is not None:
                os.close(self._lock)
                self._lock = None


def holds_database(data_dir: Path) -> bool:
    return (data_dir / DATABASE_FILE).is_file()


async def share_data_dir(data_dir: Path, role: Role, *, patience: float = PATIENCE_SECONDS) -> SharedServer:
    """The server of ``data_dir``: started here when no live process owns one, else a
    running bot's (for an admin CLI), after waiting for an admin command to end."""
    data_dir = prepare_data_dir(data_dir)
    deadline = time.monotonic() + patience
    while True:
        lock = _try_lock(data_dir / OWNER_LOCK)
        if lock is not None:
            try:
                return await _start_own(data_dir, role, lock)
            except BaseException:
                os.close(lock)
                raise
        record = ServerRecord.read(data_dir)
        trusted = record if record is not None and serves(record.pid, data_dir) else None
        if trusted is not None and trusted.owner is Role.BOT:
            if role is Role.BOT:
                raise EmbeddedDatabaseError(
                    f"another JamRoom bot (PID {trusted.owner_pid}) is running on the database in "
                    f"{data_dir}: stop that one first, or give this one its own DATA_DIR"
                )
            if await answers(trusted):
                return SharedServer(data_dir, trusted, started=None, _lock=None)
        # Otherwise an admin command's server (it ends in a moment), or one still starting.
        if time.monotonic() > deadline:
            holder = f" (PID {trusted.owner_pid})" if trusted else ""
            raise EmbeddedDatabaseError(
                f"the embedded database in {data_dir} is held by another JamRoom process{holder} "
                f"that did not let go or answer within {patience:g} s; try again in a moment"
            )
        await asyncio.sleep(0.1)


def prepare_data_dir(data_dir: Path) -> Path:
    """``data_dir`` as an absolute path, created if need be."""
    data_dir = data_dir.resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise EmbeddedDatabaseError(f"the data directory {data_dir} is a file, not a folder (DATA_DIR)")
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


async def _start_own(data_dir: Path, role: Role, lock: int) -> SharedServer:
    await _stop_leftovers(data_dir)
    for stale in (PID_FILE, SERVER_RECORD):  # else NX-27017 may take a reused PID for itself
        with contextlib.suppress(OSError):
            (data_dir / stale).unlink()
    server = EmbeddedMongo(data_dir)
    await server.astart()
    assert server.pid is not None
    record = ServerRecord(pid=server.pid, port=server.port, owner_pid=os.getpid(), owner=role)
    try:
        record.write(data_dir)
    except BaseException:
        server.stop()
        raise
    return SharedServer(data_dir, record, started=server, _lock=lock)


async def _stop_leftovers(data_dir: Path) -> None:
    """Stop every server still running on ``data_dir`` that no live process owns."""
    record = ServerRecord.read(data_dir)
    candidates = {_read_pid(data_dir / PID_FILE), record.pid if record else None} - {None}
    for pid in candidates:
        assert pid is not None
        if serves(pid, data_dir):
            log.warning(
                "an embedded database (PID %s) was left running on %s by a process that ended; "
                "stopping it and starting afresh",
                pid,
                data_dir,
            )
            await _stop(pid)


async def _stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + LEFTOVER_STOP_SECONDS
    while _running(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.05)


def serves(pid: int, data_dir: Path) -> bool:
    """Whether ``pid`` is an NX-27017 server on the database file of ``data_dir``."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:  # gone, a zombie, or no /proc (then a leftover is reported, not stopped)
        return False
    if not any("nx_27017" in arg for arg in argv) or "--db" not in argv[:-1]:
        return False
    database = cwd / argv[argv.index("--db") + 1]  # earlier versions gave a relative path
    return database.resolve() == (data_dir / DATABASE_FILE).resolve()


async def answers(record: ServerRecord) -> bool:
    """Whether the server in ``record`` answers on its port as that very process."""
    client: AsyncMongoClient = AsyncMongoClient(
        f"mongodb://127.0.0.1:{record.port}/", directConnection=True, serverSelectionTimeoutMS=2000
    )
    try:
        status = await client.admin.command("serverStatus")
    except PyMongoError:
        return False
    finally:
        await client.close()
    return status.get("pid") == record.pid


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return True


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding the exclusive lock on ``path``, or None when another
    process holds it. Not inherited by child processes (Python's default)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor
