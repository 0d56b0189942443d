"""The one evaluator: feed definitions answered by SQL over the cache's indexed rows.

Visibility lives here and nowhere else: drafts (held back unless ``include_unpublished``) and
duplicates by ``sourceUrl`` (the newer record wins; on a tie, the first by path). Every caller,
a real build or ``check`` or ``build_records`` on an in-memory cache, gets the same answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from ..config import Site
from ..errors import Problem, printable
from ..feeddefs import FeedDef, FeedEntries, site_feeds
from .codec import db_path, decode, decode_record, encode, micros, moment
from .guard import CacheDamaged
from .storage import RecordCache


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

    @property
    def shown(self) -> int:
        return len(self.blobs)

    def load(self) -> FeedEntries:
        records = tuple(decode_record(blob) for blob in self.blobs)
        return FeedEntries(self.feed, records, self.total)


_SUMMARY = msgspec.msgpack.Decoder(tuple[str, Summary])


class Evaluator:
    """Answers feed definitions for one site from one cache, at one moment: the build's clock
    (``now``, aware; default the system time) decides which records are still scheduled."""

    def __init__(self, cache: RecordCache, site: Site, now: datetime | None = None) -> None:
        self._cache = cache
        self._db = cache.connection
        self._site = site
        self._now = micros(now if now is not None else datetime.now(UTC))

    def _visible(self, table: str = "") -> str:
        """The SQL condition of a visible record: not a draft (unless drafts are included) and
        not scheduled after the clock (unless future records are)."""
        rules = [] if self._site.include_unpublished else [f"{table}is_published"]
        if not self._site.include_future:
            rules.append(f"{table}published <= {self._now:d}")  # an int, never input
        return " AND ".join(rules) or "1"

    def _held_back_drafts(self) -> str:
        return "0" if self._site.include_unpublished else "NOT is_published"

    def scheduled(self) -> list[tuple[str, datetime]]:
        """Every record held back until its time (not drafts), soonest first: (path, time)."""
        if self._site.include_future:
            return []
        rows = self._db.execute(
            f"SELECT relpath, published FROM entries WHERE published > {self._now:d} "
            f"AND NOT ({self._held_back_drafts()}) ORDER BY published, relpath"
        )
        return [(relpath, moment(when)) for relpath, when in rows]

    def release_state(self) -> str:
        """Changes whenever the clock passes a release time: part of what a no-op rebuild
        compares, so a cron run after an embargo publishes though no file changed."""
        if self._site.include_future:
            return ""
        count, soonest = self._db.execute(
            f"SELECT COUNT(*), MIN(published) FROM entries WHERE published > {self._now:d}"
        ).fetchone()
        return f"{count}:{soonest}"

    def summary(self, key: str | None = None) -> Summary:
        """Counts and duplicates: what the rules make of every record. With a ``key`` naming
        the cache's content and the settings, the answer is kept in the cache and read back
        while the key holds (a rebuild with nothing changed then reads no row)."""
        if key is not None:
            blob = self._cache.saved("summary")
            if blob is not None:
                saved_key, summary = decode(_SUMMARY, blob, "the stored summary")
                if saved_key == key:
                    return summary
        losers, warnings = self._duplicates()
        summary = Summary(self._counts(len(losers)), frozenset(losers), tuple(warnings))
        if key is not None:
            self._cache.save("summary", encode((key, summary)))
        return summary

    def _duplicates(self) -> tuple[set[str], list[Problem]]:
        """Visible records that lose to another file with the same sourceUrl, each with a
        warning naming the winner: the newest wins, on a tie the first by path."""
        visible = self._visible()
        # Grouping 8-byte URL hashes over a covering index is ~10x faster than grouping URLs;
        # the URLs themselves then tell a rare hash collision apart.
        rows = self._db.execute(
            f"SELECT url, relpath FROM entries WHERE {visible} AND url_key IN "
            f"(SELECT url_key FROM entries WHERE {visible} GROUP BY url_key HAVING COUNT(*) > 1) "
            "ORDER BY url, published DESC, relpath"
        ).fetchall()
        losers: set[str] = set()
        warnings: list[Problem] = []
        winner_url, winner = None, ""
        for url, relpath in rows:
            if url != winner_url:
                winner_url, winner = url, relpath
                continue
            losers.add(relpath)
            shown = printable(winner)
            reason = f"same sourceUrl as {shown}; publishing only {shown}"
            warnings.append(Problem(relpath, reason, field="sourceUrl", severity="warning"))
        warnings.sort(key=lambda p: p.path)
        return losers, warnings

    def _counts(self, duplicates: int) -> Counts:
        db = self._db
        files, rejected = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(rejected), 0) FROM files"
        ).fetchone()
        held_back = db.execute(
            f"SELECT COUNT(*) FROM entries WHERE {self._held_back_drafts()}"
        ).fetchone()[0]
        scheduled = self.scheduled()
        published = files - rejected - held_back - len(scheduled) - duplicates
        next_release = scheduled[0][1] if scheduled else None
        return Counts(
            files, published, held_back, rejected, duplicates, len(scheduled), next_release
        )

    def feed_defs(self, summary: Summary) -> list[FeedDef]:
        """Every feed of the site: `all`, then each topic with a visible record, by slug."""
        self._exclude(summary.losers)
        return site_feeds(self._topic_names(), self._site)

    def _exclude(self, losers: frozenset[str]) -> None:
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS losers (relpath TEXT PRIMARY KEY)")
        db.execute("DELETE FROM losers")
        db.executemany(
            "INSERT INTO losers VALUES (CAST(? AS TEXT))", ((db_path(p),) for p in losers)
        )

    def _topic_names(self) -> list[str]:
        """One spelling per topic with a visible record: the first in path order (SQLite's
        MIN() picks that row's name)."""
        rows = self._db.execute(
            f"SELECT name, MIN(relpath) FROM entry_topics WHERE {self._visible()} "
            f"AND relpath NOT IN (SELECT relpath FROM temp.losers) GROUP BY topic_key"
        )
        return [name for name, _ in rows]

    def evaluate(self, feed: FeedDef) -> StoredFeed:
        """One feed's newest ``limit`` records (newest first, ties by URL) and its total,
        leaving out the losers ``feed_defs`` was given."""
        limit = feed.limit if feed.limit > 0 else -1
        if feed.kind == "all":
            where = f"{self._visible()} AND relpath NOT IN (SELECT relpath FROM temp.losers)"
            total = self._db.execute(f"SELECT COUNT(*) FROM entries WHERE {where}").fetchone()[0]
            rows = self._db.execute(
                f"SELECT published, record FROM entries WHERE {where} "
                "ORDER BY published DESC, url LIMIT ?",
                (limit,),
            ).fetchall()
        else:
            where = (
                f"t.topic_key = ? AND {self._visible('t.')} "
                "AND t.relpath NOT IN (SELECT relpath FROM temp.losers)"
            )
            total = self._db.execute(
                f"SELECT COUNT(*) FROM entry_topics t WHERE {where}", (feed.key,)
            ).fetchone()[0]
            rows = self._db.execute(
                "SELECT t.published, e.record FROM entry_topics t "
                f"JOIN entries e ON e.relpath = t.relpath WHERE {where} "
                "ORDER BY t.published DESC, t.url LIMIT ?",
                (feed.key, limit),
            ).fetchall()
        return _stored(feed, total, rows)


def _stored(feed: FeedDef, total: int, rows: Sequence[tuple[int, bytes]]) -> StoredFeed:
    newest = moment(rows[0][0]) if rows else None
    blobs = tuple(blob for _, blob in rows)
    # The build hashes these before any is decoded: a text value in a BLOB column is damage.
    if not all(type(blob) is bytes for blob in blobs):
        raise CacheDamaged("a stored record cannot be decoded")
    return StoredFeed(feed, total, newest, blobs)
