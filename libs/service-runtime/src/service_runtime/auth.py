"""The bearer-token check of the original API (`INTELLIGENCE_API_SECRET`)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException, Request


def require_bearer(secret: Callable[[Request], str]) -> Callable[..., None]:
    """A FastAPI dependency: 401 unless `Authorization: Bearer <secret>` matches."""

    def check(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
        supplied = (authorization or "").removeprefix("Bearer ").strip()
        expected = secret(request)
        if not authorization or not hmac.compare_digest(supplied.encode(), expected.encode()):
            raise HTTPException(
                401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}
            )

    return check
