"""The stand-in's media: a message's media behind Basic auth and a redirect to a CDN host, as
Twilio serves them, and their DELETE; a control route to host media for other processes."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from standins.twilio_resources import authorized, twilio_error
from standins.twilio_state import API, State

router = APIRouter()


@router.get(API + "/Messages/{message_sid}/Media/{media_sid}")
async def media(
    state: State, account_sid: str, message_sid: str, media_sid: str, request: Request
) -> Response:
    if not authorized(request, state):
        return twilio_error(401, 20003, "Authenticate")
    if media_sid not in state.media:
        return twilio_error(404, 20404, "The requested resource was not found")
    token = secrets.token_urlsafe(16)
    with state.lock:
        state.cdn[token] = media_sid
    return RedirectResponse(f"{state.cdn_base_url}/cdn/{token}", status_code=307)


@router.get(API + "/Messages/{message_sid}/Media.json")
async def list_media(
    state: State, account_sid: str, message_sid: str, request: Request
) -> Response:
    """A message's media, one page."""
    if account_sid != state.account_sid or not authorized(request, state):
        return twilio_error(401, 20003, "Authenticate")
    with state.lock:
        sids = [sid for sid in state.message_media.get(message_sid, []) if sid in state.media]
    uri = f"{API.format(account_sid=account_sid)}/Messages/{message_sid}/Media.json"
    media_list = [
        {
            "sid": sid,
            "account_sid": account_sid,
            "parent_sid": message_sid,
            "content_type": state.media[sid][1],
            "date_created": None,
            "date_updated": None,
            "uri": uri.replace("Media.json", f"Media/{sid}.json"),
        }
        for sid in sids
    ]
    return JSONResponse(
        {
            "media_list": media_list,
            "page": 0,
            "page_size": 50,
            "first_page_uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": uri,
            "start": 0,
            "end": max(0, len(media_list) - 1),
        }
    )


@router.delete(API + "/Messages/{message_sid}/Media/{media_sid}.json")
async def delete_media(
    state: State, account_sid: str, message_sid: str, media_sid: str, request: Request
) -> Response:
    if not authorized(request, state):
        return twilio_error(401, 20003, "Authenticate")
    with state.lock:
        found = state.media.pop(media_sid, None)
        state.deleted.append(media_sid)
    if found is None:
        return twilio_error(404, 20404, "The requested resource was not found")
    return Response(status_code=204)


@router.post("/_standin/media/{message_sid}")
async def host_media(state: State, message_sid: str, request: Request) -> dict[str, str]:
    """Control API for other processes: host the posted bytes as a message's media."""
    content_type = request.headers.get("content-type", "application/octet-stream")
    return {"path": state.add_media(message_sid, await request.body(), content_type)}


@router.get("/cdn/{token}")
async def cdn(state: State, token: str, request: Request) -> Response:
    media_sid = state.cdn.get(token)
    if media_sid is None or media_sid not in state.media:
        return Response(status_code=404)
    with state.lock:
        state.downloads += 1
        state.credentials_sent_to_cdn += "authorization" in request.headers
    content, content_type = state.media[media_sid]
    return Response(content, media_type=content_type)
