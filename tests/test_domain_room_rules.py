from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.refund import RefundPolicy, RefundTier
from domain.room_rules import (
    HORIZON_DAYS,
    LEAD_MINUTES,
    MIN_SESSION_MINUTES,
    NOTICE_MINUTES,
    PERCENT,
    SLOT_LIMIT,
    BrokenRule,
    Limits,
    RefundDeadline,
    RoomRuleError,
    RoomRules,
    RuleField,
    RuleProblem,
    SessionRefusedError,
    TooFarAhead,
    TooManySlots,
    TooShort,
    TooSoon,
    check_session,
    refund_deadlines,
    refund_policy_from,
    rule_breaches,
)
from domain.sessions import Session, one_session
from domain.slots import DayHours, WeeklyHours, day_slots, slot_starting_at

IST = ZoneInfo("Asia/Kolkata")
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)
MONDAY = date(2026, 11, 30)
HOURS = WeeklyHours({d: DayHours(time(10), time(2)) for d in range(7)})  # 10:00 to 02:00 every day
SETTINGS = RoomRules(
    horizon_days=60, lead_minutes=30, max_slots=8, refund_policy=RefundPolicy.parse("24:100,6:50")
)
"""What the global settings give today (their defaults)."""


def ist(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=IST).astimezone(UTC)


def session(day: date, *clock: str, slot_minutes: int = 60) -> Session:
    grid = day_slots(day, HOURS, slot_minutes, IST)
    found = [slot_starting_at(grid, time.fromisoformat(c), IST) for c in clock]
    return one_session(s for s in found if s is not None)


def rules(**changes: Any) -> RoomRules:
    return replace(SETTINGS, **changes)


# ---- what an owner may set -----------------------------------------------------------------


def test_the_global_defaults_make_valid_rules() -> None:
    assert SETTINGS.lead == timedelta(minutes=30)
    assert SETTINGS.min_session_minutes(SATURDAY) == 0
    assert SETTINGS.last_bookable_day(FRIDAY) == FRIDAY + timedelta(days=60)


@pytest.mark.parametrize(
    ("changes", "rule", "value", "limits"),
    [
        ({"weekday_min_session_minutes": -60}, RuleField.WEEKDAY_MIN_SESSION, -60, MIN_SESSION_MINUTES),
        ({"weekday_min_session_minutes": 481}, RuleField.WEEKDAY_MIN_SESSION, 481, MIN_SESSION_MINUTES),
        ({"weekend_min_session_minutes": 540}, RuleField.WEEKEND_MIN_SESSION, 540, MIN_SESSION_MINUTES),
        ({"horizon_days": 0}, RuleField.HORIZON, 0, HORIZON_DAYS),
        ({"horizon_days": 366}, RuleField.HORIZON, 366, HORIZON_DAYS),
        ({"lead_minutes": -1}, RuleField.LEAD, -1, LEAD_MINUTES),
        ({"lead_minutes": 48 * 60 + 1}, RuleField.LEAD, 2881, LEAD_MINUTES),
        ({"max_slots": 0}, RuleField.SLOT_LIMIT, 0, SLOT_LIMIT),
        ({"max_slots": 25}, RuleField.SLOT_LIMIT, 25, SLOT_LIMIT),
    ],
    ids=lambda v: str(v),
)
def test_a_rule_outside_its_limits_is_refused_as_data(
    changes: dict[str, int], rule: RuleField, value: int, limits: Limits
) -> None:
    with pytest.raises(RoomRuleError) as refused:
        rules(**changes)
    assert (refused.value.rule, refused.value.problem) == (rule, RuleProblem.OUT_OF_RANGE)
    assert refused.value.value == value
    assert refused.value.limits == limits


@pytest.mark.parametrize(
    "changes",
    [
        {"weekday_min_session_minutes": 0, "weekend_min_session_minutes": 480},
        {"horizon_days": 1},
        {"horizon_days": 365},
        {"lead_minutes": 0},
        {"lead_minutes": 48 * 60},
        {"max_slots": 1},
        {"max_slots": 24},
    ],
    ids=lambda v: str(v),
)
def test_the_limits_themselves_may_be_set(changes: dict[str, int]) -> None:
    assert rules(**changes).to_dict()[next(iter(changes))] == next(iter(changes.values()))


@pytest.mark.parametrize("value", [True, 2.5, "120", None])
def test_a_rule_that_is_not_a_whole_number_is_malformed(value: object) -> None:
    with pytest.raises(RoomRuleError) as refused:
        rules(lead_minutes=value)
    assert (refused.value.rule, refused.value.problem, refused.value.value) == (
        RuleField.LEAD,
        RuleProblem.MALFORMED,
        value,
    )


@pytest.mark.parametrize(
    ("minimum", "slot_minutes", "max_slots", "problem"),
    [
        (120, 60, 8, None),
        (120, 30, 8, None),
        (0, 90, 8, None),
        (180, 90, 8, None),
        (120, 90, 8, RuleProblem.NOT_WHOLE_SLOTS),
        (90, 60, 8, RuleProblem.NOT_WHOLE_SLOTS),
        (480, 60, 8, None),
        (480, 60, 7, RuleProblem.OVER_SLOT_LIMIT),
        (240, 30, 6, RuleProblem.OVER_SLOT_LIMIT),
    ],
)
def test_a_minimum_session_is_whole_slots_the_slot_limit_allows(
    minimum: int, slot_minutes: int, max_slots: int, problem: RuleProblem | None
) -> None:
    weekend = rules(weekend_min_session_minutes=minimum, max_slots=max_slots)
    if problem is None:
        weekend.check_slot_length(slot_minutes)
        return
    with pytest.raises(RoomRuleError) as refused:
        weekend.check_slot_length(slot_minutes)
    assert (refused.value.rule, refused.value.problem) == (RuleField.WEEKEND_MIN_SESSION, problem)
    if problem is RuleProblem.NOT_WHOLE_SLOTS:
        assert refused.value.step == slot_minutes
    else:
        assert refused.value.limits == Limits(0, max_slots * slot_minutes)


@pytest.mark.parametrize(
    ("pairs", "problem", "value", "limits"),
    [
        ([(1440, 101)], RuleProblem.OUT_OF_RANGE, 101, PERCENT),
        ([(1440, -5)], RuleProblem.OUT_OF_RANGE, -5, PERCENT),
        ([(-60, 50)], RuleProblem.OUT_OF_RANGE, -60, NOTICE_MINUTES),
        ([(31 * 24 * 60, 100)], RuleProblem.OUT_OF_RANGE, 31 * 24 * 60, NOTICE_MINUTES),
        ([(1440, 50.5)], RuleProblem.MALFORMED, 50.5, None),
        ([(360, 100), (1440, 50)], RuleProblem.NOT_MONOTONIC, ((1440, 50), (360, 100)), None),
        ([(1440, 100), (1440, 50)], RuleProblem.NOTICE_REPEATED, 1440, None),
        ([(60 * h, 100 - h) for h in range(1, 7)], RuleProblem.TOO_MANY_TIERS, 6, Limits(0, 5)),
    ],
    ids=lambda v: str(v),
)
def test_refund_tiers_an_owner_cannot_set(
    pairs: list[tuple[int, int]], problem: RuleProblem, value: object, limits: Limits | None
) -> None:
    with pytest.raises(RoomRuleError) as refused:
        refund_policy_from(pairs)
    assert (refused.value.rule, refused.value.problem) == (RuleField.REFUND_TIERS, problem)
    assert refused.value.value == value
    assert refused.value.limits == limits


@pytest.mark.parametrize(
    "pairs",
    [[], [(0, 100)], [(1440, 100), (360, 50)], [(360, 50), (1440, 100)], [(2880, 100), (1440, 100), (0, 0)]],
    ids=lambda v: str(v),
)
def test_refund_tiers_an_owner_may_set(pairs: list[tuple[int, int]]) -> None:
    policy = refund_policy_from(pairs)
    assert sorted((t.notice // timedelta(minutes=1), t.percent) for t in policy.tiers) == sorted(pairs)
    assert rules(refund_policy=policy).refund_policy == policy


def test_rules_refuse_a_policy_that_gives_less_for_more_notice() -> None:
    with pytest.raises(RoomRuleError) as refused:
        rules(refund_policy=RefundPolicy.parse("6:100,24:50"))
    assert refused.value.problem is RuleProblem.NOT_MONOTONIC


def test_rules_refuse_a_notice_that_is_not_whole_minutes() -> None:
    with pytest.raises(RoomRuleError) as refused:
        rules(refund_policy=RefundPolicy((RefundTier(timedelta(seconds=90), 50),)))
    assert (refused.value.rule, refused.value.problem) == (RuleField.REFUND_TIERS, RuleProblem.MALFORMED)


# ---- a session against the rules -----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "minimum"),
    [(MONDAY, 60), (FRIDAY, 60), (SATURDAY, 120), (SUNDAY, 120)],
    ids=str,
)
def test_the_minimum_session_follows_the_business_day(day: date, minimum: int) -> None:
    weekend_two_hours = rules(weekday_min_session_minutes=60, weekend_min_session_minutes=120)
    assert weekend_two_hours.min_session_minutes(day) == minimum


NOW = ist(FRIDAY, 12)
TODAY = FRIDAY
TWO_HOURS_AT_WEEKENDS = rules(weekend_min_session_minutes=120, max_slots=4, horizon_days=7, lead_minutes=60)


@pytest.mark.parametrize(
    ("day", "clock", "breaches"),
    [
        (FRIDAY, ["14:00"], []),
        (FRIDAY, ["13:00"], []),  # exactly the lead ahead
        (FRIDAY, ["12:30"], [TooSoon((ist(FRIDAY, 12, 30),), ist(FRIDAY, 13))]),  # a 30-minute grid
        (
            FRIDAY,
            ["11:00", "12:00", "13:00"],
            [TooSoon(tuple(ist(FRIDAY, h) for h in (11, 12)), ist(FRIDAY, 13))],
        ),
        (FRIDAY, ["23:00", "00:00"], []),  # Friday night past midnight: a weekday session
        (SATURDAY, ["18:00"], [TooShort(60, 120)]),
        (SATURDAY, ["18:00", "19:00"], []),
        (SUNDAY, ["01:00"], [TooShort(60, 120)]),  # Sunday's own night, on Monday's date
        (FRIDAY + timedelta(days=7), ["18:00"], []),
        (
            FRIDAY + timedelta(days=8),
            ["18:00", "19:00"],
            [TooFarAhead(FRIDAY + timedelta(days=8), FRIDAY + timedelta(days=7))],
        ),
        (FRIDAY, ["18:00", "19:00", "20:00", "21:00"], []),
        (FRIDAY, ["18:00", "19:00", "20:00", "21:00", "22:00"], [TooManySlots(5, 4)]),
        (
            FRIDAY + timedelta(days=8),
            ["12:00"],
            [TooFarAhead(FRIDAY + timedelta(days=8), FRIDAY + timedelta(days=7)), TooShort(60, 120)],
        ),
    ],
    ids=lambda v: str(v),
)
def test_a_session_against_the_rooms_rules(day: date, clock: list[str], breaches: list[object]) -> None:
    slot_minutes = 30 if clock == ["12:30"] else 60
    chosen = session(day, *clock, slot_minutes=slot_minutes)
    assert list(rule_breaches(TWO_HOURS_AT_WEEKENDS, chosen, day=day, today=TODAY, now=NOW)) == breaches


def test_a_slot_starting_now_is_too_soon_even_without_lead() -> None:
    chosen = session(FRIDAY, "12:00")
    assert rule_breaches(rules(lead_minutes=0), chosen, day=FRIDAY, today=TODAY, now=NOW) == (
        TooSoon((NOW,), NOW),
    )
    assert (
        rule_breaches(rules(lead_minutes=0), chosen, day=FRIDAY, today=TODAY, now=NOW - timedelta(seconds=1))
        == ()
    )


def test_a_refused_session_carries_every_broken_rule() -> None:
    chosen = session(SATURDAY, "12:00")
    with pytest.raises(SessionRefusedError) as refused:
        check_session(TWO_HOURS_AT_WEEKENDS, chosen, day=SATURDAY, today=SATURDAY, now=ist(SATURDAY, 11, 30))
    assert refused.value.reasons == (BrokenRule.TOO_SOON, BrokenRule.TOO_SHORT)
    assert refused.value.breaches[1] == TooShort(chosen_minutes=60, minimum_minutes=120)
    check_session(
        TWO_HOURS_AT_WEEKENDS, session(SATURDAY, "14:00", "15:00"), day=SATURDAY, today=FRIDAY, now=NOW
    )


# ---- refund deadlines as clock times -------------------------------------------------------

STARTS = ist(SUNDAY, 18)


def test_the_default_policy_as_clock_times_in_the_rooms_zone() -> None:
    schedule = refund_deadlines(SETTINGS.refund_policy, STARTS)
    assert [(d.until.astimezone(IST).strftime("%a %d %b %H:%M"), d.percent) for d in schedule.deadlines] == [
        ("Sat 28 Nov 18:00", 100),
        ("Sun 29 Nov 12:00", 50),
    ]
    assert schedule.no_refund_after == ist(SUNDAY, 12)


@pytest.mark.parametrize(
    ("tiers", "deadlines"),
    [
        ("", []),
        ("0:0", []),
        ("0:25", [(STARTS, 25)]),
        ("48:100,24:100,6:50", [(STARTS - timedelta(hours=24), 100), (STARTS - timedelta(hours=6), 50)]),
        ("48:100,24:50,12:0", [(STARTS - timedelta(hours=48), 100), (STARTS - timedelta(hours=24), 50)]),
        ("24:100,24:50", [(STARTS - timedelta(hours=24), 100)]),
        ("1.5:100", [(STARTS - timedelta(minutes=90), 100)]),
    ],
    ids=lambda v: str(v),
)
def test_refund_deadlines_merge_what_the_musician_cannot_tell_apart(
    tiers: str, deadlines: list[tuple[datetime, int]]
) -> None:
    schedule = refund_deadlines(RefundPolicy.parse(tiers), STARTS)
    assert schedule.deadlines == tuple(RefundDeadline(until, percent) for until, percent in deadlines)
    assert schedule.no_refund_after == (deadlines[-1][0] if deadlines else None)


@pytest.mark.parametrize(
    "tiers", ["24:100,6:50", "48:100,24:100,6:50", "0:25", "", "72:90,1:10", "6:100,24:50"]
)
def test_the_deadlines_say_what_a_cancellation_would_get(tiers: str) -> None:
    policy = RefundPolicy.parse(tiers)
    schedule = refund_deadlines(policy, STARTS)
    for minutes_before in range(-60, 80 * 60, 15):
        moment = STARTS - timedelta(minutes=minutes_before)
        assert schedule.percent_at(moment) == policy.quote(10_000, STARTS, moment).percent, minutes_before


def test_deadlines_already_passed_drop_out() -> None:
    schedule = refund_deadlines(SETTINGS.refund_policy, STARTS)
    assert schedule.still_open(ist(SATURDAY, 18)).deadlines == schedule.deadlines
    assert schedule.still_open(ist(SATURDAY, 18, 1)).deadlines == (RefundDeadline(ist(SUNDAY, 12), 50),)
    assert schedule.still_open(ist(SUNDAY, 12, 1)).no_refund_after is None


# ---- stored as a plain dict ----------------------------------------------------------------

OWNER_SET = rules(
    weekday_min_session_minutes=60,
    weekend_min_session_minutes=120,
    horizon_days=30,
    lead_minutes=120,
    max_slots=6,
    refund_policy=refund_policy_from([(2880, 100), (720, 50)]),
)


def test_rules_round_trip_through_a_plain_dict() -> None:
    stored = OWNER_SET.to_dict()
    assert stored == {
        "weekday_min_session_minutes": 60,
        "weekend_min_session_minutes": 120,
        "horizon_days": 30,
        "lead_minutes": 120,
        "max_slots": 6,
        "refund_tiers": [{"notice_minutes": 2880, "percent": 100}, {"notice_minutes": 720, "percent": 50}],
    }
    assert RoomRules.from_dict(stored, SETTINGS) == OWNER_SET


@pytest.mark.parametrize("raw", [None, {}, {"lead_minutes": None, "refund_tiers": None}])
def test_an_old_room_without_rules_takes_the_defaults(raw: dict[str, Any] | None) -> None:
    assert RoomRules.from_dict(raw, SETTINGS) == SETTINGS
    strict = rules(horizon_days=14, lead_minutes=0, max_slots=3, refund_policy=RefundPolicy.parse("72:100"))
    assert RoomRules.from_dict(raw, strict) == strict


def test_missing_keys_take_the_defaults_and_present_ones_stay() -> None:
    found = RoomRules.from_dict({"weekend_min_session_minutes": 120, "refund_tiers": []}, SETTINGS)
    assert found == rules(weekend_min_session_minutes=120, refund_policy=RefundPolicy(()))
    assert refund_deadlines(found.refund_policy, STARTS).no_refund_after is None


def test_keys_this_version_does_not_know_are_ignored() -> None:
    assert RoomRules.from_dict({"horizon_days": 30, "check_in": "x"}, SETTINGS) == rules(horizon_days=30)


@pytest.mark.parametrize(
    ("raw", "rule", "problem"),
    [
        ({"horizon_days": "30"}, RuleField.HORIZON, RuleProblem.MALFORMED),
        ({"horizon_days": 400}, RuleField.HORIZON, RuleProblem.OUT_OF_RANGE),
        ({"max_slots": True}, RuleField.SLOT_LIMIT, RuleProblem.MALFORMED),
        ({"refund_tiers": "24:100"}, RuleField.REFUND_TIERS, RuleProblem.MALFORMED),
        ({"refund_tiers": [{"notice_minutes": 60}]}, RuleField.REFUND_TIERS, RuleProblem.MALFORMED),
        (
            {"refund_tiers": [{"notice_minutes": 60, "percent": "50"}]},
            RuleField.REFUND_TIERS,
            RuleProblem.MALFORMED,
        ),
        (
            {"refund_tiers": [{"notice_minutes": 60, "percent": 150}]},
            RuleField.REFUND_TIERS,
            RuleProblem.OUT_OF_RANGE,
        ),
    ],
    ids=lambda v: str(v),
)
def test_a_stored_rule_that_is_not_valid_is_an_error_not_a_quiet_default(
    raw: dict[str, Any], rule: RuleField, problem: RuleProblem
) -> None:
    with pytest.raises(RoomRuleError) as refused:
        RoomRules.from_dict(raw, SETTINGS)
    assert (refused.value.rule, refused.value.problem) == (rule, problem)


def test_the_rules_are_a_frozen_value() -> None:
    with pytest.raises(AttributeError):
        SETTINGS.max_slots = 3  # type: ignore[misc]
    assert rules(max_slots=8) == SETTINGS
    assert hash(rules(max_slots=8)) == hash(SETTINGS)
