"""Record cache: validated records in SQLite, keyed by path, size and mtime, kept outside the
output folder, so a rebuild parses only the files that changed and reads back only each feed's
newest entries.

The cache never changes what is published: a corrupt, missing or out-of-date cache is rebuilt
silently, and a build from the cache gives the same bytes as a build from nothing.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from .config import Site
from .errors import ConfigError, Problem
from .model import Image, Provider, Record, RelatedLink
from .publish import file_lock, fsync_dir
from .topics import ALL_SLUG, Topic, dedupe, slugify, topic_key

SCHEMA_VERSION = 4  # bump with any change below: an older cache file is then started afresh
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    relpath TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    rejected INTEGER NOT NULL, problems BLOB
);
CREATE TABLE entries (
    relpath TEXT PRIMARY KEY, url TEXT NOT NULL, url_key INTEGER NOT NULL,
    published INTEGER NOT NULL, is_published INTEGER NOT NULL, record BLOB NOT NULL
);
CREATE TABLE entry_topics (
    topic_key TEXT NOT NULL, published INTEGER NOT NULL, url TEXT NOT NULL,
    relpath TEXT NOT NULL, name TEXT NOT NULL, is_published INTEGER NOT NULL
);
"""
# Secondary indexes: a fresh cache is bulk-loaded without them and they are built once at the
# end (one sort instead of 100,000 random B-tree inserts).
_INDEXES = """
CREATE INDEX entries_url_key ON entries (url_key, is_published);
CREATE INDEX entries_newest ON entries (is_published, published DESC, url);
CREATE INDEX entry_topics_newest
    ON entry_topics (topic_key, published DESC, url, relpath, is_published);
CREATE INDEX entry_topics_relpath ON entry_topics (relpath);
"""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cache_file(cache_dir: Path, input_dir: Path) -> Path:
    """The cache of one input folder: two sites sharing a cache folder (cron runs every job in
    $HOME, so both get ./.feedgen-news) must never see each other's records."""
    key = hashlib.sha256(os.path.realpath(input_dir).encode()).hexdigest()[:16]
    return cache_dir / f"records-{key}.sqlite3"


@contextmanager
def open_cache(
    cache_dir: Path,
    input_dir: Path,
    fingerprint: str,
    lock_timeout: float,
    *,
    wait: float | None = None,
) -> Iterator[RecordCache]:
    """The input folder's cache, locked: two builds of one input folder into two output folders
    take turns, like two builds into one output folder."""
    path = cache_file(cache_dir, input_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    busy = f"{path}: another build is using this cache"
    with file_lock(path.with_suffix(".lock"), lock_timeout, busy, wait=wait):
        cache = RecordCache(path, fingerprint)
        try:
            yield cache
        finally:
            cache.close()


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One input file's outcome, ready to store: the record (if accepted) and its problems.

    Problems name the file by ``relpath``; callers relabel them for display.
    """

    relpath: str
    size: int
    mtime_ns: int
    record: Record | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    """What the publishing rules make of the cache's records, besides the feeds themselves."""

    counts: Counts
    losers: frozenset[str]  # paths of records that lose to a duplicate sourceUrl
    duplicate_warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class Counts:
    files: int
    published: int  # records that will appear in feeds (visible, after de-duplication)
    held_back: int  # published: false, not included
    rejected: int
    duplicates: int


def url_key(url: str) -> int:
    """A signed 64-bit hash of a URL, for SQLite's INTEGER."""
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big", signed=True)


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class Rows(NamedTuple):
    """A ParsedFile as table rows: made in the parser processes, so the writer only inserts.
    A tuple: it crosses from worker to writer by pickle, and tuples pickle in C."""

    file: tuple[str, int, int, bool, bytes | None]
    entry: tuple[str, str, int, int, bool, bytes] | None
    topics: tuple[tuple[str, int, str, str, str, bool], ...]


def encode_record(r: Record) -> bytes:
    """A record as the cache stores it: a pickled tuple of plain values, dates as microseconds.
    Half the cost of pickling the dataclasses (an aware datetime alone costs ~5 us)."""
    p = r.provider
    return pickle.dumps(
        (
            r.path,
            r.url,
            r.title,
            _micros(r.published),
            r.excerpt,
            r.body,
            r.amp_url,
            r.amp_cache_url,
            None if p is None else (p.name, p.url),
            r.topics,
            r.category,
            tuple((i.url, i.width, i.height, i.title) for i in r.images),
            tuple(
                (
                    link.url,
                    link.title,
                    None if link.provider is None else (link.provider.name, link.provider.url),
                    None if link.published is None else _micros(link.published),
                )
                for link in r.related
            ),
            r.is_published,
        ),
        protocol=5,
    )


def decode_record(blob: bytes) -> Record:
    """The record ``encode_record`` stored."""
    (path, url, title, published, excerpt, body, amp, amp_cache, provider, topics, category,
     images, related, is_published) = pickle.loads(blob)  # fmt: skip
    return Record(
        path,
        url,
        title,
        _moment(published),
        excerpt,
        body,
        amp,
        amp_cache,
        None if provider is None else Provider(*provider),
        topics,
        category,
        tuple(Image(*image) for image in images),
        tuple(
            RelatedLink(
                link_url,
                link_title,
                None if link_provider is None else Provider(*link_provider),
                None if link_published is None else _moment(link_published),
            )
            for link_url, link_title, link_provider, link_published in related
        ),
        is_published,
    )


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def prepare(parsed: ParsedFile) -> Rows:
    """Pickle and index one parsed file for ``RecordCache.store``."""
    problems = pickle.dumps(parsed.problems, protocol=5) if parsed.problems else None
    r = parsed.record
    file_row = (parsed.relpath, parsed.size, parsed.mtime_ns, r is None, problems)
    if r is None:
        return Rows(file_row, None, ())
    when = _micros(r.published)
    entry = (
        parsed.relpath,
        r.url,
        url_key(r.url),
        when,
        r.is_published,
        encode_record(r),
    )
    topics: dict[str, tuple[str, int, str, str, str, bool]] = {}
    for name in r.topics:
        key = topic_key(name)
        if key not in topics:
            topics[key] = (key, when, r.url, parsed.relpath, name.strip(), r.is_published)
    return Rows(file_row, entry, tuple(topics.values()))


class RecordCache:
    """A SQLite file of ParsedFiles. ``fingerprint`` names everything that changes how a file
    parses (package version, parse settings): a different one starts the cache afresh."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self._fingerprint = fingerprint = f"schema={SCHEMA_VERSION}|{fingerprint}"
        path.parent.mkdir(parents=True, exist_ok=True)
        # A bulk load's file, left by a killed build: under the lock it is nobody's, and an
        # incremental build would never replace it.
        self._bulk_path().unlink(missing_ok=True)
        try:
            self._db = self._open(fingerprint)
        except sqlite3.OperationalError as exc:
            raise ConfigError(f"{path}: cannot use the record cache: {exc}") from None
        except sqlite3.DatabaseError:
            # Corrupt or foreign file: a cache is disposable, so start again.
            for leftover in (path, *_sidecars(path)):
                leftover.unlink(missing_ok=True)
            self._db = self._open(fingerprint)

    def _open(self, fingerprint: str) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a power cut may lose the last transactions but never corrupts a WAL
            # database; a rarer checkpoint (40 MB) keeps big updates from fsyncing every 4 MB.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA wal_autocheckpoint=10000")
            row = None
            has_meta = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            if has_meta:
                row = db.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
            if row is None or row[0] != fingerprint:
                tables = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
                db.execute("BEGIN IMMEDIATE")
                for (name,) in tables:
                    db.execute(f'DROP TABLE IF EXISTS "{name}"')
                _create_tables(db, fingerprint)
                _execute_script(db, _INDEXES)
                db.execute("COMMIT")
            db.execute("SELECT COUNT(*) FROM files").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Fill an empty cache fast: ``store`` writes to a new file with no journal and no
        indexes (half the cost of WAL inserts), which replaces the cache file only once it is
        complete, indexed and on disk. An exception or a kill leaves the old file in place."""
        fresh = self._bulk_path()
        fresh.unlink(missing_ok=True)
        bulk = None
        try:
            # Inside the try: a signal that arrives while the file is created is raised just
            # after connect() returns, and must still remove it.
            bulk = sqlite3.connect(fresh, isolation_level=None)
            # 16 KiB pages: a quarter of the page writes of the default 4 KiB for a bulk load of
            # 1.5 KB records, and still small for the WAL of an incremental update.
            bulk.execute("PRAGMA page_size=16384")
            bulk.execute("PRAGMA journal_mode=OFF")
            bulk.execute("PRAGMA synchronous=OFF")
            bulk.execute("BEGIN")
            _create_tables(bulk, self._fingerprint)
            bulk.execute("COMMIT")
            previous, self._db = self._db, bulk
            try:
                yield
                _execute_script(bulk, _INDEXES)
            finally:
                self._db = previous
            bulk.close()
            with fresh.open("rb") as f:
                os.fsync(f.fileno())
            # Closing the last connection checkpoints the old file and deletes its WAL, which
            # must not outlive it: SQLite would replay it into the new file.
            self._db.close()
            for leftover in _sidecars(self.path):
                leftover.unlink(missing_ok=True)
            fresh.replace(self.path)
            fsync_dir(self.path.parent)
        except BaseException:
            if bulk is not None:
                bulk.close()
            fresh.unlink(missing_ok=True)
            raise
        finally:
            if not _is_open(self._db):
                self._db = self._open(self._fingerprint)

    def _bulk_path(self) -> Path:
        return self.path.with_name(self.path.name + ".new")

    def close(self) -> None:
        self._db.close()
        # A bulk load stopped where its own cleanup could not run (a signal raised between
        # two statements of the context manager's machinery) leaves no half-built file.
        self._bulk_path().unlink(missing_ok=True)

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None

    def iter_stats(self) -> Iterator[tuple[str, int, int]]:
        """(relpath, size, mtime_ns) of every file the cache knows, sorted by relpath (SQLite's
        BINARY order of UTF-8 is Python's order of code points), as a stream.

        Read through a second connection in one read transaction: in WAL mode that is a
        snapshot, so this build's own writes while the stream is consumed do not show up in it.
        """
        reader = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            reader.execute("BEGIN")
            yield from reader.execute("SELECT relpath, size, mtime_ns FROM files ORDER BY relpath")
            reader.execute("COMMIT")
        finally:
            reader.close()

    def store(
        self, rows: Iterable[Rows], removed: Iterable[str] = (), *, replacing: bool = True
    ) -> None:
        """Store prepared rows (see ``prepare``) and forget the removed files, in one transaction.

        ``replacing=False`` promises these files are new to the cache, which skips the deletes.
        """
        db = self._db
        rows = list(rows)
        db.execute("BEGIN IMMEDIATE")
        try:
            gone = [(relpath,) for relpath in removed]
            if replacing:
                gone.extend((r.file[0],) for r in rows)
            for table in ("files", "entries", "entry_topics"):
                db.executemany(f"DELETE FROM {table} WHERE relpath=?", gone)
            db.executemany("INSERT INTO files VALUES (?,?,?,?,?)", (r.file for r in rows))
            db.executemany(
                "INSERT INTO entries VALUES (?,?,?,?,?,?)", (r.entry for r in rows if r.entry)
            )
            db.executemany(
                "INSERT INTO entry_topics VALUES (?,?,?,?,?,?)", (t for r in rows for t in r.topics)
            )
            if rows or gone:
                db.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def token(self) -> str:
        """Changes whenever the cache's content does (and differs between cache files)."""
        rows = dict(
            self._db.execute("SELECT key, value FROM meta WHERE key IN ('id', 'generation')")
        )
        return f"{rows['id']}:{rows['generation']}"

    def summary(self, key: str) -> Summary | None:
        """The summary saved under ``key`` (see ``save_summary``), if it is the latest one."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'summary'").fetchone()
        if row is None:
            return None
        saved: tuple[str, Summary] = pickle.loads(row[0])
        return saved[1] if saved[0] == key else None

    def save_summary(self, key: str, summary: Summary) -> None:
        """Keep what a no-op rebuild would otherwise recompute from every row."""
        blob = pickle.dumps((key, summary), protocol=5)
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('summary', ?)", (blob,))

    def problems(self) -> list[Problem]:
        """Every stored problem, in path order."""
        out: list[Problem] = []
        for (blob,) in self._db.execute(
            "SELECT problems FROM files WHERE problems IS NOT NULL ORDER BY relpath"
        ):
            out.extend(pickle.loads(blob))
        return out

    def _visible(self, site: Site, table: str = "") -> str:
        return "1" if site.include_unpublished else f"{table}is_published"

    def duplicates(self, site: Site) -> tuple[set[str], list[Problem]]:
        """Paths of visible records that lose to another file with the same sourceUrl, and a
        warning for each (same rule as ``topics.dedupe``)."""
        visible = self._visible(site)
        # Grouping 8-byte integers over a covering index is ~10x faster than grouping URLs;
        # a rare hash collision only means dedupe() below sees records it keeps apart.
        keys = [
            k
            for (k,) in self._db.execute(
                f"SELECT url_key FROM entries WHERE {visible} GROUP BY url_key HAVING COUNT(*) > 1"
            )
        ]
        losers: set[str] = set()
        warnings: list[Problem] = []
        for key in keys:
            records = [
                decode_record(b)
                for (b,) in self._db.execute(
                    f"SELECT record FROM entries WHERE url_key=? AND {visible}",
                    (key,),
                )
            ]
            kept, problems = dedupe(records)
            kept_paths = {r.path for r in kept}
            losers.update(r.path for r in records if r.path not in kept_paths)
            warnings.extend(problems)
        warnings.sort(key=lambda p: p.path)
        return losers, warnings

    def counts(self, site: Site, losers: AbstractSet[str]) -> Counts:
        db = self._db
        files, rejected = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(rejected), 0) FROM files"
        ).fetchone()
        drafts = db.execute("SELECT COUNT(*) FROM entries WHERE NOT is_published").fetchone()[0]
        accepted = files - rejected
        held_back = 0 if site.include_unpublished else drafts
        return Counts(files, accepted - held_back - len(losers), held_back, rejected, len(losers))

    def topics(self, site: Site, losers: AbstractSet[str]) -> list[Topic]:
        """The `all` feed, then every topic with a visible record, ordered by slug: the same
        Topics ``topics.group`` makes from the same records, reading only each feed's newest."""
        return [head.load() for head in self.feeds(site, losers)]

    def topic_count(self, site: Site, losers: AbstractSet[str]) -> int:
        """How many topic feeds ``feeds()`` would return (besides `all`), without reading them."""
        not_loser = self._set_losers(losers)
        return int(
            self._db.execute(
                f"SELECT COUNT(DISTINCT topic_key) FROM entry_topics "
                f"WHERE {self._visible(site)} AND {not_loser}"
            ).fetchone()[0]
        )

    def _set_losers(self, losers: AbstractSet[str]) -> str:
        """Fill the temporary table of losers; returns the SQL condition that leaves them out."""
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS losers (relpath TEXT PRIMARY KEY)")
        db.execute("DELETE FROM losers")
        db.executemany("INSERT INTO losers VALUES (?)", ((p,) for p in losers))
        return "relpath NOT IN (SELECT relpath FROM temp.losers)"

    def feeds(self, site: Site, losers: AbstractSet[str]) -> list[FeedHead]:
        """``topics()`` before unpickling: each feed's newest records as stored bytes, so a
        build can tell which feeds changed and read the records of those only."""
        db = self._db
        visible = self._visible(site)
        limit = site.limit if site.limit > 0 else -1
        not_loser = self._set_losers(losers)

        total_all = db.execute(
            f"SELECT COUNT(*) FROM entries WHERE {visible} AND {not_loser}"
        ).fetchone()[0]
        rows = db.execute(
            f"SELECT published, record FROM entries WHERE {visible} AND {not_loser} "
            "ORDER BY published DESC, url LIMIT ?",
            (limit,),
        ).fetchall()
        result = [_head(ALL_SLUG, site.title, site.title, ALL_SLUG, total_all, rows)]

        # The first spelling in path order names a topic: SQLite's MIN() picks that row's name.
        named = db.execute(
            f"SELECT topic_key, name, MIN(relpath), COUNT(*) FROM entry_topics "
            f"WHERE {visible} AND {not_loser} GROUP BY topic_key"
        ).fetchall()
        for slug, key, name, total in sorted(
            (slugify(name), key, name, total) for key, name, _, total in named
        ):
            rows = db.execute(
                f"SELECT t.published, e.record FROM entry_topics t "
                f"JOIN entries e ON e.relpath = t.relpath "
                f"WHERE t.topic_key = ? AND {self._visible(site, 't.')} AND t.{not_loser} "
                "ORDER BY t.published DESC, t.url LIMIT ?",
                (key, limit),
            ).fetchall()
            title = f"{site.title} — {name}"
            result.append(_head(slug, name, title, f"topics/{slug}", total, rows))
        return result


def _create_tables(db: sqlite3.Connection, fingerprint: str) -> None:
    """The schema without its indexes, and a new identity (inside the caller's transaction)."""
    _execute_script(db, _SCHEMA)
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("fingerprint", fingerprint), ("id", secrets.token_hex(8)), ("generation", "0")],
    )


def _execute_script(db: sqlite3.Connection, script: str) -> None:
    """Each statement of ``script`` (``executescript`` would commit the caller's transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _is_open(db: sqlite3.Connection) -> bool:
    try:
        db.execute("SELECT 1")
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return False
    return True


@dataclass(frozen=True, slots=True)
class FeedHead:
    """A feed as stored: its identity, counts and newest records still encoded (a ``FeedInfo``)."""

    slug: str
    name: str
    title: str
    relpath: str
    total: int
    newest: datetime | None
    blobs: tuple[bytes, ...]

    @property
    def shown(self) -> int:
        return len(self.blobs)

    @property
    def is_all(self) -> bool:
        return self.relpath == ALL_SLUG

    def load(self) -> Topic:
        records = tuple(decode_record(blob) for blob in self.blobs)
        return Topic(self.slug, self.name, self.title, self.relpath, records, self.total)


def _head(
    slug: str, name: str, title: str, relpath: str, total: int, rows: list[tuple[int, bytes]]
) -> FeedHead:
    newest = _moment(rows[0][0]) if rows else None
    return FeedHead(slug, name, title, relpath, total, newest, tuple(blob for _, blob in rows))


def relabel(problems: Iterable[Problem], prefix: str) -> list[Problem]:
    """Problems name files by relpath in the cache; show them as the user spelled the input."""
    prefix = prefix.rstrip("/")
    return [replace(p, path=f"{prefix}/{p.path}" if prefix else p.path) for p in problems]
