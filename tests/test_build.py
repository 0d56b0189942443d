"""The whole build through the CLI, as a user runs it: output layout, summary, exit codes,
determinism, incremental rebuilds, and a cache that never changes what is published."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from benchmarks.generate import generate, mutate
from feedgen_news import __version__
from feedgen_news.build import build, build_records
from feedgen_news.config import Site
from feedgen_news.ingest import diff, parse_fingerprint
from feedgen_news.records import load_dir
from tests.bad_records import SHAPES
from tests.helpers import SEEDS, build_cmd, run, tree

FEED_FILES = ("rss.xml", "atom.xml", "feed.json")


pytestmark = pytest.mark.usefixtures("in_tmp_path")


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SEEDS, tmp_path / "seeds"))


def test_demo_build_writes_every_feed_and_says_so(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build_cmd(seeds, out, "--unpublished")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        f"feedgen-news: 6 records read: 6 published, 0 rejected. 30 feeds in {out}/: "
        "52 files written, 0 unchanged, 0 removed."
    )
    topics = sorted(p.name for p in (out / "topics").iterdir())
    assert topics == [
        "ai",
        "aws-ai",
        "economie",
        "energy",
        "hardware",
        "local-government",
        "machine-learning",
    ]
    # A feed per category by default, as Hugo and WordPress publish.
    categories = sorted(p.name for p in (out / "categories").iterdir())
    assert categories == ["economie", "news"]
    for folder in ["all", *(f"topics/{t}" for t in topics), "categories/news"]:
        for name in FEED_FILES:
            data = (out / folder / name).read_bytes()
            if name == "feed.json":  # feedparser 6 does not read JSON Feed
                assert json.loads(data)["version"] == "https://jsonfeed.org/version/1.1"
                continue
            parsed = feedparser.parse(data)
            assert not parsed.bozo, (folder, name, parsed.get("bozo_exception"))
    all_rss = feedparser.parse((out / "all/rss.xml").read_bytes())
    assert len(all_rss.entries) == 6
    ai = feedparser.parse((out / "topics/ai/atom.xml").read_bytes())
    # "AI" (the real seed) and "ai" (a sample) are one topic; newest first.
    assert [e.link for e in ai.entries] == [
        "https://lab.example.net/blog/model-cards",
        "https://www.govtech.com/public-safety/Massachusetts-City-Renews-Calls-for-Facial-Recognition-Ban.html",
        "https://tech.example.com/2020/01/13/inference-chip",
    ]
    assert ai.feed.title == "feedgen-news — AI"
    for name in ("index.html", "feeds.opml", "embed.js", "all/embed.html", "topics/ai/index.html"):
        assert (out / name).is_file()


def test_drafts_are_held_back_by_default_and_the_summary_says_how_to_include_them(
    seeds: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = build_cmd(seeds, out)
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1].startswith(
        "feedgen-news: 6 records read: 4 published, 2 held back "
        "(published: false; use --unpublished to include them), 0 rejected."
    )
    links = [e.link for e in feedparser.parse((out / "all/rss.xml").read_bytes()).entries]
    assert len(links) == 4
    assert not any("govtech" in link or "draft" in link for link in links)
    assert not (out / "topics/aws-ai").exists()  # only the draft seed has that topic


def test_same_input_gives_byte_identical_output(seeds: Path, tmp_path: Path) -> None:
    assert build_cmd(seeds, tmp_path / "one", "--unpublished").exit_code == 0
    assert build_cmd(seeds, tmp_path / "two", "--unpublished").exit_code == 0
    one, two = tree(tmp_path / "one", dotfiles=False), tree(tmp_path / "two", dotfiles=False)
    assert one == two and len(one) == 52


def test_noop_rebuild_rewrites_nothing_and_quiet_prints_nothing(
    seeds: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build_cmd(seeds, out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = build_cmd(seeds, out)
    assert "0 files written" in again.stderr
    quiet = build_cmd(seeds, out, "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_a_draft_published_earlier_is_removed_by_the_next_default_build(
    seeds: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "notes").mkdir(parents=True)
    (out / "notes/mine.txt").write_text("not written by feedgen-news")
    build_cmd(seeds, out, "--unpublished")
    assert (out / "topics/aws-ai/rss.xml").exists()
    result = build_cmd(seeds, out)
    assert "removed" in result.stderr and " 0 removed" not in result.stderr
    assert not (out / "topics/aws-ai").exists()
    assert b"govtech" not in b"".join(tree(out, dotfiles=False).values())
    assert (out / "notes/mine.txt").read_text() == "not written by feedgen-news"


def test_rejected_record_costs_only_itself(seeds: Path, tmp_path: Path) -> None:
    (seeds / "zz_bad.txt").write_text(
        "---\ntitle: Broken\nsourceUrl: https://example.org/broken\n"
        "publishedDateTime: next tuesday\n---\n"
    )
    out = tmp_path / "out"
    result = build_cmd(seeds, out)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"{seeds}/zz_bad.txt:4:20: publishedDateTime: cannot parse 'next tuesday' ({SHAPES})"
    )
    assert "7 records read: 4 published" in lines[-1] and "1 rejected" in lines[-1]
    assert len(feedparser.parse((out / "all/rss.xml").read_bytes()).entries) == 4


def test_strict_writes_nothing(seeds: Path, tmp_path: Path) -> None:
    (seeds / "zz_bad.txt").write_text("---\ntitle: [unclosed\n---\n")
    out = tmp_path / "out"
    result = build_cmd(seeds, out, "--strict")
    assert result.exit_code == 1
    assert "--strict: nothing written" in result.stderr
    assert tree(out, dotfiles=False) == {}


def test_config_errors_exit_2_and_write_nothing(seeds: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build_cmd(seeds, out, "--base-url", "ftp://example.org/")
    assert result.exit_code == 2
    assert result.stderr == (
        "feedgen-news: error: --base-url: must be an absolute http(s) URL,"
        " got 'ftp://example.org/'\n"
    )
    config = tmp_path / "site.toml"
    config.write_text('titel = "typo"\n')
    result = build_cmd(seeds, out, "--config", config)
    assert result.exit_code == 2
    assert (
        result.stderr == f"feedgen-news: error: {config}: titel: unknown key; did you mean title?\n"
    )
    result = build_cmd(tmp_path / "missing", out)
    assert result.exit_code == 2
    assert result.stderr == f"feedgen-news: error: {tmp_path / 'missing'}: input folder not found\n"
    assert not out.exists() or tree(out, dotfiles=False) == {}


def test_config_file_sets_the_site(seeds: Path, tmp_path: Path) -> None:
    config = tmp_path / "feedgen-news.toml"
    config.write_text(
        'title = "Example Wire"\nbase_url = "https://feeds.example.org/news"\nlimit = 2\n'
    )
    out = tmp_path / "out"
    assert build_cmd(seeds, out, "--config", config, "--unpublished").exit_code == 0
    rss = feedparser.parse((out / "all/rss.xml").read_bytes())
    assert rss.feed.title == "Example Wire"
    assert len(rss.entries) == 2
    self_links = [link.href for link in rss.feed.links if link.rel == "self"]
    assert self_links == ["https://feeds.example.org/news/all/rss.xml"]
    doc = json.loads((out / "topics/ai/feed.json").read_bytes())
    assert doc["feed_url"] == "https://feeds.example.org/news/topics/ai/feed.json"


def test_check_reports_every_problem_and_writes_nothing(seeds: Path, tmp_path: Path) -> None:
    (seeds / "zz_bad.txt").write_text("---\ntitle: No URL\npublishedDateTime: 2020-01-01\n---\n")
    before = tree(seeds, dotfiles=False)
    result = run("check", seeds)
    assert result.exit_code == 1
    assert f"{seeds}/zz_bad.txt" in result.stderr and "sourceUrl" in result.stderr
    assert "1 rejected" in result.stderr.splitlines()[-1]
    assert tree(seeds, dotfiles=False) == before
    (seeds / "zz_bad.txt").unlink()
    result = run("check", seeds)
    assert result.exit_code == 0
    # It writes nothing, so it says what a build would do, not what it did.
    assert result.stderr.splitlines()[-1] == (
        "feedgen-news: 6 records read: 4 would be published, 2 held back "
        "(published: false; use --unpublished to include them), 0 rejected; nothing written."
    )


def test_cache_never_changes_what_is_published(tmp_path: Path) -> None:
    """Incremental rebuild after changes == a build from nothing, byte for byte."""
    corpus = tmp_path / "corpus"
    generate(corpus, 400, seed=7)
    inc = tmp_path / "inc"
    assert build_cmd(corpus, inc, "--limit", "5").exit_code == 0
    mutate(corpus, 60, seed=3)
    result = build_cmd(corpus, inc, "--limit", "5")
    assert result.exit_code == 0
    assert build_cmd(corpus, tmp_path / "fresh", "--limit", "5").exit_code == 0
    assert tree(inc, dotfiles=False) == tree(tmp_path / "fresh", dotfiles=False)


@pytest.mark.parametrize("include_unpublished", [False, True])
def test_a_build_through_the_file_cache_equals_one_in_memory(
    tmp_path: Path, include_unpublished: bool
) -> None:
    """The cache file a build bulk-loads, then updates, and the in-memory cache of
    ``build_records`` are answered by the same evaluator: the same files, byte for byte."""
    corpus = tmp_path / "corpus"
    generate(corpus, 300, seed=11)
    # Duplicates across files and topics: the newer wins, a tie goes to the first path.
    for i, source in enumerate(sorted(corpus.rglob("*.txt"))[:20]):
        shutil.copy(source, corpus / f"dup-{i:02}.txt")
    site = Site(limit=7, include_unpublished=include_unpublished)
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(corpus, out, site, cache_dir=cache, ping=False)
    mutate(corpus, 30, seed=4)
    report = build(corpus, out, site, cache_dir=cache, ping=False)
    assert 0 < report.parsed < 300, "the cache must be reused, not emptied, for this comparison"
    assert report.counts.duplicates > 0
    expected = {o.relpath: o.data for o in build_records(load_dir(corpus, site).records, site)}
    assert tree(out, dotfiles=False) == expected


def test_diff_of_scan_and_cache_finds_new_changed_and_removed_files() -> None:
    scanned = [("a.txt", 1, 1), ("b.txt", 2, 2), ("d.txt", 4, 4), ("e.txt", -1, -1)]
    cached = [("0.txt", 9, 9), ("b.txt", 2, 3), ("c.txt", 3, 3), ("d.txt", 4, 4), ("e.txt", -1, -1)]
    removed: list[str] = []
    changed = list(diff(iter(scanned), iter(cached), removed))
    assert changed == [("a.txt", 1, 1), ("b.txt", 2, 2), ("e.txt", -1, -1)]
    assert removed == ["0.txt", "c.txt"]
    removed = []
    assert list(diff(iter(scanned), iter([]), removed)) == scanned and removed == []
    assert list(diff(iter([]), iter(cached), removed)) == []
    assert removed == [c[0] for c in cached]


def test_scan_streams_in_the_order_of_sorted_paths(tmp_path: Path) -> None:
    from feedgen_news.records import scan_record_files

    for name in ["a.txt", "a/x.txt", "a-b/y.md", "a0.txt", "b/c/d.txt", "b/c.txt", "Z.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    relpaths = [relpath for relpath, _, _ in scan_record_files(tmp_path)]
    assert relpaths == sorted(relpaths)
    assert len(relpaths) == 7


def test_corrupt_cache_is_rebuilt_with_a_warning_and_missing_one_silently(
    seeds: Path, tmp_path: Path
) -> None:
    """(Every kind of damage: tests/test_cache_damage.py.)"""
    out, cache_dir = tmp_path / "out", tmp_path / "out.cache"
    assert build_cmd(seeds, out, "--unpublished").exit_code == 0
    expected = tree(out, dotfiles=False)
    [cache] = cache_dir.glob("records-*.sqlite3")
    cache.write_bytes(b"this is not a database" * 100)
    (seeds / "001_sample_city_solar.txt").touch()  # something to rebuild
    result = build_cmd(seeds, out, "--unpublished")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"feedgen-news: warning: {cache}: cannot use this record cache (not an SQLite database); "
        f"moved it aside to {cache.name}.broken-1 and rebuilt it"
    )
    assert result.stderr.count("\n") == 2  # and the summary line
    assert tree(out, dotfiles=False) == expected
    shutil.rmtree(cache_dir)
    result = build_cmd(seeds, out, "--unpublished")
    assert result.exit_code == 0 and result.stderr.count("\n") == 1  # the summary line only
    assert tree(out, dotfiles=False) == expected


def test_settings_change_rerenders_and_library_version_is_part_of_the_cache_key(
    seeds: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert build_cmd(seeds, out).exit_code == 0
    renamed = build_cmd(seeds, out, "--base-url", "https://news.example.org/")
    assert " 0 files written" not in renamed.stderr
    assert b"https://news.example.org/all/rss.xml" in (out / "all/rss.xml").read_bytes()
    assert parse_fingerprint(Site()).startswith(__version__)


def test_a_record_outside_the_newest_limit_rewrites_only_the_pages_that_count_it(
    seeds: Path, tmp_path: Path
) -> None:
    """The feeds show the newest `limit` entries; only the topic page (and the site index) show
    a topic's total, so a record that is not among the newest changes just those."""
    out = tmp_path / "out"
    assert build_cmd(seeds, out, "--limit", "1").exit_code == 0
    before = {p: (out / p).stat().st_mtime_ns for p in tree(out, dotfiles=False)}
    (seeds / "006_old_solar.txt").write_text(
        "---\ntitle: An older solar story\n"
        "sourceUrl: https://news.example.org/1999/old-solar.html\n"
        "publishedDateTime: 1999-01-01T00:00:00Z\ntopics: [Energy]\n---\n",
        encoding="utf-8",
    )
    result = build_cmd(seeds, out, "--limit", "1")
    assert result.exit_code == 0, result.output
    after = tree(out, dotfiles=False)
    rewritten = {p for p in after if (out / p).stat().st_mtime_ns != before[p]}
    assert rewritten == {"index.html", "topics/energy/index.html"}
    # Rendered: those two and the other site files (unchanged); not one feed was rendered.
    assert result.stderr.splitlines()[-1].endswith("2 files written, 2 unchanged, 0 removed.")
    assert "2 entries" in after["topics/energy/index.html"].decode()
    # And the result is what a build from nothing makes.
    assert build_cmd(seeds, tmp_path / "fresh", "--limit", "1").exit_code == 0
    assert after == tree(tmp_path / "fresh", dotfiles=False)
