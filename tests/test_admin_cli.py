"""The admin CLI against the real database: every command, and bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.admin import AdminError, build_parser, execute, main, parse_weekly_hours
from bot.config import Settings
from domain.clock import ManualClock
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Room, User, utc_now
from storage.owners import InviteExpiredError, InviteInvalidError, OwnerInvite, accept_invite
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456:TEST-admin"


async def run(*argv: str) -> str:
    return await execute(build_parser().parse_args(list(argv)))


async def rooms_snapshot() -> list[dict]:
    return await Room.get_pymongo_collection().find({}, {"created_at": 0}).sort("slug").to_list()


async def test_seed_demo_loads_three_rooms_in_two_cities_once(db: Database) -> None:
    assert await run("seed-demo", "--owner", "777") == "demo rooms: 3 added, 0 already there"
    assert await run("seed-demo") == "demo rooms: 0 added, 3 already there"
    rooms = await Room.find_all().to_list()
    assert len(rooms) == 3
    assert {r.city for r in rooms} == {"Bengaluru", "Mumbai"}
    for room in rooms:
        assert room.address
        assert room.latitude is not None
        assert room.amenities
        assert room.capacity > 0
        assert room.hours.days
        assert room.peak_hourly_paise > room.hourly_paise
        assert room.owner_ids == [777]
    owner = await User.get(777)
    assert owner is not None
    assert owner.is_owner


async def test_list_rooms_describes_prices_hours_and_owners(db: Database) -> None:
    assert "seed-demo" in await run("list-rooms")
    await run("seed-demo", "--owner", "5")
    listing = await run("list-rooms")
    assert "Bass Cave Studio, Bengaluru (active)" in listing
    assert "₹600/h, peak ₹800/h 18:00-23:00 and weekends" in listing
    assert "Fri 10:00–02:00" in listing
    assert "owners: 5" in listing


async def test_add_and_edit_a_room(db: Database) -> None:
    out = await run(
        "add-room",
        "pune-pad",
        "--name",
        "Pune Pad",
        "--city",
        "Pune",
        "--address",
        "FC Road",
        "--price",
        "500",
        "--peak-price",
        "700",
        "--hours",
        "0-4=10:00-22:00,5=09:00-01:00",
        "--slot-minutes",
        "90",
        "--lat",
        "18.52",
        "--lon",
        "73.84",
        "--amenities",
        "Drums, PA",
        "--owner",
        "42",
        "--gstin",
        "27aaact2727q1zw",
    )
    assert out.startswith("added")
    room = await Room.find_one(Room.slug == "pune-pad")
    assert room is not None
    assert (room.hourly_paise, room.peak_hourly_paise, room.slot_minutes) == (50000, 70000, 90)
    assert room.opening_hours == {**{str(d): "10:00-22:00" for d in range(5)}, "5": "09:00-01:00"}
    assert room.amenities == ["Drums", "PA"]
    assert room.gstin == "27AAACT2727Q1ZW"
    await run("edit-room", "pune-pad", "--price", "550", "--peak-hours", "19:00-23:30", "--pause")
    edited = await Room.find_one(Room.slug == "pune-pad")
    assert edited is not None
    assert (edited.hourly_paise, edited.peak_starts, edited.peak_ends, edited.active) == (
        55000,
        "19:00",
        "23:30",
        False,
    )
    await run("edit-room", "pune-pad", "--resume")
    resumed = await Room.find_one(Room.slug == "pune-pad")
    assert resumed is not None
    assert resumed.active


@pytest.mark.parametrize(
    "argv",
    [
        [
            "add-room",
            "Bad_Slug",
            "--name",
            "x",
            "--city",
            "y",
            "--address",
            "z",
            "--price",
            "5",
            "--peak-price",
            "6",
        ],
        [
            "add-room",
            "bass-cave-indiranagar",
            "--name",
            "x",
            "--city",
            "y",
            "--address",
            "z",
            "--price",
            "5",
            "--peak-price",
            "6",
        ],
        [
            "add-room",
            "new-room",
            "--name",
            "x",
            "--city",
            "y",
            "--address",
            "z",
            "--price",
            "0",
            "--peak-price",
            "6",
        ],
        ["edit-room", "tide-room-andheri", "--hours", "4=20:00-03:00,5=02:00-10:00"],
        ["edit-room", "tide-room-andheri", "--hours", "7=10:00-12:00"],
        ["edit-room", "tide-room-andheri", "--slot-minutes", "50"],
        ["edit-room", "tide-room-andheri", "--lat", "12.9"],
        ["edit-room", "tide-room-andheri", "--timezone", "Mars/Olympus"],
        ["edit-room", "tide-room-andheri", "--gstin", "123"],
        ["edit-room", "tide-room-andheri", "--pause", "--resume"],
        ["edit-room", "tide-room-andheri"],
        ["edit-room", "no-such-room", "--price", "100"],
        ["add-owner", "5", "--room", "tide-room-andheri", "--room", "no-such-room"],
        ["add-owner", "-5", "--room", "tide-room-andheri"],
        [
            "add-room",
            "new-room",
            "--name",
            "x",
            "--city",
            "y",
            "--address",
            "z",
            "--price",
            "800",
            "--peak-price",
            "600",
        ],
        ["edit-room", "tide-room-andheri", "--price", "900", "--peak-price", "800"],
        ["edit-room", "tide-room-andheri", "--peak-price", "100"],
        ["edit-room", "tide-room-andheri", "--owner", "5"],
        ["edit-room", "tide-room-andheri", "--add-owner", "5", "--remove-owner", "5"],
        ["edit-room", "tide-room-andheri", "--add-owner", "0"],
        ["edit-room", "no-such-room", "--add-owner", "5"],
        ["invite-owner", "--room", "tide-room-andheri", "--days", "0", "--bot-username", "band_bot"],
        ["invite-owner", "--room", "tide-room-andheri", "--days", "91", "--bot-username", "band_bot"],
        ["invite-owner", "--room", "tide-room-andheri", "--bot-username", "@x"],
    ],
)
async def test_bad_arguments_are_refused_and_change_nothing(db: Database, argv: list[str]) -> None:
    await run("seed-demo")
    before = await rooms_snapshot()
    users_before = await User.count()
    with pytest.raises(AdminError):
        await run(*argv)
    assert await rooms_snapshot() == before
    assert await User.count() == users_before
    assert await OwnerInvite.count() == 0


async def test_owners_are_added_and_removed(db: Database) -> None:
    await run("seed-demo")
    await run(
        "add-owner", "321", "--room", "tide-room-andheri", "--room", "loud-lane-koramangala", "--name", "Ravi"
    )
    owned = await Room.find({"owner_ids": {"$in": [321]}}).to_list()
    assert sorted(r.slug for r in owned) == ["loud-lane-koramangala", "tide-room-andheri"]
    owner = await User.get(321)
    assert owner is not None
    assert (owner.first_name, owner.is_owner) == ("Ravi", True)
    await run("remove-owner", "321", "--room", "tide-room-andheri")
    still = await User.get(321)
    assert still is not None
    assert still.is_owner
    await run("remove-owner", "321", "--room", "loud-lane-koramangala")
    gone = await User.get(321)
    assert gone is not None
    assert not gone.is_owner


def test_weekly_hours_syntax() -> None:
    assert parse_weekly_hours("0-1=10-22, 6=09:30-01:00") == {
        "0": "10:00-22:00",
        "1": "10:00-22:00",
        "6": "09:30-01:00",
    }
    for bad in ("0-4", "x=10-12", "3-1=10-12", "0=25:00-26:00"):
        with pytest.raises(AdminError):
            parse_weekly_hours(bad)


def test_bad_arguments_exit_2_before_touching_any_database(
    capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "add-room",
            "x-room",
            "--name",
            "x",
            "--city",
            "y",
            "--address",
            "z",
            "--price",
            "5",
            "--peak-price",
            "6",
            "--slot-minutes",
            "7",
        ]
    )
    assert code == 2
    assert "--slot-minutes must be 30, 45, 60, 90 or 120" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


async def test_an_owner_invite_link_is_printed_and_works_once(db: Database) -> None:
    await run("seed-demo")
    out = await run("invite-owner", "--room", "tide-room-andheri", "--bot-username", "@jamroom_bot")
    link = out.splitlines()[-1]
    assert link.startswith("https://t.me/jamroom_bot?start=owner_")
    token = link.split("owner_", 1)[1]
    assert [r.slug for r in await accept_invite(token, 606, now=utc_now())] == ["tide-room-andheri"]
    with pytest.raises(InviteInvalidError):
        await accept_invite(token, 607, now=utc_now())
    with pytest.raises(AdminError):
        await run("invite-owner", "--room", "no-such-room", "--bot-username", "@jamroom_bot")


async def test_an_owner_invite_link_expires_after_its_days(db: Database) -> None:
    await run("seed-demo")
    week = await run("invite-owner", "--room", "tide-room-andheri", "--bot-username", "band_bot")
    assert "(7 days)" in week.splitlines()[0]
    three = await run(
        "invite-owner", "--room", "tide-room-andheri", "--bot-username", "band_bot", "--days", "3"
    )
    stored = await OwnerInvite.get(token_of(three))
    assert stored is not None
    assert stored.expires_at is not None
    assert stored.expires_at - stored.created_at == timedelta(days=3)
    until = stored.expires_at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert f"valid until {until:%d %b %Y %H:%M} Asia/Kolkata (3 days):" in three
    with pytest.raises(InviteExpiredError):
        await accept_invite(stored.id, 606, now=stored.expires_at)
    late = stored.expires_at + timedelta(minutes=1)
    assert [r.slug for r in await accept_invite(token_of(week), 606, now=late)] == ["tide-room-andheri"]
    refused = await OwnerInvite.get(stored.id)
    assert refused is not None
    assert refused.used_by is None


def token_of(printed: str) -> str:
    return printed.splitlines()[-1].split("owner_", 1)[1]


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def invite(given: Settings, *extra: str) -> str:
    return await execute(
        build_parser().parse_args(["invite-owner", "--room", "tide-room-andheri", *extra]), given
    )


async def test_an_invite_link_names_the_bot_telegram_knows(db: Database, telegram: FakeTelegram) -> None:
    """No BOT_USERNAME: the bot's real username is asked from Telegram with BOT_TOKEN,
    never a made-up @jamroom_bot."""
    await run("seed-demo")
    asked = settings(bot_token=TOKEN, telegram_api_url=telegram.base_url)
    assert (await invite(asked)).splitlines()[-1].startswith("https://t.me/jamroom_test_bot?start=owner_")
    assert [c.method for c in telegram.calls] == ["getme"]


async def test_bot_username_from_the_settings_needs_no_telegram(
    db: Database, telegram: FakeTelegram, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await run("seed-demo")
    given = settings(bot_username="@band_room_bot", bot_token=TOKEN, telegram_api_url=telegram.base_url)
    assert "https://t.me/band_room_bot?start=owner_" in await invite(given)
    assert "https://t.me/other_bot?start=owner_" in await invite(given, "--bot-username", "other_bot")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("BOT_USERNAME=dotenv_band_bot\n")
    monkeypatch.delenv("BOT_USERNAME", raising=False)
    assert "https://t.me/dotenv_band_bot?start=owner_" in await run(
        "invite-owner", "--room", "tide-room-andheri"
    )
    assert telegram.calls == []


@pytest.mark.parametrize(
    ("values", "fault", "says"),
    [
        ({}, None, "set BOT_USERNAME (or BOT_TOKEN, to ask Telegram) in .env, or give --bot-username"),
        ({"bot_token": TOKEN}, 401, "Telegram refused BOT_TOKEN: check it with @BotFather"),
        ({"bot_token": TOKEN}, 502, "could not ask Telegram for the bot's username"),
        ({"bot_username": "no good"}, None, "is not a Telegram username"),
    ],
)
async def test_without_a_username_the_invite_is_refused_and_nothing_is_written(
    db: Database, telegram: FakeTelegram, values: dict[str, str], fault: int | None, says: str
) -> None:
    await run("seed-demo")
    if fault:
        telegram.fail_next("getMe", fault)
    with pytest.raises(AdminError) as refused:
        await invite(settings(telegram_api_url=telegram.base_url, **values))
    assert says in str(refused.value)
    assert TOKEN not in str(refused.value)
    assert await OwnerInvite.count() == 0


async def test_edit_room_adds_and_removes_owners_one_by_one(db: Database) -> None:
    await run("seed-demo", "--owner", "777")
    out = await run("edit-room", "tide-room-andheri", "--add-owner", "42", "--add-owner", "43")
    assert "owners: 777, 42, 43" in out
    newcomer = await User.get(42)
    assert newcomer is not None
    assert newcomer.is_owner
    out = await run("edit-room", "tide-room-andheri", "--remove-owner", "777", "--remove-owner", "43")
    assert "owners: 42" in out
    assert (await Room.find_one(Room.slug == "bass-cave-indiranagar")).owner_ids == [777]  # type: ignore[union-attr]
    still = await User.get(777)
    assert still is not None
    assert still.is_owner  # owns the other demo rooms
    gone = await User.get(43)
    assert gone is not None
    assert not gone.is_owner
    out = await run("edit-room", "tide-room-andheri", "--price", "700", "--add-owner", "44")
    assert "₹700/h" in out
    assert "owners: 42, 44" in out


async def test_edit_room_refuses_owner_which_used_to_replace_every_owner(db: Database) -> None:
    await run("seed-demo", "--owner", "777")
    with pytest.raises(AdminError, match="--add-owner ID or --remove-owner ID"):
        await run("edit-room", "tide-room-andheri", "--owner", "5")
    assert (await Room.find_one(Room.slug == "tide-room-andheri")).owner_ids == [777]  # type: ignore[union-attr]


async def test_a_peak_price_below_the_normal_price_is_refused_like_in_the_dialog(db: Database) -> None:
    with pytest.raises(AdminError, match="peak price cannot be lower than the normal price"):
        await run(
            "add-room", "cheap-peak", "--name", "x", "--city", "y", "--address", "z",
            "--price", "800", "--peak-price", "600",
        )  # fmt: skip
    assert await Room.count() == 0
    await run(
        "add-room", "even-peak", "--name", "x", "--city", "y", "--address", "z",
        "--price", "800", "--peak-price", "800",
    )  # fmt: skip
    with pytest.raises(AdminError, match="peak price cannot be lower than the normal price"):
        await run("edit-room", "even-peak", "--price", "900")
    stored = await Room.find_one(Room.slug == "even-peak")
    assert stored is not None
    assert (stored.hourly_paise, stored.peak_hourly_paise) == (80000, 80000)


async def test_a_new_slot_length_from_the_cli_keeps_booked_days(db: Database, room: Room, user: User) -> None:
    """The CLI saves through the same code as the owner dialog (real clock here, since
    the CLI judges "future" by it)."""
    service = BookingService(ManualClock(utc_now()))
    day = service.today(room) + timedelta(days=3)
    first = service.offers(room, day)
    booking = await service.create_booking(user.id, room.id, day, [(await first)[2].slot.key])
    out = await run("edit-room", room.slug, "--slot-minutes", "90")
    assert f"days keeping their booked hours: {day.isoformat()}" in out
    stored = await Room.get(room.id)
    assert stored is not None
    assert stored.slot_minutes == 90
    assert {o.slot.minutes for o in await service.offers(stored, day)} == {60}
    assert {o.slot.minutes for o in await service.offers(stored, day + timedelta(days=7))} == {90}
    assert (await service.booking(booking.id)).status.value == "PENDING_PAYMENT"
