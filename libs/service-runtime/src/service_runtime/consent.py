"""WhatsApp's consent rules: the channel's keywords, and who has opted out.

The analyzer records an opt-out (or opt-in) when a customer sends a keyword, before any
analysis; the messenger refuses every send to an opted-out customer, but the one notice they
are owed (the opt-out confirmation, a HELP answer), and records a 21610 from Twilio as an
opt-out. Both read and write one DynamoDB table (`OPT_OUTS_TABLE`, created by
`messenger.provision`), so the rule holds across restarts and replicas.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

Keyword = Literal["opt_out", "opt_in", "help"]

# Twilio's opt-out, opt-in and help keywords, with their common Portuguese and Spanish forms.
# A message is a keyword only when it is the keyword alone, as Twilio's own handling has it.
OPT_OUT = frozenset(
    [
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "revoke",
        "optout",
        "parar",
        "pare",
        "sair",
        "cancelar",
        "descadastrar",
        "baja",
        "alto",
        "detener",
    ]
)
OPT_IN = frozenset(["start", "unstop", "resume"])
OPT_IN_WHEN_OPTED_OUT = frozenset(["yes", "sim", "sí", "si"])  # only an opted-out customer's
HELP = frozenset(["help", "info", "ajuda", "ayuda"])


def keyword_of(text: str, *, opted_out: bool = False) -> Keyword | None:
    """The channel keyword a message is, if it is one."""
    word = text.strip().strip(".!").lower()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return "opt_in"
    return "help" if word in HELP else None


@dataclass(frozen=True)
class Consent:
    """A customer's standing: opted out or not, and the one reply they may still get."""

    opted_out: bool = False
    source: str | None = None  # "keyword" or "twilio-21610"
    notice_reply_id: str | None = None
    changed_at: datetime | None = None

    def allows(self, reply_id: str) -> bool:
        """Whether a reply may go to this customer."""
        return not self.opted_out or reply_id == self.notice_reply_id


class ConsentStore(Protocol):
    """Opt-outs per customer."""

    async def get(self, customer: str) -> Consent: ...

    async def set(self, customer: str, consent: Consent) -> None: ...


class DynamoConsentStore:
    """The `opt_outs` table, hash key `sender_id`."""

    def __init__(self, table: Any) -> None:
        self._table = table

    async def get(self, customer: str) -> Consent:
        """Strongly consistent: a STOP handled a moment ago is seen."""
        found = await asyncio.to_thread(
            self._table.get_item, Key={"sender_id": customer}, ConsistentRead=True
        )
        item = found.get("Item")
        if not item:
            return Consent()
        changed = item.get("changed_at")
        return Consent(
            opted_out=bool(item.get("opted_out")),
            source=item.get("source"),
            notice_reply_id=item.get("notice_reply_id"),
            changed_at=datetime.fromisoformat(changed) if changed else None,
        )

    async def set(self, customer: str, consent: Consent) -> None:
        """Record the customer's standing now."""
        item = {
            "sender_id": customer,
            "opted_out": consent.opted_out,
            "source": consent.source,
            "notice_reply_id": consent.notice_reply_id,
            "changed_at": (consent.changed_at or datetime.now(UTC)).isoformat(),
        }
        await asyncio.to_thread(
            self._table.put_item, Item={k: v for k, v in item.items() if v is not None}
        )


@dataclass
class InMemoryConsentStore:
    """Consent for unit tests and the embedded run."""

    consents: dict[str, Consent] = field(default_factory=dict)

    async def get(self, customer: str) -> Consent:
        return self.consents.get(customer, Consent())

    async def set(self, customer: str, consent: Consent) -> None:
        self.consents[customer] = consent
