"""A booking is one session: one contiguous run of slots (the lead's decision on issue 16 §0).

Slots are ordered by their absolute start, so a room open Friday 22:00–02:00 whose
musician picks 23:00 and 00:00 has one session across midnight: the 00:00 slot falls on
Saturday's date but belongs to Friday's business day (see ``domain.slots.business_day``).
Contiguous means each slot ends exactly where the next one starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import pairwise

from domain.slots import Slot


@dataclass(frozen=True)
class Session:
    """Slots played back to back: what the musician rehearses in one go."""

    slots: tuple[Slot, ...]

    def __post_init__(self) -> None:
        if not self.slots:
            raise ValueError("a session has at least one slot")
        for before, after in pairwise(self.slots):
            if before.end != after.start:
                raise ValueError("a session's slots follow each other without a gap")

    @property
    def start(self) -> datetime:
        return self.slots[0].start

    @property
    def end(self) -> datetime:
        return self.slots[-1].end

    @property
    def minutes(self) -> int:
        return sum(slot.minutes for slot in self.slots)


class SelectionProblem(StrEnum):
    NO_SLOTS = "no_slots"
    """Nothing was chosen."""
    GAPS = "gaps"
    """The slots chosen make more than one run."""


class NotOneSessionError(Exception):
    """A selection that is not one session. ``sessions`` holds its runs, earliest first
    (empty for NO_SLOTS), so the refusal can name them: "12:00–13:00 and 18:00–19:00"."""

    def __init__(self, problem: SelectionProblem, sessions: tuple[Session, ...] = ()) -> None:
        self.problem = problem
        self.sessions = sessions
        super().__init__(f"{problem.value}: {len(sessions)} runs")


def sessions_in(selection: Iterable[Slot]) -> tuple[Session, ...]:
    """The contiguous runs of ``selection``, earliest first; a slot picked twice counts once.

    Raises ValueError when two different slots overlap: a business day's grid never
    offers overlapping slots, so that is a caller's mistake, not a musician's choice.
    """
    ordered = sorted(set(selection))
    runs: list[list[Slot]] = []
    for slot in ordered:
        if runs and slot.start < runs[-1][-1].end:
            raise ValueError(f"slots {runs[-1][-1].key} and {slot.key} overlap")
        if runs and slot.start == runs[-1][-1].end:
            runs[-1].append(slot)
        else:
            runs.append([slot])
    return tuple(Session(tuple(run)) for run in runs)


def is_one_session(selection: Iterable[Slot]) -> bool:
    return len(sessions_in(selection)) == 1


def one_session(selection: Iterable[Slot]) -> Session:
    """The one session ``selection`` makes; raises NotOneSessionError when it is empty
    (NO_SLOTS) or has gaps (GAPS, carrying the runs)."""
    sessions = sessions_in(selection)
    if not sessions:
        raise NotOneSessionError(SelectionProblem.NO_SLOTS)
    if len(sessions) > 1:
        raise NotOneSessionError(SelectionProblem.GAPS, sessions)
    return sessions[0]
