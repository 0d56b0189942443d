"""Tests for records/frontmatter.py: the fences, odd YAML, and hostile front matter rejected
fast, in bounded memory, with a position."""

from __future__ import annotations

import signal
import tracemalloc

import pytest

from feedgen_news.config import Site
from feedgen_news.errors import Problem
from feedgen_news.model import Record
from feedgen_news.records import parse_record
from tests.bad_records import FIXTURES
from tests.helpers import GOOD_HEAD, parse_text

HANG_S = 30


def fast_and_small(relpath: str, data: bytes) -> tuple[Record | None, list[Problem]]:
    """parse_record within a 20 MB budget (a bomb's expansion shows up as memory, not time);
    an alarm turns a hang into a failure instead of a stuck test run, and claims no speed."""

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"{relpath}: parse_record did not return within {HANG_S} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_S)
    tracemalloc.start()
    try:
        result = parse_record(data, relpath, Site())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert peak < 20 * 1024 * 1024
    return result


def test_an_alias_bomb_is_rejected_fast_in_bounded_memory() -> None:
    data = (FIXTURES / "bad/alias_bomb.txt").read_bytes()
    record, problems = fast_and_small("bomb.txt", data)
    assert record is None and "aliases" in problems[0].reason


def test_a_recursive_alias_is_rejected() -> None:
    text = GOOD_HEAD + "publishedDateTime: 2020-01-13\ntopics: &t [*t]\n---\n"
    record, problems = fast_and_small("loop.txt", text.encode())
    assert record is None
    assert [str(p) for p in problems] == [
        "loop.txt:5:9: YAML anchors and aliases (&name, *name) are not allowed in records"
    ]


@pytest.mark.parametrize(
    ("nesting", "column"),
    [("[" * 10_000 + "]" * 10_000, 1008), ("{a: " * 10_000 + "1" + "}" * 10_000, 4005)],
    ids=["sequences", "mappings"],
)
def test_ten_thousand_deep_flow_nesting_is_rejected_fast(nesting: str, column: int) -> None:
    data = (GOOD_HEAD + f"publishedDateTime: 2020-01-13\ntopics: {nesting}\n---\n").encode()
    record, problems = fast_and_small("deep.txt", data)
    assert record is None
    assert [str(p) for p in problems] == [
        f"deep.txt:5:{column}: invalid YAML: exceeded maximum nesting depth"
    ]


def test_ten_thousand_deep_block_nesting_is_rejected_fast() -> None:
    data = GOOD_HEAD + "publishedDateTime: 2020-01-13\ntopics:\n" + "- " * 10_000 + "x\n---\n"
    record, problems = fast_and_small("deep.txt", data.encode())
    assert record is None
    assert [str(p) for p in problems] == [
        "deep.txt:6:1999: invalid YAML: exceeded maximum nesting depth"
    ]


def test_a_huge_integer_is_rejected_without_a_traceback() -> None:
    text = GOOD_HEAD + "publishedDateTime: 2020-01-13\nheat: " + "9" * 5000 + "\n---\n"
    record, problems = fast_and_small("int.txt", text.encode())
    assert record is None
    assert [str(p) for p in problems] == [
        "int.txt:5:7: invalid YAML: cannot read this value as int"
    ]


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("<<: {category: merged}\ncategory: own", "own"),
        ("<<: {category: merged}", "merged"),
        ("category: !!str 2026", "2026"),
        ("category: !!binary aGVsbG8=", None),  # bytes are not text: dropped with a warning
    ],
)
def test_explicit_tags_and_merge_keys_follow_pyyaml(yaml_text: str, expected: str | None) -> None:
    record, _ = parse_text(GOOD_HEAD + f"publishedDateTime: 2020-01-13\n{yaml_text}\n---\n")
    assert record is not None and record.category == expected


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("category: !!str {a: 1}", "5:11: invalid YAML: expected a scalar node, but found mapping"),
        ("? [a]\n: 1", "5:3: invalid YAML: found unhashable key"),
        (
            "category: !custom x",
            "5:11: invalid YAML: could not determine a constructor for the tag '!custom'",
        ),
        ("x: " + "[" * 70 + "]" * 70, "5:67: invalid YAML: nested more than 64 levels deep"),
    ],
)
def test_odd_yaml_is_rejected_with_a_position(yaml_text: str, message: str) -> None:
    record, problems = parse_text(GOOD_HEAD + f"publishedDateTime: 2020-01-13\n{yaml_text}\n---\n")
    assert record is None and [str(p) for p in problems] == [f"x.txt:{message}"]
