"""Links into the bot's private chat and the share query (issue 17 §5, §6): every
parameter made is one Telegram passes on (1-64 of A-Z a-z 0-9 _ -) and reads back."""

from __future__ import annotations

from datetime import date

import pytest

from domain.start_links import (
    FREE,
    day_parameter,
    free_parameter,
    is_start_parameter,
    parse_day_parameter,
    parse_free_parameter,
    parse_share_query,
    room_parameter,
    share_query,
    start_url,
)

LONGEST_SLUG = "a" + "b" * 48 + "c"  # the admin CLI allows 3-50 characters


@pytest.mark.parametrize("slug", ["bass-cave-indiranagar", "abc", LONGEST_SLUG])
def test_a_day_link_reads_back_for_every_slug_the_cli_allows(slug: str) -> None:
    parameter = day_parameter(slug, date(2026, 11, 28))
    assert is_start_parameter(parameter)
    assert parse_day_parameter(parameter) == (slug, date(2026, 11, 28))
    assert start_url("jamroom_bot", parameter) == f"https://t.me/jamroom_bot?start={parameter}"


@pytest.mark.parametrize(
    "parameter",
    [
        "day_20261131_bass-cave",
        "day_2026112_bass-cave",
        "day_20261128_",
        "room_bass-cave",
        "day_20261128_Bass",
    ],
)
def test_anything_but_a_real_day_of_a_real_slug_is_no_day_link(parameter: str) -> None:
    assert parse_day_parameter(parameter) is None


@pytest.mark.parametrize(
    "query", ["tonight", "tomorrow 18-22", "sat night", "2026-12-05 7pm-10pm", "कल रात", "18:30-22"]
)
def test_a_free_search_travels_in_a_parameter_and_reads_back(query: str) -> None:
    parameter = free_parameter(query)
    assert is_start_parameter(parameter)
    assert parse_free_parameter(parameter) == query


def test_a_search_too_long_for_a_link_becomes_a_bare_search() -> None:
    assert free_parameter("tomorrow " + "18-22 " * 20) == FREE
    assert free_parameter("   ") == FREE
    assert parse_free_parameter(FREE) == ""
    assert parse_free_parameter("free_%%%") is None
    assert parse_free_parameter("room_x") is None


def test_a_room_link_and_a_bad_parameter() -> None:
    assert (
        start_url("jamroom_bot", room_parameter("bass-cave"))
        == "https://t.me/jamroom_bot?start=room_bass-cave"
    )
    for bad in ("", "a b", "x" * 65, "free_a+b="):
        with pytest.raises(ValueError, match="start parameter"):
            start_url("jamroom_bot", bad)


def test_the_share_query_names_one_booking_code() -> None:
    assert parse_share_query(share_query("JR-7F3K2Q")) == "JR-7F3K2Q"
    assert parse_share_query("Session jr-7f3k2q") == "JR-7F3K2Q"
    for other in ("session", "session JR-7F3K2Q now", "booking JR-7F3K2Q", "session JR-0000I1", "bass cave"):
        assert parse_share_query(other) is None
