"""The real razorpay SDK against the local fake Razorpay API over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import razorpay

from payments.gateway import GatewayError, GatewayTimeoutError, PaymentLinkRequest
from payments.razorpay_gateway import RazorpayGateway
from payments.signatures import (
    sign_payment_link_callback,
    sign_webhook,
    verify_payment_link_callback,
    verify_webhook,
)
from tests.fakes.razorpay_api import FakeRazorpayAPI


def request(reference: str = "JR-TEST22", amount: int = 140000, minutes: int = 30) -> PaymentLinkRequest:
    return PaymentLinkRequest(
        booking_id="b1",
        reference_id=reference,
        amount_paise=amount,
        description="Bass Cave · 26 Nov",
        expire_by=datetime.now(UTC) + timedelta(minutes=minutes),
        callback_url="https://bot.example.test/payments/callback",
        customer_name="Asha",
        notes={"booking_id": "b1"},
    )


@pytest.fixture
def gateway(razorpay_api: FakeRazorpayAPI) -> RazorpayGateway:
    return RazorpayGateway(
        razorpay_api.key_id, razorpay_api.key_secret, base_url=razorpay_api.base_url, timeout=1.0
    )


async def test_link_lifecycle_through_the_sdk(
    gateway: RazorpayGateway, razorpay_api: FakeRazorpayAPI
) -> None:
    link = await gateway.create_link(request())
    assert (link.status, link.amount_paise, link.reference_id) == ("created", 140000, "JR-TEST22")
    sent = razorpay_api.requests[-1][2]
    assert sent["callback_method"] == "get"
    assert sent["currency"] == "INR"
    assert sent["customer"] == {"name": "Asha"}
    assert sent["notes"] == {"booking_id": "b1"}
    payment_id = razorpay_api.pay_link(link.id)
    fetched = await gateway.fetch_link(link.id)
    assert (fetched.status, fetched.payment_id, fetched.amount_paid_paise) == ("paid", payment_id, 140000)
    second = await gateway.create_link(request("JR-OTHER2"))
    assert (await gateway.cancel_link(second.id)).status == "cancelled"


async def test_expiry_is_bumped_to_razorpays_minimum(
    gateway: RazorpayGateway, razorpay_api: FakeRazorpayAPI
) -> None:
    await gateway.create_link(request(minutes=5))  # the fake refuses < 15 min, like Razorpay
    sent = razorpay_api.requests[-1][2]
    assert sent["expire_by"] >= (datetime.now(UTC) + timedelta(minutes=15)).timestamp()


async def test_partial_and_idempotent_refunds(
    gateway: RazorpayGateway, razorpay_api: FakeRazorpayAPI
) -> None:
    link = await gateway.create_link(request())
    payment_id = razorpay_api.pay_link(link.id)
    first = await gateway.refund(payment_id, 70000, "refund-key-0001")
    again = await gateway.refund(payment_id, 70000, "refund-key-0001")
    assert first == again
    assert razorpay_api.refunded_total(payment_id) == 70000
    assert razorpay_api.requests[-1][3]["X-Refund-Idempotency"] == "refund-key-0001"
    with pytest.raises(GatewayError, match="greater than amount captured"):
        await gateway.refund(payment_id, 80000, "refund-key-0002")
    assert razorpay_api.refunded_total(payment_id) == 70000


async def test_errors_and_timeouts_become_gateway_errors(
    gateway: RazorpayGateway, razorpay_api: FakeRazorpayAPI
) -> None:
    razorpay_api.fail_next("/v1/payment_links", status=500)
    with pytest.raises(GatewayError) as failed:
        await gateway.create_link(request())
    assert razorpay_api.key_secret not in str(failed.value)
    razorpay_api.fail_next("/v1/payment_links", status=0, delay=3)
    with pytest.raises(GatewayTimeoutError):
        await gateway.create_link(request("JR-SLOW22"))
    wrong = RazorpayGateway("rzp_test_wrong", "nope", base_url=razorpay_api.base_url, timeout=1.0)
    with pytest.raises(GatewayError, match="invalid"):
        await wrong.create_link(request("JR-AUTH22"))
    with pytest.raises(GatewayError, match="atleast"):
        await gateway.create_link(request("JR-TINY22", amount=50))


def test_our_signatures_match_the_sdks() -> None:
    utility = razorpay.Client(auth=("rzp_test_x", "key-secret")).utility
    body = b'{"event":"payment_link.paid","payload":{}}'
    signature = sign_webhook(body, "whsec")
    utility.verify_webhook_signature(body.decode(), signature, "whsec")  # raises on mismatch
    assert verify_webhook(body, signature, "whsec")
    assert not verify_webhook(body + b" ", signature, "whsec")
    assert not verify_webhook(body, None, "whsec")
    assert not verify_webhook(body, signature, "")
    callback = sign_payment_link_callback("plink_1", "JR-ABC234", "paid", "pay_1", "key-secret")
    params = {
        "razorpay_payment_link_id": "plink_1",
        "razorpay_payment_link_reference_id": "JR-ABC234",
        "razorpay_payment_link_status": "paid",
        "razorpay_payment_id": "pay_1",
        "razorpay_signature": callback,
    }
    sdk_names = {  # the SDK names the link fields without the "razorpay_" of the redirect's query
        "payment_link_id": params["razorpay_payment_link_id"],
        "payment_link_reference_id": params["razorpay_payment_link_reference_id"],
        "payment_link_status": params["razorpay_payment_link_status"],
        "razorpay_payment_id": params["razorpay_payment_id"],
        "razorpay_signature": callback,
    }
    assert utility.verify_payment_link_signature(sdk_names)
    assert verify_payment_link_callback(params, "key-secret")
    assert not verify_payment_link_callback(
        {**params, "razorpay_payment_link_status": "failed"}, "key-secret"
    )
    assert not verify_payment_link_callback(
        {k: v for k, v in params.items() if k != "razorpay_signature"}, "key-secret"
    )
