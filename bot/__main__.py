"""``python -m bot``: ``--help`` answers before the heavy imports, and a stop signal
during them ends the process quietly (see bot/stop_signals.py)."""

import sys

from bot.command_line import parse_args
from bot.stop_signals import exit_quietly_on_stop_signals

parse_args(sys.argv[1:])
exit_quietly_on_stop_signals()

from bot.app import main  # noqa: E402  (heavy: after --help)

raise SystemExit(main())
