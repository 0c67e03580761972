"""Words for the generated conversations: scripts, people, tags and hostile samples.

Everything here is plain data. Templates use str.format placeholders that the
generator fills from a per-conversation context (see CONTEXT_KEYS); the
generator compiles them once, so nothing here is parsed per conversation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

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


# -- scripts ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Script:
    """A conversation template: turns and where the agent calls functions."""

    key: str
    scenario: str
    direction: str  # "inbound" | "outbound"
    style: str  # "voice" | "chat" | "email"
    turns: tuple[tuple[str, str], ...]  # (role, text template)
    calls: tuple[tuple[int, str], ...] = ()  # (index of the turn it follows, function name)
    handoff: bool = False  # the script itself ends with a transfer to a human


C, A = "customer", "agent"

VOICE_SCRIPTS: tuple[Script, ...] = (
    Script("v-billing", "billing", "inbound", "voice", (
        (A, "Thank you for calling, this is {agent}, your virtual assistant. How can I help you "
            "today?"),
        (C, "Hi. I just got my bill and there is a charge of {amount} dollars that I don't recognize."),
        (A, "I'm sorry about that, let me look into it. Can you please tell me your account number?"),
        (C, "Sure, it's {account}."),
        (A, "Thank you, {first}. I see a late payment fee of {amount} dollars from {date}."),
        (C, "But I paid on time. I set up autopay last month."),
        (A, "I see autopay started two days after the due date. Since this is your first late fee, I can "
            "waive it."),
        (C, "That would be great, thank you."),
        (A, "Done. The credit will show on your next statement, and I sent you a confirmation text. "
            "Anything else?"),
        (C, "No, that's all. Thanks for your help."),
    ), ((3, "verify_identity"), (3, "lookup_account"), (7, "create_ticket"), (8, "send_sms"))),
    Script("v-appointment", "appointment", "inbound", "voice", (
        (A, "Hello, you've reached the scheduling line. I'm {agent}. How can I help?"),
        (C, "Hi, I'd like to book an appointment, please."),
        (A, "Of course. Can I have your full name and date of birth?"),
        (C, "It's {first} {last}, born March third, nineteen eighty eight."),
        (A, "Thanks, {first}. The first available slot is {weekday} at {time}. Does that work?"),
        (C, "Hmm, do you have anything later in the day?"),
        (A, "I have {weekday} at four in the afternoon, or Friday at five."),
        (C, "{weekday} at four is perfect."),
        (A, "You're booked for {weekday} at four PM. I'll text you a reminder the day before."),
        (C, "Great, thank you so much."),
        (A, "You're welcome. See you soon."),
    ), ((3, "verify_identity"), (3, "check_availability"), (7, "book_appointment"), (8, "send_sms"))),
    Script("v-order", "order_status", "inbound", "voice", (
        (A, "Thanks for calling. This is {agent}. What can I do for you today?"),
        (C, "Hi, I'm calling about my order. It still hasn't arrived."),
        (A, "I can check that for you. What is the order number?"),
        (C, "It's {order}."),
        (A, "Thank you. Your {product} is {order_state}. The expected delivery date is {date}."),
        (C, "Okay. Can I get the tracking number?"),
        (A, "Sure. I'll send the {carrier} tracking link to your phone right now."),
        (C, "Perfect, that helps."),
        (A, "Is there anything else I can help you with?"),
        (C, "No, that's it. Bye."),
    ), ((3, "check_order_status"), (6, "send_sms"))),
    Script("v-tech", "tech_support", "inbound", "voice", (
        (A, "Welcome to technical support. My name is {agent}. What seems to be the problem?"),
        (C, "My internet has been dropping all morning. I work from home, so this is really frustrating."),
        (A, "I understand, let's fix that. Can you confirm the zip code on your account?"),
        (C, "It's {zip}."),
        (A, "Thanks. There is no outage in your area. Please unplug your {device}, wait ten seconds, and "
            "plug it back in."),
        (C, "Okay, I did it. The lights are blinking now."),
        (A, "Good. Give it a minute to reconnect. Is the internet light solid green now?"),
        (C, "Yes, it's green and the page loads. It works."),
        (A, "Great. I've opened ticket {ticket} in case it happens again. Anything else?"),
        (C, "No, thank you."),
    ), ((3, "verify_identity"), (3, "check_outage"), (7, "create_ticket"))),
    Script("v-cancel", "cancellation", "inbound", "voice", (
        (A, "Hi, this is {agent} from customer care. How can I help you?"),
        (C, "I want to cancel my subscription."),
        (A, "I'm sorry to hear that. May I ask why you want to cancel?"),
        (C, "It's just too expensive for me right now."),
        (A, "I understand. I can offer you the {plan} plan at half price for the next three months."),
        (C, "Hmm. No, I think I still want to cancel."),
        (A, "No problem. Your subscription will end on {date}, and you won't be charged again."),
        (C, "Okay, thanks."),
        (A, "I've emailed you a confirmation. Thank you for being a customer."),
    ), ((3, "lookup_account"), (5, "cancel_subscription"), (6, "send_email"))),
    Script("v-complaint", "complaint", "inbound", "voice", (
        (A, "Thank you for calling. This is {agent}. How can I help?"),
        (C, "This is the third time this month my service went down. I'm really angry."),
        (A, "I'm very sorry. That is not the experience we want for you. Let me pull up your account."),
        (C, "The account is under {first} {last}."),
        (A, "Thank you. I can see the outages on your line. I'll add a credit of {amount} dollars to your "
            "account."),
        (C, "Fine, but I want someone to actually fix it."),
        (A, "Understood. I'm transferring you to a senior technician now. Please hold."),
    ), ((3, "lookup_account"), (4, "create_ticket"), (6, "transfer_to_human")), handoff=True),
    Script("v-payment-reminder", "payment_reminder", "outbound", "voice", (
        (A, "Hello, this is {agent}, an automated assistant calling from the billing department. Am I "
            "speaking with "
            "{first}?"),
        (C, "Yes, speaking."),
        (A, "I'm calling about your balance of {amount} dollars, which was due on {date}. Would you like to "
            "pay today?"),
        (C, "Oh, I forgot about that. Can I pay with the card on file?"),
        (A, "Of course. That's the card ending in {last4}. Shall I charge {amount} dollars now?"),
        (C, "Yes, please go ahead."),
        (A, "Thank you. Your payment went through. I'll text you the receipt."),
        (C, "Thanks, bye."),
    ), ((1, "verify_identity"), (5, "process_payment"), (6, "send_sms"))),
    Script("v-appointment-reminder", "appointment", "outbound", "voice", (
        (A, "Hi, this is {agent} from the service center, calling to confirm your appointment on {weekday} "
            "at "
            "{time}."),
        (C, "Oh, right. Actually, I need to move it."),
        (A, "No problem. Would {weekday} next week at the same time work?"),
        (C, "Next week is fine."),
        (A, "Great, I've moved your appointment. You will get a text with the new details."),
        (C, "Thank you."),
        (A, "You're welcome. Have a nice day."),
    ), ((3, "book_appointment"), (4, "send_sms"))),
)

CHAT_SCRIPTS: tuple[Script, ...] = (
    Script("c-billing-1", "billing", "inbound", "chat", (
        (C, "hi, why is my bill ${amount} this month? it's usually way less"),
        (A, "Hi {first}! I can help with that. Could you confirm your account number?"),
        (C, "{account}"),
        (A, "Thanks. Your bill includes a one-time activation fee and a prorated charge for the {plan} "
            "upgrade on {date}."),
        (C, "oh I didn't know the upgrade was prorated"),
        (A, "It is, but only for the first month. From next month you'll pay the regular {plan} price."),
        (C, "ok makes sense, thanks"),
        (A, "You're welcome! Anything else I can help with?"),
    ), ((2, "verify_identity"), (2, "lookup_account"))),
    Script("c-billing-2", "billing", "inbound", "chat", (
        (C, "I was charged twice for the same invoice!!"),
        (A, "I'm sorry about that. Let me check. What's the email or account number on your account?"),
        (C, "account {account}"),
        (A, "I can see two payments of ${amount} on {date}. The second one is a duplicate."),
        (C, "so can you refund it?"),
        (A, "Yes. I've started a refund for ${amount} to the card ending in {last4}. It takes 3-5 business "
            "days."),
        (C, "thank you"),
    ), ((2, "lookup_account"), (4, "create_ticket"))),
    Script("c-appointment-1", "appointment", "inbound", "chat", (
        (C, "Can I book a service appointment for my {device}?"),
        (A, "Sure! What day works best for you?"),
        (C, "{weekday} if possible, morning"),
        (A, "I have {weekday} at {time} available. Shall I book it?"),
        (C, "yes please"),
        (A, "Booked! Confirmation number {ticket}. We'll send a reminder the day before."),
        (C, "great thx"),
    ), ((2, "check_availability"), (4, "book_appointment"), (5, "send_sms"))),
    Script("c-appointment-2", "appointment", "inbound", "chat", (
        (C, "I need to reschedule my appointment"),
        (A, "No problem, {first}. Your current appointment is {weekday} at {time}. When would you like to "
            "come instead?"),
        (C, "any time friday afternoon"),
        (A, "Friday at 2:30 PM or 4:00 PM are open."),
        (C, "4 pm"),
        (A, "Done, you're now booked for Friday at 4:00 PM. See you then!"),
    ), ((1, "lookup_account"), (4, "book_appointment"))),
    Script("c-order-1", "order_status", "inbound", "chat", (
        (C, "where is my order {order}?"),
        (A, "Let me check that for you."),
        (A, "Your {product} is {order_state}. Estimated delivery: {date} via {carrier}."),
        (C, "can you send me the tracking link"),
        (A, "Sent! You should receive it in a moment."),
        (C, "got it, thanks"),
    ), ((0, "check_order_status"), (3, "send_sms"))),
    Script("c-order-2", "order_status", "inbound", "chat", (
        (C, "Hi, my package says delivered but I never got it"),
        (A, "I'm sorry to hear that! What's your order number?"),
        (C, "{order}"),
        (A, "Thanks. {carrier} marked it as delivered on {date}. Sometimes packages are left with a "
            "neighbor or at the back door. Could you check?"),
        (C, "I checked everywhere, it's not here"),
        (A, "Understood. I've opened a lost package claim ({ticket}). A replacement {product} will ship "
            "within 2 business days."),
        (C, "ok thank you"),
    ), ((2, "check_order_status"), (4, "create_ticket"))),
    Script("c-tech-1", "tech_support", "inbound", "chat", (
        (C, "I can't log in to the app, it keeps saying invalid password"),
        (A, "Sorry about that! I can send you a password reset link. What's the email on your account?"),
        (C, "{email}"),
        (A, "Thanks. I've sent a reset link. It expires in 30 minutes."),
        (C, "got it, I'm in now"),
        (A, "Great! Anything else I can help with?"),
        (C, "nope"),
    ), ((2, "verify_identity"), (2, "reset_password"))),
    Script("c-tech-2", "tech_support", "inbound", "chat", (
        (C, "internet is super slow since yesterday"),
        (A, "Let's take a look. Can you confirm the zip code of the service address?"),
        (C, "{zip}"),
        (A, "There's planned maintenance in your area until 6 PM today, which can slow things down."),
        (C, "ugh. ok, will it be back to normal after?"),
        (A, "Yes, speeds should return to normal once the work is done. I'll text you when it's finished."),
        (C, "fine"),
    ), ((2, "check_outage"), (5, "send_sms"))),
    Script("c-cancel", "cancellation", "inbound", "chat", (
        (C, "I want to cancel my membership"),
        (A, "I'm sorry to see you go, {first}. Can I ask why?"),
        (C, "I'm moving abroad"),
        (A, "Thanks for letting me know. Your membership will be cancelled effective {date}. You won't be "
            "charged after that."),
        (C, "perfect"),
        (A, "I've emailed you the confirmation. Good luck with the move!"),
    ), ((0, "lookup_account"), (3, "cancel_subscription"), (5, "send_email"))),
    Script("c-complaint", "complaint", "inbound", "chat", (
        (C, "I've been waiting 3 weeks for a refund and nobody answers my emails. This is ridiculous."),
        (A, "I'm really sorry, {first}. That's far too long. Let me look up the refund."),
        (A, "I found it: the refund of ${amount} was approved but never sent to the bank. I've escalated it "
            "as urgent ({ticket})."),
        (C, "I want to talk to a manager"),
        (A, "Understood. I'm connecting you with a supervisor now."),
    ), ((1, "lookup_account"), (2, "create_ticket"), (4, "transfer_to_human")), handoff=True),
    Script("c-general", "general", "inbound", "chat", (
        (C, "what are your opening hours on weekends?"),
        (A, "Our stores are open Saturday 9 AM-6 PM and Sunday 10 AM-4 PM."),
        (C, "and can I return something without the receipt?"),
        (A, "Yes, within 30 days with the card you paid with. You'll get store credit or a refund to that "
            "card."),
        (C, "thanks!"),
    ), ()),
    Script("c-unsubscribe-in", "unsubscribe", "inbound", "chat", (
        (C, "please stop sending me these messages"),
        (A, "Sorry for the bother. You have been unsubscribed and won't receive further marketing messages "
            "from {company}."),
    ), ((0, "unsubscribe_contact"),)),
    Script("c-unsubscribe-out", "unsubscribe", "outbound", "chat", (
        (A, "{company}: Hi {first}, our spring sale is on! 20% off all {product}s until {date}. Reply STOP "
            "to opt out."),
        (C, "STOP"),
        (A, "You have been unsubscribed from {company} messages. No more messages will be sent. Reply START "
            "to resubscribe."),
    ), ((1, "unsubscribe_contact"),)),
    Script("c-payment-reminder", "payment_reminder", "outbound", "chat", (
        (A, "Hi {first}, this is {company}. Your balance of ${amount} was due on {date}. Reply PAY to pay "
            "with the card ending in {last4}, or HELP for options."),
        (C, "PAY"),
        (A, "Thanks! Payment of ${amount} received. Receipt: {ticket}."),
    ), ((1, "process_payment"),)),
    Script("c-appointment-reminder", "appointment", "outbound", "chat", (
        (A, "Reminder from {company}: your appointment is on {weekday} at {time}. Reply C to confirm or R "
            "to reschedule."),
        (C, "C"),
        (A, "Thanks {first}, you're confirmed. See you {weekday}!"),
    ), ((1, "book_appointment"),)),
    Script("c-order-outbound", "order_status", "outbound", "chat", (
        (A, "{company}: your order {order} is {order_state}. Expected delivery {date}. Questions? Just "
            "reply here."),
        (C, "can it be left at the back door?"),
        (A, "Sure, I've added a delivery note for {carrier}: leave at back door."),
        (C, "thanks"),
    ), ((1, "update_delivery_instructions"),)),
    Script("c-survey", "survey", "outbound", "chat", (
        (A, "Hi {first}, thanks for visiting {company} last week! How would you rate your experience from 1 "
            "to 5?"),
        (C, "4"),
        (A, "Thanks for the feedback! Anything we could have done better?"),
        (C, "checkout line was a bit long"),
        (A, "Thanks, we'll pass that on to the store team."),
    ), ((3, "create_ticket"),)),
)

EMAIL_SCRIPTS: tuple[Script, ...] = (
    Script("e-billing", "billing", "inbound", "email", (
        (C, "Hello,\n\nMy latest invoice shows ${amount}, but my plan is the {plan} plan and I have never "
            "paid that much. "
            "Could you explain the charges? My account number is {account}.\n\nThanks,\n{first} {last}"),
        (A, "Hi {first},\n\nThank you for reaching out. I reviewed your account: the invoice includes a "
            "one-time "
            "equipment fee from {date} in addition to your {plan} subscription. If you did not request new "
            "equipment, "
            "just reply to this email and I will open a review.\n\nBest regards,\n{agent}\n{company} "
            "Support"),
        (C, "I did not request any equipment. Please remove the fee.\n\n{first}"),
        (A, "Hi {first},\n\nThanks for confirming. I have opened case {ticket} and credited ${amount} to "
            "your account. "
            "The credit will appear on your next invoice.\n\nBest regards,\n{agent}\n{company} Support"),
    ), ((0, "lookup_account"), (2, "create_ticket"))),
    Script("e-order", "order_status", "inbound", "email", (
        (C, "Hi,\n\nI ordered a {product} (order {order}) and the tracking hasn't updated in five days. "
            "Can you tell me what's going on?\n\nRegards,\n{first}"),
        (A, "Hello {first},\n\nThanks for your patience. Your order is {order_state}; {carrier} now expects "
            "to deliver "
            "it on {date}. I am sorry for the delay.\n\nKind regards,\n{agent}\n{company}"),
        (C, "Thank you for the update!"),
    ), ((0, "check_order_status"),)),
    Script("e-tech", "tech_support", "inbound", "email", (
        (C, "Hello support,\n\nSince the last update my {device} keeps restarting every few hours. I have "
            "already tried "
            "turning it off and on again. What else can I do?\n\n{first} {last}"),
        (A, "Hi {first},\n\nSorry for the trouble. Please try a factory reset: hold the reset button for 15 "
            "seconds "
            "until the light flashes orange. If the problem continues, reply and we will send a "
            "replacement.\n\n"
            "Best,\n{agent}\n{company} Support"),
        (C, "I did the reset and it has been stable for two days now. Thanks!"),
        (A, "Great news, {first}! I'll close ticket {ticket}. Don't hesitate to write again.\n\n{agent}"),
    ), ((0, "create_ticket"),)),
    Script("e-cancel", "cancellation", "inbound", "email", (
        (C, "To whom it may concern,\n\nPlease cancel my subscription (account {account}) at the end of the "
            "current "
            "billing period.\n\n{first} {last}"),
        (A, "Dear {first},\n\nWe have received your request. Your subscription will end on {date} and no "
            "further "
            "charges will be made. If you change your mind, you can reactivate any time before that date.\n\n"
            "Kind regards,\n{agent}\n{company}"),
    ), ((0, "lookup_account"), (0, "cancel_subscription"))),
    Script("e-complaint", "complaint", "inbound", "email", (
        (C, "Hello,\n\nI am very disappointed. The technician did not show up for my appointment on {date}, "
            "I took a day "
            "off work for nothing, and nobody called to let me know. I expect compensation.\n\n{first} "
            "{last}"),
        (A, "Dear {first},\n\nI sincerely apologise. This should not have happened. I have added a credit "
            "of ${amount} "
            "to your account and escalated your case ({ticket}) to our field team manager, who will contact "
            "you "
            "within one business day.\n\nBest regards,\n{agent}\n{company} Customer Care"),
        (C, "Thank you. I'll wait for the call."),
    ), ((0, "lookup_account"), (0, "create_ticket"))),
    Script("e-general", "general", "inbound", "email", (
        (C, "Hi there,\n\nDo you ship to Canada, and how long does delivery usually "
            "take?\n\nThanks,\n{first}"),
        (A, "Hi {first},\n\nYes, we ship to Canada. Standard delivery takes 5-8 business days and express "
            "2-3 business "
            "days. Duties are calculated at checkout.\n\nBest,\n{agent}\n{company}"),
    ), ()),
    Script("e-appointment", "appointment", "inbound", "email", (
        (C, "Hello,\n\nI would like to book an installation appointment for my new {device}. Weekday "
            "mornings work "
            "best.\n\n{first} {last}"),
        (A, "Hi {first},\n\nI have booked you for {weekday} at {time}. Reference: {ticket}. Reply to this "
            "email if you "
            "need a different time.\n\nBest regards,\n{agent}\n{company}"),
        (C, "Perfect, thank you."),
    ), ((0, "check_availability"), (0, "book_appointment"))),
    Script("e-unsubscribe", "unsubscribe", "inbound", "email", (
        (C, "Please remove me from your mailing list. I never signed up for this.\n\n{first}"),
        (A, "Hi {first},\n\nYou have been removed from all {company} marketing emails. You may still receive "
            "messages about your orders.\n\nRegards,\n{agent}"),
    ), ((0, "unsubscribe_contact"),)),
    Script("e-unsubscribe-out", "unsubscribe", "outbound", "email", (
        (A, "Dear {first},\n\nOur spring sale starts today: 20% off every {product} until {date}.\n\n"
            "To stop receiving these e-mails, reply UNSUBSCRIBE.\n\n{company}"),
        (C, "UNSUBSCRIBE"),
        (A, "Hi {first},\n\nYou have been removed from {company} marketing e-mails. You will still receive "
            "messages about your orders.\n\n{company}"),
    ), ((1, "unsubscribe_contact"),)),
    Script("e-payment-reminder", "payment_reminder", "outbound", "email", (
        (A, "Dear {first},\n\nThis is a friendly reminder that your balance of ${amount} was due on {date}. "
            "You can pay "
            "online or reply to this email to set up a payment plan.\n\nKind regards,\n{company} Billing"),
        (C, "Hi, could I split it into two payments?\n\n{first}"),
        (A, "Hi {first},\n\nOf course. I have set up a plan: half now and half in 30 days. Reference "
            "{ticket}.\n\n"
            "Kind regards,\n{agent}\n{company} Billing"),
    ), ((1, "lookup_account"), (1, "create_payment_plan"))),
    Script("e-appointment-reminder", "appointment", "outbound", "email", (
        (A, "Dear {first},\n\nThis is a reminder of your appointment on {weekday} at {time}. Reply YES to "
            "confirm or "
            "let us know if you need to reschedule.\n\n{company}"),
        (C, "YES"),
        (A, "Thank you, {first}. Your appointment is confirmed.\n\n{company}"),
    ), ((1, "book_appointment"),)),
)

# Greeting the web and Slack bots open with before the scripted turns.
CHAT_GREETING = "Hi! I'm {agent}, {company}'s virtual assistant. How can I help you today?"

# Voicemail left on outbound calls, by scenario ("general" for the rest).
VOICEMAIL_MESSAGES: dict[str, str] = {
    "appointment": "Hi {first}, this is {agent} from {company}. I'm calling about your upcoming appointment "
                   "on {weekday} at {time}. Please call us back at your convenience. Thank you.",
    "order_status": "Hi {first}, {agent} from {company} here. Your order {order} is {order_state}. "
                    "No action is needed. Goodbye.",
    "payment_reminder": "Hello {first}, this is {agent} calling from {company} about your account balance. "
                        "Please call us back. Have a good day.",
    "general": "Hello, this is {agent} calling from {company}. Please call us back when you have a moment. "
               "Thank you.",
}

# System messages appended after the scripted turns, by status.
STATUS_SYSTEM_MESSAGES: dict[str, tuple[str, ...]] = {
    "abandoned": ("Customer disconnected", "Session timed out after 10 minutes of inactivity"),
    "failed": ("Agent error: upstream service timeout", "Message delivery failed"),
    "human_handoff": ("Transferred to a human agent", "Call transferred to the support queue"),
    "restarted": ("Conversation restarted by the customer",),
    "reported": ("Conversation reported for review",),
    "unsubscribed": ("Contact opted out of further messages",),
    "answering_machine_no_message_left": ("Answering machine detected; no message left",),
}

# Voice calls cannot time out like a chat session and are not "delivered".
VOICE_SYSTEM_MESSAGES: dict[str, tuple[str, ...]] = {
    **STATUS_SYSTEM_MESSAGES,
    "abandoned": ("Customer hung up",),
    "failed": ("Call dropped: network error", "Agent error: upstream service timeout"),
    "unsubscribed": ("Number added to the do-not-call list",),
}

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

# -- hostile samples --------------------------------------------------------------

_LONG_UNIT = (
    "I have been a loyal customer for eleven years and I want to explain, in full detail, everything "
    "that went wrong with my account this month, because every time I call I have to start over. "
)


def _long_message(length: int = 20_000) -> str:
    """A wall of text about the length some customers really paste in."""
    parts: list[str] = []
    total = 0
    n = 1
    while total < length:
        piece = f"({n}) {_LONG_UNIT}"
        parts.append(piece)
        total += len(piece)
        n += 1
    return "".join(parts)[:length]


HOSTILE_LONG = _long_message()
HOSTILE_RTL = "مرحبا، لدي مشكلة في فاتورتي 😡🔥 שלום, ההזמנה שלי לא הגיעה 📦👩🏽‍💻 ok?"
HOSTILE_HTML = ("<script>alert(1)</script>", "<b>bold</b><img src=x onerror=alert(1)>")
HOSTILE_FORMULAS = ('=HYPERLINK("http://evil","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3")
HOSTILE_SQL = "'; DROP TABLE conversations; --"
HOSTILE_CONTROL = "invoice\u202efdp.exe \u200bzero\u200bwidth\u2066isolate\u2069 tab\there bell\x07 end"

HOSTILE_MESSAGES: tuple[str, ...] = (
    HOSTILE_LONG, HOSTILE_RTL, *HOSTILE_HTML, *HOSTILE_FORMULAS, HOSTILE_SQL, HOSTILE_CONTROL,
)

HOSTILE_NAMES: tuple[str, ...] = (
    "<script>alert(1)</script>",
    "محمد 😀 כהן",
    '=HYPERLINK("http://evil","click")',
    "Robert'); DROP TABLE conversations; --",
    "\u202eevil.exe",
    "<b>bold</b><img src=x onerror=alert(1)>",
)

HOSTILE_TAG_VALUES: tuple[str, ...] = (
    "<script>alert(1)</script>", "@SUM(1+1)", "שלום 👋", "'; DROP TABLE conversations; --", "-2+3",
)

# (artifact kind, file name)
HOSTILE_ARTIFACT_NAMES: tuple[tuple[str, str], ...] = (
    ("csv", "../../etc/passwd"),
    ("csv", "CON.csv"),
    ("pdf", "report.pdf.exe"),
    ("image", ".hidden.png"),
    ("csv", "名前 with spaces ✓.csv"),
    ("pdf", ("quarterly_report_" * 20)[:296] + ".pdf"),  # 300 characters
)


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
