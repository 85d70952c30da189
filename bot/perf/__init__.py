"""The speed-ups that lean on aiogram's, aiogram-dialog's and pymongo's internals, behind
one setting: ``SPEEDUPS=on`` (the default) or ``off``, which runs stock aiogram,
aiogram-dialog and pymongo (PyMongoStorage, AiohttpSession, the Calendar rendering every
page, pymongo's own reply reads). The bot behaves the same either way;
tests/test_library_contracts.py and tests/test_database_reads.py fail, naming the
speed-up, when a library release changes what one of them relies on. Turn them
off to run a library version the contracts have not been checked against.

Each speed-up can be left out alone (``Speedups().without(...)``), for bench/dialogs.py
to show what each one buys; the public knob is the one setting.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

Setting = Literal["on", "off"]


@dataclass(frozen=True)
class Speedups:
    dialog_state_storage: bool = True
    """bot/perf/dialog_state.py: unchanged dialog state is not written back, the raw
    FSM state is not read until one is set, a tap's context and stack come in one
    round trip, a dialog's removal is one delete."""
    state_from_memory: bool = True
    """In long polling, reads of dialog state this process wrote are answered from
    memory (needs dialog_state_storage)."""
    batched_state_writes: bool = True
    """An update's dialog-state writes go as one round trip (needs dialog_state_storage)."""
    json_requests: bool = True
    """Bot API calls as one JSON body instead of a URL-encoded form."""
    unparsed_echoes: bool = True
    """The inline keyboards Telegram echoes back are dropped before aiogram parses them."""
    calendar_pages: bool = True
    """The booking calendar's month page is rendered once and handed out as copies."""
    pinned_response_models: bool = True
    """aiogram's ``Response[...]`` models for the hot methods are kept alive."""
    frozen_startup_heap: bool = True
    """The start-up heap is frozen out of garbage collection."""
    rarer_collections: bool = True
    """Garbage collection runs on every 10,000 new objects instead of 700."""
    direct_database_reads: bool = True
    """With the embedded database, MongoDB replies are read without pymongo's
    cancellation-polling task (bot/perf/database_reads.py)."""

    @classmethod
    def from_setting(cls, setting: Setting) -> Speedups:
        if setting == "on":
            return cls()
        if setting == "off":
            return cls.none()
        raise ValueError(f"SPEEDUPS must be on or off, got {setting!r}")

    @classmethod
    def none(cls) -> Speedups:
        return cls(**dict.fromkeys(names(), False))

    def without(self, name: str) -> Speedups:
        if name not in names():
            raise ValueError(f"no speed-up called {name!r}; there are: {', '.join(names())}")
        return dataclasses.replace(self, **{name: False})

    @property
    def any(self) -> bool:
        return any(getattr(self, name) for name in names())

    def describe(self) -> str:
        """``on``, ``off``, or ``on without x, y``."""
        left_out = [name for name in names() if not getattr(self, name)]
        if not left_out:
            return "on"
        if len(left_out) == len(names()):
            return "off"
        return "on without " + ", ".join(left_out)


def names() -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(Speedups))
