"""Topics: grouping keys, slugs that are safe, distinct and stable, and feed grouping."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from feedgen_news.config import Site
from feedgen_news.model import Record
from feedgen_news.topics import dedupe, group, slugify, topic_key

HOSTILE = ["../../x", "/etc/passwd", "a/b", ".", "..", "CON", "", "x" * 300, "C++", "C", "C#", " "]


def record(path: str, url: str, day: int, *topics: str, hour: int = 0) -> Record:
    when = datetime(2020, 1, day, hour, tzinfo=UTC)
    return Record(path=path, url=url, title=f"t {path}", published=when, topics=topics)


def test_plain_names_get_plain_slugs() -> None:
    assert slugify("AWS AI") == "aws-ai"
    assert slugify("Économie") == "economie"
    assert slugify("  Machine   Learning ") == "machine-learning"


def test_hostile_names_get_safe_distinct_slugs() -> None:
    slugs = [slugify(name) for name in HOSTILE]
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        assert slug not in (".", "..") and len(slug) <= 70
    # " " and "" fold to the same key: one topic, one slug; every other name is distinct.
    assert len(set(slugs)) == len(HOSTILE) - 1
    assert slugify("C") == "c" and slugify("C++") != slugify("C#") != "c"
    assert slugify("CON") != "con"


def test_slug_does_not_depend_on_other_topics() -> None:
    site = Site()
    alone = group([record("a.txt", "https://e.org/1", 1, "C++")], site)
    crowded = group(
        [record("a.txt", "https://e.org/1", 1, "C++"), record("b.txt", "https://e.org/2", 2, "C")],
        site,
    )
    assert alone[1].slug == next(t.slug for t in crowded if t.name == "C++")


def test_folded_names_are_one_topic_named_by_first_spelling_in_path_order() -> None:
    records = [
        record("b.txt", "https://e.org/2", 2, "economie"),
        record("a.txt", "https://e.org/1", 1, "Économie"),
        record("c.txt", "https://e.org/3", 3, "ÉCONOMIE", "economie"),
    ]
    topics = group(records, Site())
    assert [t.relpath for t in topics] == ["all", "topics/economie"]
    economie = topics[1]
    assert economie.name == "Économie"
    assert economie.title == "feedgen-news — Économie"
    assert [r.path for r in economie.records] == ["c.txt", "b.txt", "a.txt"]
    assert topic_key("AWS-AI") == topic_key("aws ai")


def test_newest_first_ties_broken_by_url_and_limited() -> None:
    records = [
        record("a.txt", "https://e.org/b", 5, "x"),
        record("b.txt", "https://e.org/a", 5, "x"),
        record("c.txt", "https://e.org/c", 1, "x"),
    ]
    topics = group(records, Site(limit=2))
    assert [r.url for r in topics[1].records] == ["https://e.org/a", "https://e.org/b"]
    assert topics[1].total == 3
    assert len(group(records, Site(limit=0))[1].records) == 3


def test_records_without_topics_are_only_in_all() -> None:
    topics = group([record("a.txt", "https://e.org/1", 1)], Site())
    assert [t.relpath for t in topics] == ["all"]
    assert topics[0].total == 1


def test_duplicates_keep_the_newer_then_the_first_by_path() -> None:
    old = record("a.txt", "https://e.org/same", 1)
    new = record("b.txt", "https://e.org/same", 2)
    kept, problems = dedupe([new, old])
    assert kept == [new]
    assert [str(p) for p in problems] == [
        "a.txt: warning: sourceUrl: same sourceUrl as b.txt; publishing only b.txt"
    ]
    tie_a, tie_b = record("a.txt", "https://e.org/t", 3), record("b.txt", "https://e.org/t", 3)
    kept, problems = dedupe([tie_b, tie_a])
    assert kept == [tie_a]
    assert problems[0].path == "b.txt"
