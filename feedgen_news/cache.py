"""Record cache: validated records in SQLite, keyed by path, size and mtime, kept outside the
output folder, so a rebuild parses only the files that changed and reads back only each feed's
newest entries.

The cache never changes what is published: a missing or out-of-date cache is rebuilt silently,
a damaged one is set aside and rebuilt with a warning (``cache_guard``), and a build from the
cache gives the same bytes as a build from nothing. Rows are MessagePack decoded only into the
typed model (msgspec): reading the cache never runs code, whoever wrote the file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import msgspec

from .cache_guard import CacheDamaged, check_file, set_aside, tidy, translate
from .config import Site
from .errors import Problem, StorageError, printable
from .layout import ALL_SLUG, is_all, topic_folder
from .model import Record
from .publish import file_lock, fsync_dir
from .topics import Topic, dedupe, slugify, topic_key

SCHEMA_VERSION = 5  # bump with any change below: an older cache file is then started afresh
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
_TABLES = ("meta", "files", "entries", "entry_topics")
_META_ROWS = ("id", "generation")  # besides the fingerprint


def _db_path(relpath: str) -> str | bytes:
    """A relpath as the cache binds it, always as ``CAST(? AS TEXT)``. A file name that is not
    UTF-8 holds surrogate escapes, which sqlite3 refuses: it goes in as the bytes of its code
    points (``surrogatepass``), which sort among other rows as the str sorts among strs, and
    which ``_text`` turns back into the same str. Two such names never collide."""
    return relpath if relpath.isascii() else relpath.encode("utf-8", "surrogatepass")


def _text(data: bytes) -> str:
    """The cache's text factory: reads back what ``_db_path`` stored (else plain UTF-8)."""
    return data.decode("utf-8", "surrogatepass")


def cache_file(cache_dir: Path, input_dir: Path) -> Path:
    """The cache of one input folder: two sites sharing a cache folder (cron runs every job in
    $HOME, so both get ./.feedgen-news) must never see each other's records."""
    key = hashlib.sha256(os.fsencode(os.path.realpath(input_dir))).hexdigest()[:16]
    return cache_dir / f"records-{key}.sqlite3"


@contextmanager
def open_cache(
    cache_dir: Path,
    input_dir: Path,
    fingerprint: str,
    lock_timeout: float,
    *,
    wait: float | None = None,
    replaceable: bool = True,
) -> Iterator[RecordCache]:
    """The input folder's cache, locked: two builds of one input folder into two output folders
    take turns, like two builds into one output folder.

    A cache found unusable, on opening or while in use, is set aside under the lock and
    CacheDamaged raised again with the user's warning: the caller starts again (with
    ``replaceable=False`` when it was emptied in place). A full disk raises StorageError.
    """
    path = cache_file(cache_dir, input_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    busy = f"{printable(str(path))}: another build is using this cache"
    with file_lock(path.with_suffix(".lock"), lock_timeout, busy, wait=wait):
        try:
            cache = RecordCache(path, fingerprint, replaceable=replaceable)
            try:
                yield cache
            finally:
                cache.close()
            return
        except sqlite3.Error as exc:
            meaning = translate(exc, path)
            if not isinstance(meaning, CacheDamaged):
                tidy(path)
                if meaning is exc:
                    raise
                raise meaning from None
            damage = meaning
        except CacheDamaged as exc:
            damage = exc
        raise set_aside(path, damage.reason)


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


T = TypeVar("T")
_ENCODER = msgspec.msgpack.Encoder()
# MessagePack strings are UTF-8, so a value holding a lone surrogate (a file name's undecodable
# byte, kept by surrogateescape) cannot be encoded as is. Such a value is stored with each of
# those strings escaped, and the blob starts with this byte, which no MessagePack array or map
# starts with; only such blobs are walked again when decoded.
_ESCAPED = b"\x00"
_STR_ESCAPE = "\x00"  # before a string stored as the Latin-1 text of its surrogatepass bytes
# Typed decoders: each builds only these frozen dataclasses from plain values, checking every
# field's type, and fails on anything else (a pickle, a truncated row, a wrong type).
_RECORD = msgspec.msgpack.Decoder(Record)
_PROBLEMS = msgspec.msgpack.Decoder(tuple[Problem, ...])
_SUMMARY = msgspec.msgpack.Decoder(tuple[str, Summary])


class Rows(NamedTuple):
    """A ParsedFile as table rows: made in the parser processes, so the writer only inserts.
    A tuple: it crosses from worker to writer by pickle, and tuples pickle in C."""

    file: tuple[str | bytes, int, int, bool, bytes | None]
    entry: tuple[str | bytes, str, int, int, bool, bytes] | None
    topics: tuple[tuple[str, int, str, str | bytes, str, bool], ...]


def _encode(value: object) -> bytes:
    """MessagePack of ``value``; one holding undecodable file-name bytes goes the slow way."""
    try:
        return _ENCODER.encode(value)
    except UnicodeEncodeError:
        return _ESCAPED + _ENCODER.encode(_walk(value, _escape_str))


def _decode(decoder: msgspec.msgpack.Decoder[T], blob: bytes) -> T:
    if blob[:1] == _ESCAPED:
        restored: T = _walk(decoder.decode(blob[1:]), _unescape_str)
        return restored
    return decoder.decode(blob)


def _escape_str(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _STR_ESCAPE + text.encode("utf-8", "surrogatepass").decode("latin-1")
    return text


def _unescape_str(text: str) -> str:
    if text.startswith(_STR_ESCAPE):
        return text[1:].encode("latin-1").decode("utf-8", "surrogatepass")
    return text


def _walk(value: Any, fix: Callable[[str], str]) -> Any:
    """``value`` with ``fix`` applied to every string in it (dataclasses, tuples, sets)."""
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, tuple | list | frozenset | set):
        return type(value)(_walk(item, fix) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _walk(getattr(value, f.name), fix) for f in fields(value)})
    return value


def encode_record(r: Record) -> bytes:
    """A record as the cache stores it: MessagePack of its fields by name (msgspec encodes the
    dataclasses in C, dates as timestamps): two thirds of the time of pickling a tuple of them,
    and half the time to decode."""
    return _encode(r)


def decode_record(blob: bytes) -> Record:
    """The record ``encode_record`` stored; CacheDamaged if it is anything else."""
    try:
        record = _decode(_RECORD, blob)
    except (msgspec.DecodeError, TypeError):  # ValidationError too; TypeError: a str
        raise CacheDamaged("a stored record cannot be decoded") from None
    # Dates are stored as timestamps, which decode in UTC as every parsed date is; a date from
    # a string could be naive (which breaks sorting) or in another zone (which changes output).
    if record.published.tzinfo is not UTC or any(
        link.published is not None and link.published.tzinfo is not UTC for link in record.related
    ):
        raise CacheDamaged("a stored record cannot be decoded")
    return record


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def prepare(parsed: ParsedFile) -> Rows:
    """Encode and index one parsed file for ``RecordCache.store``."""
    problems = _encode(parsed.problems) if parsed.problems else None
    r = parsed.record
    relpath = _db_path(parsed.relpath)
    file_row = (relpath, parsed.size, parsed.mtime_ns, r is None, problems)
    if r is None:
        return Rows(file_row, None, ())
    when = _micros(r.published)
    entry = (
        relpath,
        r.url,
        url_key(r.url),
        when,
        r.is_published,
        encode_record(r),
    )
    topics: dict[str, tuple[str, int, str, str | bytes, str, bool]] = {}
    for name in r.topics:
        key = topic_key(name)
        if key not in topics:
            topics[key] = (key, when, r.url, relpath, name.strip(), r.is_published)
    return Rows(file_row, entry, tuple(topics.values()))


class RecordCache:
    """A SQLite file of ParsedFiles. ``fingerprint`` names everything that changes how a file
    parses (package version, parse settings): a different one starts the cache afresh."""

    def __init__(self, path: Path, fingerprint: str, *, replaceable: bool = True) -> None:
        """Raises CacheDamaged (or sqlite3.Error) for a file that cannot serve as it is; see
        ``open_cache``. ``replaceable=False``: a fresh cache is filled in place (``bulk_load``
        would replace the file)."""
        self.path = path
        self._fingerprint = fingerprint = f"schema={SCHEMA_VERSION}|{fingerprint}"
        self._replaceable = replaceable
        path.parent.mkdir(parents=True, exist_ok=True)
        check_file(path)
        self._db = self._open(fingerprint)

    def _open(self, fingerprint: str) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        db.text_factory = _text
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a power cut may lose the last transactions but never corrupts a WAL
            # database; a rarer checkpoint (40 MB) keeps big updates from fsyncing every 4 MB.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA wal_autocheckpoint=10000")
            row = None
            tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            if "meta" in tables:
                row = db.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
            if row is None or row[0] != fingerprint:
                # New, or written by another version or with other settings: start afresh.
                db.execute("BEGIN IMMEDIATE")
                for name in tables:
                    db.execute(f'DROP TABLE IF EXISTS "{name}"')
                _create_tables(db, fingerprint)
                _execute_script(db, _INDEXES)
                db.execute("COMMIT")
            else:
                _check_complete(db, tables)
        except BaseException:
            db.close()
            raise
        return db

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Fill an empty cache fast: ``store`` writes to a new file with no journal and no
        indexes (half the cost of WAL inserts), which replaces the cache file only once it is
        complete, indexed and on disk. An exception or a kill leaves the old file in place.
        A cache that cannot be replaced is filled in place, row by row."""
        if not self._replaceable:
            yield
            return
        fresh = self.path.with_name(self.path.name + ".new")
        fresh.unlink(missing_ok=True)
        bulk = sqlite3.connect(fresh, isolation_level=None)
        bulk.text_factory = _text
        try:
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
        except BaseException as exc:
            bulk.close()
            fresh.unlink(missing_ok=True)
            # A sync can be where a full disk shows (delayed allocation): name the cache.
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageError(f"no space left on device: {self.path}") from None
            raise
        finally:
            if not _is_open(self._db):
                self._db = self._open(self._fingerprint)

    def close(self) -> None:
        self._db.close()

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None

    def iter_stats(self) -> Iterator[tuple[str, int, int]]:
        """(relpath, size, mtime_ns) of every file the cache knows, sorted by relpath (SQLite's
        BINARY order of UTF-8 is Python's order of code points), as a stream.

        Read through a second connection in one read transaction: in WAL mode that is a
        snapshot, so this build's own writes while the stream is consumed do not show up in it.
        """
        reader = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        reader.text_factory = _text
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
            gone: list[tuple[str | bytes]] = [(_db_path(relpath),) for relpath in removed]
            if replacing:
                gone.extend((r.file[0],) for r in rows)
            for table in ("files", "entries", "entry_topics"):
                db.executemany(f"DELETE FROM {table} WHERE relpath=CAST(? AS TEXT)", gone)
            db.executemany(
                "INSERT INTO files VALUES (CAST(? AS TEXT),?,?,?,?)", (r.file for r in rows)
            )
            db.executemany(
                "INSERT INTO entries VALUES (CAST(? AS TEXT),?,?,?,?,?)",
                (r.entry for r in rows if r.entry),
            )
            db.executemany(
                "INSERT INTO entry_topics VALUES (?,?,?,CAST(? AS TEXT),?,?)",
                (t for r in rows for t in r.topics),
            )
            if rows or gone:
                db.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
                )
            db.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk): a ROLLBACK then
            # fails with "no transaction is active" and would hide the real cause.
            if db.in_transaction:
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
        try:
            saved_key, summary = _decode(_SUMMARY, row[0])
        except (msgspec.DecodeError, TypeError):  # TypeError: a str, not bytes
            raise CacheDamaged("the stored summary cannot be decoded") from None
        return summary if saved_key == key else None

    def save_summary(self, key: str, summary: Summary) -> None:
        """Keep what a no-op rebuild would otherwise recompute from every row."""
        blob = _encode((key, summary))
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('summary', ?)", (blob,))

    def problems(self) -> list[Problem]:
        """Every stored problem, in path order."""
        out: list[Problem] = []
        for (blob,) in self._db.execute(
            "SELECT problems FROM files WHERE problems IS NOT NULL ORDER BY relpath"
        ):
            try:
                problems: tuple[Problem, ...] = _decode(_PROBLEMS, blob)
                out.extend(problems)
            except (msgspec.DecodeError, TypeError):
                raise CacheDamaged("a stored problem cannot be decoded") from None
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
        db.executemany(
            "INSERT INTO losers VALUES (CAST(? AS TEXT))", ((_db_path(p),) for p in losers)
        )
        return "relpath NOT IN (SELECT relpath FROM temp.losers)"

    def feeds(self, site: Site, losers: AbstractSet[str]) -> list[FeedHead]:
        """``topics()`` before decoding: each feed's newest records as stored bytes, so a
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
            result.append(_head(slug, name, title, topic_folder(slug), total, rows))
        return result


def _create_tables(db: sqlite3.Connection, fingerprint: str) -> None:
    """The schema without its indexes, and a new identity (inside the caller's transaction)."""
    _execute_script(db, _SCHEMA)
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("fingerprint", fingerprint), ("id", secrets.token_hex(8)), ("generation", "0")],
    )


def _check_complete(db: sqlite3.Connection, tables: list[str]) -> None:
    """A cache of this version must have all it was created with: CacheDamaged if not."""
    for table in _TABLES:
        if table not in tables:
            raise CacheDamaged(f"table '{table}' is missing")
    present = {k for (k,) in db.execute("SELECT key FROM meta")}
    for key in _META_ROWS:
        if key not in present:
            raise CacheDamaged(f"meta row '{key}' is missing")


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
        return is_all(self.relpath)

    def load(self) -> Topic:
        records = tuple(decode_record(blob) for blob in self.blobs)
        return Topic(self.slug, self.name, self.title, self.relpath, records, self.total)


def _head(
    slug: str, name: str, title: str, relpath: str, total: int, rows: list[tuple[int, bytes]]
) -> FeedHead:
    newest = _moment(rows[0][0]) if rows else None
    blobs = tuple(blob for _, blob in rows)
    # The build hashes these before any is decoded: a text value in a BLOB column is damage.
    if not all(type(blob) is bytes for blob in blobs):
        raise CacheDamaged("a stored record cannot be decoded")
    return FeedHead(slug, name, title, relpath, total, newest, blobs)


def relabel(problems: Iterable[Problem], prefix: str) -> list[Problem]:
    """Problems name files by relpath in the cache; show them as the user spelled the input."""
    prefix = prefix.rstrip("/")
    # A problem of the whole folder (an empty path) is named by the folder itself.
    return [
        replace(p, path=f"{prefix}/{p.path}" if prefix and p.path else p.path or prefix or ".")
        for p in problems
    ]
