"""Feed definitions: what a feed is (identity, selector, order, limit), and what it shows.

A ``FeedDef`` is a value: the `all` feed and every topic feed are instances of it, and the
cache is the one evaluator that turns a definition into its entries (``FeedEntries``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from .config import Site
from .keys import fold, slugify
from .layout import ALL_SLUG, is_all, topic_folder
from .model import Record

FeedKind = Literal["all", "topic"]


@dataclass(frozen=True, slots=True)
class FeedDef:
    """One feed: who it is, which records it selects, and how many it shows, newest first."""

    kind: FeedKind
    key: str  # the folded value it selects ("" for `all`: every visible record)
    slug: str
    name: str  # as the user spelled it (the site title for `all`)
    title: str  # the feed's title
    folder: str  # where its files live, relative to the output folder
    limit: int  # entries shown; 0 = all

    @property
    def is_all(self) -> bool:
        return is_all(self.folder)


def all_feed(site: Site) -> FeedDef:
    """The feed of everything."""
    return FeedDef("all", "", ALL_SLUG, site.title, site.title, ALL_SLUG, site.limit)


def topic_feed(name: str, site: Site) -> FeedDef:
    """The feed of one topic, named by its first spelling."""
    name = name.strip()
    slug = slugify(name)
    title = f"{site.title} — {name}"
    return FeedDef("topic", fold(name), slug, name, title, topic_folder(slug), site.limit)


def site_feeds(topic_names: Iterable[str], site: Site) -> list[FeedDef]:
    """Every feed of the site: `all` first, then one per topic in slug order.

    ``topic_names`` is one spelling per topic key (the cache gives the first in path order).
    """
    topics = sorted((topic_feed(name, site) for name in topic_names), key=lambda f: f.slug)
    return [all_feed(site), *topics]


class FeedListing(Protocol):
    """What lists of feeds (the index page, OPML) need: a feed's identity and counts, whether or
    not its entries were read (an unchanged feed's are not)."""

    @property
    def feed(self) -> FeedDef: ...
    @property
    def total(self) -> int: ...
    @property
    def shown(self) -> int: ...
    @property
    def newest(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class FeedEntries:
    """A feed evaluated: its records newest first (already limited) and how many it selects."""

    feed: FeedDef
    records: tuple[Record, ...]
    total: int  # visible records the feed selects, before the limit

    @property
    def shown(self) -> int:
        return len(self.records)

    @property
    def newest(self) -> datetime | None:
        return self.records[0].published if self.records else None
