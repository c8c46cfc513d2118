"""The consent port's fake, for unit tests and the embedded run."""

from __future__ import annotations

from dataclasses import dataclass, field

from service_runtime.consent import Consent


@dataclass
class InMemoryConsentStore:
    """Consent for unit tests and the embedded run."""

    consents: dict[str, Consent] = field(default_factory=dict)

    async def get(self, customer: str) -> Consent:
        return self.consents.get(customer, Consent())

    async def set(self, customer: str, consent: Consent) -> None:
        self.consents[customer] = consent

    async def erase(self, customer: str) -> int:
        return 1 if self.consents.pop(customer, None) is not None else 0
