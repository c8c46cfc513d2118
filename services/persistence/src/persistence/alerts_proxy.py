"""The alerts service's API at persistence's address, for the owner's page: one origin and one
token for all the page does. A pass-through of the method, path, query, token and body; the
alerts service checks them itself. Not in persistence's OpenAPI: it is the alerts service's."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

alerts_proxy = APIRouter(include_in_schema=False)
FORWARDED = ("authorization", "content-type")


@alerts_proxy.api_route("/alerts/{path:path}", methods=["GET", "POST", "PATCH", "DELETE"])
async def to_alerts(path: str, request: Request) -> Response:
    """The same request to the alerts service, and its answer; 502 when it does not answer."""
    client: httpx.AsyncClient = request.app.state.alerts  # set by the composition root
    headers = {name: value for name in FORWARDED if (value := request.headers.get(name))}
    try:
        answer = await client.request(
            request.method,
            f"/alerts/{path}",
            params=request.query_params,
            content=await request.body(),
            headers=headers,
        )
    except httpx.TransportError:
        return JSONResponse({"detail": "the alerts service is not answering"}, 502)
    return Response(
        answer.content, answer.status_code, media_type=answer.headers.get("content-type")
    )
