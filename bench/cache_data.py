"""Synthetic conversations for the cache bench: deterministic, realistic enough to size and query.

conversation(i) and detail(i) depend only on (seed, i, the scale): any record can
be generated again on its own (the bench re-derives samples from a reused cache
without reading it). Conversations are laid out oldest first over DAYS days before
`now`, in change_seq order, as a sync from the change feed writes them.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain import Conversation, ConversationDetail

DAYS = 180
COMPANY = "Acme"
AGENT = "Ava"

# How often each value occurs (weights; picked by one uniform number).
PLATFORMS = {"voice": 45, "sms": 20, "web": 18, "email": 10, "slack": 5, "human_phone": 2}
OUTBOUND_SHARE = {"voice": 0.38, "sms": 0.45, "web": 0.02, "email": 0.25, "slack": 0.03, "human_phone": 0.4}
_TALKED = {"completed": 58, "abandoned": 12, "failed": 3, "human_handoff": 11, "restarted": 3, "reported": 1}
STATUSES: dict[tuple[str, str], dict[str, float]] = {
    ("voice", "inbound"): {**_TALKED, "unsubscribed": 0.5},
    ("voice", "outbound"): {
        **_TALKED, "no_answer": 18, "answering_machine_message_left": 11,
        "answering_machine_no_message_left": 6, "unsubscribed": 4,
    },
    ("human_phone", "inbound"): {**_TALKED},
    ("human_phone", "outbound"): {**_TALKED, "no_answer": 30},
    ("sms", "inbound"): {**_TALKED, "unsubscribed": 10},
    ("sms", "outbound"): {**_TALKED, "unsubscribed": 18},
    ("web", "inbound"): {**_TALKED},
    ("email", "inbound"): {**_TALKED, "unsubscribed": 12},
    ("email", "outbound"): {**_TALKED, "unsubscribed": 16},
    ("slack", "inbound"): {**_TALKED},
}
STATUSES[("web", "outbound")] = STATUSES[("web", "inbound")]
STATUSES[("slack", "outbound")] = STATUSES[("slack", "inbound")]
NO_TALK = frozenset({"no_answer", "answering_machine_message_left", "answering_machine_no_message_left"})
INBOUND_SCENARIOS = {
    "billing": 22, "appointment": 15, "order_status": 22, "tech_support": 16, "cancellation": 8,
    "complaint": 8, "general": 9,
}
OUTBOUND_SCENARIOS = {"appointment": 35, "billing": 25, "order_status": 20, "renewal": 20}
LANGUAGES = {"English": 78, "Spanish": 12, "French": 4, "German": 2, "Portuguese": 2, "Vietnamese": 1,
             "Mandarin": 1}
REGIONS = {"us-east": 35, "us-west": 25, "us-central": 20, "eu-west": 10, "apac": 10}
TIERS = {"standard": 70, "gold": 22, "platinum": 8}

# Six flows per tenant, each serving some scenarios (the rest go to "General Assistant").
FLOWS = (
    ("flow_acme_orders", "Order Support", ("order_status",)),
    ("flow_acme_billing", "Billing & Payments", ("billing", "cancellation")),
    ("flow_acme_tech", "Tech Support", ("tech_support",)),
    ("flow_acme_appointments", "Appointments", ("appointment",)),
    ("flow_acme_retention", "Retention & Renewals", ("renewal", "complaint")),
    ("flow_acme_general", "General Assistant", ("general",)),
)
_FLOW_OF = {s: (fid, name) for fid, name, scenarios in FLOWS for s in scenarios}
FUNCTIONS = {
    "order_status": ("lookup_order", "send_sms", "track_shipment", "create_ticket"),
    "billing": ("lookup_account", "take_payment", "send_sms", "issue_refund"),
    "cancellation": ("lookup_account", "cancel_subscription", "send_email"),
    "tech_support": ("lookup_device", "run_diagnostics", "create_ticket", "send_sms"),
    "appointment": ("check_availability", "book_appointment", "send_sms"),
    "renewal": ("lookup_account", "renew_plan", "send_email"),
    "complaint": ("create_ticket", "transfer_call", "issue_refund"),
    "general": ("search_knowledge_base", "send_email"),
}
CALL_REASONS = {
    "order_status": "Order Status", "billing": "Billing", "cancellation": "Cancellation",
    "tech_support": "Technical Support", "appointment": "Appointment", "renewal": "Renewal",
    "complaint": "Complaint", "general": "General Question",
}
ISSUES = {
    "order_status": ("Late Delivery", "Missing Package", "Wrong Item"),
    "billing": ("Double Charge", "Payment Failed", "Refund Request", "Chargeback"),
    "cancellation": ("Too Expensive", "Moving", "Switching Provider"),
    "tech_support": ("No Connection", "Slow Speed", "Device Setup", "App Crash"),
    "appointment": ("Reschedule", "New Booking", "Cancellation"),
    "renewal": ("Plan Upgrade", "Price Question"),
    "complaint": ("Rude Staff", "Repeated Issue", "Billing Error"),
    "general": ("Store Hours", "Return Policy"),
}

FIRST = ("Maria", "James", "Aisha", "Wei", "Sofia", "Liam", "Priya", "Mateo", "Olivia", "Noah", "Fatima",
         "Lucas", "Emma", "Hiroshi", "Chloe", "Diego", "Amara", "Ethan", "Ingrid", "Omar", "Grace",
         "Santiago", "Yuki", "Daniel", "Zara", "Hannah", "Luca", "Nadia", "Samuel", "Elena", "Kwame")
LAST = ("Garcia", "Smith", "Khan", "Chen", "Rossi", "Murphy", "Patel", "Hernandez", "Johnson", "Silva",
        "Brown", "Tanaka", "Martin", "Lopez", "Okafor", "Davis", "Larsen", "Miller", "Torres", "Nguyen",
        "Schmidt", "Sharma", "Dubois", "Novak", "Wang", "Becker", "Ramirez", "Costa", "Hassan", "Kim")
AREAS = ("201", "206", "212", "213", "305", "310", "312", "404", "415", "512", "602", "617", "702", "713",
         "718", "773", "801", "832", "917", "971")
DOMAINS = ("example.com", "example.org", "example.net")
POINT_OF_CONTACT = {
    "voice": "+18005550142", "sms": "+14155550177", "human_phone": "+18885550110",
    "email": "support@acme.example.com", "web": "Acme Web Assistant", "slack": "@acme-assistant",
}
PRODUCTS = ("wireless router", "smart thermostat", "standing desk", "espresso machine", "air purifier",
            "noise cancelling headphones", "running shoes", "4K monitor", "robot vacuum", "e-bike")
CARRIERS = ("UPS", "FedEx", "USPS", "DHL")
PLANS = ("Basic", "Plus", "Premium", "Family")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
EMOTIONS = ("joy", "neutral", "frustration", "anger", "confusion", "relief", "gratitude")

# Transcript lines per scenario: (customer, agent) templates, str.format'ed from a context.
OPENING = (
    "Thank you for calling {company}, this is {agent}. How can I help you today?",
    "Hi, you've reached {company}. My name is {agent}, what can I do for you?",
    "Hello {first}, this is {agent} from {company}. Do you have a moment?",
)
CLOSING = (
    "Thank you for contacting {company}, {first}. Have a great day!",
    "Is there anything else I can help you with? Thank you and goodbye.",
    "You're all set, {first}. Thanks for your patience and have a nice evening.",
    "I've sent a confirmation to {email}. Take care!",
)
LINES: dict[str, tuple[tuple[str, str], ...]] = {
    "order_status": (
        ("Hi, I'm calling about my order {order}, it hasn't arrived yet.",
         "Let me look that up. Order {order} for the {product} shipped with {carrier} on {weekday}."),
        ("The tracking page says it's delayed, can you check?",
         "I see a delay at the {carrier} depot; the new estimate is {weekday}."),
        ("Can you send me the tracking number by text?",
         "Of course, I've just texted the tracking link to {phone}."),
        ("I received the wrong item, I ordered a {product}.",
         "I'm sorry about that. I'll arrange a replacement and a prepaid return label."),
    ),
    "billing": (
        ("I was charged twice this month, {amount} each time.",
         "I can see two charges of {amount}. I'll refund the duplicate within five business days."),
        ("My card ending in {last4} was declined, can I pay another way?",
         "Sure, I can take a payment by bank transfer or a different card."),
        ("Why did my bill go up to {amount}?",
         "Your promotional discount on the {plan} plan ended last month, which explains the change."),
    ),
    "cancellation": (
        ("I'd like to cancel my {plan} subscription.",
         "I can help with that. May I ask why you want to cancel?"),
        ("It's just too expensive for me right now.",
         "I understand. I can offer three months at half price if you'd like to stay."),
    ),
    "tech_support": (
        ("My {product} keeps disconnecting from the wifi.",
         "Let's try a restart first. Please unplug it for thirty seconds and plug it back in."),
        ("The app crashes every time I open it.",
         "Thanks for reporting that. Which version of the app do you have installed?"),
        ("The internet has been really slow since {weekday}.",
         "I'm running a diagnostic on your line now; I see some packet loss in your area."),
        ("I can't finish the setup, it asks for a code.",
         "The setup code is printed on the label under the device, next to the serial number."),
    ),
    "appointment": (
        ("I need to book an appointment for next {weekday}.",
         "I have openings at 10 AM and 2:30 PM on {weekday}. Which works better for you?"),
        ("Can I move my appointment to a later date?",
         "Sure, I've moved it to {weekday} at the same time and sent you a confirmation."),
        ("This is a reminder of your appointment on {weekday}. Will you be able to make it?",
         "Great, we'll see you then. Please arrive ten minutes early."),
    ),
    "renewal": (
        ("My {plan} plan is about to expire, what are my options?",
         "You can renew for twelve months at {amount}, or switch to a monthly plan."),
        ("Is there a discount if I renew today?",
         "Yes, renewing today gives you fifteen percent off the first year."),
    ),
    "complaint": (
        ("This is the third time I'm calling about the same problem!",
         "I'm really sorry you've had to call again. I'll make sure this gets resolved today."),
        ("The technician never showed up on {weekday}.",
         "I apologize for that. I've filed a complaint and scheduled a priority visit."),
        ("I want to speak to a manager.",
         "I understand. Let me transfer you to a supervisor right away."),
    ),
    "general": (
        ("What are your store hours on {weekday}?",
         "Our stores are open from 9 AM to 8 PM on weekdays and 10 AM to 6 PM on weekends."),
        ("How do I return something I bought online?",
         "You can return it in any store or by mail within thirty days with the receipt."),
    ),
}
# Rare: in about 1.5% of billing conversations (content search for a rare word).
CHARGEBACK = ("My bank says there is a chargeback on my account, what happened?",
              "I see a chargeback dispute was opened for {amount}; I'll escalate it to our billing team.")
SMALL_TALK = (
    ("Okay, thanks.", "You're welcome."),
    ("Can you repeat that please?", "Of course, let me say that again more slowly."),
    ("Yes, that's right.", "Perfect, thank you for confirming."),
    ("Hold on a second, let me find it.", "No problem, take your time."),
    ("My account number is {account}.", "Thank you, I've found your account, {first}."),
)
OUTCOME = {
    "completed": "The issue was resolved.", "abandoned": "The customer left before the end.",
    "failed": "The conversation failed for a technical reason.",
    "human_handoff": "Handed off to a human agent.",
    "restarted": "The conversation was restarted.", "reported": "The customer reported the conversation.",
    "unsubscribed": "The customer asked not to be contacted again.", "in_progress": "Still in progress.",
    "no_answer": "Nobody answered.", "answering_machine_message_left": "A voicemail was left.",
    "answering_machine_no_message_left": "Reached voicemail; no message left.",
}


class Weighted:
    """Weighted choice by one uniform number."""

    __slots__ = ("cum", "items")

    def __init__(self, weights: dict[Any, float]) -> None:
        total = float(sum(weights.values()))
        self.items = list(weights)
        acc, self.cum = 0.0, []
        for w in weights.values():
            acc += w
            self.cum.append(acc / total)
        self.cum[-1] = 1.0

    def pick(self, u: float) -> Any:
        return self.items[bisect_right(self.cum, u)]


_PLATFORMS = Weighted(PLATFORMS)
_STATUSES = {k: Weighted(v) for k, v in STATUSES.items()}
_SCENARIOS = {"inbound": Weighted(INBOUND_SCENARIOS), "outbound": Weighted(OUTBOUND_SCENARIOS)}
_LANGUAGES = Weighted(LANGUAGES)
_REGIONS = Weighted(REGIONS)
_TIERS = Weighted(TIERS)


class Synthetic:
    """The conversations of one tenant: `count` summaries, full records for `full` of them."""

    def __init__(self, count: int, full: int, *, seed: int, now: datetime) -> None:
        self.count = count
        self.seed = seed
        self.now = now.astimezone(UTC)
        self.start = self.now - timedelta(days=DAYS)
        self.contacts = max(100, count // 4)  # four conversations per contact on average
        picked = random.Random(f"{seed}:full").sample(range(count), min(full, count))
        self.full = sorted(picked)  # indices with a full record, spread over the whole period

    def _rng(self, i: int, stream: str = "") -> random.Random:
        return random.Random(int.from_bytes(hashlib.blake2b(f"{self.seed}:{i}{stream}".encode(),
                                                            digest_size=8).digest()))

    def conversation_id(self, i: int) -> str:
        return "cnv_" + hashlib.blake2b(f"{self.seed}:id:{i}".encode(), digest_size=8).hexdigest()

    def contact(self, number: int) -> tuple[str, str, str, str]:
        """(contact_id, name, phone, e-mail) of a contact number, all derived from it."""
        first, last = FIRST[number % len(FIRST)], LAST[(number // len(FIRST)) % len(LAST)]
        suffix = number // (len(FIRST) * len(LAST))
        phone = f"+1{AREAS[number % len(AREAS)]}{2_000_000 + number // len(AREAS):07d}"
        email = f"{first.lower()}.{last.lower()}{suffix or ''}@{DOMAINS[number % 3]}"
        contact_id = f"ct_{(number * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF:016x}"
        return contact_id, f"{first} {last}", phone, email

    def contact_number(self, r: random.Random) -> int:
        if r.random() < 0.25:  # a heavy tail: a few contacts with hundreds of conversations
            return int(self.contacts * r.random() ** 3)
        return int(self.contacts * r.random())

    def fields(self, i: int) -> dict[str, Any]:
        """The summary of conversation i as the platform's JSON would give it (plus a context
        for its transcript under the key "_ctx")."""
        r = self._rng(i)
        u = r.random
        started = self.start + timedelta(seconds=DAYS * 86400 * (i + u()) / self.count)
        platform = _PLATFORMS.pick(u())
        direction = "outbound" if u() < OUTBOUND_SHARE[platform] else "inbound"
        status = _STATUSES[(platform, direction)].pick(u())
        live = self.now - started < timedelta(hours=1) and u() < 0.5
        if live:
            status = "in_progress"
        scenario = _SCENARIOS[direction].pick(u())
        number = self.contact_number(r)
        contact_id, name, phone, email = self.contact(number)
        display = email if platform == "email" else name if platform in ("web", "slack") else phone
        talked = status not in NO_TALK
        flow = _FLOW_OF[scenario] if talked and platform != "human_phone" else None
        if platform in ("voice", "human_phone"):
            duration = int(r.lognormvariate(5.0, 0.7)) if talked else int(20 + 40 * u())
        else:
            duration = int(r.lognormvariate(6.5, 1.0))
        if live:
            duration = int((self.now - started).total_seconds())
        ended = None if live else started + timedelta(seconds=duration)
        last_at = ended if ended is not None else self.now - timedelta(seconds=int(30 * u()))
        functions = list(r.sample(FUNCTIONS[scenario], k=min(len(FUNCTIONS[scenario]), int(u() * 3.2))))
        tags = [{"key": "Language", "value": _LANGUAGES.pick(u())}]
        if talked:
            tags.append({"key": "Call Reason", "value": CALL_REASONS[scenario]})
            if u() < 0.55:
                tags.append({"key": "Issue", "value": r.choice(ISSUES[scenario])})
        ctx = {
            "company": COMPANY, "agent": AGENT, "first": name.partition(" ")[0], "phone": phone,
            "email": email, "order": f"A{r.randrange(10_000_000, 99_999_999)}",
            "account": f"{r.randrange(100_000_000, 999_999_999)}",
            "amount": f"${r.randrange(5, 900)}.{r.randrange(100):02d}", "last4": f"{r.randrange(10_000):04d}",
            "product": r.choice(PRODUCTS), "carrier": r.choice(CARRIERS),
            "plan": r.choice(PLANS), "weekday": r.choice(WEEKDAYS), "scenario": scenario,
        }
        parameters = [{"key": "region", "value": _REGIONS.pick(u())},
                      {"key": "customer_tier", "value": _TIERS.pick(u())}]
        if scenario == "order_status":
            parameters.append({"key": "order_id", "value": ctx["order"]})
        if direction == "outbound":
            parameters.append({"key": "campaign", "value": f"{scenario}-{started:%Y-%m}"})
        flagged = u() < (0.5 if status == "reported" else 0.3 if scenario == "complaint" else 0.14)
        last_message = (r.choice(CLOSING) if talked else OUTCOME[status]).format_map(ctx)
        return {
            "id": self.conversation_id(i),
            "platform": platform,
            "contact_id": contact_id,
            "contact": display,
            "point_of_contact": POINT_OF_CONTACT[platform],
            "direction": direction,
            "used_for": "test" if u() < 0.04 else "production",
            "status": status,
            "flow_id": flow[0] if flow else None,
            "flow_name": flow[1] if flow else "",
            "duration_seconds": duration,
            "last_message": last_message,
            "last_message_at": last_at,
            "started_at": started,
            "ended_at": ended,
            "flagged": flagged,
            "functions": functions,
            "parameters": parameters,
            "tags": tags,
            "live_state": r.choice(("ai", "ai", "queued", "human")) if live else "ended",
            "supervisor_mode": "listening" if live and u() < 0.1 else "none",
            "current_node": "n3" if live else None,
            "has_audio": platform in ("voice", "human_phone") and not live and status != "no_answer",
            "change_seq": i + 1,
            "_ctx": ctx,
        }

    def conversation(self, i: int) -> Conversation:
        fields = self.fields(i)
        del fields["_ctx"]
        return Conversation.model_validate(fields)

    def detail(self, i: int) -> ConversationDetail:
        """The full record of conversation i; its summary fields equal conversation(i)."""
        fields = self.fields(i)
        ctx = fields.pop("_ctx")
        r = self._rng(i, ":detail")
        u = r.random
        scenario, status, platform = ctx["scenario"], fields["status"], fields["platform"]
        started, last_at = fields["started_at"], fields["last_message_at"]
        span_ms = max(1000, int((last_at - started).total_seconds() * 1000))
        texts: list[tuple[str, str]] = []  # (role, text)
        if status in NO_TALK:
            texts.append(("system", fields["last_message"]))
        else:
            texts.append(("agent", r.choice(OPENING).format_map(ctx)))
            turns = {"voice": 7, "human_phone": 8, "sms": 3, "web": 5, "email": 2, "slack": 4}[platform]
            for _ in range(max(1, int(turns * (0.5 + u())))):
                customer, agent = r.choice(LINES[scenario]) if u() < 0.7 else r.choice(SMALL_TALK)
                texts.append(("customer", customer.format_map(ctx)))
                texts.append(("agent", agent.format_map(ctx)))
            if scenario == "billing" and u() < 0.015:
                texts += [("customer", CHARGEBACK[0]), ("agent", CHARGEBACK[1].format_map(ctx))]
            if status == "human_handoff":
                texts.append(("system", "Conversation transferred to a human agent."))
            if u() < 0.03:
                texts.append(("coaching", "Remember to confirm the customer's identity first."))
            if status != "in_progress":
                texts.append(("agent", fields["last_message"]))
        n = len(texts)
        messages = []
        for idx, (role, text) in enumerate(texts):
            offset = span_ms if idx == n - 1 else span_ms * idx // n
            at = started + timedelta(milliseconds=offset)
            messages.append({"index": idx, "role": role, "text": text, "at": at, "offset_ms": offset,
                             "duration_ms": int(1000 + 4000 * u())})
        if status != "in_progress" and status not in NO_TALK:
            messages[-1]["at"] = last_at  # the summary's last message is the transcript's
        calls = []
        for idx, name in enumerate(fields["functions"]):
            m = min(n - 1, 1 + 2 * idx)
            calls.append({
                "index": idx, "name": name, "input": {"order_id": ctx["order"], "phone": ctx["phone"]},
                "output": {"ok": True, "status": "done", "reference": f"R{r.randrange(10**6):06d}"},
                "at": messages[m]["at"], "offset_ms": messages[m]["offset_ms"], "message_index": m,
            })
        steps = min(n, 6) if fields["flow_id"] else 0
        path = [{"step": s, "node_id": f"n{s + 1}", "at": messages[s]["at"], "message_index": s}
                for s in range(steps)]
        audio = None
        if fields["has_audio"]:
            ms = fields["duration_seconds"] * 1000
            audio = {"media_type": "audio/ogg", "size": ms * 4, "duration_ms": ms,
                     "channels": ["customer", "agent"]}
        artifacts = []
        if u() < 0.05:
            artifacts.append({"id": f"art_{i}", "kind": "pdf", "name": f"invoice-{ctx['order']}.pdf",
                              "media_type": "application/pdf", "size": r.randrange(20_000, 400_000)})
        coaching = []
        if u() < 0.04:
            coaching.append({"id": f"note_{i}", "author": "supervisor", "at": last_at,
                             "text": "Good empathy; offer the callback earlier next time."})
        emotions = r.sample(EMOTIONS, k=1 + int(u() * 3))
        return ConversationDetail.model_validate({
            **fields,
            "reason": f"{CALL_REASONS[scenario]}: {texts[1][1] if n > 1 else texts[0][1]}"[:200],
            "summary": f"{ctx['first']} contacted {COMPANY} about {CALL_REASONS[scenario].lower()}. "
                       f"{OUTCOME[status]}",
            "analysis": f"{OUTCOME[status]} Handled as usual by the {fields['flow_name'] or 'default'} flow.",
            "sentiment": [{"emotion": e, "score": round(u(), 3)} for e in emotions],
            "voice": "en-US-aria" if platform == "voice" else None,
            "messages": messages,
            "function_calls": calls,
            "flow_path": path,
            "coaching": coaching,
            "artifacts": artifacts,
            "audio": audio,
        })
