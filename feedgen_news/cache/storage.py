"""The cache's storage: validated records in SQLite, keyed by path, size and mtime, kept outside
the output folder, so a rebuild parses only the files that changed.

The cache never changes what is published: a missing or out-of-date cache is rebuilt silently,
a damaged one is set aside and rebuilt with a warning (``cache.guard``), and a build from the
cache gives the same bytes as a build from nothing. Rows are MessagePack decoded only into the
typed model (msgspec): reading the cache never runs code, whoever wrote the file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import Problem, StorageError, printable
from ..fsio import file_lock, fsync_dir
from .codec import PROBLEMS, Rows, db_path, db_text, decode
from .guard import CacheDamaged, check_file, set_aside, sidecars, tidy, translate
from .schema import INDEXES, SCHEMA_VERSION, check_complete, create_tables, execute_script


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
        # A bulk load's file, left by a killed build: under the lock it is nobody's, and an
        # incremental build would never replace it.
        self._bulk_path().unlink(missing_ok=True)
        self._db = self._open(fingerprint)

    @classmethod
    def in_memory(cls) -> RecordCache:
        """A cache that lives as long as this object, for ``check`` and ``build_records``: they
        then apply exactly the rules a build does, through the same evaluator."""
        cache = cls.__new__(cls)
        cache.path = Path(":memory:")
        cache._fingerprint = "memory"
        cache._replaceable = False  # nothing to replace: bulk_load fills it in place
        db = sqlite3.connect(":memory:", isolation_level=None)
        db.text_factory = db_text
        db.execute("BEGIN")
        create_tables(db, cache._fingerprint)
        execute_script(db, INDEXES)
        db.execute("COMMIT")
        cache._db = db
        return cache

    def _open(self, fingerprint: str) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        db.text_factory = db_text
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a power cut may lose the last transactions, never corrupt a WAL database.
            # A checkpoint every 1,000 pages (16 MB at a bulk-loaded cache's 16 KB pages): big
            # updates do not fsync every 4 MB, and the WAL stays small while pieces are stored.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA wal_autocheckpoint=1000")
            row = None
            tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            if "meta" in tables:
                row = db.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
            if row is None or row[0] != fingerprint:
                # New, or written by another version or with other settings: start afresh.
                db.execute("BEGIN IMMEDIATE")
                for name in tables:
                    db.execute(f'DROP TABLE IF EXISTS "{name}"')
                create_tables(db, fingerprint)
                execute_script(db, INDEXES)
                db.execute("COMMIT")
            else:
                check_complete(db, tables)
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
        fresh = self._bulk_path()
        fresh.unlink(missing_ok=True)
        bulk = None
        try:
            # Inside the try: a signal that arrives while the file is created is raised just
            # after connect() returns, and must still remove it.
            bulk = sqlite3.connect(fresh, isolation_level=None)
            bulk.text_factory = db_text
            # 16 KiB pages: a quarter of the page writes of the default 4 KiB for a bulk load of
            # 1.5 KB records, and still small for the WAL of an incremental update.
            bulk.execute("PRAGMA page_size=16384")
            bulk.execute("PRAGMA journal_mode=OFF")
            bulk.execute("PRAGMA synchronous=OFF")
            bulk.execute("BEGIN")
            create_tables(bulk, self._fingerprint)
            bulk.execute("COMMIT")
            previous, self._db = self._db, bulk
            try:
                yield
                execute_script(bulk, INDEXES)
            finally:
                self._db = previous
            bulk.close()
            with fresh.open("rb") as f:
                os.fsync(f.fileno())
            # Closing the last connection checkpoints the old file and deletes its WAL, which
            # must not outlive it: SQLite would replay it into the new file.
            self._db.close()
            for leftover in sidecars(self.path):
                leftover.unlink(missing_ok=True)
            fresh.replace(self.path)
            fsync_dir(self.path.parent)
        except BaseException as exc:
            if bulk is not None:
                bulk.close()
            fresh.unlink(missing_ok=True)
            # A sync can be where a full disk shows (delayed allocation): name the cache.
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageError(f"no space left on device: {self.path}") from None
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
        if self.path.name != ":memory:":
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
        reader.text_factory = db_text
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
            gone: list[tuple[str | bytes]] = [(db_path(relpath),) for relpath in removed]
            if replacing:
                gone.extend((r.file[0],) for r in rows)
            for table in ("files", "entries", "entry_facets"):
                db.executemany(f"DELETE FROM {table} WHERE relpath=CAST(? AS TEXT)", gone)
            db.executemany(
                "INSERT INTO files VALUES (CAST(? AS TEXT),?,?,?,?)", (r.file for r in rows)
            )
            db.executemany(
                "INSERT INTO entries VALUES (CAST(? AS TEXT),?,?,?,?,?,?,?)",
                (r.entry for r in rows if r.entry),
            )
            db.executemany(
                "INSERT INTO entry_facets VALUES (?,?,?,CAST(? AS TEXT),?,?,?)",
                (f for r in rows for f in r.facets),
            )
            if rows or gone:
                db.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
                )
            db.execute("COMMIT")
        except BaseException:
            # After some errors (a full disk) SQLite has rolled back: another would hide the cause.
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def token(self) -> str:
        """Changes whenever the cache's content does (and differs between cache files)."""
        rows = dict(
            self._db.execute("SELECT key, value FROM meta WHERE key IN ('id', 'generation')")
        )
        return f"{rows['id']}:{rows['generation']}"

    @property
    def connection(self) -> sqlite3.Connection:
        """The open database, for the evaluator's queries."""
        return self._db

    def saved(self, name: str) -> bytes | None:
        """The blob last saved under ``name`` (see ``save``), if any."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
        if row is None:
            return None
        if type(row[0]) is not bytes:
            raise CacheDamaged(f"the saved {name} cannot be decoded")
        return bytes(row[0])

    def save(self, name: str, blob: bytes) -> None:
        """Keep a blob (a summary a no-op rebuild would otherwise recompute from every row)."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, blob))

    def problems(self) -> list[Problem]:
        """Every stored problem, in path order."""
        out: list[Problem] = []
        for (blob,) in self._db.execute(
            "SELECT problems FROM files WHERE problems IS NOT NULL ORDER BY relpath"
        ):
            problems: tuple[Problem, ...] = decode(PROBLEMS, blob, "a stored problem")
            out.extend(problems)
        return out


def _is_open(db: sqlite3.Connection) -> bool:
    try:
        db.execute("SELECT 1")
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return False
    return True
