"""A room's booking rules, set by its owner (issue 16 §4).

Minimum session length (weekdays and weekends apart), how far ahead and how late the
room can be booked, the refund tiers and the per-booking slot limit. The global
settings give the defaults; a room document stores its own as a plain dict.

Nothing here is text for people: a rule that cannot be set raises ``RoomRuleError``
(which field, what problem, the value and the allowed limits), and a session the rules
refuse raises ``SessionRefusedError`` carrying each broken rule as data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any, ClassVar

from domain.pricing import WEEKEND
from domain.refund import RefundPolicy, RefundTier
from domain.sessions import Session

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Limits:
    """The whole numbers an owner may set for a field, in that field's unit."""

    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high


MIN_SESSION_MINUTES = Limits(0, 8 * 60)
HORIZON_DAYS = Limits(1, 365)
LEAD_MINUTES = Limits(0, 48 * 60)
SLOT_LIMIT = Limits(1, 24)
NOTICE_MINUTES = Limits(0, 30 * 24 * 60)
PERCENT = Limits(0, 100)
MAX_REFUND_TIERS = 5


class RuleField(StrEnum):
    """A rule an owner sets; the value is its key in the stored dict. Units: minutes for
    session lengths, lead and refund notice; days for the horizon; slots for the limit."""

    WEEKDAY_MIN_SESSION = "weekday_min_session_minutes"
    WEEKEND_MIN_SESSION = "weekend_min_session_minutes"
    HORIZON = "horizon_days"
    LEAD = "lead_minutes"
    SLOT_LIMIT = "max_slots"
    REFUND_TIERS = "refund_tiers"


NUMBER_RULES = (
    RuleField.WEEKDAY_MIN_SESSION,
    RuleField.WEEKEND_MIN_SESSION,
    RuleField.HORIZON,
    RuleField.LEAD,
    RuleField.SLOT_LIMIT,
)
"""The rules that are one whole number each; their keys are also RoomRules' field names."""


class RuleProblem(StrEnum):
    MALFORMED = "malformed"
    """Not a whole number (or, for the tiers, not a list of notice/percent pairs)."""
    OUT_OF_RANGE = "out_of_range"
    """Outside ``limits``; for the tiers, a notice or a percent is (see ``value``)."""
    NOT_WHOLE_SLOTS = "not_whole_slots"
    """A minimum session that is not a whole number of the room's slots (``step``)."""
    OVER_SLOT_LIMIT = "over_slot_limit"
    """A minimum session longer than the slot limit lets anyone book (``limits.high``)."""
    TOO_MANY_TIERS = "too_many_tiers"
    """More refund tiers than ``limits.high``."""
    NOTICE_REPEATED = "notice_repeated"
    """Two refund tiers with the same notice (``value``: the notice in minutes)."""
    NOT_MONOTONIC = "not_monotonic"
    """More notice would give less money back (``value``: the two tiers, longer notice first)."""


class RoomRuleError(Exception):
    """A rule an owner cannot set, as data: which ``rule``, what ``problem``, the
    ``value`` given, and the allowed ``limits`` or the slot length (``step``) when they apply."""

    def __init__(
        self,
        rule: RuleField,
        problem: RuleProblem,
        value: object,
        *,
        limits: Limits | None = None,
        step: int | None = None,
    ) -> None:
        self.rule = rule
        self.problem = problem
        self.value = value
        self.limits = limits
        self.step = step
        super().__init__(f"{rule.value}: {problem.value} ({value!r})")


@dataclass(frozen=True)
class RoomRules:
    """One room's booking rules; constructing one (or ``dataclasses.replace``) checks
    every field against what an owner may set. The caller builds the defaults from the
    global settings; there is no global minimum session, so it defaults to 0 (one slot)."""

    horizon_days: int
    lead_minutes: int
    max_slots: int
    refund_policy: RefundPolicy
    weekday_min_session_minutes: int = 0
    weekend_min_session_minutes: int = 0

    def __post_init__(self) -> None:
        _check_number(RuleField.WEEKDAY_MIN_SESSION, self.weekday_min_session_minutes, MIN_SESSION_MINUTES)
        _check_number(RuleField.WEEKEND_MIN_SESSION, self.weekend_min_session_minutes, MIN_SESSION_MINUTES)
        _check_number(RuleField.HORIZON, self.horizon_days, HORIZON_DAYS)
        _check_number(RuleField.LEAD, self.lead_minutes, LEAD_MINUTES)
        _check_number(RuleField.SLOT_LIMIT, self.max_slots, SLOT_LIMIT)
        _check_tiers(self.refund_policy.tiers)

    @property
    def lead(self) -> timedelta:
        return timedelta(minutes=self.lead_minutes)

    def min_session_minutes(self, day: date) -> int:
        """The shortest session on business ``day`` (a Friday night past midnight is Friday's)."""
        if day.weekday() in WEEKEND:
            return self.weekend_min_session_minutes
        return self.weekday_min_session_minutes

    def last_bookable_day(self, today: date) -> date:
        return today + timedelta(days=self.horizon_days)

    def check_slot_length(self, slot_minutes: int) -> None:
        """Raise RoomRuleError unless both minimum sessions are whole slots of
        ``slot_minutes`` that the slot limit lets a musician book. Checked when an owner
        edits the rules or the slot length, not on reading: a room whose slot length
        changed later still enforces its minimum in minutes."""
        if slot_minutes <= 0:
            raise ValueError("slot length must be positive")
        longest = Limits(0, self.max_slots * slot_minutes)
        for rule, minutes in (
            (RuleField.WEEKDAY_MIN_SESSION, self.weekday_min_session_minutes),
            (RuleField.WEEKEND_MIN_SESSION, self.weekend_min_session_minutes),
        ):
            if minutes % slot_minutes:
                raise RoomRuleError(rule, RuleProblem.NOT_WHOLE_SLOTS, minutes, step=slot_minutes)
            if minutes not in longest:
                raise RoomRuleError(rule, RuleProblem.OVER_SLOT_LIMIT, minutes, limits=longest)

    def changed(self, rule: RuleField, value: int | RefundPolicy) -> RoomRules:
        """These rules with ``rule`` set to ``value`` (checked like any RoomRules)."""
        if rule is RuleField.REFUND_TIERS:
            if not isinstance(value, RefundPolicy):
                raise RoomRuleError(rule, RuleProblem.MALFORMED, value)
            return replace(self, refund_policy=value)
        return replace(self, **{rule.value: value})

    def to_dict(self) -> dict[str, Any]:
        """The plain form a room document stores (BSON and JSON safe)."""
        stored: dict[str, Any] = {rule.value: getattr(self, rule.value) for rule in NUMBER_RULES}
        stored[RuleField.REFUND_TIERS.value] = [
            {"notice_minutes": _notice_minutes(tier), "percent": tier.percent}
            for tier in self.refund_policy.tiers
        ]
        return stored

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None, defaults: RoomRules) -> RoomRules:
        """The rules stored as ``raw``; a missing key (or None, or no dict at all: rooms
        made before per-room rules) takes the value of ``defaults``. A stored value that
        is not a valid rule raises RoomRuleError rather than falling back quietly."""
        stored = {key: value for key, value in (raw or {}).items() if value is not None}
        numbers = {rule.value: stored.get(rule.value, getattr(defaults, rule.value)) for rule in NUMBER_RULES}
        policy = defaults.refund_policy
        if RuleField.REFUND_TIERS.value in stored:
            policy = refund_policy_from(_tier_pairs(stored[RuleField.REFUND_TIERS.value]))
        return cls(**numbers, refund_policy=policy)


def stored_refund_policy(raw: object) -> RefundPolicy:
    """The refund policy stored as ``to_dict()["refund_tiers"]`` (a booking keeps its
    room's tiers this way); RoomRuleError when it is not one."""
    return refund_policy_from(_tier_pairs(raw))


def refund_policy_from(pairs: Iterable[tuple[int, int]]) -> RefundPolicy:
    """A refund policy from ``(notice in minutes, percent)`` pairs an owner chose,
    checked so that every problem is a RoomRuleError (never RefundTier's bare ValueError)."""
    pairs = list(pairs)
    if len(pairs) > MAX_REFUND_TIERS:
        raise RoomRuleError(
            RuleField.REFUND_TIERS, RuleProblem.TOO_MANY_TIERS, len(pairs), limits=Limits(0, MAX_REFUND_TIERS)
        )
    for notice, percent in pairs:
        _check_number(RuleField.REFUND_TIERS, notice, NOTICE_MINUTES)
        _check_number(RuleField.REFUND_TIERS, percent, PERCENT)
    policy = RefundPolicy(tuple(RefundTier(timedelta(minutes=n), p) for n, p in pairs))
    _check_tiers(policy.tiers)
    return policy


# ---- what an owner types ---------------------------------------------------------------------

NOTHING_WORDS = frozenset({"0", "none", "no", "off", "-"})
"""What an owner sends for "no minimum" or "no refunds"."""
_DURATION = re.compile(r"(\d{1,5}(?:\.\d{1,2})?)\s*(h|hr|hrs|hours?|m|mins?|minutes?)?")
_WHOLE = re.compile(r"(\d{1,5})\s*(d|days?|slots?)?")
_TIER = re.compile(r"(\d{1,4}(?:\.\d{1,2})?)\s*h?\s*[:=]\s*(\d{1,3})\s*%?")


def parse_minutes(text: str, rule: RuleField, *, bare_minutes: int) -> int:
    """``"2h"``, ``"1.5 hours"``, ``"90m"`` or a bare number (worth ``bare_minutes``
    each: 60 where the owner is asked for hours) as whole minutes; "none" is 0.
    RoomRuleError(MALFORMED) for anything else; the range is RoomRules' to check."""
    cleaned = text.strip().casefold()
    if cleaned in NOTHING_WORDS:
        return 0
    match = _DURATION.fullmatch(cleaned)
    if match is None:
        raise RoomRuleError(rule, RuleProblem.MALFORMED, text)
    number, unit = match.groups()
    per_unit = bare_minutes if unit is None else 60 if unit.startswith("h") else 1
    minutes = Decimal(number) * per_unit
    if minutes != minutes.to_integral_value():
        raise RoomRuleError(rule, RuleProblem.MALFORMED, text)
    return int(minutes)


def parse_whole_number(text: str, rule: RuleField) -> int:
    """``"60"``, ``"60 days"``, ``"4 slots"`` as a whole number."""
    match = _WHOLE.fullmatch(text.strip().casefold())
    if match is None:
        raise RoomRuleError(rule, RuleProblem.MALFORMED, text)
    return int(match.group(1))


def parse_refund_tiers(text: str) -> RefundPolicy:
    """``"24:100, 6:50"`` (hours of notice : percent back, as REFUND_POLICY is written), or
    "none" for no refund at any notice; checked as ``refund_policy_from`` checks."""
    cleaned = text.strip().casefold()
    if cleaned in NOTHING_WORDS:
        return RefundPolicy(())
    pairs = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", cleaned))):
        match = _TIER.fullmatch(part)
        if match is None:
            raise RoomRuleError(RuleField.REFUND_TIERS, RuleProblem.MALFORMED, text)
        minutes = Decimal(match.group(1)) * 60
        if minutes != minutes.to_integral_value():
            raise RoomRuleError(RuleField.REFUND_TIERS, RuleProblem.MALFORMED, text)
        pairs.append((int(minutes), int(match.group(2))))
    if not pairs:
        raise RoomRuleError(RuleField.REFUND_TIERS, RuleProblem.MALFORMED, text)
    return refund_policy_from(pairs)


# ---- a session against the rules ---------------------------------------------------------


class BrokenRule(StrEnum):
    TOO_FAR_AHEAD = "too_far_ahead"
    TOO_SOON = "too_soon"
    TOO_MANY_SLOTS = "too_many_slots"
    TOO_SHORT = "too_short"


@dataclass(frozen=True)
class TooFarAhead:
    reason: ClassVar[BrokenRule] = BrokenRule.TOO_FAR_AHEAD
    day: date
    last_day: date


@dataclass(frozen=True)
class TooSoon:
    """Slots that start before ``bookable_from`` (now plus the room's lead)."""

    reason: ClassVar[BrokenRule] = BrokenRule.TOO_SOON
    starts: tuple[datetime, ...]
    bookable_from: datetime


@dataclass(frozen=True)
class TooManySlots:
    reason: ClassVar[BrokenRule] = BrokenRule.TOO_MANY_SLOTS
    chosen: int
    limit: int


@dataclass(frozen=True)
class TooShort:
    reason: ClassVar[BrokenRule] = BrokenRule.TOO_SHORT
    chosen_minutes: int
    minimum_minutes: int


RuleBreach = TooFarAhead | TooSoon | TooManySlots | TooShort


class SessionRefusedError(Exception):
    """A session the room's rules refuse; ``breaches`` in the order of BrokenRule."""

    def __init__(self, breaches: tuple[RuleBreach, ...]) -> None:
        self.breaches = breaches
        super().__init__(", ".join(breach.reason.value for breach in breaches))

    @property
    def reasons(self) -> tuple[BrokenRule, ...]:
        return tuple(breach.reason for breach in self.breaches)


def rule_breaches(
    rules: RoomRules, session: Session, *, day: date, today: date, now: datetime
) -> tuple[RuleBreach, ...]:
    """Everything the rules hold against booking ``session`` on business ``day`` at
    ``now`` (``today`` is the room's business day at ``now``). Contiguity is
    ``domain.sessions.one_session``'s to check first; a past day is the booking
    service's (its slots are TOO_SOON here)."""
    breaches: list[RuleBreach] = []
    last_day = rules.last_bookable_day(today)
    if day > last_day:
        breaches.append(TooFarAhead(day, last_day))
    bookable_from = now + rules.lead
    too_soon = tuple(s.start for s in session.slots if s.start < bookable_from or s.start <= now)
    if too_soon:
        breaches.append(TooSoon(too_soon, bookable_from))
    if len(session.slots) > rules.max_slots:
        breaches.append(TooManySlots(len(session.slots), rules.max_slots))
    minimum = rules.min_session_minutes(day)
    if session.minutes < minimum:
        breaches.append(TooShort(session.minutes, minimum))
    return tuple(breaches)


def check_session(rules: RoomRules, session: Session, *, day: date, today: date, now: datetime) -> None:
    """Raise SessionRefusedError with every breach when the rules refuse ``session``."""
    breaches = rule_breaches(rules, session, day=day, today=today, now=now)
    if breaches:
        raise SessionRefusedError(breaches)


# ---- refund deadlines as moments ---------------------------------------------------------


@dataclass(frozen=True)
class RefundDeadline:
    """Cancelled at or before ``until``, ``percent`` of the price comes back."""

    until: datetime
    percent: int


@dataclass(frozen=True)
class RefundDeadlines:
    """A session's refund policy as clock times, earliest first: "full refund if
    cancelled before Sat 30 Nov, 18:00", "50% until ...", then nothing."""

    deadlines: tuple[RefundDeadline, ...]

    @property
    def no_refund_after(self) -> datetime | None:
        """After this moment nothing comes back; None when nothing ever does."""
        return self.deadlines[-1].until if self.deadlines else None

    def percent_at(self, moment: datetime) -> int:
        """What a cancellation at ``moment`` gets back (as ``RefundPolicy.quote`` decides)."""
        return next((d.percent for d in self.deadlines if moment <= d.until), 0)

    def still_open(self, now: datetime) -> RefundDeadlines:
        """Only the deadlines not yet passed at ``now``."""
        return RefundDeadlines(tuple(d for d in self.deadlines if now <= d.until))


def refund_deadlines(policy: RefundPolicy, session_starts: datetime) -> RefundDeadlines:
    """The moments at which the refund for a session starting at ``session_starts``
    drops. A tier that can never apply (its notice repeated) is left out, consecutive
    tiers with the same percent are one deadline, and trailing 0% tiers add nothing to
    "no refund after"."""
    deadlines: list[RefundDeadline] = []
    for tier in policy.tiers:  # longest notice first
        until = session_starts - tier.notice
        if deadlines and until == deadlines[-1].until:
            continue
        if deadlines and tier.percent == deadlines[-1].percent:
            deadlines[-1] = RefundDeadline(until, tier.percent)
            continue
        deadlines.append(RefundDeadline(until, tier.percent))
    while deadlines and deadlines[-1].percent == 0:
        deadlines.pop()
    return RefundDeadlines(tuple(deadlines))


# ---- checks --------------------------------------------------------------------------------


def _check_number(rule: RuleField, value: object, limits: Limits) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RoomRuleError(rule, RuleProblem.MALFORMED, value)
    if value not in limits:
        raise RoomRuleError(rule, RuleProblem.OUT_OF_RANGE, value, limits=limits)


def _check_tiers(tiers: tuple[RefundTier, ...]) -> None:
    """``tiers`` longest notice first, as RefundPolicy keeps them."""
    if len(tiers) > MAX_REFUND_TIERS:
        raise RoomRuleError(
            RuleField.REFUND_TIERS, RuleProblem.TOO_MANY_TIERS, len(tiers), limits=Limits(0, MAX_REFUND_TIERS)
        )
    for tier in tiers:
        if tier.notice % MINUTE:
            raise RoomRuleError(RuleField.REFUND_TIERS, RuleProblem.MALFORMED, tier.notice)
        _check_number(RuleField.REFUND_TIERS, _notice_minutes(tier), NOTICE_MINUTES)
    for longer, shorter in pairwise(tiers):
        if longer.notice == shorter.notice:
            raise RoomRuleError(RuleField.REFUND_TIERS, RuleProblem.NOTICE_REPEATED, _notice_minutes(longer))
        if longer.percent < shorter.percent:
            pair = ((_notice_minutes(longer), longer.percent), (_notice_minutes(shorter), shorter.percent))
            raise RoomRuleError(RuleField.REFUND_TIERS, RuleProblem.NOT_MONOTONIC, pair)


def _notice_minutes(tier: RefundTier) -> int:
    return tier.notice // MINUTE


def _tier_pairs(raw: object) -> list[tuple[int, int]]:
    if not isinstance(raw, list):
        raise RoomRuleError(RuleField.REFUND_TIERS, RuleProblem.MALFORMED, raw)
    pairs = []
    for item in raw:
        if not isinstance(item, Mapping) or set(item) != {"notice_minutes", "percent"}:
            raise RoomRuleError(RuleField.REFUND_TIERS, RuleProblem.MALFORMED, item)
        pairs.append((item["notice_minutes"], item["percent"]))  # refund_policy_from checks them
    return pairs
