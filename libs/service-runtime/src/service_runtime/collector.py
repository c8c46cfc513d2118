"""CPython's cyclic garbage collector, set for a long-running process once it has started.

What the imports and the startup built (an AWS SDK's service models, the clients: ~180,000
objects in the analyzer) lives as long as the process; each full collection walked it all. Once
started, a process collects once and freezes what survives out of later scans (`gc.freeze()`),
and young collections run after 10,000 net allocations instead of 700, so fewer short-lived
objects are scanned and promoted. The trade-off: an object from startup that later becomes
cyclic garbage is never collected, a one-time cost bounded by what startup built.
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_AFTER = 10_000  # net allocations between young collections (CPython: 700)


def settle_collector() -> None:
    """Collect what startup left, freeze the rest, and space the young collections out."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])
