"""``python -m bot``: a stop signal from the first moment ends the process quietly (see
bot/stop_signals.py), and ``--help`` answers before the heavy imports."""

import sys

from bot.stop_signals import exit_quietly_on_stop_signals

exit_quietly_on_stop_signals()

from bot.command_line import parse_args  # noqa: E402

parse_args(sys.argv[1:])

from bot.app import main  # noqa: E402  (heavy: after --help)

raise SystemExit(main())
