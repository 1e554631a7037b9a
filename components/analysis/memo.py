"""Results computed once and reused by every rerun and session.

The evidence is immutable and shared, so anything derived from it alone (each study's overall risk
of bias, which registered trials published, the outcome rows with their time window) is worked out
the first time it is asked for and kept while that evidence object lives. An uploaded dataset is a
different object and gets its own results; nothing outlives its evidence.

The same goes for what a selection gives: with `maxsize`, a function of the evidence, a selection
(any hashable value) and frames derived from them keeps its latest `maxsize` results. Frames are
recognised by identity, which works because the filtered frame itself comes from such a cache: the
same selection hands every session the same frame object, so everything computed from it is found
again. Thirty people on a congress link choose among a handful of conditions, so most reruns after
the first few are lookups.

Why not Streamlit's own caches: they hash every argument (a frame by its content) and st.cache_data
copies every result by pickling it; for this small data both cost more than the work they would
save. Identity keys with weak references cannot go stale: an entry dies with its evidence or frame.

Every cached result is shared by all sessions: callers must treat it as read-only (results are
tuples, frozen dataclasses, frames or figures that nobody modifies in place).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")
_LOCK = threading.Lock()


def _key_part(value: Any, frames: list) -> Any:
    """A hashable stand-in for one argument: frames by identity (each kept in `frames`, so a reused
    id is never mistaken for the old frame), dicts and sequences of them part by part, everything
    else as itself."""
    if isinstance(value, pd.DataFrame | pd.Series):
        frames.append(value)
        return ("frame", id(value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _key_part(v, frames)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_key_part(v, frames) for v in value))
    return value


# How many results a per-selection cache keeps (distinct selections x layouts in recent use).
PER_SELECTION = 128


def per_evidence(function: Callable[..., T] | None = None, *, maxsize: int | None = None):
    """Cache `function(evidence, *args, **kwargs)` for as long as `evidence` (and every frame among
    the arguments) is alive. With `maxsize`, only the latest `maxsize` results are kept."""
    return _cached(function, maxsize, evidence_first=True)


def per_frames(function: Callable[..., T] | None = None, *, maxsize: int = PER_SELECTION):
    """Cache `function(*args, **kwargs)` of frames (or dicts of frames) and plain values for as long
    as those frames are alive, keeping the latest `maxsize` results."""
    return _cached(function, maxsize, evidence_first=False)


def _cached(function: Callable[..., T] | None, maxsize: int | None, evidence_first: bool):
    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        store: OrderedDict[tuple, tuple[list[weakref.ref], T]] = OrderedDict()

        def alive(refs: list[weakref.ref], objects: list) -> bool:
            return len(refs) == len(objects) and all(ref() is obj for ref, obj in zip(refs, objects, strict=True))

        @wraps(function)
        def cached(*args, **kwargs):
            objects: list = []
            if evidence_first:
                objects.append(args[0])
                key = (id(args[0]), _key_part(args[1:], objects), _key_part(dict(sorted(kwargs.items())), objects))
            else:
                key = (_key_part(args, objects), _key_part(dict(sorted(kwargs.items())), objects))
            try:
                hash(key)
            except TypeError:  # an argument that cannot be a key (a set, an index): work it out afresh
                return function(*args, **kwargs)
            with _LOCK:
                hit = store.get(key)
                if hit is not None and alive(hit[0], objects):
                    store.move_to_end(key)
                    return hit[1]
            value = function(*args, **kwargs)
            with _LOCK:
                # Drop entries whose evidence or frames are gone, so ids cannot be reused by mistake.
                for stale in [k for k, (rs, _) in store.items() if any(r() is None for r in rs)]:
                    del store[stale]
                store[key] = ([weakref.ref(o) for o in objects], value)
                store.move_to_end(key)
                while maxsize is not None and len(store) > maxsize:
                    store.popitem(last=False)
            return value

        cached.cache_size = lambda: len(store)  # type: ignore[attr-defined]
        cached.cache_clear = store.clear  # type: ignore[attr-defined]
        return cached

    return decorate(function) if function is not None else decorate
