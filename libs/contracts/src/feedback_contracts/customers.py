"""A customer's identity as every service spells it, and its pseudonym.

`sender_id` is a WhatsApp address, `whatsapp:+E164`. Where the identity must not appear in
clear (an erasure's audit record, the S3 prefix of a customer's media) it is `subject_hash`:
SHA-256 of the address. A hash of a phone number is a pseudonym, not an anonymisation (the
numbers can be enumerated); it lets an auditor check that a given customer was erased.
"""

from __future__ import annotations

import hashlib
import re

_ADDRESS = re.compile(r"^(whatsapp:)?\+?([1-9]\d{6,14})$")


def whatsapp_address(value: str) -> str:
    """`+15550001111`, `15550001111` or `whatsapp:+15550001111` -> `whatsapp:+15550001111`;
    `ValueError` for anything else (7 to 15 digits, as E.164 allows)."""
    match = _ADDRESS.match(value.strip())
    if match is None:
        raise ValueError("not a WhatsApp address: whatsapp:+ and 7 to 15 digits")
    return f"whatsapp:+{match.group(2)}"


def subject_hash(sender_id: str) -> str:
    """The customer's pseudonym: SHA-256 hex of the WhatsApp address."""
    return hashlib.sha256(sender_id.encode()).hexdigest()
