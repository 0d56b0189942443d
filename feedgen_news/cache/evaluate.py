"""The one evaluator: feed definitions answered by SQL over the cache's indexed rows.

Visibility lives here and nowhere else: drafts (held back unless ``include_unpublished``) and
duplicates by ``sourceUrl`` (the newer record wins; on a tie, the first by path). Every caller,
a real build or ``check`` or ``build_records`` on an in-memory cache, gets the same answers.
A facet feed is one range of the facet index; a curated feed one query whose filters are
index lookups (``curated_query``).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import msgspec

from ..config import Site
from ..curated import Selector
from ..errors import Problem, printable
from ..feeddefs import FACET_KINDS, FeedDef, site_feeds
from ..keys import PROVIDER, fold
from .answers import CountedFeed, Counts, StoredFeed, Summary, stored_feed
from .codec import db_path, decode, encode, micros, moment
from .curated import CuratedQuery, curated_query
from .storage import RecordCache

_SUMMARY = msgspec.msgpack.Decoder(tuple[str, Summary])
_EARLIEST = -(2**63)  # below every stored date (microseconds; dates before 1970 are negative)


class Evaluator:
    """Answers feed definitions for one site from one cache, at one moment: ``now``, the
    build's clock (aware; default the system time), decides which records are still scheduled
    and from when a curated feed's ``max_age_hours`` is measured."""

    def __init__(self, cache: RecordCache, site: Site, now: datetime | None = None) -> None:
        self._cache = cache
        self._db = cache.connection
        self._site = site
        self._now = datetime.now(UTC) if now is None else now
        self._providers: dict[str, set[str]] | None = None  # folded name -> provider keys
        # (facet, key) -> (visible records, newest, sum of their digests): see ``counted``
        self._facet_counts: dict[tuple[str, str], tuple[int, int, int]] = {}
        self._visible_records: int | None = None
        self._now_us = micros(self._now)  # the same moment as SQL compares it

    def _visible(self, table: str = "") -> str:
        """The SQL condition of a visible record: not a draft (unless drafts are included) and
        not scheduled after the clock (unless future records are)."""
        rules = [] if self._site.include_unpublished else [f"{table}is_published"]
        if not self._site.include_future:
            rules.append(f"{table}published <= {self._now_us:d}")  # an int, never input
        return " AND ".join(rules) or "1"

    def _held_back_drafts(self) -> str:
        return "0" if self._site.include_unpublished else "NOT is_published"

    def scheduled(self) -> list[tuple[str, datetime]]:
        """Every record held back until its time (not drafts), soonest first: (path, time)."""
        if self._site.include_future:
            return []
        # Written as ranges of the newest index (is_published first), not a scan of every row.
        kinds = "(0, 1)" if self._site.include_unpublished else "(1)"
        rows = self._db.execute(
            f"SELECT relpath, published FROM entries WHERE is_published IN {kinds} "
            f"AND published > {self._now_us:d} ORDER BY published, relpath"
        )
        return [(relpath, moment(when)) for relpath, when in rows]

    def release_state(self) -> str:
        """Changes whenever the clock passes a release time: part of what a no-op rebuild
        compares, so a cron run after an embargo publishes though no file changed."""
        if self._site.include_future:
            return ""
        count, soonest = self._db.execute(
            "SELECT COUNT(*), MIN(published) FROM entries WHERE is_published IN (0, 1) "
            f"AND published > {self._now_us:d}"
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
        # Grouping 8-byte URL hashes over a covering index (visibility included: 0.02 s at
        # 100,000 records, not 0.4 s) is far faster than grouping URLs; the URLs themselves
        # then tell a rare hash collision apart.
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
        """Every feed of the site: `all`, each value of each published facet with a visible
        record (by name), then the curated feeds."""
        self._exclude(summary.losers)
        self._visible_records = summary.counts.published  # the `all` feed's total
        return site_feeds(self._facet_values(), self._site)

    def _exclude(self, losers: frozenset[str]) -> None:
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS losers (relpath TEXT PRIMARY KEY)")
        db.execute("DELETE FROM losers")
        db.executemany(
            "INSERT INTO losers VALUES (CAST(? AS TEXT))", ((db_path(p),) for p in losers)
        )

    def _facet_values(self) -> list[tuple[str, str, str]]:
        """(facet, key, name) of each value with a visible record, of the facets the site
        publishes: named by the first spelling in path order (SQLite's MIN() picks that row's
        name). One range of the facet index per facet, which also counts each value's
        records for ``counted``."""
        values: list[tuple[str, str, str]] = []
        for facet in self._site.facets:
            where = (
                f"facet = ? AND {self._visible()} "
                "AND relpath NOT IN (SELECT relpath FROM temp.losers)"
            )
            rows = self._db.execute(
                f"SELECT key, name, MIN(relpath) FROM entry_facets WHERE {where} GROUP BY key",
                (facet,),
            )
            values += [(facet, key, name) for key, name, _ in rows]
            # Apart: with a second min() or max(), SQLite may take `name` from either's row.
            for key, count, newest, digests in self._db.execute(
                "SELECT key, COUNT(*), MAX(published), SUM(digest) FROM entry_facets "
                f"WHERE {where} GROUP BY key",
                (facet,),
            ):
                self._facet_counts[facet, key] = (count, newest, digests)
        return values

    def counted(self, feed: FeedDef) -> CountedFeed | None:
        """A facet feed from the counts ``feed_defs`` took, or None for other feeds. Its
        ``content`` names every record it selects (by the digests of their stored bytes), so
        an equal one means equal entries, page and total."""
        facet = feed.facet
        if facet is None or (facet, feed.key) not in self._facet_counts:
            return None
        total, newest, digests = self._facet_counts[facet, feed.key]
        content = f"{total}:{newest}:{digests}"
        return CountedFeed(feed, total, moment(newest), content)

    def evaluate(self, feed: FeedDef) -> StoredFeed:
        """One feed's first ``limit`` records in its order (newest first, ties by URL; a
        curated feed may rank by heat or quality first) and its total, leaving out the losers
        ``feed_defs`` was given (a facet feed's total as ``feed_defs`` counted it)."""
        limit = feed.limit if feed.limit > 0 else -1
        if feed.kind == "all":
            where = f"{self._visible()} AND relpath NOT IN (SELECT relpath FROM temp.losers)"
            total = self._visible_records
            if total is None:  # counted with the summary, or else here (a scan of every row)
                total = self._db.execute(f"SELECT COUNT(*) FROM entries WHERE {where}").fetchone()[
                    0
                ]
            rows = self._db.execute(
                f"SELECT published, record FROM entries WHERE {where} "
                "ORDER BY published DESC, url LIMIT ?",
                (limit,),
            ).fetchall()
        elif feed.kind in FACET_KINDS.values():
            where = (
                f"t.facet = ? AND t.key = ? AND {self._visible('t.')} "
                "AND t.relpath NOT IN (SELECT relpath FROM temp.losers)"
            )
            params = (feed.facet, feed.key)
            counted = self._facet_counts.get((feed.facet, feed.key)) if feed.facet else None
            if counted is not None:
                total = counted[0]
            else:
                total = self._db.execute(
                    f"SELECT COUNT(*) FROM entry_facets t WHERE {where}", params
                ).fetchone()[0]
            # Ties on the date are broken by URL, which the index does not hold: sorting by it
            # would read every row of the value. So first the date of the `limit`-th newest
            # (from the index alone), then only rows from that date on are joined and sorted.
            cutoff = ""
            if limit > 0:
                cutoff = (
                    "AND t.published >= COALESCE((SELECT t.published FROM entry_facets t "
                    f"WHERE {where} ORDER BY t.published DESC LIMIT 1 OFFSET ?), {_EARLIEST}) "
                )
            rows = self._db.execute(
                "SELECT t.published, e.record FROM entry_facets t "
                f"JOIN entries e ON e.relpath = t.relpath WHERE {where} {cutoff}"
                "ORDER BY t.published DESC, e.url LIMIT ?",
                (*params, *((*params, limit - 1) if limit > 0 else ()), limit),
            ).fetchall()
        else:
            assert feed.selector is not None
            query = self._curated(feed.selector)
            where = (
                f"{self._visible('e.')} AND e.relpath NOT IN (SELECT relpath FROM temp.losers) "
                f"AND {query.where}"
            )
            # One pass over the selected rows counts them (the window) and keeps the first
            # `limit`; only those rows' records are read (half the time of COUNT, then rows).
            found = self._db.execute(
                "SELECT t.published, x.record, t.total FROM ("
                "SELECT e.rowid AS id, e.published, e.url, e.heat, e.quality, "
                f"COUNT(*) OVER () AS total FROM entries e WHERE {where} "
                f"ORDER BY {query.order_by('e')} LIMIT ?"
                f") t JOIN entries x ON x.rowid = t.id ORDER BY {query.order_by('t')}",
                (*query.params, limit),
            ).fetchall()
            total = found[0][2] if found else 0
            rows = [(published, record) for published, record, _ in found]
        return stored_feed(feed, total, rows)

    def _curated(self, selector: Selector) -> CuratedQuery:
        """A curated feed's query. Its ``providers`` name a provider by domain, or by name:
        those are looked up among the providers' spellings (once, and only if a feed names
        one), as a provider with a domain is keyed by it."""
        keys: list[str] = []
        if selector.providers:
            if self._providers is None:
                self._providers = {}
                for key, name in self._db.execute(
                    "SELECT DISTINCT key, name FROM entry_facets WHERE facet = ?", (PROVIDER,)
                ):
                    self._providers.setdefault(fold(name), set()).add(key)
            for value in selector.providers:
                keys += sorted(self._providers.get(fold(value), ()))
        return curated_query(selector, self._now, keys)

    def expires(self, feeds: Sequence[FeedDef]) -> datetime | None:
        """When the first record these feeds select now leaves a curated feed's
        ``max_age_hours`` window: until then, with the same records, the feeds stay as they
        are; None if no such feed selects a record."""
        ends: list[datetime] = []
        for feed in feeds:
            if feed.selector is None or feed.selector.max_age_hours is None:
                continue
            query = self._curated(feed.selector)
            (oldest,) = self._db.execute(
                f"SELECT MIN(e.published) FROM entries e WHERE {self._visible('e.')} "
                "AND e.relpath NOT IN (SELECT relpath FROM temp.losers) "
                f"AND {query.where}",
                query.params,
            ).fetchone()
            # Past the last date there is (a huge max_age_hours): never.
            with suppress(OverflowError):
                if oldest is not None:
                    ends.append(moment(oldest) + timedelta(hours=feed.selector.max_age_hours))
        return min(ends, default=None)
