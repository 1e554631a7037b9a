"""Results computed once per loaded evidence base and reused by every rerun and session.

The evidence is immutable and shared, so anything derived from it alone (each study's overall risk
of bias, which registered trials published, the outcome rows with their time window) is worked out
the first time it is asked for and kept while that evidence object lives. An uploaded dataset is a
different object and gets its own results; nothing outlives its evidence.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

T = TypeVar("T")
_LOCK = threading.Lock()


def per_evidence(function: Callable[..., T]) -> Callable[..., T]:
    """Cache `function(evidence, *args)` for as long as `evidence` is alive (args must be hashable)."""
    store: dict[tuple[int, tuple], tuple[weakref.ref, T]] = {}

    @wraps(function)
    def cached(evidence, *args):
        key = (id(evidence), args)
        with _LOCK:
            hit = store.get(key)
            if hit is not None and hit[0]() is evidence:
                return hit[1]
        value = function(evidence, *args)
        with _LOCK:
            # Drop entries of evidence objects that are gone, so ids cannot be reused by mistake.
            for stale in [k for k, (ref, _) in store.items() if ref() is None]:
                del store[stale]
            store[key] = (weakref.ref(evidence), value)
        return value

    cached.cache_size = lambda: len(store)  # type: ignore[attr-defined]
    return cached
