"""A tenant's contacts: name, phone, e-mail and id, all derived from a contact number."""

from __future__ import annotations

import hashlib
import random
from itertools import product

from server.seed import hostile_samples, text
from server.seed.weights import Rand

_LINES = [f"{n:04d}" for n in range(100, 10_000)]  # 555-0100 first: the officially fictional range
_EMAIL_DOMAINS = text.EMAIL_DOMAINS


class ContactBook:
    """`count` ordinary contacts, then the few special contacts of hostile conversations."""

    __slots__ = ("_email_locals", "_names", "_phone_prefixes", "_salt", "count")

    def __init__(self, tenant_id: str, count: int, setup: random.Random) -> None:
        self.count = count
        self._salt = int.from_bytes(hashlib.sha256(f"contacts:{tenant_id}".encode()).digest()[:8])
        # Per-tenant permutations so tenants do not share contact names and numbers.
        areas = list(text.AREA_CODES)
        setup.shuffle(areas)
        pairs = list(product(text.FIRST_NAMES, text.LAST_NAMES))
        setup.shuffle(pairs)
        # Contact strings come from tables: formatting them per conversation is measurable.
        self._phone_prefixes = [f"+1{area}555" for area in areas]
        self._names = [f"{first} {last}" for first, last in pairs]
        self._email_locals = [f"{first.lower()}.{last.lower()}" for first, last in pairs]

    def pick(self, hostile: bool, variant: int, r: Rand) -> int:
        """The contact number of a conversation."""
        if hostile:
            return self.count + variant % len(hostile_samples.HOSTILE_NAMES)
        if r() < 0.25:  # a heavy tail of frequent contacts
            return int(self.count * r() ** 2)
        return int(self.count * r())

    def contact(self, number: int) -> tuple[str, str, str]:
        """(name, phone, e-mail) of a contact number: all derived from it, so they never disagree.

        Numbers below 3600 (60 x 60 names) get distinct names, below 9900 * len(AREA_CODES) distinct phone
        numbers (the first hundred per area in the fictional 555-01xx range); e-mails never repeat.
        """
        prefixes = self._phone_prefixes
        phone = prefixes[number % len(prefixes)] + _LINES[(number // len(prefixes)) % len(_LINES)]
        combo = number % len(self._names)
        suffix = number // len(self._names)
        email = f"{self._email_locals[combo]}{suffix or ''}@{_EMAIL_DOMAINS[number % 3]}"
        if number >= self.count:  # the few special contacts of hostile conversations
            names = hostile_samples.HOSTILE_NAMES
            return names[(number - self.count) % len(names)], phone, email
        return self._names[combo], phone, email

    def contact_id(self, number: int) -> str:
        # An odd multiplier is a bijection mod 2**64: no collisions, and cheaper than hashing.
        return f"ct_{(number * 0x9E3779B97F4A7C15 ^ self._salt) & 0xFFFFFFFFFFFFFFFF:016x}"
