"""The cache's schema: its tables and indexes, a new cache's identity, and what a cache of this
version must hold to be used as it is."""

from __future__ import annotations

import secrets
import sqlite3

from .guard import CacheDamaged

SCHEMA_VERSION = 11  # bump with any change below: an older cache file is then started afresh
# entries.quality and .heat are a record's editorial signals: they select and order curated
# feeds and are never in the record's blob, which is all a renderer sees. entry_facets has one
# row per record and value of a facet (topics, category, provider, type): the folded key, the
# spelling, and copies of what a feed sorts and filters by, so a facet's feed is one index range.
# entry_facets.digest: ``codec.record_digest``, so one pass tells which facet values changed.
# pieces: rendered entries kept for the next build, a row per feed file (cache/pieces.py).
# Not the URL, which only breaks ties of equal dates: the join to entries has it, and rows of
# four facets each holding a URL twice (row and index) made the cache half as big again.
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    relpath TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    rejected INTEGER NOT NULL, problems BLOB
);
CREATE TABLE entries (
    relpath TEXT PRIMARY KEY, url TEXT NOT NULL, url_key INTEGER NOT NULL,
    published INTEGER NOT NULL, is_published INTEGER NOT NULL, quality REAL, heat REAL,
    record BLOB NOT NULL
);
CREATE TABLE entry_facets (
    facet TEXT NOT NULL, key TEXT NOT NULL, published INTEGER NOT NULL, relpath TEXT NOT NULL,
    name TEXT NOT NULL, is_published INTEGER NOT NULL, digest INTEGER NOT NULL
);
CREATE TABLE pieces (
    folder TEXT NOT NULL, tag TEXT NOT NULL, keys BLOB NOT NULL, lengths BLOB NOT NULL,
    body BLOB NOT NULL, PRIMARY KEY (folder, tag)
);
"""
# Secondary indexes: a fresh cache is bulk-loaded without them and they are built once at the
# end (one sort instead of 100,000 random B-tree inserts).
INDEXES = """
CREATE INDEX entries_url_key ON entries (url_key, is_published, published);
CREATE INDEX entries_newest ON entries (is_published, published DESC, url);
CREATE INDEX entry_facets_newest
    ON entry_facets (facet, key, published DESC, relpath, is_published, digest);
CREATE INDEX entry_facets_relpath ON entry_facets (relpath);
"""
_TABLES = ("meta", "files", "entries", "entry_facets", "pieces")
_META_ROWS = ("id", "generation")  # besides the fingerprint


def create_tables(db: sqlite3.Connection, fingerprint: str) -> None:
    """The schema without its indexes, and a new identity (inside the caller's transaction)."""
    execute_script(db, SCHEMA)
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("fingerprint", fingerprint), ("id", secrets.token_hex(8)), ("generation", "0")],
    )


def check_complete(db: sqlite3.Connection, tables: list[str]) -> None:
    """A cache of this version must have all it was created with: CacheDamaged if not."""
    for table in _TABLES:
        if table not in tables:
            raise CacheDamaged(f"table '{table}' is missing")
    present = {k for (k,) in db.execute("SELECT key FROM meta")}
    for key in _META_ROWS:
        if key not in present:
            raise CacheDamaged(f"meta row '{key}' is missing")


def execute_script(db: sqlite3.Connection, script: str) -> None:
    """Each statement of ``script`` (``executescript`` would commit the caller's transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)
