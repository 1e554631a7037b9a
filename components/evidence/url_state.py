"""The view in the URL: parse query parameters into filter values, and write them back.

A link must reproduce a view exactly, and a bad link must never break the page: every value is
checked against what the page offers (ids in a vocabulary, numbers in range, text of sane length).
Anything else is dropped and named in a notice — by parameter name only, so nothing from the URL is
ever echoed back into the page.

Ids go into the URL (`?condition=sle,systemic_sclerosis&design=rct`), not display labels, so links
stay short and survive a relabelling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MAX_PARAM_CHARS = 500
MAX_TEXT_CHARS = 200
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Choices:
    """Several values from a fixed list (comma-separated in the URL), at most `max_items` of them."""

    options: tuple[str, ...]
    max_items: int | None = None


@dataclass(frozen=True)
class Choice:
    """One value from a fixed list."""

    options: tuple[str, ...]


@dataclass(frozen=True)
class Integer:
    low: int
    high: int


@dataclass(frozen=True)
class Text:
    max_chars: int = MAX_TEXT_CHARS


Spec = Choices | Choice | Integer | Text


@dataclass(frozen=True)
class ParsedQuery:
    values: dict[str, object] = field(default_factory=dict)
    rejected: tuple[str, ...] = ()

    def notice(self) -> str:
        """A plain sentence naming the parameters that were ignored ('' when none were)."""
        if not self.rejected:
            return ""
        names = ", ".join(sorted(set(self.rejected)))
        return f"Some settings in the link were not recognised and were ignored ({names}); defaults are shown instead."


def _parse_one(raw: str, spec: Spec) -> object | None:
    """The typed value, or None when the raw text is not acceptable for this spec."""
    if isinstance(spec, Text):
        if len(raw) > spec.max_chars or _CONTROL_CHARS.search(raw):
            return None
        return raw
    if _CONTROL_CHARS.search(raw):
        return None
    if isinstance(spec, Choices):
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if not items or any(item not in spec.options for item in items):
            return None
        if spec.max_items is not None and len(set(items)) > spec.max_items:
            return None
        # Keep the page's own order and drop repeats, so equal selections give equal links.
        return [option for option in spec.options if option in items]
    if isinstance(spec, Choice):
        return raw if raw in spec.options else None
    if isinstance(spec, Integer):
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            return None
        number = int(raw)
        return number if spec.low <= number <= spec.high else None
    raise TypeError(f"unknown spec {spec!r}")


def parse_query(params: Mapping[str, Sequence[str]], specs: Mapping[str, Spec]) -> ParsedQuery:
    """Check the URL's parameters against the page's specs.

    `params` maps each key to all its values (a key given twice has two). Keys the page does not
    know are left alone (another page may use them); known keys with a bad, repeated or oversized
    value are rejected.
    """
    values: dict[str, object] = {}
    rejected: list[str] = []
    for key, spec in specs.items():
        raw_values = list(params.get(key, []))
        if not raw_values:
            continue
        if len(raw_values) > 1 or len(raw_values[0]) > MAX_PARAM_CHARS:
            rejected.append(key)
            continue
        parsed = _parse_one(raw_values[0], spec)
        if parsed is None:
            rejected.append(key)
        else:
            values[key] = parsed
    return ParsedQuery(values, tuple(rejected))


def encode_query(values: Mapping[str, object], defaults: Mapping[str, object]) -> dict[str, str]:
    """URL parameters for the values that differ from their defaults."""
    params: dict[str, str] = {}
    for key, value in values.items():
        if value == defaults.get(key) or value in (None, "", [], ()):
            continue
        params[key] = ",".join(value) if isinstance(value, list | tuple) else str(value)
    return params
