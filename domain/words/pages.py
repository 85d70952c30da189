"""Browser pages: where Razorpay sends the payer back (``/payments/callback``) and the
sandbox's pay page (``/sandbox/pay/<id>``). Each page is a title and a body of HTML
paragraphs; the page's frame and style are the web handlers'.

Facts are escaped here with ``html.escape`` (quotes too: these are real HTML pages)."""

from __future__ import annotations

from html import escape

from domain.money import format_inr

OPEN_THE_BOT = "Open JamRoom bot in Telegram"

# ---- after paying at Razorpay -----------------------------------------------------------

NOT_VERIFIED_TITLE = "We could not verify this payment"
NOT_VERIFIED = (
    "This page was opened with details we could not verify, so it tells you nothing about your "
    "payment. If you paid, the bot will confirm your booking in Telegram within a few minutes."
)
NOT_PAID_TITLE = "Payment not completed"
NOT_PAID = (
    "The payment did not go through. Your slots stay held until the time shown in the chat; "
    "you can try again from the Pay button there."
)
PAID_TITLE = "Payment received — back to Telegram"


def paid(reference: str) -> str:
    """``reference``: the booking's code, as the redirect gave it."""
    return (
        f"Thank you! Booking {escape(reference)} is being confirmed; the confirmation and your invoice "
        "arrive in the chat in a moment."
    )


# ---- the sandbox's pay page -------------------------------------------------------------

SANDBOX_TITLE = "JamRoom sandbox payment"
LINK_NOT_FOUND_TITLE = "Payment link not found"
LINK_NOT_FOUND = "<p>This payment link does not exist.</p>"
CANNOT_PAY_TITLE = "Payment not possible"
LINK_MISSING = "This payment link does not exist."
LINK_JUST_USED = "This payment link was just used."
PAY = "Pay"
FAIL = "Fail"
SANDBOX_NOTE = (
    "<p class=note>Sandbox: no real money moves. Pay and Fail send the bot a webhook "
    "signed exactly as Razorpay signs.</p>"
)
DECLINED_TITLE = "Payment failed"
DECLINE_REASON = "Declined in sandbox"
"""The sandbox's reason for a failed payment, as Razorpay gives one (the musician reads it)."""


def link_is(status: str) -> str:
    """Why a link cannot be paid: its state (``paid``, ``expired``, ``cancelled``)."""
    return f"This payment link is {status}."


def payment_summary(amount_paise: int, description: str, reference: str) -> str:
    return (
        f"<p class=amount>{format_inr(amount_paise, always_show_paise=True)}</p>"
        f"<p>{escape(description)}<br>Booking <b>{escape(reference)}</b></p>"
    )


def not_payable(status: str) -> str:
    return f"<p>This payment link is <b>{escape(status)}</b> and cannot be paid.</p>"


def declined(page_url: str) -> str:
    """``page_url``: the link's pay page, to try again."""
    return (
        "<p>The sandbox declined this payment. Your slots stay held; "
        "go back and press Pay to try again.</p>"
        f'<p><a href="{escape(page_url)}">Back to the payment page</a></p>'
    )
