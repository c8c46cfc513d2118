"""A TCP relay in front of a real server that a test can make refuse connections for a while.

An outage without losing the server's state: stopping moto would lose its tables, while closing
the relay's listening socket (and resetting the connections through it) is what a client sees
when a store's endpoint goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from harness.processes import free_port


class Relay:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`target_port`, in a thread of its own."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.accept()

    @property
    def url(self) -> str:
        """The relay's address as an endpoint URL."""
        return f"http://127.0.0.1:{self.port}"

    def accept(self) -> None:
        """Listen again: connections go through to the target."""
        self._call(self._listen())

    def refuse(self) -> None:
        """Stop listening and reset every open connection: the endpoint is gone."""
        self._call(self._close())

    def stop(self) -> None:
        """Close everything and end the thread."""
        self.refuse()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _call(self, work: object) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)  # type: ignore[arg-type]

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _pipe(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            target_r, target_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.transport.abort()
            return
        self._writers |= {client_w, target_w}
        await asyncio.gather(_copy(client_r, target_w), _copy(target_r, client_w))
        self._writers -= {client_w, target_w}


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()
