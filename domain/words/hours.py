"""A room's opening hours and refund policy in words.

Imports nothing of ours but the language: ``domain.slots`` and ``domain.refund`` say themselves through
these (``describe_hours``, ``RefundPolicy.describe``), so the facts they read are
protocols here, which ``WeeklyHours`` and ``RefundPolicy`` satisfy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time, timedelta
from typing import Protocol

from domain.words.language import N_, _, speaks_when_read


class OpeningSession(Protocol):
    @property
    def opens(self) -> time: ...

    @property
    def closes(self) -> time: ...


class OpeningHours(Protocol):
    @property
    def days(self) -> Mapping[int, OpeningSession]:
        """Weekday (0 = Monday) to its session; a missing weekday is closed."""
        ...


class RefundTierFacts(Protocol):
    @property
    def notice(self) -> timedelta: ...

    @property
    def percent(self) -> int: ...


class RefundPolicyFacts(Protocol):
    @property
    def tiers(self) -> Sequence[RefundTierFacts]:
        """Longest notice first."""
        ...


WEEKDAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
"""Short weekday names, Monday first (weekday 0)."""


def hours_lines(hours: OpeningHours) -> list[str]:
    """Lines such as ``Mon–Fri 10:00–22:00``, grouping equal consecutive days, then
    ``Closed Sat, Sun``. Plain text."""
    lines: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if run:
            first, last = _(WEEKDAY_NAMES[run[0]]), _(WEEKDAY_NAMES[run[-1]])
            span = first if len(run) == 1 else f"{first}–{last}"
            session = hours.days[run[0]]
            lines.append(f"{span} {opening_span(session.opens, session.closes)}")

    for weekday in range(7):
        current = hours.days.get(weekday)
        if current is not None and run and hours.days[run[-1]] == current:
            run.append(weekday)
            continue
        flush()
        run = [weekday] if current is not None else []
    flush()
    closed = [_(WEEKDAY_NAMES[d]) for d in range(7) if d not in hours.days]
    if closed:
        lines.append(_("Closed {days}").format(days=", ".join(closed)))
    return lines


def opening_span(opens: time, closes: time) -> str:
    """``10:00–22:00``: a day's opening session."""
    return f"{opens:%H:%M}–{closes:%H:%M}"


def hours_clash(weekday: int) -> str:
    """Why a day's session cannot run as long as it says."""
    return _("{day} hours run into {next_day}'s").format(
        day=_(WEEKDAY_NAMES[weekday]), next_day=_(WEEKDAY_NAMES[(weekday + 1) % 7])
    )


def refund_policy(policy: RefundPolicyFacts) -> str:
    """``100% back up to 24 h before; 50% back up to 6 h before; no refund after that.``"""
    parts = [
        _("{percent}% back up to {notice} before").format(percent=t.percent, notice=_hours(t.notice))
        for t in policy.tiers
    ]
    return _("{tiers}no refund after that.").format(tiers="".join(f"{part}; " for part in parts))


def _hours(delta: timedelta) -> str:
    return _("{hours} h").format(hours=f"{delta.total_seconds() / 3600:g}")


speaks_when_read(__name__)
