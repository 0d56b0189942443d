"""The evaluator: which records each feed shows, by the one set of rules (visibility,
duplicates, folding, order, limit), on an in-memory cache as ``check`` uses it."""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen_news.build import evaluate_records
from feedgen_news.cache import Evaluator, ParsedFile, RecordCache, prepare
from feedgen_news.config import Site
from feedgen_news.model import Record


def record(
    path: str, url: str, day: int, *topics: str, hour: int = 0, published: bool = True
) -> Record:
    when = datetime(2020, 1, day, hour, tzinfo=UTC)
    return Record(
        path=path, url=url, title=f"t {path}", published=when, topics=topics, is_published=published
    )


def test_slug_does_not_depend_on_other_topics() -> None:
    site = Site()
    alone = evaluate_records([record("a.txt", "https://e.org/1", 1, "C++")], site)
    crowded = evaluate_records(
        [record("a.txt", "https://e.org/1", 1, "C++"), record("b.txt", "https://e.org/2", 2, "C")],
        site,
    )
    assert alone[1].feed.slug == next(t.feed.slug for t in crowded if t.feed.name == "C++")


def test_folded_names_are_one_topic_named_by_first_spelling_in_path_order() -> None:
    records = [
        record("b.txt", "https://e.org/2", 2, "economie"),
        record("a.txt", "https://e.org/1", 1, "Économie"),
        record("c.txt", "https://e.org/3", 3, "ÉCONOMIE", "economie"),
    ]
    topics = evaluate_records(records, Site())
    assert [t.feed.folder for t in topics] == ["all", "topics/economie"]
    economie = topics[1]
    assert economie.feed.name == "Économie"
    assert economie.feed.title == "feedgen-news — Économie"
    assert [r.path for r in economie.records] == ["c.txt", "b.txt", "a.txt"]


def test_newest_first_ties_broken_by_url_and_limited() -> None:
    records = [
        record("a.txt", "https://e.org/b", 5, "x"),
        record("b.txt", "https://e.org/a", 5, "x"),
        record("c.txt", "https://e.org/c", 1, "x"),
    ]
    topics = evaluate_records(records, Site(limit=2))
    assert [r.url for r in topics[1].records] == ["https://e.org/a", "https://e.org/b"]
    assert topics[1].total == 3
    assert len(evaluate_records(records, Site(limit=0))[1].records) == 3


def test_records_without_topics_are_only_in_all() -> None:
    topics = evaluate_records([record("a.txt", "https://e.org/1", 1)], Site())
    assert [t.feed.folder for t in topics] == ["all"]
    assert topics[0].total == 1


def summary_of(records: list[Record], site: Site | None = None) -> tuple[list[str], list[str]]:
    """(paths in the `all` feed, problem lines) for these records."""
    cache = RecordCache.in_memory()
    cache.store([prepare(ParsedFile(r.path, 0, 0, r, ())) for r in records], replacing=False)
    evaluator = Evaluator(cache, site or Site())
    summary = evaluator.summary()
    (everything, *_) = [evaluator.evaluate(f).load() for f in evaluator.feed_defs(summary)]
    return [r.path for r in everything.records], [str(p) for p in summary.duplicate_warnings]


def test_duplicates_keep_the_newer_then_the_first_by_path() -> None:
    old = record("a.txt", "https://e.org/same", 1)
    new = record("b.txt", "https://e.org/same", 2)
    assert summary_of([new, old]) == (
        ["b.txt"],
        ["a.txt: warning: sourceUrl: same sourceUrl as b.txt; publishing only b.txt"],
    )
    tie_a, tie_b = record("a.txt", "https://e.org/t", 3), record("b.txt", "https://e.org/t", 3)
    third = record("c.txt", "https://e.org/t", 3)
    # Every loser names the one winner, whatever order the files come in.
    assert summary_of([third, tie_b, tie_a]) == (
        ["a.txt"],
        [
            "b.txt: warning: sourceUrl: same sourceUrl as a.txt; publishing only a.txt",
            "c.txt: warning: sourceUrl: same sourceUrl as a.txt; publishing only a.txt",
        ],
    )


def test_drafts_are_held_back_unless_included_and_never_win_a_duplicate() -> None:
    draft = record("a.txt", "https://e.org/x", 9, "AI", published=False)
    live = record("b.txt", "https://e.org/x", 1, "AI")
    assert summary_of([draft, live]) == (["b.txt"], [])
    assert summary_of([draft, live], Site(include_unpublished=True)) == (
        ["a.txt"],
        ["b.txt: warning: sourceUrl: same sourceUrl as a.txt; publishing only a.txt"],
    )
    feeds = evaluate_records([draft], Site())
    assert [(f.feed.folder, f.total) for f in feeds] == [("all", 0)]
