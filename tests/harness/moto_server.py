"""moto's server application on a WSGI server that keeps connections alive.

`python -m moto.server` runs moto's application on werkzeug's development server, which closes
every connection, so each AWS call costs a TCP connect and a new server thread on both sides.
This serves the same application (moto's `DomainDispatcherApplication`, built as `moto.server`
and `ThreadedMotoServer` build it) from waitress with HTTP/1.1 keep-alive, and memoizes its
host-to-backend lookup, which otherwise lists moto's package directory on every request.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import waitress
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


class MemoizedDispatcher(DomainDispatcherApplication):
    """moto's dispatcher; a host always maps to the same backend, so each is looked up once."""

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        """moto's lookup, once per host (moto calls it with its lock held)."""
        if host not in self._backends:
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]


def main() -> None:
    """Serve moto on a loopback port until terminated."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=6)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server does, for its URLs
    waitress.serve(
        MemoizedDispatcher(),
        host=args.host,
        port=args.port,
        threads=args.threads,
        connection_limit=1000,
        _quiet=True,
    )


if __name__ == "__main__":
    main()
