"""``python -m bot``'s command line. It imports nothing heavy, so ``--help`` answers
before aiogram and the rest are loaded."""

from __future__ import annotations

import argparse

DESCRIPTION = """\
Run JamRoom bot: the Telegram bot (long polling, or webhook mode when
TELEGRAM_WEBHOOK_URL is set), the web server on $PORT (Razorpay webhook
/webhooks/razorpay, payment callback /payments/callback, /healthz, and the sandbox
payment pages when no Razorpay setting is given) and the scheduled jobs. With
Razorpay keys, rooms tied to an owner's Route linked account (python -m bot.admin
set-payout-account) are paid out: each payment less PLATFORM_COMMISSION_BP (basis
points, default 0) is transferred to the owner, refunds reversed in proportion.

Configuration comes from the environment or .env (a blank value means unset); see
.env.example. A setting that cannot work stops the start-up with one line naming it
(exit code 2). Without
MONGODB_URI an embedded database is started with its data in DATA_DIR (default
./data; start-up logs its absolute path), and stopped with the bot.
"""

EPILOG = """\
start-up:
  The web server's port is taken first, then Telegram is asked about the token,
  then the database starts. If Telegram cannot be reached, the bot tries 3 times
  over about 3 seconds, then exits with code 1 (a process manager may restart it);
  once running, it keeps retrying on its own. Every failure is one line saying what
  to fix, and leaves nothing running.

exit codes:
  0  stopped on request (SIGTERM, or SIGINT / Ctrl-C), at any moment
  1  could not start, or stopped on an error (the reason is printed)
  2  configuration error
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser.parse_args(argv)
