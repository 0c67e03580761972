"""Words for the generated conversations: people, scenarios, tags, reasons and summaries.

Scripts are in scripts.py, function calls in function_calls.py, hostile samples in
hostile_samples.py.

Everything here is plain data. Templates use str.format placeholders that the
generator fills from a per-conversation context (see CONTEXT_KEYS); the
generator compiles them once, so nothing here is parsed per conversation.
"""

from __future__ import annotations

# -- people and places ---------------------------------------------------------

FIRST_NAMES: tuple[str, ...] = (
    "Maria", "James", "Aisha", "Wei", "Sofia", "Liam", "Priya", "Mateo", "Olivia", "Noah",
    "Fatima", "Lucas", "Emma", "Hiroshi", "Chloe", "Diego", "Amara", "Ethan", "Ingrid", "Omar",
    "Grace", "Santiago", "Yuki", "Daniel", "Zara", "Mohammed", "Hannah", "Luca", "Nadia", "Samuel",
    "Elena", "Kwame", "Isabel", "Arjun", "Camille", "Tomasz", "Leah", "Andre", "Mei", "Jonas",
    "Rosa", "Kofi", "Anna", "Rafael", "Svetlana", "Benjamin", "Layla", "Pierre", "Nora", "Ahmed",
    "Julia", "Tariq", "Emily", "Marco", "Ana", "Connor", "Lina", "Hugo", "Maya", "Victor",
)

LAST_NAMES: tuple[str, ...] = (
    "Garcia", "Smith", "Khan", "Chen", "Rossi", "Murphy", "Patel", "Hernandez", "Johnson", "Williams",
    "Haddad", "Silva", "Brown", "Tanaka", "Martin", "Lopez", "Okafor", "Davis", "Larsen", "Farouk",
    "Miller", "Torres", "Sato", "Cohen", "Ahmed", "Nguyen", "Schmidt", "Bianchi", "Ivanova", "Wilson",
    "Kowalski", "Mensah", "Fernandez", "Sharma", "Dubois", "Novak", "Levi", "Moreau", "Wang", "Becker",
    "Ramirez", "Asante", "Jensen", "Costa", "Petrova", "Taylor", "Hassan", "Lefevre", "Berg", "Yilmaz",
    "Anderson", "Rahman", "Clark", "Romano", "Santos", "OBrien", "Park", "Girard", "Kim", "Reyes",
)

# North American area codes; combined with the 555 exchange the numbers are fictional.
AREA_CODES: tuple[str, ...] = (
    "201", "202", "206", "212", "213", "214", "215", "303", "305", "310",
    "312", "314", "404", "408", "412", "415", "425", "469", "503", "512",
    "602", "612", "617", "646", "702", "704", "713", "718", "720", "773",
    "786", "801", "813", "818", "832", "857", "904", "917", "919", "971",
    "216", "224", "240", "267", "281", "301", "321", "347", "385", "402",
    "414", "434", "480", "502", "505", "510", "540", "571", "614", "615",
)

EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")

AGENT_NAMES: tuple[str, ...] = ("Ava", "Max", "Nova", "Leo", "Iris", "Sam")

# TTS voice names a tenant may configure for its voice agent.
TTS_VOICES: tuple[str, ...] = (
    "en-US-aria", "en-US-guy", "en-GB-sonia", "en-GB-ryan", "en-AU-natasha", "en-US-jenny",
)

PRODUCTS: tuple[str, ...] = (
    "wireless router", "smart thermostat", "standing desk", "espresso machine",
    "noise cancelling headphones", "running shoes", "air purifier", "4K monitor",
)
DEVICES: tuple[str, ...] = ("router", "set-top box", "modem", "mobile app", "smart speaker")
PLANS: tuple[str, ...] = ("Basic", "Plus", "Premium", "Family")
ORDER_STATES: tuple[str, ...] = ("shipped", "out for delivery", "delayed", "processing")
CARRIERS: tuple[str, ...] = ("UPS", "FedEx", "USPS", "DHL")
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
TIMES: tuple[str, ...] = ("9:30 AM", "10:00 AM", "11:15 AM", "1:00 PM", "2:30 PM", "4:00 PM")

# Every placeholder a template may use; the generator provides all of them.
CONTEXT_KEYS: tuple[str, ...] = (
    "first", "last", "agent", "company", "order", "account", "amount", "date", "time",
    "ticket", "last4", "product", "order_state", "carrier", "zip", "plan", "device", "weekday",
    "phone", "email",
)

# -- scenarios -------------------------------------------------------------------

INBOUND_SCENARIOS: dict[str, float] = {
    "billing": 22, "appointment": 17, "order_status": 22, "tech_support": 16,
    "cancellation": 8, "complaint": 8, "general": 7,
}
OUTBOUND_SCENARIOS: dict[str, float] = {
    "payment_reminder": 35, "appointment": 35, "order_status": 20, "survey": 10,
}

# The flow slug (see flows.py) that usually handles a scenario.
SCENARIO_FLOW: dict[str, str] = {
    "billing": "billing",
    "payment_reminder": "reminders",
    "appointment": "appointments",
    "order_status": "order-status",
    "tech_support": "tech-support",
    "cancellation": "cancellation",
    "unsubscribe": "cancellation",
    "complaint": "general",
    "general": "general",
    "survey": "general",
}

CALL_REASONS: dict[str, str] = {
    "billing": "Billing Question",
    "payment_reminder": "Payment Reminder",
    "appointment": "Appointment Booking",
    "order_status": "Order Status",
    "tech_support": "Technical Support",
    "cancellation": "Cancellation",
    "unsubscribe": "Unsubscribe",
    "complaint": "Complaint",
    "general": "General Inquiry",
    "survey": "Feedback Survey",
}

ISSUES: dict[str, tuple[str, ...]] = {
    "billing": ("Unrecognized charge", "Late fee", "Refund request", "Invoice copy", "Double charge"),
    "payment_reminder": ("Overdue balance", "Payment plan", "Autopay setup"),
    "appointment": ("New booking", "Reschedule", "Confirmation", "Cancel appointment"),
    "order_status": ("Delayed delivery", "Tracking request", "Missing package", "Wrong address"),
    "tech_support": ("No internet", "Slow connection", "Login problem", "Device setup", "App crash"),
    "cancellation": ("Price too high", "Moving away", "Switching provider", "Not using service"),
    "unsubscribe": ("Marketing opt-out", "Too many messages"),
    "complaint": ("Rude staff", "Repeated outage", "Billing error", "Long wait time"),
    "general": ("Store hours", "Return policy", "Account update", "Product question"),
    "survey": ("Store visit", "Delivery experience", "Support experience"),
}

LANGUAGES: dict[str, float] = {
    "English": 86, "Spanish": 7, "French": 3, "German": 2, "Portuguese": 1, "Italian": 1,
}

PARAMETER_VALUES: dict[str, tuple[str, ...]] = {
    "account_tier": ("basic", "plus", "premium", "enterprise"),
    "region": ("us-east", "us-west", "us-central", "eu-central", "apac"),
    "campaign": ("spring_promo_2025", "renewal_q3", "win_back", "autopay_push", "holiday_2024"),
    "order_id": (),  # filled from the conversation's order number
}

EMOTIONS: tuple[str, ...] = (
    "joy", "gratitude", "relief", "satisfaction", "neutral", "confusion",
    "frustration", "anger", "anxiety", "impatience", "disappointment", "surprise",
)

# Emotion weights by mood; the generator picks the mood from scenario and status.
MOOD_EMOTIONS: dict[str, dict[str, float]] = {
    "positive": {"gratitude": 5, "joy": 3, "relief": 3, "satisfaction": 4, "neutral": 2, "surprise": 1},
    "neutral": {"neutral": 6, "satisfaction": 2, "confusion": 2, "gratitude": 2, "impatience": 1},
    "negative": {"frustration": 5, "anger": 3, "disappointment": 3, "anxiety": 2, "impatience": 3,
                 "confusion": 2},
    "flat": {"neutral": 30, "surprise": 1, "impatience": 1, "confusion": 1},  # nobody talked
    "worried": {"anxiety": 5, "confusion": 4, "relief": 2, "gratitude": 2, "frustration": 2},
}

COACHING_NOTES: tuple[str, ...] = (
    "Good empathy statement early on. Next time confirm the customer's identity before reading out account "
    "details.",
    "The agent offered the retention discount too late; offer it right after the first cancellation request.",
    "Handoff was appropriate, but summarise the issue for the human agent so the customer does not repeat "
    "it.",
    "Great job keeping the answer short. Remember to ask whether there is anything else before closing.",
    "The refund policy quoted here is outdated (30 days, not 14). Please update the knowledge base article.",
    "Customer asked twice for a human. Escalate on the first explicit request.",
    "Tone was friendly, but the agent repeated the same question three times; check the retry logic in the "
    "flow.",
    "Excellent de-escalation. Use this conversation as a training example.",
)

COACHING_AUTHOR = "supervisor"


# -- reasons, summaries, analysis -----------------------------------------------

REASONS: dict[str, tuple[str, ...]] = {
    "billing": ("Customer questioned a charge of ${amount} on their latest bill.",
                "Customer asked why the invoice was higher than usual."),
    "payment_reminder": ("Outbound reminder about an overdue balance of ${amount}.",),
    "appointment": ("Customer wanted to book or change an appointment.",
                    "Customer asked to schedule a service visit."),
    "order_status": ("Customer asked about the status of order {order}.",
                     "Customer reported a problem with the delivery of order {order}."),
    "tech_support": ("Customer reported a problem with their {device}.",
                     "Customer could not get their service working."),
    "cancellation": ("Customer asked to cancel their subscription.",),
    "unsubscribe": ("Contact asked to stop receiving messages.",),
    "complaint": ("Customer complained about repeated service problems.",
                  "Customer complained about a delayed refund of ${amount}."),
    "general": ("Customer had a general question about stores and policies.",
                "Customer asked about shipping and returns."),
    "survey": ("Outbound feedback survey after a recent visit.",),
}

# Outbound conversations of a scenario are started by the agent, so they read differently.
REASONS_OUTBOUND: dict[str, tuple[str, ...]] = {
    "appointment": ("Appointment confirmation for {weekday} at {time}.", "Outbound appointment reminder."),
    "order_status": ("Proactive delivery update for order {order}.",),
    "unsubscribe": ("Contact replied to a marketing message asking to opt out.",),
}

SUMMARIES: dict[str, tuple[str, ...]] = {
    "billing": ("{first} asked about a charge of ${amount}. The agent verified the account and explained "
                "the charge.",
                "The agent reviewed account {account} with {first} and explained the invoice line by line."),
    "payment_reminder": ("The agent reminded {first} of a balance of ${amount} due on {date}.",),
    "appointment": ("{first} scheduled an appointment for {weekday} at {time}.",
                    "The agent helped {first} move an existing appointment."),
    "order_status": ("{first} asked about order {order}; it is {order_state} with {carrier}, expected "
                     "{date}.",
                     "The agent looked up order {order} for {first} and shared tracking details."),
    "tech_support": ("{first} had trouble with their {device}. The agent walked them through "
                     "troubleshooting.",
                     "The agent checked for outages near {zip} and guided {first} through a restart."),
    "cancellation": ("{first} asked to cancel. The agent offered a {plan} discount, which was declined.",
                     "The agent processed {first}'s cancellation effective {date}."),
    "unsubscribe": ("{first} opted out of marketing messages.",),
    "complaint": ("{first} complained about repeated problems; the agent apologised and applied a credit.",
                  "The agent escalated {first}'s complaint as case {ticket}."),
    "general": ("{first} asked general questions about opening hours and returns.",
                "The agent answered {first}'s questions about store policies."),
    "survey": ("The agent collected feedback from {first} about a recent visit.",),
}

SUMMARIES_OUTBOUND: dict[str, tuple[str, ...]] = {
    "appointment": ("The agent reminded {first} of the appointment on {weekday} at {time}.",
                    "The agent confirmed or moved {first}'s appointment on {weekday}."),
    "order_status": ("The agent told {first} that order {order} is {order_state}, expected {date}.",),
    "unsubscribe": ("{first} replied STOP to a marketing message and was opted out.",),
}

OUTCOMES: dict[str, tuple[str, ...]] = {
    "completed": ("The issue was resolved.", "The customer confirmed everything was clear.",
                  "Resolved without a human agent."),
    "abandoned": ("The customer left before the issue was resolved.",
                  "The customer stopped responding mid-conversation."),
    "failed": ("The conversation ended because of a technical error.",),
    "human_handoff": ("The conversation was handed off to a human agent.",
                      "The customer was transferred to a specialist."),
    "in_progress": ("",),
    "reported": ("The conversation was reported for review.",),
    "restarted": ("The customer restarted the conversation.",),
    "unsubscribed": ("The contact was unsubscribed.",),
    "no_answer": ("Nobody answered the call.",),
    "answering_machine_message_left": ("Reached voicemail; a message was left.",),
    "answering_machine_no_message_left": ("Reached voicemail; no message was left.",),
}

ANALYSIS_OBSERVATIONS: dict[str, tuple[str, ...]] = {
    "completed": (
        "The agent identified the intent quickly and kept answers short.",
        "Identity was verified before account details were shared, as required.",
        "The customer's tone improved noticeably once the agent offered a concrete solution.",
    ),
    "abandoned": (
        "The customer disengaged after a long answer; shorter replies may help.",
        "Abandonment followed a repeated question, which suggests a retry loop in the flow.",
    ),
    "failed": ("A backend call timed out; the agent could not recover gracefully.",),
    "human_handoff": (
        "Escalation was appropriate given the customer's explicit request.",
        "The agent could have resolved this without a handoff using the refund policy.",
    ),
    "reported": ("The conversation contains content that needs supervisor review.",),
    "negative": ("Sentiment stayed negative throughout; consider an earlier apology.",
                 "Frustration peaked when the customer had to repeat information."),
    "other": ("No compliance issues detected.", "Call flow followed the expected path."),
}

SUGGESTIONS: tuple[str, ...] = (
    "Suggestion: offer self-service links at the end.",
    "Suggestion: confirm the customer's contact preferences.",
    "Suggestion: summarise next steps before closing.",
    "Suggestion: mention the mobile app for future requests.",
    "",
)

# -- function outputs that become tags -------------------------------------------

FUNCTION_TAG_KEYS: dict[str, str] = {
    "check_order_status": "Order Status",
    "book_appointment": "Appointment",
    "create_ticket": "Ticket Priority",
    "check_outage": "Outage",
    "process_payment": "Payment",
    "cancel_subscription": "Retention Offer",
}
