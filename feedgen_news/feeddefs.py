"""Feed definitions: what a feed is (identity, selector, order, limit), and what it shows.

A ``FeedDef`` is a value: the `all` feed, every facet feed (a topic, category, provider or
type) and every curated feed are instances of it, and the cache is the one evaluator that turns
a definition into its entries (``FeedEntries``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from .config import Site
from .curated import CuratedFeed, Selector
from .keys import CATEGORY, PROVIDER, TOPICS, TYPE, fold, provider_slug, slugify
from .layout import ALL_SLUG, curated_folder, facet_folder, is_all
from .model import Record

FeedKind = Literal["all", "topic", "category", "provider", "type", "curated"]
# Each facet's feeds are of one kind.
FACET_KINDS: dict[str, FeedKind] = {
    TOPICS: "topic",
    CATEGORY: "category",
    PROVIDER: "provider",
    TYPE: "type",
}
# How lists of feeds (the index page, OPML) group them: each kind under its heading, in this
# order; within a kind, facet feeds by name as people read it (folded: case and accents aside;
# a provider's slug is its domain) and curated feeds in the config's order.
KIND_GROUPS: tuple[tuple[FeedKind, str], ...] = (
    ("all", "Everything"),
    ("topic", "Topics"),
    ("category", "Categories"),
    ("provider", "Providers"),
    ("type", "Types"),
    ("curated", "Curated feeds"),
)
_RANK = {kind: i for i, (kind, _) in enumerate(KIND_GROUPS)}


@dataclass(frozen=True, slots=True)
class FeedDef:
    """One feed: who it is, which records it selects, and how many it shows, newest first
    (a curated feed: as its selector orders them)."""

    kind: FeedKind
    key: str  # the folded value it selects ("" for `all`: every visible record; a curated
    # feed: its slug)
    slug: str
    name: str  # as the user spelled it (the site title for `all`)
    title: str  # the feed's title
    folder: str  # where its files live, relative to the output folder
    limit: int  # entries shown; 0 = all
    selector: Selector | None = None  # a curated feed's filters and order

    @property
    def is_all(self) -> bool:
        return is_all(self.folder)

    @property
    def facet(self) -> str | None:
        """The facet a facet feed selects by (``keys.FACETS``); None for `all` and curated."""
        return next((f for f, kind in FACET_KINDS.items() if kind == self.kind), None)


def all_feed(site: Site) -> FeedDef:
    """The feed of everything."""
    return FeedDef("all", "", ALL_SLUG, site.title, site.title, ALL_SLUG, site.limit)


def facet_feed(facet: str, key: str, name: str, site: Site) -> FeedDef:
    """The feed of one value of a facet, named by its first spelling. A provider is keyed by
    its domain (else its folded name) and slugged by that key, so its URL never depends on
    how it is named."""
    name = name.strip()
    slug = provider_slug(key) if facet == PROVIDER else slugify(name)
    title = f"{site.title} — {name}"
    kind = FACET_KINDS[facet]
    return FeedDef(kind, key, slug, name, title, facet_folder(facet, slug), site.limit)


def topic_feed(name: str, site: Site) -> FeedDef:
    """The feed of one topic, named by its first spelling."""
    return facet_feed(TOPICS, fold(name), name, site)


def curated_feed(curated: CuratedFeed, site: Site) -> FeedDef:
    """A feed the publisher defined (``[[feeds]]``)."""
    selector = curated.selector
    limit = site.limit if selector.limit is None else selector.limit
    title = f"{site.title} — {curated.title}"
    folder = curated_folder(curated.slug)
    return FeedDef(
        "curated", curated.slug, curated.slug, curated.title, title, folder, limit, selector
    )


def site_feeds(values: Iterable[tuple[str, str, str]], site: Site) -> list[FeedDef]:
    """Every feed of the site: `all` first, then each facet's feeds by folded name, then
    slug (topics, categories, providers, types), then the curated feeds in the config's order.

    ``values`` is ``(facet, key, name)``: one spelling per facet value (the cache gives the
    first in path order), of the facets the site publishes.
    """
    facets = sorted(
        (facet_feed(facet, key, name, site) for facet, key, name in values),
        key=lambda f: (_RANK[f.kind], fold(f.name), f.slug),
    )
    curated = [curated_feed(c, site) for c in site.feeds]
    return [all_feed(site), *facets, *curated]


def group_of(feed: FeedDef) -> str:
    """The heading a feed is listed under (``KIND_GROUPS``)."""
    return KIND_GROUPS[_RANK[feed.kind]][1]


def by_kind(listings: Sequence[L]) -> list[tuple[FeedKind, str, list[L]]]:
    """``(kind, heading, listings)`` for each kind with a feed, in ``KIND_GROUPS`` order; each
    group's feeds in the order given (the evaluator's: by name, curated in config order)."""
    groups: dict[FeedKind, list[L]] = {}
    for listing in listings:
        groups.setdefault(listing.feed.kind, []).append(listing)
    return [(kind, heading, groups[kind]) for kind, heading in KIND_GROUPS if kind in groups]


L = TypeVar("L", bound="FeedListing")


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
    """A feed evaluated: its records in the feed's order (already limited) and how many it
    selects."""

    feed: FeedDef
    records: tuple[Record, ...]
    total: int  # visible records the feed selects, before the limit

    @property
    def shown(self) -> int:
        return len(self.records)

    @property
    def newest(self) -> datetime | None:
        # Not always the first: a curated feed may rank by heat or quality.
        return max((r.published for r in self.records), default=None)


_KIND_WORDS = {
    "topic": ("topic", "topics"),
    "category": ("category", "categories"),
    "provider": ("provider", "providers"),
    "type": ("type", "types"),
    "curated": ("curated feed", "curated feeds"),
}


def describe_kinds(defs: Sequence[FeedDef]) -> str:
    """How many feeds of each kind: "`all`, 31 topics and 1 category"."""
    parts = []
    for kind, _ in KIND_GROUPS:
        count = sum(1 for d in defs if d.kind == kind)
        if kind == "all":
            parts += ["`all`"] * count
        elif count:
            one, many = _KIND_WORDS[kind]
            parts.append(f"{count} {one if count == 1 else many}")
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)
