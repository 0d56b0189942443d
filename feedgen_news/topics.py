"""Topics: fold names into grouping keys and safe, stable slugs; group records into feeds."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from .config import Site
from .errors import Problem, printable
from .layout import ALL_SLUG, is_all, topic_folder
from .model import Record

_MAX_SLUG_BASE = 60
_CLEAN_KEY = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")
_SEPARATORS = re.compile(r"[\s_\-]+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Reserved device names on Windows: a folder named like this cannot be copied there.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}


@dataclass(frozen=True, slots=True)
class Topic:
    """One feed: its records newest first (already limited) and where it is published."""

    slug: str
    name: str  # as the user spelled it (the site title for the `all` feed)
    title: str  # feed title
    relpath: str  # folder of its files, relative to the output folder: "all" or "topics/<slug>"
    records: tuple[Record, ...]
    total: int  # published records in the topic before the limit

    @property
    def is_all(self) -> bool:
        """The feed of everything (by relpath: a user topic named "All" lives in topics/all)."""
        return is_all(self.relpath)

    @property
    def shown(self) -> int:
        """Entries in the feed (at most the limit)."""
        return len(self.records)

    @property
    def newest(self) -> datetime | None:
        return self.records[0].published if self.records else None


class FeedInfo(Protocol):
    """What lists of feeds (the index page, OPML) need: a ``Topic``, or a feed whose records
    were not read because it did not change."""

    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def relpath(self) -> str: ...
    @property
    def total(self) -> int: ...
    @property
    def shown(self) -> int: ...
    @property
    def newest(self) -> datetime | None: ...
    @property
    def is_all(self) -> bool: ...


def topic_key(name: str) -> str:
    """The grouping key: accents, case, and runs of spaces/hyphens/underscores folded away.

    ``Économie``, ``economie`` and ``ECONOMIE`` are one topic; so are ``AWS AI`` and ``aws-ai``.
    """
    if name.isascii():  # NFKD and combining marks cannot change ASCII; casefold is lower
        return _SEPARATORS.sub(" ", name.strip().lower()).strip()
    decomposed = unicodedata.normalize("NFKD", name.strip())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", stripped.casefold()).strip()


@lru_cache(maxsize=4096)  # pages link every entry's topics: the same few names, many times
def slugify(name: str) -> str:
    """A URL- and filesystem-safe slug, ``a-z0-9-``, never empty, stable for a given topic.

    A key that maps losslessly to a slug keeps the plain slug (``AWS AI`` -> ``aws-ai``). Any
    other key (``C++``, ``../x``, a 300-character name, ``CON``) gets a short hash of the key
    appended, so two topics never share a slug and a slug never depends on what other topics
    exist: adding a topic never renames an existing feed's URL.
    """
    key = topic_key(name)
    base = _NOT_SLUG.sub("-", key).strip("-")[:_MAX_SLUG_BASE].strip("-")
    if _CLEAN_KEY.fullmatch(key) and len(key) <= _MAX_SLUG_BASE and key not in _RESERVED:
        return base
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=4).hexdigest()
    return f"{base or 'topic'}-{digest}"


def newest_first(records: Iterable[Record]) -> list[Record]:
    """Newest first; equal dates tie-break by id (the canonical URL) so order is stable."""
    by_id = sorted(records, key=lambda r: r.url)
    return sorted(by_id, key=lambda r: r.published, reverse=True)


def dedupe(records: Iterable[Record]) -> tuple[list[Record], list[Problem]]:
    """One record per canonical URL: the newer wins, on a tie the first by path.

    Returns the kept records in path order and one warning per dropped duplicate naming both files.
    """
    kept: dict[str, Record] = {}
    problems: list[Problem] = []
    for record in sorted(records, key=lambda r: r.path):
        other = kept.get(record.url)
        if other is None:
            kept[record.url] = record
            continue
        winner, loser = (record, other) if record.published > other.published else (other, record)
        kept[record.url] = winner
        problems.append(
            Problem(
                loser.path,
                f"same sourceUrl as {printable(winner.path)}; "
                f"publishing only {printable(winner.path)}",
                field="sourceUrl",
                severity="warning",
            )
        )
    return sorted(kept.values(), key=lambda r: r.path), problems


def group(records: Iterable[Record], site: Site) -> list[Topic]:
    """The `all` feed first, then one Topic per topic key in slug order.

    ``records`` must already be filtered (published or not) and de-duplicated. The first
    spelling seen in path order names a topic.
    """
    in_path_order = sorted(records, key=lambda r: r.path)
    names: dict[str, str] = {}
    members: dict[str, list[Record]] = {}
    for record in in_path_order:
        seen_here: set[str] = set()
        for name in record.topics:
            key = topic_key(name)
            if key in seen_here:
                continue
            seen_here.add(key)
            names.setdefault(key, name.strip())
            members.setdefault(key, []).append(record)

    def make(slug: str, name: str, title: str, relpath: str, rs: list[Record]) -> Topic:
        ordered = newest_first(rs)
        shown = ordered if site.limit == 0 else ordered[: site.limit]
        return Topic(slug, name, title, relpath, tuple(shown), len(ordered))

    topics = [make(ALL_SLUG, site.title, site.title, ALL_SLUG, in_path_order)]
    for key in sorted(members, key=lambda k: slugify(names[k])):
        name = names[key]
        slug = slugify(name)
        topics.append(make(slug, name, f"{site.title} — {name}", topic_folder(slug), members[key]))
    return topics
