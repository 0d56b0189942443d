"""`check` of record files named one by one (as a pre-commit hook passes the changed ones), and
of several folders: each problem named as the user named the file, one summary for them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import NO_URL_RECORD, record_text, run, write_record

pytestmark = pytest.mark.usefixtures("in_tmp_path")


def test_files_are_checked_alone_and_named_as_given() -> None:
    write_record(Path("news/good.md"), "good")
    Path("news/sub").mkdir()
    Path("news/sub/bad.txt").write_text(NO_URL_RECORD, encoding="utf-8")
    Path("news/other.md").write_text(NO_URL_RECORD, encoding="utf-8")  # in the folder, not named
    result = run("check", "news/good.md", "news/sub/bad.txt")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "news/sub/bad.txt: sourceUrl: missing (required)",
        "feedgen-news: 2 records read: 1 would be published, 1 rejected; nothing written.",
    ]
    result = run("check", "news/good.md")
    assert result.exit_code == 0
    assert result.stderr == (
        "feedgen-news: 1 records read: 1 would be published, 0 rejected; nothing written.\n"
    )


def test_files_named_together_are_checked_together() -> None:
    """A duplicate sourceUrl among the files given is reported as a build would report it."""
    write_record(Path("a.md"), "same", day=2)
    write_record(Path("b/c.txt"), "same", day=1)
    result = run("check", "b/c.txt", "a.md", "a.md")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "b/c.txt: warning: sourceUrl: same sourceUrl as a.md; publishing only a.md",
        "feedgen-news: 2 records read: 1 would be published, 1 duplicate sourceUrl, 0 rejected;"
        " nothing written.",
    ]


def test_folders_and_files_together_give_one_summary() -> None:
    write_record(Path("one/a.txt"), "a")
    Path("one/b.txt").write_text(NO_URL_RECORD, encoding="utf-8")
    write_record(Path("two/c.txt"), "c")
    Path("loose.md").write_text(NO_URL_RECORD, encoding="utf-8")
    result = run("check", "one", "loose.md", "two")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "one/b.txt: sourceUrl: missing (required)",
        "loose.md: sourceUrl: missing (required)",
        "feedgen-news: 4 records read: 2 would be published, 2 rejected; nothing written.",
    ]


def test_no_path_checks_seeds() -> None:
    Path("seeds").mkdir()
    Path("seeds/x.txt").write_text(record_text("x"), encoding="utf-8")
    result = run("check")
    assert result.exit_code == 0
    assert result.stderr == (
        "feedgen-news: 1 records read: 1 would be published, 0 rejected; nothing written.\n"
    )


def test_a_path_that_is_no_record_is_a_usage_error() -> None:
    Path("notes.yaml").write_text("a: 1\n", encoding="utf-8")
    write_record(Path("a.md"), "a")
    for args, message in [
        (["missing.md"], "missing.md: record file not found"),
        (["a.md", "notes.yaml"], "notes.yaml: not a record file (a build reads .txt and .md)"),
        (["a.md", "missing"], "missing: input folder not found"),
    ]:
        result = run("check", *args)
        assert result.exit_code == 2, args
        assert result.stderr == f"feedgen-news: error: {message}\n"
