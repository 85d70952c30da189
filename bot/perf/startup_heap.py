"""Garbage collection for a long-running bot.

Start-up leaves a large heap that lives as long as the process: modules, pydantic
schemas, aiogram-dialog's widget trees. CPython's full collection walks all of it
every time, which on this bot took up to 180 ms: a pause every user waiting at that
moment felt. Freezing the start-up heap takes it out of every later collection (the
``frozen_startup_heap`` speed-up).

An update makes a few hundred container objects that live until it is answered, and a
hundred updates are in flight at a busy moment: at CPython's default threshold (a
young collection every 700 new objects) the bot ran forty collections a second, each
walking every update then in flight, 5–8% of its CPU in bench/dialogs.py. Collecting
less often (``rarer_collections``) lets most of those objects die by reference count
first; cycles still go, a little later."""

from __future__ import annotations

import gc

from bot.perf import Speedups


def freeze_startup_heap() -> None:
    """Collect once, then move every surviving object to the permanent generation.

    Call when start-up is done (dispatcher built, dialogs registered); objects made
    later are collected as usual."""
    gc.collect()
    gc.freeze()


RARER_THRESHOLDS = (10_000, 20, 20)
"""A young collection every 10,000 new container objects (CPython: 700), an older one
every 20 of those (10), the oldest every 20 of those (10)."""


def collect_less_often() -> None:
    gc.set_threshold(*RARER_THRESHOLDS)


def tune_collector(speedups: Speedups) -> None:
    """The collector as ``speedups`` ask, once start-up is done: the one rule for
    ``python -m bot`` and bench/dialogs.py."""
    if speedups.frozen_startup_heap:
        freeze_startup_heap()
    if speedups.rarer_collections:
        collect_less_often()
