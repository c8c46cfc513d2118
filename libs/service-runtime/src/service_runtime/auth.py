"""The bearer-token check of the original API (`INTELLIGENCE_API_SECRET`)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException, Request


def require_bearer(secret: Callable[[Request], str]) -> Callable[..., None]:
    """A FastAPI dependency: 401 unless `Authorization: Bearer <secret>` matches (the scheme is
    required: a bare secret is refused)."""

    def check(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, supplied = (authorization or "").partition(" ")
        expected = secret(request)
        given = supplied.strip().encode("utf-8", "replace")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, expected.encode()):
            raise HTTPException(
                401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}
            )

    return check
