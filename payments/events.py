"""A verified Razorpay webhook event: claimed once by its event id, read for what it
says, and passed to what it means (a booking's money in ``payments.settlement``, a
refund's news in ``payments.refunds``).

Database errors propagate, with the claim dropped, so the webhook answers 503 and
Razorpay's retry processes the event afresh."""

from __future__ import annotations

from typing import Any

from domain.clock import Clock
from domain.payment_outcomes import Outcome
from payments.refunds import Refunds
from payments.settlement import Paid, Settlement
from storage.payment_events import claim_event, finish_event, forget_event


class PaymentEvents:
    def __init__(self, clock: Clock, settlement: Settlement, refunds: Refunds) -> None:
        self.clock = clock
        self.settlement = settlement
        self.refunds = refunds

    async def handle_event(self, event_id: str, payload: dict[str, Any]) -> Outcome:
        """Process one verified Razorpay event once; the outcome is for the log and the
        webhook's answer."""
        event = str(payload.get("event", ""))
        if not await claim_event(event_id, event, _reference_of(payload), self.clock.now()):
            return Outcome.DUPLICATE
        try:
            outcome = await self._dispatch(event, payload.get("payload") or {})
        except BaseException:
            await forget_event(event_id)
            raise
        await finish_event(event_id, outcome)
        return outcome

    async def _dispatch(self, event: str, entities: dict[str, Any]) -> Outcome:
        match event:
            case "payment_link.paid":
                return await self.settlement.settle_paid(_paid(entities))
            case "payment_link.expired" | "payment_link.cancelled":
                link = _entity(entities, "payment_link")
                return await self.settlement.link_closed(str(link.get("reference_id", "")))
            case "payment.failed":
                payment = _entity(entities, "payment")
                notes = payment.get("notes") if isinstance(payment.get("notes"), dict) else {}
                reference = notes.get("booking_code") or _entity(entities, "payment_link").get("reference_id")
                return await self.settlement.payment_failed(
                    str(reference) if reference else None,
                    str(payment.get("id", "")),
                    payment.get("error_description"),
                )
            case "refund.processed" | "refund.failed":
                refund = _entity(entities, "refund")
                notes = refund.get("notes")
                return await self.refunds.gateway_says(
                    str(refund.get("payment_id", "")),
                    str(refund.get("id", "")),
                    int(refund.get("amount") or 0),
                    processed=event == "refund.processed",
                    notes=notes if isinstance(notes, dict) else None,
                )
        return Outcome.IGNORED


def _paid(entities: dict[str, Any]) -> Paid:
    link = _entity(entities, "payment_link")
    payment = _entity(entities, "payment")
    return Paid(
        reference=str(link.get("reference_id", "")),
        link_id=link.get("id"),
        payment_id=str(payment.get("id", "")),
        amount_paise=int(payment.get("amount") or link.get("amount_paid") or 0),
        currency=str(payment.get("currency") or link.get("currency") or ""),
    )


def _entity(entities: dict[str, Any], name: str) -> dict[str, Any]:
    wrapper = entities.get(name) or {}
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}


def _reference_of(payload: dict[str, Any]) -> str | None:
    link = _entity(payload.get("payload") or {}, "payment_link")
    return str(link["reference_id"]) if link.get("reference_id") else None
