"""plan: a rebuild renders only the entries no earlier build rendered, and reusing the others
never changes a byte of the output."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from feedgen_news import build as build_module
from feedgen_news import plan
from feedgen_news.cache import Evaluator, StoredFeed, cache_file
from feedgen_news.config import Site
from feedgen_news.feeddefs import FeedDef
from feedgen_news.render import feedgen_xml, jsonfeed, pages

from .helpers import comparable, tree, write_record


def _site(**changes: object) -> Site:
    return Site(facets=("topics", "category"), **changes)  # type: ignore[arg-type]


def _build(inp: Path, out: Path, site: Site) -> None:
    cache_dir = out.parent / f"{out.name}.cache"
    build_module.build(inp, out, site, cache_dir=cache_dir, jobs=1, ping=False)


def _records(inp: Path, n: int) -> None:
    for i in range(n):
        topics = ["Alpha", "Beta"] if i % 2 else ["Alpha", "Gamma"]
        write_record(inp / f"r{i:02d}.txt", f"s{i}", day=1 + i % 28, topics=topics)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URL of every entry rendered (any format or page), in this process (``jobs=1``),
    which has rendered nothing before."""
    calls: list[str] = []
    monkeypatch.setattr(plan, "_recent", {})

    def spy(module: object, name: str) -> None:
        real = getattr(module, name)

        def counting(record: object, *args: object) -> bytes:
            calls.append(record.url)  # type: ignore[attr-defined]
            result: bytes = real(record, *args)
            return result

        monkeypatch.setattr(module, name, counting)

    spy(feedgen_xml, "_entry_piece")
    spy(jsonfeed, "_item_piece")
    spy(pages, "page_entry")
    return calls


def test_a_rebuild_renders_only_the_changed_entry(tmp_path: Path, rendered: list[str]) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    _records(inp, 12)
    _build(inp, out, _site())
    assert rendered  # the first build renders every entry
    rendered.clear()
    write_record(inp / "r03.txt", "s3-new", day=27, topics=["Alpha", "Beta"])
    _build(inp, out, _site())
    # Once in RSS, Atom and JSON for its three feeds (all, Alpha, Beta), once for the pages of
    # Alpha and Beta and once for the index (the page of `all`), whose links start elsewhere.
    # Gamma, which lost it, is rendered from earlier pieces alone.
    assert sorted(set(rendered)) == ["https://news.example.org/s3-new"]
    assert len(rendered) == 3 + 1 + 1


def test_reused_entries_give_the_bytes_of_a_fresh_build(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    _records(inp, 12)
    _build(inp, tmp_path / "kept", _site())
    write_record(inp / "r03.txt", "s3-new", day=27, topics=["Alpha", "Delta"])
    (inp / "r04.txt").unlink()
    write_record(inp / "r40.txt", "s40", day=2, topics=["Gamma"])
    _build(inp, tmp_path / "kept", _site())
    _build(inp, tmp_path / "fresh", _site())
    assert comparable(tree(tmp_path / "kept")) == comparable(tree(tmp_path / "fresh"))


def test_changed_settings_render_every_entry_again(tmp_path: Path, rendered: list[str]) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    _records(inp, 6)
    _build(inp, out, _site())
    first = len(rendered)
    rendered.clear()
    _build(inp, out, _site(base_url="https://elsewhere.example/"))
    assert len(rendered) == first
    assert comparable(tree(out)) == comparable(
        tree(_fresh(inp, tmp_path, _site(base_url="https://elsewhere.example/")))
    )


def _fresh(inp: Path, tmp_path: Path, site: Site) -> Path:
    out = tmp_path / "fresh"
    _build(inp, out, site)
    return out


def test_the_cache_keeps_only_the_pieces_the_output_shows(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    _records(inp, 12)
    _build(inp, out, _site(limit=3))
    for i in range(12):
        write_record(inp / f"r{i:02d}.txt", f"v{i}", day=1 + i, topics=["Alpha"])
    _build(inp, out, _site(limit=3))
    db = sqlite3.connect(cache_file(out.parent / f"{out.name}.cache", inp))
    kept = sorted(db.execute("SELECT folder, tag FROM pieces"))
    # Beta and Gamma lost their last record: their pieces go with them. The index keeps the
    # pieces of the `all` feed's page, Alpha its own page's.
    assert kept == [
        ("all", "atom"),
        ("all", "json"),
        ("all", "page:"),
        ("all", "rss"),
        ("topics/alpha", "atom"),
        ("topics/alpha", "json"),
        ("topics/alpha", "page:../../"),
        ("topics/alpha", "rss"),
    ]


@pytest.fixture
def evaluated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folder of every feed whose records a build reads from the cache."""
    calls: list[str] = []
    real = Evaluator.evaluate

    def counting(self: Evaluator, feed: FeedDef) -> StoredFeed:
        calls.append(feed.folder)
        return real(self, feed)

    monkeypatch.setattr(Evaluator, "evaluate", counting)
    return calls


def test_a_rebuild_reads_only_the_feeds_a_changed_record_is_in(
    tmp_path: Path, evaluated: list[str]
) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    _records(inp, 12)
    _build(inp, out, _site())
    evaluated.clear()
    write_record(inp / "r02.txt", "s2", day=3, topics=["Alpha", "Gamma"], extra="category: x\n")
    _build(inp, out, _site())
    assert sorted(evaluated) == ["all", "categories/x", "topics/alpha", "topics/gamma"]


def test_an_old_record_edited_in_place_updates_its_feeds(tmp_path: Path) -> None:
    """Same date, same feeds, same counts: only the record's bytes tell the change."""
    inp, out = tmp_path / "in", tmp_path / "out"
    _records(inp, 12)
    _build(inp, out, _site(limit=50))
    text = (inp / "r01.txt").read_text().replace("title: Story s1", "title: Story s1, corrected")
    (inp / "r01.txt").write_text(text)
    _build(inp, out, _site(limit=50))
    for folder in ("all", "topics/alpha", "topics/beta"):
        titles = [
            e.title for e in feedparser.parse((out / folder / "atom.xml").read_bytes()).entries
        ]
        assert "Story s1, corrected" in titles, folder
    assert comparable(tree(out)) == comparable(tree(_fresh(inp, tmp_path, _site(limit=50))))


def test_a_release_time_passing_publishes_in_facet_feeds(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    _records(inp, 4)
    write_record(inp / "later.txt", "later", day=20, topics=["Alpha"])
    cache_dir = out.parent / f"{out.name}.cache"
    for day in (10, 21):
        now = datetime(2024, 1, day, tzinfo=UTC)
        build_module.build(inp, out, _site(), cache_dir=cache_dir, jobs=1, ping=False, now=now)
    urls = [e.link for e in feedparser.parse((out / "topics/alpha/rss.xml").read_bytes()).entries]
    assert "https://news.example.org/later" in urls
