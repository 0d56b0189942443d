"""The record cache: its record encoding, bulk loading a fresh cache, and what an interrupted
load leaves behind."""

from __future__ import annotations

import errno
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from benchmarks.generate import generate, record_files
from feedgen_news.cache import (
    CacheDamaged,
    Evaluator,
    RecordCache,
    Rows,
    cache_file,
    decode_record,
    encode_record,
)
from feedgen_news.errors import StorageError
from feedgen_news.ingest import parse_fingerprint, parse_rows
from feedgen_news.model import Image, Provider, Record, RelatedLink
from feedgen_news.records import read_record, scan_record_files
from tests.helpers import SITE


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    generate(folder, 60, seed=5)
    return folder


def _open(tmp_path: Path, corpus: Path) -> RecordCache:
    return RecordCache(cache_file(tmp_path / "cache", corpus), parse_fingerprint(SITE))


def _rows(corpus: Path) -> list[Rows]:
    return parse_rows(str(corpus), list(scan_record_files(corpus)), SITE)


def test_bulk_load_swaps_in_a_complete_indexed_file(tmp_path: Path, corpus: Path) -> None:
    cache = _open(tmp_path, corpus)
    token = cache.token()
    rows = _rows(corpus)
    with cache.bulk_load():
        cache.store(rows[:30], replacing=False)
        cache.store(rows[30:], replacing=False)
    assert not cache.path.with_name(cache.path.name + ".new").exists()
    assert [s[0] for s in cache.iter_stats()] == [r.file[0] for r in rows]
    assert cache.token() != token
    evaluator = Evaluator(cache, SITE)
    everything = evaluator.evaluate(evaluator.feed_defs(evaluator.summary())[0])
    assert everything.total == sum(1 for r in rows if r.entry and r.entry[4])
    cache.close()
    db = sqlite3.connect(cache.path)
    indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"entries_url_key", "entries_newest", "entry_facets_newest"} <= indexes
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()
    # Reopened with the same fingerprint, it is kept.
    again = _open(tmp_path, corpus)
    assert not again.is_empty()
    again.close()


def test_an_interrupted_bulk_load_leaves_the_previous_cache(tmp_path: Path, corpus: Path) -> None:
    cache = _open(tmp_path, corpus)
    rows = _rows(corpus)
    with pytest.raises(KeyboardInterrupt), cache.bulk_load():
        cache.store(rows[:30], replacing=False)
        raise KeyboardInterrupt
    assert not cache.path.with_name(cache.path.name + ".new").exists()
    assert cache.is_empty()  # the cache this build started from, still open and usable
    cache.store(rows[:3])
    assert len(list(cache.iter_stats())) == 3
    cache.close()


def test_a_leftover_from_a_killed_bulk_load_is_ignored(tmp_path: Path, corpus: Path) -> None:
    cache = _open(tmp_path, corpus)
    leftover = cache.path.with_name(cache.path.name + ".new")
    leftover.write_bytes(b"half a database")
    with cache.bulk_load():
        cache.store(_rows(corpus), replacing=False)
    assert not leftover.exists()
    assert len(list(cache.iter_stats())) == 60
    cache.close()


def test_a_full_disk_at_the_sync_of_a_bulk_load_names_the_cache(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some file systems report a full disk only when the data is synced."""
    cache = _open(tmp_path, corpus)

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(StorageError) as caught, cache.bulk_load():
        cache.store(_rows(corpus), replacing=False)
    assert str(caught.value) == f"no space left on device: {cache.path}"
    assert sorted(p.name for p in cache.path.parent.iterdir()) == [
        cache.path.name,
        f"{cache.path.name}-shm",  # the cache is still open, in WAL mode
        f"{cache.path.name}-wal",
    ]
    assert cache.is_empty()
    cache.close()


def test_a_leftover_from_a_killed_bulk_load_is_removed_by_an_incremental_build(
    tmp_path: Path, corpus: Path
) -> None:
    """An incremental build never bulk-loads, so it must not leave a killed first build's
    half-built file (as big as the cache) beside the cache for ever."""
    cache = _open(tmp_path, corpus)
    with cache.bulk_load():
        cache.store(_rows(corpus), replacing=False)
    cache.close()
    leftover = cache.path.with_name(cache.path.name + ".new")
    leftover.write_bytes(b"half a database")
    again = _open(tmp_path, corpus)
    assert not again.is_empty()
    assert not leftover.exists()
    again.close()


def test_records_round_trip_through_the_cache_encoding(corpus: Path) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    good = Path(__file__).resolve().parent / "fixtures" / "records" / "good"
    paths = [*sorted(seeds.iterdir()), *sorted(good.iterdir()), *record_files(corpus)]
    records = [r for p in paths if (r := read_record(p, p.name, SITE)[0]) is not None]
    assert len(records) > 60
    assert any(r.related and r.images and r.provider for r in records)
    assert any(not r.related and r.provider is None and r.body for r in records)
    for record in records:
        assert decode_record(encode_record(record)) == record


def test_dates_round_trip_from_the_first_to_the_last_microsecond() -> None:
    for moment in (
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ):
        link = RelatedLink("https://b.example/", "B", Provider("B", None), moment)
        record = Record(
            "a.txt", "https://a.example/", "A", moment, provider=Provider("A", "https://a.example/"),
            images=(Image("https://a.example/i.png", 1, None, None),), related=(link,),
        )  # fmt: skip
        decoded = decode_record(encode_record(record))
        assert decoded == record
        assert decoded.published.tzinfo is UTC and decoded.related[0].published == moment


@pytest.mark.parametrize(
    "stored",
    [
        {"path": "a", "url": "u", "title": "t", "published": "2020-01-01T00:00:00"},  # naive
        {"path": "a", "url": "u", "title": "t", "published": "2020-01-01T00:00:00+02:00"},
        {"path": "a", "url": "u", "title": 7, "published": datetime(2020, 1, 1, tzinfo=UTC)},
        {"path": "a", "url": "u", "title": "t"},
        ["a", "u", "t"],
    ],
)
def test_a_row_that_is_no_stored_record_is_damage(stored: object) -> None:
    with pytest.raises(CacheDamaged, match=r"^a stored record cannot be decoded$"):
        decode_record(msgspec.msgpack.encode(stored))
