"""Caps that keep one input folder from hurting the publisher: topics per record (each entry
repeats its topics in every feed it is in, so uncapped output grows with their square) and
feeds per build. Through the command a user runs: exit status, the exact line, the files."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result

from feedgen_news.cli import main
from tests.helpers import tree, write_record

NEWS = "category: news\n"  # a category: each entry names it after its topics


pytestmark = pytest.mark.usefixtures("in_tmp_path")


def build(out: Path, *extra: str) -> Result:
    args = ["build", "in", "-o", str(out), "--cache-dir", "cache", "--no-ping", *extra]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def settings(text: str) -> str:
    Path("site.toml").write_text(text, encoding="utf-8")
    return "site.toml"


def categories(feed: Path) -> list[list[str]]:
    return [[t.term for t in e.tags] for e in feedparser.parse(feed.read_bytes()).entries]


def test_a_record_with_4000_topics_keeps_the_first_20_with_one_warning(tmp_path: Path) -> None:
    topics = [f"Topic {i:04d}" for i in range(4000)]
    write_record(tmp_path / "in/many.txt", "many", topics=topics, extra=NEWS)
    write_record(
        tmp_path / "in/plain.txt", "plain", topics=["Topic 3999", "Other"], day=2, extra=NEWS
    )
    out = tmp_path / "out"

    result = build(out)

    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[:-1] == [
        "in/many.txt:5:290: warning: topics: 3980 beyond max_topics_per_record = 20; dropped "
        "(the first 20 are kept)"
    ]
    # `all`, 20 topics of many.txt, 2 of plain.txt, and their category
    assert "0 rejected. 72 feeds" in lines[-1]
    folders = sorted(p.name for p in (out / "topics").iterdir())
    assert folders == sorted([*(f"topic-{i:04d}" for i in range(20)), "topic-3999", "other"])
    # Each entry names at most its 20 topics and its category, in every feed it is in.
    assert categories(out / "all/rss.xml") == [
        ["Topic 3999", "Other", "news"],
        [*topics[:20], "news"],
    ]
    assert categories(out / "topics/topic-0007/rss.xml") == [[*topics[:20], "news"]]
    entries = json.loads((out / "topics/topic-0007/feed.json").read_bytes())["items"]
    assert [len(e["tags"]) for e in entries] == [21]


def test_max_topics_per_record_is_a_setting_and_changing_it_reparses(tmp_path: Path) -> None:
    write_record(tmp_path / "in/many.txt", "many", topics=[f"T{i}" for i in range(8)])
    out = tmp_path / "out"
    assert build(out).exit_code == 0
    assert len(list((out / "topics").iterdir())) == 8

    # A deliberate cut from 9 feeds to 4: the shrink guard wants it said.
    result = build(out, "--config", settings("max_topics_per_record = 3\n"), "--allow-shrink")

    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "in/many.txt:5:28: warning: topics: 5 beyond max_topics_per_record = 3; dropped "
        "(the first 3 are kept)"
    )
    assert sorted(p.name for p in (out / "topics").iterdir()) == ["t0", "t1", "t2"]


def test_duplicates_beyond_the_cap_are_not_counted_as_dropped(tmp_path: Path) -> None:
    write_record(tmp_path / "in/dup.txt", "dup", topics=["A", "B", "a", "A", "C", "b"])
    result = build(tmp_path / "out", "--config", settings("max_topics_per_record = 2\n"))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "in/dup.txt:5:30: warning: topics: 1 beyond max_topics_per_record = 2; dropped "
        "(the first 2 are kept)"
    )


def test_a_build_over_max_feeds_refuses_and_writes_nothing(tmp_path: Path) -> None:
    for i in range(30):
        write_record(
            tmp_path / f"in/r{i:02d}.txt", f"r{i:02d}", topics=[f"Subject {i:02d}"], day=i + 1
        )
    out = tmp_path / "out"
    assert build(out).exit_code == 0  # the previous build, under the default cap
    before = tree(out)
    write_record(tmp_path / "in/r30.txt", "r30", topics=["Subject 30"], day=31)

    result = build(out, "--config", settings("max_feeds = 10\n"))

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "feedgen-news: error: in: this build would publish 96 feeds (`all` and 31 topics, "
        "in 3 formats), more than max_feeds = 10; nothing written"
    ]
    assert tree(out) == before

    fresh = tmp_path / "fresh"
    result = build(fresh, "--config", "site.toml")
    assert result.exit_code == 2
    assert not [p for p in fresh.rglob("*") if p.name != ".feedgen-news.lock"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "max_topics_per_record = 0\n",
            "site.toml: max_topics_per_record: must be 1 or more, got 0",
        ),
        ("max_feeds = 0\n", "site.toml: max_feeds: must be 1 or more, got 0"),
    ],
)
def test_caps_must_be_positive(tmp_path: Path, text: str, message: str) -> None:
    write_record(tmp_path / "in/a.txt", "a", topics=["A"])
    result = build(tmp_path / "out", "--config", settings(text))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"feedgen-news: error: {message}"]
