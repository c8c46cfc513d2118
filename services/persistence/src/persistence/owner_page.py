"""The owner's page: all feedback with its tags and photos, charts, and topic management. It
is a static page; everything it shows comes from the API with the token the owner enters."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

owner_router = APIRouter(include_in_schema=False)


@cache
def _page() -> str:
    return Path(__file__).with_name("owner.html").read_text(encoding="utf-8")


@owner_router.get("/owner/", response_class=HTMLResponse)
async def owner_page() -> str:
    """The page itself (no data in it)."""
    return _page()


@owner_router.get("/owner")
async def owner_redirect() -> RedirectResponse:
    """The page lives at /owner/."""
    return RedirectResponse("/owner/")
