"""The embedded NX-27017 server: a MongoDB wire-protocol server over SQLite, started
as a child process on a free loopback port when no MONGODB_URI is given.

The child stops when the process that started it dies, even by SIGKILL (see
``storage/nx_27017_child.py``); ``storage/embedded_sharing.py`` decides who starts
the server of a data directory and finds one left running."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

DATABASE_NAME = "jamroom"
DATABASE_FILE = f"{DATABASE_NAME}.db"
PID_FILE = "nx-27017.pid"
"""Written by the server itself in a data directory (``--pid-file``)."""


class EmbeddedDatabaseError(RuntimeError):
    """The embedded database could not start or be reached; the message says why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedMongo:
    """Starts ``nx_27017`` on ``127.0.0.1:<free port>`` with its data in ``data_dir``
    (or in memory when ``data_dir`` is None) and stops it cleanly.

    Start it from a thread that lives as long as the server (the event loop's thread:
    ``astart`` does): on Linux the server is stopped when that thread ends."""

    def __init__(self, data_dir: Path | None, *, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve() if data_dir is not None else None
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/{DATABASE_NAME}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 20.0) -> str:
        if self._process is not None:
            return self.uri
        self._spawn()
        deadline = time.monotonic() + timeout
        while not self._listening():
            if time.monotonic() > deadline:
                self._give_up(timeout)
            time.sleep(0.05)
        self._started()
        return self.uri

    async def astart(self, timeout: float = 20.0) -> str:
        if self._process is not None:
            return self.uri
        self._spawn()  # here, on the loop's thread, which outlives the server
        try:
            deadline = time.monotonic() + timeout
            while not await asyncio.to_thread(self._listening):
                if time.monotonic() > deadline:
                    self._give_up(timeout)
                await asyncio.sleep(0.05)
        except BaseException:  # cancelled (a stop signal) or failed: leave nothing running
            self.stop()
            raise
        self._started()
        return self.uri

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.info("embedded database stopped")

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL), as a crash would; for fault tests."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> EmbeddedMongo:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def where(self) -> str:
        return "in memory" if self.data_dir is None else f"data in {self.data_dir}"

    @property
    def _run_dir(self) -> Path:
        return Path(tempfile.gettempdir()) if self.data_dir is None else self.data_dir

    @property
    def _file_stem(self) -> str:
        # In a data dir one server runs at a time; in the temp dir several may (tests).
        return "nx-27017" if self.data_dir is not None else f"nx-27017-{self.port}"

    @property
    def _stderr_path(self) -> Path:
        return self._run_dir / f"{self._file_stem}.err"

    def _spawn(self) -> None:
        command = self._command()
        # stderr goes to a file: an undrained pipe fills up and stalls the server.
        with self._stderr_path.open("ab") as stderr:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # Ctrl-C in the terminal reaches us, not the server
            )

    def _command(self) -> list[str]:
        if self.data_dir is None:
            db_path = "memory"
        else:
            if self.data_dir.exists() and not self.data_dir.is_dir():
                raise EmbeddedDatabaseError(f"the data directory {self.data_dir} is not a folder (DATA_DIR)")
            self.data_dir.mkdir(parents=True, exist_ok=True)
            db_path = str(self.data_dir / DATABASE_FILE)
        run_dir = self._run_dir
        return [
            sys.executable,
            "-m",
            "storage.nx_27017_child",
            str(os.getpid()),
            "--db",
            db_path,
            "--host",
            "127.0.0.1",
            "-p",
            str(self.port),
            "--log-file",
            str(run_dir / f"{self._file_stem}.log"),
            "--pid-file",
            str(run_dir / f"{self._file_stem}.pid"),
        ]

    def _listening(self) -> bool:
        """Whether the server accepts connections; raises if it has exited."""
        assert self._process is not None
        if self._process.poll() is not None:
            self._process = None
            lines = self._stderr_path.read_text(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else "no reason given"
            raise EmbeddedDatabaseError(
                f"the embedded database exited at start-up: {reason} (its log: {self._stderr_path})"
            )
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def _give_up(self, timeout: float) -> None:
        self.stop()
        raise EmbeddedDatabaseError(
            f"the embedded database did not listen on port {self.port} in {timeout:g} s"
        )

    def _started(self) -> None:
        log.info("embedded database listening on 127.0.0.1:%s (%s)", self.port, self.where)
