"""Conversation scripts: the turns of voice calls, chats and e-mail threads, and the
system lines and voicemails that go with them (str.format templates filled from the
generator's per-conversation context)."""

from __future__ import annotations

from dataclasses import dataclass

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
