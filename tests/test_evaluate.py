"""The evaluator: which records each feed shows, by the one set of rules (visibility,
duplicates, folding, order, limit), on an in-memory cache as ``check`` uses it."""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen_news.build import evaluate_records
from feedgen_news.cache import Evaluator, ParsedFile, RecordCache, prepare
from feedgen_news.config import Site
from feedgen_news.model import Record
from tests.helpers import record


def test_slug_does_not_depend_on_other_topics() -> None:
    site = Site()
    alone = evaluate_records([record(1, topics=("C++",))], site)
    crowded = evaluate_records([record(1, topics=("C++",)), record(2, topics=("C",))], site)
    assert alone[1].feed.slug == next(t.feed.slug for t in crowded if t.feed.name == "C++")


def test_folded_names_are_one_topic_named_by_first_spelling_in_path_order() -> None:
    records = [
        record(2, path="b.txt", url="https://e.org/2", topics=("economie",)),
        record(1, path="a.txt", url="https://e.org/1", topics=("Économie",)),
        record(3, path="c.txt", url="https://e.org/3", topics=("ÉCONOMIE", "economie")),
    ]
    topics = evaluate_records(records, Site())
    assert [t.feed.folder for t in topics] == ["all", "topics/economie"]
    economie = topics[1]
    assert economie.feed.name == "Économie"
    assert economie.feed.title == "feedgen-news — Économie"
    assert [r.path for r in economie.records] == ["c.txt", "b.txt", "a.txt"]


def test_newest_first_ties_broken_by_url_and_limited() -> None:
    records = [
        record(5, path="a.txt", url="https://e.org/b", topics=("x",)),
        record(5, path="b.txt", url="https://e.org/a", topics=("x",)),
        record(1, path="c.txt", url="https://e.org/c", topics=("x",)),
    ]
    topics = evaluate_records(records, Site(limit=2))
    assert [r.url for r in topics[1].records] == ["https://e.org/a", "https://e.org/b"]
    assert topics[1].total == 3
    assert len(evaluate_records(records, Site(limit=0))[1].records) == 3


def test_ties_at_the_limit_and_dates_before_1970_in_a_facet_feed() -> None:
    """A facet feed reads only the rows from its `limit`-th newest date on: ties there are
    still broken by URL, and a feed of old records (negative timestamps) keeps them all."""
    old = datetime(1960, 5, 1, tzinfo=UTC)
    records = [
        record(1, path="a.txt", url="https://e.org/z", topics=("x",), published=old),
        record(2, path="b.txt", url="https://e.org/a", topics=("x",), published=old),
        record(3, path="c.txt", url="https://e.org/m", topics=("x",), published=old),
        record(4, path="d.txt", url="https://e.org/q", topics=("y",), published=old),
    ]
    x = evaluate_records(records, Site(limit=2))[1]
    assert [r.url for r in x.records] == ["https://e.org/a", "https://e.org/m"]
    (y,) = [f for f in evaluate_records(records, Site(limit=5)) if f.feed.key == "y"]
    assert [r.url for r in y.records] == ["https://e.org/q"]


def test_records_without_topics_are_only_in_all() -> None:
    topics = evaluate_records([record(1)], Site())
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
    old = record(1, path="a.txt", url="https://e.org/same")
    new = record(2, path="b.txt", url="https://e.org/same")
    assert summary_of([new, old]) == (
        ["b.txt"],
        ["a.txt: warning: sourceUrl: same sourceUrl as b.txt; publishing only b.txt"],
    )
    tie_a, tie_b = (
        record(3, path="a.txt", url="https://e.org/t"),
        record(3, path="b.txt", url="https://e.org/t"),
    )
    third = record(3, path="c.txt", url="https://e.org/t")
    # Every loser names the one winner, whatever order the files come in.
    assert summary_of([third, tie_b, tie_a]) == (
        ["a.txt"],
        [
            "b.txt: warning: sourceUrl: same sourceUrl as a.txt; publishing only a.txt",
            "c.txt: warning: sourceUrl: same sourceUrl as a.txt; publishing only a.txt",
        ],
    )


def test_drafts_are_held_back_unless_included_and_never_win_a_duplicate() -> None:
    draft = record(9, path="a.txt", url="https://e.org/x", topics=("AI",), is_published=False)
    live = record(1, path="b.txt", url="https://e.org/x", topics=("AI",))
    assert summary_of([draft, live]) == (["b.txt"], [])
    assert summary_of([draft, live], Site(include_unpublished=True)) == (
        ["a.txt"],
        ["b.txt: warning: sourceUrl: same sourceUrl as a.txt; publishing only a.txt"],
    )
    feeds = evaluate_records([draft], Site())
    assert [(f.feed.folder, f.total) for f in feeds] == [("all", 0)]
