"""The record cache: its record encoding, bulk loading a fresh cache, and what an interrupted
load leaves behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks.generate import generate
from feedgen_news.build import _parse_chunk_rows, _parse_fingerprint
from feedgen_news.cache import RecordCache, Rows, cache_file, decode_record, encode_record
from feedgen_news.config import Site
from feedgen_news.records import read_record, scan_record_files

SITE = Site(limit=5)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    generate(folder, 60, seed=5)
    return folder


def _open(tmp_path: Path, corpus: Path) -> RecordCache:
    return RecordCache(cache_file(tmp_path / "cache", corpus), _parse_fingerprint(SITE))


def _rows(corpus: Path) -> list[Rows]:
    return _parse_chunk_rows(str(corpus), list(scan_record_files(corpus)), SITE)


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
    losers, _ = cache.duplicates(SITE)
    feeds = cache.feeds(SITE, losers)
    assert feeds[0].total == sum(1 for r in rows if r.entry and r.entry[4])
    cache.close()
    db = sqlite3.connect(cache.path)
    indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"entries_url_key", "entries_newest", "entry_topics_newest"} <= indexes
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
    paths = [*sorted(seeds.iterdir()), *sorted(good.iterdir()), *sorted(corpus.rglob("*.txt"))]
    records = [r for p in paths if (r := read_record(p, p.name, SITE)[0]) is not None]
    assert len(records) > 60
    assert any(r.related and r.images and r.provider for r in records)
    assert any(not r.related and r.provider is None and r.body for r in records)
    for record in records:
        assert decode_record(encode_record(record)) == record
