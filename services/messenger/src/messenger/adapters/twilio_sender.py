"""The sender on Twilio's Messages API, through the twilio SDK's async client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from messenger.sending import CLOCK_SKEW, SendError


class TwilioMessageSender:
    """The official twilio SDK on its asyncio HTTP client (aiohttp), optionally pointed at
    another API base URL. Sends run concurrently on one connection pool: no worker threads, so
    Twilio's latency does not cap the sends a second."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base_url: str | None,
        timeout_s: float,
        max_concurrent: int = 100,
    ) -> None:
        self._http = AsyncTwilioHttpClient(timeout=timeout_s)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        if api_base_url:
            self._client.api.base_url = api_base_url.rstrip("/")
        # Twilio refuses an account's requests beyond its concurrency limit (20429): this
        # process's share of it, so they wait here instead of being refused and retried.
        self._slots = asyncio.Semaphore(max_concurrent)

    async def send(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        """Create the message through Twilio's Messages API."""
        return await self._create(
            to=to, from_=from_, body=body, status_callback=status_callback or values.unset
        )

    async def send_template(
        self,
        *,
        to: str,
        from_: str,
        content_sid: str,
        variables: dict[str, str],
        status_callback: str | None,
    ) -> str:
        """Create the message from a template: `ContentSid` and `ContentVariables` (JSON)."""
        return await self._create(
            to=to,
            from_=from_,
            content_sid=content_sid,
            content_variables=json.dumps(variables),
            status_callback=status_callback or values.unset,
        )

    async def _create(self, **fields: Any) -> str:
        try:
            async with self._slots:
                message = await self._client.messages.create_async(**fields)
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except aiohttp.ClientConnectorError as error:  # never reached Twilio: safe to retry
            raise SendError(0, None, f"connection failed: {error}") from error
        except (TimeoutError, aiohttp.ClientError) as error:  # the request may have arrived
            raise SendError(0, None, f"no answer: {error!r}", outcome_unknown=True) from error
        return str(message.sid)

    async def find_sent(
        self, *, to: str, from_: str, body: str | None, since: datetime
    ) -> str | None:
        """Look through the newest Messages to `to` from `from_` (Twilio lists newest first).

        Not filtered by DateSent: a message still queued has none yet, and must be found. With
        a body, a message created up to CLOCK_SKEW before `since` counts; without one (any
        message), only one created since: the customer's previous message went just before."""
        try:
            async with self._slots:
                recent = await self._client.messages.list_async(to=to, from_=from_, limit=50)
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise SendError(0, None, f"cannot list messages: {error!r}") from error
        floor = since - CLOCK_SKEW if body is not None else since
        for message in recent:
            created = message.date_created
            if body in (None, message.body) and (created is None or created >= floor):
                return str(message.sid)
        return None

    async def messages_between(self, *, from_: str, to: str, limit: int) -> list[str]:
        """Twilio's Messages list, filtered by From and To (either direction of a chat)."""
        try:
            async with self._slots:
                found = await self._client.messages.list_async(from_=from_, to=to, limit=limit)
        except TwilioRestException as error:
            raise SendError(error.status, error.code, str(error.msg)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise SendError(0, None, f"cannot list messages: {error!r}") from error
        return [str(message.sid) for message in found]

    async def erase(self, message_sid: str) -> int:
        """Twilio's Media DELETE for each of the message's media, then its Message DELETE; a
        resource already gone (404) counts as deleted by someone else."""
        message = self._client.messages(message_sid)
        erased = 0
        try:
            async with self._slots:  # its requests one after another, in one slot
                for media in await message.media.list_async():
                    erased += await _deleted(message.media(str(media.sid)).delete_async())
                await _deleted(message.delete_async())
        except TwilioRestException as error:
            if error.status != 404:
                raise SendError(error.status, error.code, str(error.msg)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise SendError(0, None, f"cannot delete: {error!r}") from error
        return erased

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.close()


async def _deleted(deletion: Awaitable[bool]) -> int:
    """1 when the DELETE removed the resource, 0 when it was gone already."""
    try:
        return 1 if await deletion else 0
    except TwilioRestException as error:
        if error.status == 404:
            return 0
        raise
