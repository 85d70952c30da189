"""Tying a room to its owner's linked account with the admin CLI, the commission setting:
bad input is refused with a clear reason and changes nothing."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.admin import AdminError, build_parser, execute, main
from bot.config import ConfigurationError, Settings, load_settings
from bot.services import payments_config
from domain.clock import ManualClock
from payments.setup import build_payments
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Room

SANDBOX_TOKEN = SecretStr("42:payouts")
SANDBOX = Settings(_env_file=None)  # type: ignore[call-arg]
RAZORPAY = Settings(
    _env_file=None,  # type: ignore[call-arg]
    razorpay_key_id="rzp_test_x",
    razorpay_key_secret="secret",  # type: ignore[arg-type]
    razorpay_webhook_secret="whsecret",  # type: ignore[arg-type]
    public_base_url="https://bot.example.in",
    platform_commission_bp=250,
)


async def run(*argv: str, settings: Settings = RAZORPAY) -> str:
    return await execute(build_parser().parse_args(list(argv)), settings)


async def stored_account(room: Room) -> str | None:
    found = await Room.get(room.id)
    assert found is not None
    return found.payout_account


async def test_a_room_is_tied_to_a_linked_account_shown_and_cleared(db: Database, room: Room) -> None:
    assert await run("show-payouts", room.slug) == (
        f"{room.slug}: payouts off\n  platform commission: 2.5% (250 basis points, PLATFORM_COMMISSION_BP)"
    )
    out = await run("set-payout-account", room.slug, "acc_Hk1b2C3d4E5f6G")
    assert out.startswith("payout account set\n")
    assert f"{room.slug}: payouts to acc_Hk1b2C3d4E5f6G" in out
    assert await stored_account(room) == "acc_Hk1b2C3d4E5f6G"
    assert "payouts to acc_Hk1b2C3d4E5f6G" in await run("show-payouts", room.slug)
    out = await run("set-payout-account", room.slug, "--clear")
    assert out.startswith("payout account cleared\n")
    assert await stored_account(room) is None


async def test_the_sandbox_says_it_never_pays_out(db: Database, room: Room) -> None:
    out = await run("show-payouts", room.slug, settings=SANDBOX)
    assert "0% (0 basis points" in out
    assert "the sandbox never pays out" in out


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["acc_short"], "acc_ followed by 14 letters or digits"),
        (["acc_Hk1b2C3d4E5f6G7"], "acc_ followed by 14 letters or digits"),
        (["ACC_Hk1b2C3d4E5f6G"], "acc_ followed by 14 letters or digits"),
        (["acc_Hk1b2C3d4E5f-G"], "acc_ followed by 14 letters or digits"),
        ([], "give the linked account"),
        (["acc_Hk1b2C3d4E5f6G", "--clear"], "not both"),
    ],
)
async def test_a_bad_account_is_refused_and_changes_nothing(
    db: Database, room: Room, argv: list[str], reason: str
) -> None:
    await run("set-payout-account", room.slug, "acc_Before00000000")
    with pytest.raises(AdminError, match=reason):
        await run("set-payout-account", room.slug, *argv)
    assert await stored_account(room) == "acc_Before00000000"


def test_the_cli_refuses_a_bad_account_before_opening_the_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["set-payout-account", "bass-cave", "acc_nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: a Razorpay linked account id is acc_")
    assert "database" not in err


async def test_an_unknown_room_is_named(db: Database) -> None:
    with pytest.raises(AdminError, match="no room with slug 'nowhere'"):
        await run("set-payout-account", "nowhere", "acc_Hk1b2C3d4E5f6G")


@pytest.mark.parametrize("value", ["-1", "10001", "2.5", "ten", "5%"])
def test_a_commission_outside_basis_points_is_a_start_up_error(value: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(_env_file=None, platform_commission_bp=value)
    assert str(refused.value) == (
        "configuration error: PLATFORM_COMMISSION_BP must be whole basis points from 0 to 10000 "
        "(100 = 1%, 250 = 2.5%; 0: owners get the whole payment)"
    )


def test_the_commission_defaults_to_none_and_reads_basis_points() -> None:
    assert load_settings(_env_file=None).platform_commission_bp == 0
    assert load_settings(_env_file=None, platform_commission_bp="250").platform_commission_bp == 250
    assert load_settings(_env_file=None, platform_commission_bp=" 10000 ").platform_commission_bp == 10000


def test_the_sandbox_runs_without_payouts_and_razorpay_with_them(
    clock: ManualClock, service: BookingService
) -> None:
    sandbox = load_settings(_env_file=None, bot_token="42:sandbox", platform_commission_bp="250")
    built = build_payments(payments_config(sandbox, "jamroom_test_bot"), clock, service)
    assert built.sandbox is not None
    assert built.service.payouts is None
    razorpay = build_payments(
        payments_config(RAZORPAY.model_copy(update={"bot_token": SANDBOX_TOKEN}), "b"), clock, service
    )
    assert razorpay.service.payouts is not None
    assert razorpay.service.payouts.commission_bp == 250
