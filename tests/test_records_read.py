"""Tests for records/read.py: a file's bytes (size limit, FIFOs, missing files), raw control
characters, and a folder read in path order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedgen_news.config import Site
from feedgen_news.records import LoadResult, load_dir, parse_record, read_record
from tests.bad_records import FIXTURES
from tests.helpers import GOOD_HEAD, SITE


def test_a_file_over_the_size_limit_is_rejected_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(GOOD_HEAD.encode() + b"x" * (2 * 1024 * 1024 - len(GOOD_HEAD)))
    record, problems = read_record(big, "big.txt", SITE)
    assert record is None
    assert [str(p) for p in problems] == [
        "big.txt: file is 2,097,152 bytes, over the limit of 1,048,576 (max_file_bytes)"
    ]
    small_limit = Site(max_file_bytes=100)
    record, problems = read_record(FIXTURES / "good/bom_crlf.txt", "b.txt", small_limit)
    assert [str(p) for p in problems] == [
        "b.txt: file is 147 bytes, over the limit of 100 (max_file_bytes)"
    ]


def test_a_fifo_named_like_a_record_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    record, problems = read_record(fifo, "pipe.txt", SITE)
    assert record is None and [str(p) for p in problems] == ["pipe.txt: not a regular file"]


def test_a_missing_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    record, problems = read_record(tmp_path / "gone.txt", "gone.txt", SITE)
    assert record is None
    assert [str(p) for p in problems] == ["gone.txt: cannot read: No such file or directory"]


@pytest.mark.parametrize(
    ("repair", "title"),
    [(True, "don\u2019t \ufffdstop"), (False, "don\u00e2t \ufffdstop")],
)
def test_raw_c1_controls_are_mojibake_repaired_or_removed(repair: bool, title: str) -> None:
    # UTF-8 read as Latin-1 leaves C1 controls, which YAML refuses: they are mapped back
    # through Windows-1252 (then repaired) or, without repair, removed.
    raw = "don\u00e2\x80\x99t \ufffdstop\ufffe\uffff"
    text = f"---\ntitle: {raw}\nsourceUrl: https://example.org/1\npublishedDateTime: 2020-01-13\n"
    record, problems = parse_record(
        (text + "---\n").encode(), "c1.txt", Site(repair_mojibake=repair)
    )
    assert record is not None and record.title == title
    removed = "2:21: warning: removed 2 control character(s) (first: U+FFFE)"
    if not repair:
        removed = "2:12: warning: removed 4 control character(s) (first: U+0080)"
    assert [str(p) for p in problems] == [f"c1.txt:{removed}"]


def test_load_dir_reads_everything_in_path_order_named_by_relpath(tmp_path: Path) -> None:
    root = tmp_path / "in"
    good = (FIXTURES / "good/bom_crlf.txt").read_bytes()
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "2.txt").write_bytes(good)
    (root / "1.txt").write_bytes(good.replace(b"published: true", b"published: false"))
    (root / "0.txt").write_bytes(b"")
    (root / "3.txt").write_bytes((FIXTURES / "warn/topics_not_a_list.txt").read_bytes())
    result = load_dir(root, SITE)
    assert isinstance(result, LoadResult)
    assert result.files == 4
    assert [(r.path, r.is_published) for r in result.records] == [
        ("1.txt", False),
        ("3.txt", True),
        ("sub/2.txt", True),
    ]
    assert [str(p) for p in result.problems] == [
        "0.txt: empty file",
        "3.txt:5:9: warning: topics: must be a list, got a string; used as a list of one",
    ]
