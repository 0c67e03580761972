"""The functions an AI agent calls: realistic inputs and outputs for each, and the
per-conversation context (account, order, amounts...) they and the scripts use."""

from __future__ import annotations

import random
from collections.abc import Callable

from server.seed.text import CARRIERS, DEVICES, MONTHS, ORDER_STATES, PLANS, PRODUCTS, TIMES, WEEKDAYS

# -- function calls ---------------------------------------------------------------

Json = dict[str, object]


FunctionIO = tuple[Json, Json, tuple[str, str] | None]  # input, output, optional output tag


def _verify_identity(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"account_id": ctx["account"], "method": "account_number" if roll < 0.6 else "dob"},
            {"verified": True, "customer_id": "cus_" + ctx["account"], "attempts": 1 + int(roll * 1.4)},
            None)


def _lookup_account(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"account_id": ctx["account"]},
            {"name": ctx["first"] + " " + ctx["last"], "plan": ctx["plan"],
             "balance": float(ctx["amount"]), "status": "active", "autopay": roll < 0.55,
             "customer_since": 2012 + int(roll * 12)}, None)


def _check_order_status(ctx: dict[str, str], roll: float) -> FunctionIO:
    state = ctx["order_state"]
    return ({"order_id": ctx["order"]},
            {"order_id": ctx["order"], "status": state, "carrier": ctx["carrier"], "eta": ctx["date"],
             "items": [{"sku": "SKU-" + ctx["zip"], "name": ctx["product"], "qty": 1}]},
            ("Order Status", state.title()))


def _check_availability(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"day": ctx["weekday"], "duration_min": 60},
            {"slots": [ctx["time"], "4:00 PM", "5:00 PM"][: 1 + int(roll * 3)]}, None)


def _book_appointment(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"customer": ctx["first"] + " " + ctx["last"], "day": ctx["weekday"], "time": ctx["time"],
             "service": "installation" if roll < 0.5 else "consultation"},
            {"confirmed": True, "appointment_id": "APT-" + ctx["ticket"][4:]},
            ("Appointment", "Booked" if roll < 0.8 else "Rescheduled"))


def _send_sms(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"to": ctx["phone"], "template": "confirmation" if roll < 0.6 else "tracking_link"},
            {"message_id": "SM" + ctx["account"] + ctx["zip"], "status": "queued"}, None)


def _send_email(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"to": ctx["email"], "template": "confirmation"}, {"accepted": True}, None)


def _create_ticket(ctx: dict[str, str], roll: float) -> FunctionIO:
    priority = "high" if roll < 0.25 else "normal" if roll < 0.85 else "low"
    return ({"subject": "Follow-up for " + ctx["first"] + " " + ctx["last"], "priority": priority},
            {"ticket_id": ctx["ticket"], "status": "open"}, ("Ticket Priority", priority.title()))


def _check_outage(ctx: dict[str, str], roll: float) -> FunctionIO:
    maintenance = roll < 0.4
    return ({"zip": ctx["zip"]}, {"outage": False, "maintenance": maintenance},
            ("Outage", "Maintenance" if maintenance else "None"))


def _cancel_subscription(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"account_id": ctx["account"], "effective_date": ctx["date"]},
            {"cancelled": True, "retention_offer": "declined", "final_bill": float(ctx["amount"])},
            ("Retention Offer", "Declined"))


def _transfer_to_human(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"queue": "tier2" if roll < 0.5 else "supervisors", "reason": "customer request"},
            {"queued": True, "position": 1 + int(roll * 6), "estimated_wait_s": 30 + int(roll * 400)},
            None)


def _process_payment(ctx: dict[str, str], roll: float) -> FunctionIO:
    ok = roll < 0.93
    return ({"amount": float(ctx["amount"]), "currency": "USD", "card_last4": ctx["last4"]},
            {"status": "succeeded" if ok else "declined", "receipt": ctx["ticket"] if ok else None},
            ("Payment", "Succeeded" if ok else "Declined"))


def _reset_password(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"email": ctx["email"]}, {"sent": True, "expires_in_min": 30}, None)


def _unsubscribe_contact(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"contact": ctx["phone"] if roll < 0.5 else ctx["email"], "scope": "marketing"},
            {"unsubscribed": True}, None)


def _update_delivery_instructions(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"order_id": ctx["order"], "note": "leave at back door"}, {"updated": True}, None)


def _create_payment_plan(ctx: dict[str, str], roll: float) -> FunctionIO:
    return ({"account_id": ctx["account"], "installments": 2, "amount": float(ctx["amount"])},
            {"plan_id": ctx["ticket"], "next_due": ctx["date"]}, None)


# Dispatch table: one dict lookup instead of a chain of comparisons per call.
FUNCTIONS: dict[str, Callable[[dict[str, str], float], FunctionIO]] = {
    "verify_identity": _verify_identity,
    "lookup_account": _lookup_account,
    "check_order_status": _check_order_status,
    "check_availability": _check_availability,
    "book_appointment": _book_appointment,
    "send_sms": _send_sms,
    "send_email": _send_email,
    "create_ticket": _create_ticket,
    "check_outage": _check_outage,
    "cancel_subscription": _cancel_subscription,
    "transfer_to_human": _transfer_to_human,
    "process_payment": _process_payment,
    "reset_password": _reset_password,
    "unsubscribe_contact": _unsubscribe_contact,
    "update_delivery_instructions": _update_delivery_instructions,
    "create_payment_plan": _create_payment_plan,
}


def function_io(name: str, ctx: dict[str, str], roll: float) -> FunctionIO:
    """Input, output and optional output tag of one function call.

    `roll` in [0, 1) picks between a few plausible outcomes, so the generator
    spends a single random number per call.
    """
    fn = FUNCTIONS.get(name)
    return fn(ctx, roll) if fn else ({}, {"ok": True}, None)


def scenario_context(rng: random.Random) -> dict[str, str]:
    """Order numbers, amounts, dates... for one conversation (contact fields excluded)."""
    amount = rng.randrange(1500, 42000)
    return {
        "order": str(rng.randrange(100000, 999999)),
        "account": str(rng.randrange(10_000_000, 99_999_999)),
        "amount": f"{amount // 100}.{amount % 100:02d}",
        "date": f"{rng.choice(MONTHS)} {rng.randint(1, 28)}",
        "time": rng.choice(TIMES),
        "ticket": f"TCK-{rng.randrange(100000, 999999)}",
        "last4": f"{rng.randrange(10000):04d}",
        "product": rng.choice(PRODUCTS),
        "order_state": rng.choice(ORDER_STATES),
        "carrier": rng.choice(CARRIERS),
        "zip": f"{rng.randrange(10000, 99999)}",
        "plan": rng.choice(PLANS),
        "device": rng.choice(DEVICES),
        "weekday": rng.choice(WEEKDAYS),
    }
