"""Curated feeds: the publisher's own feeds, each a ``[[feeds]]`` table of the config, checked
into frozen values (``CuratedFeed`` with its ``Selector``).

``feed_problems`` names every mistake of every table at once, as ``feeds[i].key``; the config
reports them with the file's name, beside the other settings' mistakes.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .errors import toml_value

ORDERS = ("newest", "heat", "quality")  # newest first; or by heat/quality, ties newest first
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_SLUG = 60
# Reserved device names on Windows: a folder named like this cannot be copied there.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}


@dataclass(frozen=True, slots=True)
class Selector:
    """Which records a curated feed shows, in which order, and how many. Every filter given
    must hold; an empty one (``()``, ``None``) selects everything."""

    topics: tuple[str, ...] = ()  # any of these (folded like topics)
    exclude_topics: tuple[str, ...] = ()  # none of these
    categories: tuple[str, ...] = ()  # any of these
    providers: tuple[str, ...] = ()  # any of these, by domain or by name
    types: tuple[str, ...] = ()  # any of these
    min_quality: float | None = None  # a record without quality fails it
    min_heat: float | None = None  # a record without heat fails it
    max_age_hours: float | None = None  # published at most this long before the build's clock
    order: str = "newest"  # one of ORDERS; ties: newest, then sourceUrl
    limit: int | None = None  # entries shown; None: the site's limit, 0: all


@dataclass(frozen=True, slots=True)
class CuratedFeed:
    """One ``[[feeds]]`` table: published at ``feeds/<slug>/``, titled by ``title``."""

    slug: str
    title: str
    selector: Selector = Selector()


_LISTS = ("topics", "exclude_topics", "categories", "providers", "types")
KEYS = ("slug", "title", *(f.name for f in fields(Selector)))


def feed_problems(value: Any) -> list[tuple[str, str]]:
    """``(key, reason)`` for every mistake in the ``feeds`` setting, ``key`` as
    ``feeds[i].name``: tables in order, each table's keys in the order of ``KEYS``, then its
    unknown keys."""
    if not isinstance(value, list | tuple):
        return [("feeds", f"must be an array of tables ([[feeds]]), got {toml_value(value)}")]
    problems: list[tuple[str, str]] = []
    first_of: dict[str, int] = {}
    for i, item in enumerate(value):
        where = f"feeds[{i}]"
        table = _as_table(item)
        if table is None:
            problems.append((where, f"must be a table, got {toml_value(item)}"))
            continue
        for key in KEYS:
            reason = _CHECKS[key](table[key]) if key in table else None
            if key in ("slug", "title") and key not in table:
                reason = "missing (required)"
            if reason is None and key == "slug":
                slug = table["slug"]
                if slug in first_of:
                    reason = f"{slug!r} is also the slug of feeds[{first_of[slug]}]"
                first_of.setdefault(slug, i)
            if reason:
                problems.append((f"{where}.{key}", reason))
        problems += [(f"{where}.{key}", _unknown(key)) for key in table if key not in KEYS]
    return problems


def curated_feeds(value: Any) -> tuple[CuratedFeed, ...]:
    """The ``feeds`` setting as frozen values; it must have no ``feed_problems``."""
    feeds = []
    for item in value:
        table = _as_table(item)
        assert table is not None
        options: dict[str, Any] = {
            key: tuple(v) if key in _LISTS else v
            for key, v in table.items()
            if key not in ("slug", "title")
        }
        feeds.append(CuratedFeed(table["slug"], table["title"], Selector(**options)))
    return tuple(feeds)


def _as_table(item: Any) -> Mapping[str, Any] | None:
    """A table's keys and values; a ``CuratedFeed`` made in code is checked as its table."""
    if isinstance(item, CuratedFeed):
        options = {f.name: getattr(item.selector, f.name) for f in fields(Selector)}
        given = {key: v for key, v in options.items() if v != getattr(Selector(), key)}
        return {"slug": item.slug, "title": item.title, **given}
    if isinstance(item, Mapping) and all(isinstance(key, str) for key in item):
        return item
    return None


def _slug(value: Any) -> str | None:
    if not isinstance(value, str) or not _SLUG.fullmatch(value) or len(value) > _MAX_SLUG:
        return f"must be lowercase a-z, 0-9 and - (at most {_MAX_SLUG}), got {toml_value(value)}"
    if value in _RESERVED:
        return f"must not be a name Windows reserves for a device, got {value!r}"
    return None


def _title(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be text, got {toml_value(value)}"
    if not value.strip() or not value.isprintable():
        return f"must be printable text, not empty, got {toml_value(value)}"
    return None


def _texts(value: Any) -> str | None:
    if not isinstance(value, list | tuple):
        return f"must be an array of text, got {toml_value(value)}"
    for item in value:
        if not isinstance(item, str) or not item.strip():
            return f"must be an array of text, got an array holding {toml_value(item)}"
    return None


def _number(least: float, strictly: bool) -> Callable[[Any], str | None]:
    words = f"more than {least:g}" if strictly else f"{least:g} or more"

    def check(value: Any) -> str | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return f"must be a number, got {toml_value(value)}"
        if not math.isfinite(value) or value < least or (strictly and value == least):
            return f"must be {words}, got {toml_value(value)}"
        return None

    return check


def _order(value: Any) -> str | None:
    if value in ORDERS:
        return None
    return f"must be {', '.join(ORDERS[:-1])} or {ORDERS[-1]}, got {toml_value(value)}"


def _limit(value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"must be a whole number, got {toml_value(value)}"
    return None if value >= 0 else f"must be 0 (all) or more, got {value}"


_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "slug": _slug,
    "title": _title,
    **dict.fromkeys(_LISTS, _texts),
    "min_quality": _number(0, strictly=False),
    "min_heat": _number(0, strictly=False),
    "max_age_hours": _number(0, strictly=True),
    "order": _order,
    "limit": _limit,
}
assert set(_CHECKS) == set(KEYS)


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key.replace("-", "_"), KEYS, n=1, cutoff=0.7)
    if close:
        return f"unknown key; did you mean {close[0]}?"
    return f"unknown key (known: {', '.join(sorted(KEYS))})"
