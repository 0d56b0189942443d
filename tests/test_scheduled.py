"""Scheduled records (embargo): a record dated after the build's clock is held back everywhere
until a build at or after its time, which publishes it even when no file changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import build_cmd, run, tree, write_record

EMBARGOED = "https://news.example.org/embargoed"
# Records of tests.helpers are published at 12:00Z on 2024-01-<day>.
BEFORE, AFTER = "2024-01-05T11:59:59Z", "2024-01-05T12:00:00Z"


@pytest.fixture
def records(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    write_record(folder / "old.txt", "old", day=1, topics=["Energy"])
    write_record(folder / "embargoed.txt", "embargoed", day=5, topics=["Scoop"])
    return folder


def _everything(out: Path) -> bytes:
    return b"".join(tree(out).values())


def test_a_scheduled_record_is_nowhere_before_its_time(records: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build_cmd(records, out, "--now", BEFORE)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        "feedgen-news: 2 records read: 1 published, 1 scheduled "
        "(next at 2024-01-05T12:00:00Z; use --future to include them), 0 rejected. "
    )
    # Not in any feed, page, embed list or OPML file, not even its topic's folder.
    assert EMBARGOED.encode() not in _everything(out)
    assert not (out / "topics/scoop").exists()
    assert (out / "topics/energy/rss.xml").is_file()


def test_a_build_after_the_release_publishes_it_though_no_file_changed(
    records: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert build_cmd(records, out, "--now", BEFORE).exit_code == 0
    again = build_cmd(records, out, "--now", BEFORE, "--quiet")
    assert (again.exit_code, again.stderr) == (0, "")  # nothing changed, nothing said
    released = build_cmd(records, out, "--now", AFTER)
    assert released.exit_code == 0, released.stderr
    assert "2 published" in released.stderr and "scheduled" not in released.stderr
    assert EMBARGOED.encode() in (out / "all/rss.xml").read_bytes()
    assert EMBARGOED.encode() in (out / "topics/scoop/feed.json").read_bytes()


def test_future_includes_it_and_the_clock_comes_from_source_date_epoch(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    early = build_cmd(records, tmp_path / "future", "--now", BEFORE, "--future")
    assert early.exit_code == 0 and "2 published" in early.stderr
    assert EMBARGOED.encode() in (tmp_path / "future/all/atom.xml").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704455999")  # 2024-01-05T11:59:59Z
    held = build_cmd(records, tmp_path / "epoch")
    assert "1 scheduled (next at 2024-01-05T12:00:00Z" in held.stderr
    # The same input and the same clock: byte-identical output.
    assert build_cmd(records, tmp_path / "epoch2").exit_code == 0
    assert tree(tmp_path / "epoch", dotfiles=False) == tree(tmp_path / "epoch2", dotfiles=False)


def test_check_lists_each_scheduled_record(records: Path) -> None:
    result = run("check", records, "--now", BEFORE)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{records}/embargoed.txt: scheduled for 2024-01-05T12:00:00Z; held back until then "
        "(--future includes it)",
        "feedgen-news: 2 records read: 1 would be published, 1 scheduled "
        "(next at 2024-01-05T12:00:00Z; use --future to include them), 0 rejected; "
        "nothing written.",
    ]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--now", "next tuesday"], None, "--now: cannot parse 'next tuesday'"),
        (["--now", "2024-01-05T12:00:00"], None, "--now: '2024-01-05T12:00:00' has no time zone"),
        ([], "soon", "SOURCE_DATE_EPOCH: must be whole seconds since 1970, got 'soon'"),
    ],
)
def test_a_bad_clock_is_a_usage_error(
    records: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: str | None,
    message: str,
) -> None:
    if env is not None:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", env)
    result = build_cmd(records, tmp_path / "out", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"feedgen-news: error: {message}")
    assert not (tmp_path / "out").exists()
