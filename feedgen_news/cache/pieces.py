"""Rendered entry pieces (``render.pieces``), kept between builds so a feed that changed
renders only its new entries: a 0.1% change re-renders a few hundred entries, not the
thousands its feeds show.

One row per feed file kind (a feed's folder and a piece tag) holds the pieces that file shows,
compressed together (a feed's entries share most of their markup: about 8x smaller, and a
handful of rows instead of one per entry), with each piece's key: a hash of everything its
bytes depend on (the code, the settings, its tag and the record's stored bytes), so a kept
piece is never stale and reuse cannot change the output. A row is replaced whenever its file
is rendered again, and dropped with its feed.
"""

from __future__ import annotations

import sqlite3
import zlib
from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .codec import db_path

KEY_BYTES = 16


@dataclass(frozen=True, slots=True)
class PackedPieces:
    """The pieces one feed file shows, in order, packed for storage."""

    tag: str
    keys: bytes  # KEY_BYTES each
    lengths: bytes  # uint32 each
    body: bytes  # the pieces concatenated, zlib-compressed

    @classmethod
    def pack(cls, tag: str, keys: Sequence[bytes], pieces: Sequence[bytes]) -> PackedPieces:
        lengths = array("I", (len(piece) for piece in pieces)).tobytes()
        return cls(tag, b"".join(keys), lengths, zlib.compress(b"".join(pieces), 1))

    def unpack(self) -> dict[bytes, bytes]:
        """Key -> piece; empty if the row does not add up (damage only loses reuse)."""
        lengths = array("I")
        try:
            lengths.frombytes(self.lengths)
            data = zlib.decompress(self.body)
        except (ValueError, zlib.error):
            return {}
        if len(self.keys) != KEY_BYTES * len(lengths) or len(data) != sum(lengths):
            return {}
        pieces: dict[bytes, bytes] = {}
        start = 0
        for i, length in enumerate(lengths):
            pieces[self.keys[i * KEY_BYTES : (i + 1) * KEY_BYTES]] = data[start : start + length]
            start += length
        return pieces


class PieceStore:
    """The pieces of one cache, by feed folder."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, folder: str, tags: Collection[str]) -> list[PackedPieces]:
        """What the last builds kept of this feed's files of these tags."""
        rows = self._db.execute(
            "SELECT tag, keys, lengths, body FROM pieces WHERE folder = CAST(? AS TEXT)",
            (db_path(folder),),
        )
        return [
            PackedPieces(tag, keys, lengths, body)
            for tag, keys, lengths, body in rows
            if tag in tags and all(type(b) is bytes for b in (keys, lengths, body))
        ]

    def put(self, folder: str, packed: Sequence[PackedPieces]) -> None:
        """Keep these, replacing what was kept of the same files."""
        self._db.executemany(
            "INSERT OR REPLACE INTO pieces VALUES (CAST(? AS TEXT), ?, ?, ?, ?)",
            [(db_path(folder), p.tag, p.keys, p.lengths, p.body) for p in packed],
        )

    def keep_only(self, folders: Collection[str]) -> None:
        """Forget the pieces of feeds no longer published (all but ``folders``)."""
        published = {db_path(folder) for folder in folders}
        gone = [
            (folder,)
            for (folder,) in self._db.execute("SELECT DISTINCT folder FROM pieces")
            if folder not in published
        ]
        self._db.executemany("DELETE FROM pieces WHERE folder = CAST(? AS TEXT)", gone)
