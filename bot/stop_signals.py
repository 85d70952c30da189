"""SIGTERM and SIGINT (Ctrl-C) ask the bot to stop, at any moment, and it always stops
the same way: everything it started is stopped, nothing prints a traceback, and the
exit code is 0.

Before the event loop runs (imports, reading the configuration) nothing is running
yet, so a signal just ends the process. During start-up a signal cancels start-up,
and each step undoes itself on the way out (the web server's socket, the embedded
database). Once the bot serves, a signal ends the update loop and the shutdown runs
in order. A second signal while stopping is ignored: the stop is under way."""

from __future__ import annotations

import asyncio
import logging
import signal
from types import FrameType

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def exit_quietly_on_stop_signals() -> None:
    """Until the event loop takes the signals over: a stop signal ends the process with 0."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)


class StopSignals:
    """The stop signals inside the event loop; create it first thing in the main task."""

    def __init__(self) -> None:
        self.requested: signal.Signals | None = None
        self.stop = asyncio.Event()
        """Set by a stop signal once the bot serves: the update loop ends on it."""
        self._start_up = asyncio.current_task()
        self._serving = False
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, self._on_signal, sig)

    @property
    def is_serving(self) -> bool:
        return self._serving

    def serving(self) -> None:
        """From now on a stop signal sets ``stop`` instead of cancelling start-up."""
        self._serving = True

    def _on_signal(self, sig: signal.Signals) -> None:
        if self.requested is not None:
            return
        self.requested = sig
        log.info("%s received: stopping", sig.name)
        self.stop.set()
        if not self._serving and self._start_up is not None:
            self._start_up.cancel()
