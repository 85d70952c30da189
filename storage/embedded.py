"""The embedded NX-27017 server: a MongoDB wire-protocol server over SQLite, started
as a child process on a free loopback port when no MONGODB_URI is given."""

from __future__ import annotations

import asyncio
import logging
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedMongo:
    """Starts ``nx_27017`` on ``127.0.0.1:<free port>`` with its data in ``data_dir``
    (or in memory when ``data_dir`` is None) and stops it cleanly."""

    def __init__(self, data_dir: Path | None, *, port: int | None = None) -> None:
        self.data_dir = data_dir
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
        self._wait_until_listening(timeout)
        log.info("embedded database listening on 127.0.0.1:%s (%s)", self.port, self._where())
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

    async def astart(self, timeout: float = 20.0) -> str:
        return await asyncio.to_thread(self.start, timeout)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> EmbeddedMongo:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _where(self) -> str:
        return "in memory" if self.data_dir is None else str(self.data_dir.resolve())

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

    def _command(self) -> list[str]:
        if self.data_dir is None:
            db_path = "memory"
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            db_path = str(self.data_dir / f"{DATABASE_NAME}.db")
        run_dir = self._run_dir
        return [
            sys.executable,
            "-m",
            "nx_27017.nx_27017",
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

    def _wait_until_listening(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                error = self._stderr_path.read_text(errors="replace").strip()[-500:]
                raise RuntimeError(f"the embedded database exited at start-up: {error}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the embedded database did not listen on port {self.port} in {timeout:g}s")
