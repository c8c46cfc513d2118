"""The bearer-token check of the original API (`INTELLIGENCE_API_SECRET`)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException, Request


def bearer_matches(authorization: str | None, expected: str) -> bool:
    """`Authorization: Bearer <expected>`; the scheme is required, a bare secret is refused."""
    scheme, _, supplied = (authorization or "").partition(" ")
    given = supplied.strip().encode("utf-8", "replace")
    return scheme.lower() == "bearer" and hmac.compare_digest(given, expected.encode())


def require_bearer(secret: Callable[[Request], str]) -> Callable[..., None]:
    """A FastAPI dependency: 401 unless `Authorization: Bearer <secret>` matches."""

    def check(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
        if not bearer_matches(authorization, secret(request)):
            raise HTTPException(
                401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}
            )

    return check
