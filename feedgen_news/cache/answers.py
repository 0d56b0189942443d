"""What the evaluator answers: a site's counts and duplicates (``Summary``), a feed with its
newest records still encoded (``StoredFeed``), or a facet feed known by its counts alone
(``CountedFeed``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..errors import Problem
from ..feeddefs import FeedDef, FeedEntries
from .codec import decode_record, moment
from .guard import CacheDamaged


@dataclass(frozen=True, slots=True)
class Counts:
    files: int
    published: int  # records that will appear in feeds (visible, after de-duplication)
    held_back: int  # published: false, not included
    rejected: int
    duplicates: int
    scheduled: int = 0  # published later than the build's clock: held back until then
    next_release: datetime | None = None  # the earliest of those times


@dataclass(frozen=True, slots=True)
class Summary:
    """What the publishing rules make of the cache's records, besides the feeds themselves."""

    counts: Counts
    losers: frozenset[str]  # paths of records that lose to a duplicate sourceUrl
    duplicate_warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class StoredFeed:
    """A feed as the cache answers it: its definition, counts and newest records still encoded,
    so a build can tell which feeds changed and decode only those (a ``FeedListing``)."""

    feed: FeedDef
    total: int
    newest: datetime | None
    blobs: tuple[bytes, ...]
    content: str | None = None  # a facet feed's (``CountedFeed.content``), once compared

    @property
    def shown(self) -> int:
        return len(self.blobs)

    def load(self) -> FeedEntries:
        records = tuple(decode_record(blob) for blob in self.blobs)
        return FeedEntries(self.feed, records, self.total)


@dataclass(frozen=True, slots=True)
class CountedFeed:
    """A facet feed known by its counts alone (``Evaluator.counted``): a build whose feed's
    ``content`` matches its last one's keeps its files without reading a record."""

    feed: FeedDef
    total: int
    newest: datetime | None
    content: str  # changes whenever a record the feed selects (or its total) does

    @property
    def shown(self) -> int:
        return self.total if self.feed.limit <= 0 else min(self.total, self.feed.limit)


def stored_feed(feed: FeedDef, total: int, rows: Sequence[tuple[int, bytes]]) -> StoredFeed:
    # Not always the first row: a curated feed may rank by heat or quality.
    newest = moment(max(when for when, _ in rows)) if rows else None
    blobs = tuple(blob for _, blob in rows)
    # The build hashes these before any is decoded: a text value in a BLOB column is damage.
    if not all(type(blob) is bytes for blob in blobs):
        raise CacheDamaged("a stored record cannot be decoded")
    return StoredFeed(feed, total, newest, blobs)
