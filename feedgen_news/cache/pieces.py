"""Rendered entry pieces (``render.pieces``), kept between builds so a feed that changed
renders only its new entries: a 0.1% change re-renders a few hundred entries, not the
thousands its feeds show.

A piece is stored under a key that hashes everything its bytes depend on (the code, the
settings, its kind and the record's stored bytes), so a stored piece is never stale: reuse
cannot change the output. ``piece_refs`` says which feed's which kind of file uses which
pieces; pieces no file uses any more are dropped, so the table holds the current output's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping

from .codec import db_path

_CHUNK = 500  # keys per IN (...) list: SQLite allows 999 parameters in older builds


class PieceStore:
    """The pieces of one cache."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, keys: Collection[bytes]) -> dict[bytes, bytes]:
        """The stored pieces among ``keys``."""
        found: dict[bytes, bytes] = {}
        unique = sorted(set(keys))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._db.execute(f"SELECT key, body FROM pieces WHERE key IN ({marks})", chunk)
            )
        return found

    def add(self, made: Mapping[bytes, bytes]) -> None:
        """Keep pieces as they are rendered (a build does not hold them all at once)."""
        self._db.executemany("INSERT OR IGNORE INTO pieces VALUES (?, ?)", sorted(made.items()))

    def update(
        self, used: Mapping[tuple[str, str], Iterable[bytes]], folders: Collection[str]
    ) -> None:
        """Record which pieces each (feed folder, piece kind) a build rendered now shows,
        forget the folders no longer published (all but ``folders``), then drop the pieces
        nothing shows. One transaction; a failure loses only reuse."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            # Only pieces whose references go now can become unused: the rest are not looked at.
            db.execute("CREATE TEMP TABLE IF NOT EXISTS dropped (key BLOB)")
            db.execute("DELETE FROM temp.dropped")
            published = {db_path(folder) for folder in folders}
            gone = [
                (folder, None)
                for (folder,) in db.execute("SELECT DISTINCT folder FROM piece_refs")
                if folder not in published
            ]
            replaced = [(db_path(folder), tag) for folder, tag in used]
            for folder, tag in [*gone, *replaced]:
                where = "folder = CAST(? AS TEXT) AND (? IS NULL OR tag = ?)"
                db.execute(
                    f"INSERT INTO temp.dropped SELECT key FROM piece_refs WHERE {where}",
                    (folder, tag, tag),
                )
                db.execute(f"DELETE FROM piece_refs WHERE {where}", (folder, tag, tag))
            db.executemany(
                "INSERT INTO piece_refs VALUES (CAST(? AS TEXT), ?, ?)",
                (
                    (db_path(folder), tag, key)
                    for (folder, tag), keys in used.items()
                    for key in sorted(set(keys))
                ),
            )
            db.execute(
                "DELETE FROM pieces WHERE key IN (SELECT key FROM temp.dropped) AND NOT EXISTS "
                "(SELECT 1 FROM piece_refs r WHERE r.key = pieces.key)"
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back already (a full disk)
                db.execute("ROLLBACK")
            raise
