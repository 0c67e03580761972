"""Conversation flows of a tenant: small graphs of start/question/function/... nodes.

Every flow has the same skeleton (greet, optionally verify the caller, ask for
the intent, route, handle, ask "anything else?", say goodbye) with
topic-specific branches, so graphs look like the ones a real bot builder
produces: mostly a DAG, with a few "retry" loops back to earlier questions.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from server.domain import FlowNodeKind as K
from server.seed.records import FlowRecord

# A branch step is (kind, label) or, for a condition, (kind, label, condition, else_target)
# where else_target is "handoff" or "join" (skip to "anything else?").
Step = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Branch:
    intent: str
    steps: tuple[Step, ...]
    terminal: str = "join"  # "join" | "handoff" | "end"


@dataclass(frozen=True, slots=True)
class _Topic:
    slug: str
    name: str
    description: str
    greeting: str
    question: str
    verify_chance: float
    branches: tuple[_Branch, ...]
    essential: bool = True


_TOPICS: tuple[_Topic, ...] = (
    _Topic("billing", "Billing Assistant", "Answers questions about invoices, charges, refunds and payments.",
           "Greet and mention billing help", "What can I help you with on your bill?", 1.0, (
               _Branch("explain_charge", ((K.FUNCTION, "lookup_account"),
                                          (K.MESSAGE, "Explain recent charges"),
                                          (K.QUESTION, "Is the explanation clear?"))),
               _Branch("dispute", ((K.FUNCTION, "lookup_account"),
                                   (K.QUESTION, "Which charge do you want to dispute?"),
                                   (K.CONDITION, "Fee waivable?", "waivable == true", "handoff"),
                                   (K.FUNCTION, "create_ticket"), (K.MESSAGE, "Confirm credit and ticket"))),
               _Branch("make_payment", ((K.QUESTION, "Confirm payment amount"),
                                        (K.FUNCTION, "process_payment"),
                                        (K.CONDITION, "Payment succeeded?", "status == succeeded", "handoff"),
                                        (K.FUNCTION, "send_sms"))),
               _Branch("refund", ((K.FUNCTION, "lookup_account"),
                                  (K.CONDITION, "Refund eligible?", "eligible == true", "handoff"),
                                  (K.FUNCTION, "create_ticket"), (K.MESSAGE, "Explain refund timeline"))),
               _Branch("invoice_copy", ((K.FUNCTION, "send_email"), (K.MESSAGE, "Invoice copy sent"))),
           )),
    _Topic("appointments", "Appointment Scheduler", "Books, moves and cancels service appointments.",
           "Greet and offer scheduling", "Would you like to book, change or cancel an appointment?", 0.6, (
               _Branch("book", ((K.QUESTION, "Preferred day and time?"), (K.FUNCTION, "check_availability"),
                                (K.CONDITION, "Slot available?", "slots > 0", "join"),
                                (K.FUNCTION, "book_appointment"), (K.FUNCTION, "send_sms"))),
               _Branch("reschedule", ((K.FUNCTION, "lookup_account"), (K.QUESTION, "New day and time?"),
                                      (K.FUNCTION, "book_appointment"), (K.MESSAGE, "Confirm new time"))),
               _Branch("cancel", ((K.QUESTION, "Confirm cancellation?"), (K.FUNCTION, "cancel_appointment"),
                                  (K.MESSAGE, "Appointment cancelled"))),
               _Branch("confirm", ((K.MESSAGE, "Read out appointment details"),
                                   (K.FUNCTION, "book_appointment"))),
           )),
    _Topic("order-status", "Order Status", "Tracks orders, delivery problems and lost packages.",
           "Greet and ask for the order number", "Is this about an existing order?", 0.3, (
               _Branch("track", ((K.QUESTION, "Ask for order number"), (K.FUNCTION, "check_order_status"),
                                 (K.CONDITION, "Order found?", "found == true", "handoff"),
                                 (K.MESSAGE, "Read status and ETA"), (K.FUNCTION, "send_sms"))),
               _Branch("missing_package", ((K.QUESTION, "Ask for order number"),
                                           (K.FUNCTION, "check_order_status"),
                                           (K.MESSAGE, "Suggest checking neighbours"),
                                           (K.FUNCTION, "create_ticket"))),
               _Branch("change_address", ((K.QUESTION, "Ask for new address"),
                                          (K.FUNCTION, "update_delivery_instructions")), "join"),
               _Branch("return", ((K.MESSAGE, "Explain return policy"), (K.FUNCTION, "send_email"))),
           )),
    _Topic("tech-support", "Tech Support Triage", "Troubleshoots connectivity, devices and log-in problems.",
           "Greet and ask for the problem", "What seems to be the problem?", 0.7, (
               _Branch("no_internet", ((K.FUNCTION, "check_outage"),
                                       (K.CONDITION, "Outage in area?", "outage == false", "join"),
                                       (K.MESSAGE, "Restart the device"), (K.QUESTION, "Is it working now?"),
                                       (K.CONDITION, "Fixed?", "fixed == true", "handoff"),
                                       (K.FUNCTION, "create_ticket"))),
               _Branch("login", ((K.QUESTION, "Ask for e-mail address"), (K.FUNCTION, "reset_password"),
                                 (K.MESSAGE, "Reset link sent"))),
               _Branch("device_setup", ((K.MESSAGE, "Send setup guide"), (K.FUNCTION, "send_sms"),
                                        (K.QUESTION, "Did the setup work?"))),
               _Branch("hardware_fault", ((K.FUNCTION, "create_ticket"),), "handoff"),
           )),
    _Topic("cancellation", "Cancellations & Retention", "Handles cancellations with a retention offer.",
           "Greet", "Are you looking to cancel or change your plan?", 1.0, (
               _Branch("cancel", ((K.QUESTION, "Ask for the reason"), (K.MESSAGE, "Offer retention discount"),
                                  (K.CONDITION, "Offer accepted?", "accepted == false", "join"),
                                  (K.FUNCTION, "cancel_subscription"), (K.FUNCTION, "send_email"))),
               _Branch("downgrade", ((K.FUNCTION, "lookup_account"), (K.QUESTION, "Which plan?"),
                                     (K.MESSAGE, "Confirm plan change"))),
               _Branch("unsubscribe", ((K.FUNCTION, "unsubscribe_contact"), (K.MESSAGE, "Confirm opt-out")),
                       "end"),
           ), essential=False),
    _Topic("general", "General FAQ", "Store hours, returns, shipping and anything that needs a human.",
           "Greet", "How can I help you today?", 0.0, (
               _Branch("hours", ((K.MESSAGE, "Read opening hours"),)),
               _Branch("returns", ((K.MESSAGE, "Explain return policy"), (K.QUESTION, "Receipt available?"))),
               _Branch("complaint", ((K.QUESTION, "Ask for details"), (K.FUNCTION, "lookup_account"),
                                     (K.FUNCTION, "create_ticket"), (K.FUNCTION, "transfer_to_human")),
                       "handoff"),
               _Branch("feedback", ((K.QUESTION, "Ask for a rating"), (K.FUNCTION, "create_ticket"))),
           ), essential=False),
    _Topic("reminders", "Outbound Reminders", "Outbound calls and texts: payment and appointment reminders.",
           "Introduce the call and its purpose", "Confirm, reschedule or pay now?", 0.8, (
               _Branch("pay_now", ((K.FUNCTION, "lookup_account"), (K.MESSAGE, "Read balance"),
                                   (K.FUNCTION, "process_payment"),
                                   (K.CONDITION, "Payment succeeded?", "status == succeeded", "handoff"),
                                   (K.FUNCTION, "send_sms"))),
               _Branch("confirm", ((K.FUNCTION, "book_appointment"), (K.MESSAGE, "Thank and confirm"))),
               _Branch("reschedule", ((K.QUESTION, "New day and time?"), (K.FUNCTION, "book_appointment"),
                                      (K.FUNCTION, "send_sms"))),
               _Branch("payment_plan", ((K.FUNCTION, "create_payment_plan"),)),
               _Branch("opt_out", ((K.FUNCTION, "unsubscribe_contact"),), "end"),
           ), essential=False),
)

MAX_NODES = 30


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[dict[str, str]] = []
        self.edges: list[dict[str, str]] = []
        self._ids: set[str] = set()

    def node(self, node_id: str, kind: str, label: str) -> str:
        base, n = node_id, 2
        while node_id in self._ids:  # branches reuse labels; keep ids unique
            node_id, n = f"{base}_{n}", n + 1
        self._ids.add(node_id)
        self.nodes.append({"id": node_id, "kind": str(kind), "label": label})
        return node_id

    def edge(self, source: str, target: str, condition: str = "") -> None:
        self.edges.append({"source": source, "target": target, "condition": condition})


def _slug(label: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in label.lower())
    return "_".join(part for part in out.split("_") if part)[:32]


def _build(tenant_id: str, topic: _Topic, rng: random.Random) -> FlowRecord:
    b = _Builder()
    start = b.node("start", K.START, "Start")
    greet = b.node("greet", K.MESSAGE, topic.greeting)
    b.edge(start, greet)
    handoff = b.node("handoff_agent", K.HANDOFF, "Transfer to a human agent")
    prev = greet
    if rng.random() < topic.verify_chance:
        ask = b.node("ask_account", K.QUESTION, "Ask for account number")
        verify = b.node("verify_identity", K.FUNCTION, "verify_identity")
        check = b.node("is_verified", K.CONDITION, "Identity verified?")
        retry = b.node("retry_verification", K.MESSAGE, "That didn't match, let's try again")
        b.edge(prev, ask)
        b.edge(ask, verify)
        b.edge(verify, check)
        b.edge(check, retry, "verified == false and attempts < 3")
        b.edge(retry, ask, "retry")
        b.edge(check, handoff, "attempts >= 3")
        prev = check
    ask_intent = b.node("ask_intent", K.QUESTION, topic.question)
    b.edge(prev, ask_intent, "verified == true" if prev != greet else "")
    route = b.node("route_intent", K.CONDITION, "Classify intent")
    b.edge(ask_intent, route)
    fallback = b.node("fallback", K.MESSAGE, "Sorry, I didn't catch that")
    b.edge(route, handoff, "intent == agent")
    b.edge(fallback, ask_intent, "retry")
    anything = b.node("anything_else", K.QUESTION, "Anything else I can help with?")
    more = b.node("more_help", K.CONDITION, "More questions?")
    goodbye = b.node("goodbye", K.MESSAGE, "Say goodbye")
    end = b.node("end", K.END, "End")
    b.edge(anything, more)
    b.edge(more, ask_intent, "answer == yes")
    b.edge(more, goodbye, "else")
    b.edge(goodbye, end)

    # Pick 2..all branches (keeping their order) while staying under MAX_NODES.
    count = rng.randint(2, len(topic.branches))
    chosen = sorted(rng.sample(range(len(topic.branches)), count))
    for index in chosen:
        branch = topic.branches[index]
        if len(b.nodes) + len(branch.steps) + 1 > MAX_NODES:
            continue
        src, cond = route, f"intent == {branch.intent}"
        for step in branch.steps:
            kind, label = step[0], step[1]
            node = b.node(_slug(label) if kind != K.FUNCTION else label, kind, label)
            b.edge(src, node, cond)
            src, cond = node, ""
            if kind == K.CONDITION:
                b.edge(node, handoff if step[3] == "handoff" else anything, "else")
                cond = step[2]
        if branch.terminal == "handoff":
            b.edge(src, handoff, cond)
        elif branch.terminal == "end":
            b.edge(src, end, cond)
        else:
            b.edge(src, anything, cond)
    b.edge(route, fallback, "else")
    return FlowRecord(
        id=f"{tenant_id}-{topic.slug}",
        tenant_id=tenant_id,
        name=topic.name,
        description=topic.description,
        graph={"nodes": b.nodes, "edges": b.edges},
        entry_node=start,
    )


def make_flows(tenant_id: str, rng: random.Random) -> list[FlowRecord]:
    """5-7 flows; the essential topics always, the others mostly."""
    topics = [t for t in _TOPICS if t.essential or rng.random() < 0.75]
    while len(topics) < 5:  # top up with skipped optional topics, in a fixed order
        topics.append(next(t for t in _TOPICS if t not in topics))
    return [_build(tenant_id, topic, rng) for topic in topics]


def _adjacency(flow: FlowRecord) -> dict[str, list[tuple[str, str]]]:
    """node id -> [(target, condition)]"""
    out: dict[str, list[tuple[str, str]]] = {n["id"]: [] for n in flow.graph["nodes"]}
    for e in flow.graph["edges"]:
        out[e["source"]].append((e["target"], e["condition"]))
    return out


def _edge_weight(condition: str, target_kind: str, seen: bool) -> float:
    """How likely a conversation takes an edge: happy paths are the common ones."""
    if seen:
        return 0.1  # a loop back (retry, "anything else? yes")
    if target_kind == K.HANDOFF:
        return 0.1
    if condition == "else" or "false" in condition:
        return 0.3
    return 1.0


def _distance_to_terminal(out: dict[str, list[tuple[str, str]]]) -> dict[str, int]:
    incoming: dict[str, list[str]] = {n: [] for n in out}
    for src, targets in out.items():
        for dst, _ in targets:
            incoming[dst].append(src)
    dist = {n: 0 for n, targets in out.items() if not targets}
    queue = deque(dist)
    while queue:
        node = queue.popleft()
        for src in incoming[node]:
            if src not in dist:
                dist[src] = dist[node] + 1
                queue.append(src)
    return dist


def random_path(flow: FlowRecord, rng: random.Random, max_steps: int = 40) -> list[str]:
    """Node ids from the entry to an end or handoff node.

    Loops are taken rarely (edges back to visited nodes get a low weight), and
    once the budget runs low the walk heads straight for the nearest terminal.
    """
    return random_paths(flow, rng, 1, max_steps)[0]


def random_paths(flow: FlowRecord, rng: random.Random, count: int, max_steps: int = 40) -> list[list[str]]:
    """`count` random paths; the graph is analysed once for all of them."""
    out = _adjacency(flow)
    dist = _distance_to_terminal(out)
    kinds = {n["id"]: n["kind"] for n in flow.graph["nodes"]}
    return [_walk(flow.entry_node, out, dist, kinds, rng, max_steps) for _ in range(count)]


def _walk(entry: str, out: dict[str, list[tuple[str, str]]], dist: dict[str, int], kinds: dict[str, str],
          rng: random.Random, max_steps: int) -> list[str]:
    node = entry
    path = [node]
    seen = {node}
    while out[node]:
        edges = [(t, c) for t, c in out[node] if t in dist]
        # Only targets from which a terminal is still reachable within the budget.
        fits = [(t, c) for t, c in edges if len(path) + 1 + dist[t] <= max_steps]
        if fits:
            weights = [_edge_weight(c, kinds[t], t in seen) for t, c in fits]
            node = rng.choices(fits, weights)[0][0]
        else:
            node = min((t for t, _ in edges), key=dist.__getitem__)
        path.append(node)
        seen.add(node)
    return path
