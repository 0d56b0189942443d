"""Which files a build reads, and how messages name them: symlinks that lead out of the input
folder, file names that are not UTF-8 or hold control characters, and an output or cache
folder inside the input folder. Through the command a user runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feedgen_news.errors import printable
from feedgen_news.records import scan_record_files
from tests.helpers import published_links, write_record

URL = "https://news.example.org/"


pytestmark = pytest.mark.usefixtures("in_tmp_path")


CHECKED = "feedgen-news: 2 records read: 2 would be published, 0 rejected; nothing written.\n"


def run(*args: str) -> Result:
    from feedgen_news.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def build(*extra: str) -> Result:
    return run("build", "in", "-o", "out", "--cache-dir", "cache", *extra)


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """An input folder with one record of its own, one reached through a link inside it, a
    record linked from outside (whose bad value must never show) and a linked outside folder."""
    inp, outside = tmp_path / "in", tmp_path / "outside"
    (inp / ".drafts").mkdir(parents=True)
    (outside / "folder").mkdir(parents=True)
    write_record(inp / "own.txt", "own")
    write_record(inp / ".drafts" / "kept.txt", "kept")
    (inp / "alias.txt").symlink_to(Path(".drafts", "kept.txt"))  # inside: followed
    (outside / "secret.txt").write_text(
        "---\ntitle: x\nsourceUrl: https://e.example/\npublishedDateTime: TOP-SECRET-VALUE\n---\n"
    )
    write_record(outside / "folder" / "far.txt", "far")
    (inp / "leak.txt").symlink_to(outside / "secret.txt")
    (inp / "more").symlink_to(outside / "folder", target_is_directory=True)
    (inp / "up").symlink_to("..", target_is_directory=True)  # the folder above: outside too
    return inp


WARNING = (
    "in: warning: skipped 3 symlinks that lead outside the input folder "
    "(--follow-symlinks reads them): leak.txt, more/, up/"
)


def test_symlinks_out_of_the_input_are_skipped_unread_and_named_once(linked: Path) -> None:
    result = build()
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == WARNING and len(lines) == 2
    assert lines[-1].startswith("feedgen-news: 2 records read: 2 published, 0 rejected.")
    assert "SECRET" not in result.stderr
    assert published_links(Path("out")) == {URL + "own", URL + "kept"}
    checked = run("check", "in")
    assert checked.exit_code == 0
    assert checked.stderr.splitlines() == [
        WARNING,
        "feedgen-news: 2 records read: 2 would be published, 0 rejected; nothing written.",
    ]


def test_follow_symlinks_reads_them(linked: Path) -> None:
    (linked / "up").unlink()  # the folder above holds the input folder itself
    result = build("--follow-symlinks")
    assert result.exit_code == 1  # the outside record with a bad date, which the user chose
    assert "skipped" not in result.stderr
    assert "in/leak.txt:4:20: publishedDateTime: cannot parse" in result.stderr
    assert published_links(Path("out")) == {URL + "own", URL + "kept", URL + "far"}
    assert run("check", "in", "--follow-symlinks").exit_code == 1


def test_the_warning_counts_every_link_and_names_a_few(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    write_record(tmp_path / "in" / "own.txt", "own")
    write_record(tmp_path / "far.txt", "far")
    for i in range(7):
        (tmp_path / "in" / f"l{i}.txt").symlink_to(tmp_path / "far.txt")
    (tmp_path / "in" / "notes.rst").symlink_to(tmp_path / "far.txt")  # never a record
    result = build()
    assert result.stderr.splitlines()[0] == (
        "in: warning: skipped 7 symlinks that lead outside the input folder "
        "(--follow-symlinks reads them): l0.txt, l1.txt, l2.txt, l3.txt, l4.txt and 2 more"
    )
    assert result.exit_code == 0


def test_a_symlink_loop_stays_harmless(tmp_path: Path) -> None:
    (tmp_path / "in" / "a").mkdir(parents=True)
    write_record(tmp_path / "in" / "a" / "x.txt", "x")
    (tmp_path / "in" / "a" / "loop").symlink_to("..", target_is_directory=True)
    for extra in ((), ("--follow-symlinks",)):
        result = build(*extra)
        assert result.exit_code == 0
        assert result.stderr.splitlines()[-1].startswith("feedgen-news: 1 records read")


# -- file names ---------------------------------------------------------------------------------


def test_names_that_are_not_utf8_are_read_stored_and_named_apart(tmp_path: Path) -> None:
    inp, ff = tmp_path / "in", os.fsdecode(b"\xff.txt")
    (inp / os.fsdecode(b"caf\xe9")).mkdir(parents=True)
    warn = "category: [a, list]\n"  # a warning: each record is published and named
    write_record(inp / ff, "ff", extra=warn)
    write_record(inp / os.fsdecode(b"\xfe.txt"), "fe", day=2, extra=warn)
    write_record(inp / os.fsdecode(b"caf\xe9/\xe9t\xe9.md"), "latin1", day=3)
    expected = [
        "in/\\xfe.txt:6:11: warning: category: must be text, got a list; dropped",
        "in/\\xff.txt:6:11: warning: category: must be text, got a list; dropped",
    ]
    for _ in range(2):  # the second build reads the names back from the cache
        result = build()
        assert result.exit_code == 0, result.stderr
        assert result.stderr.splitlines()[:-1] == expected
        assert "3 records read: 3 published, 0 rejected" in result.stderr
    assert published_links(Path("out")) == {URL + "ff", URL + "fe", URL + "latin1"}
    (inp / ff).unlink()
    result = build()
    assert result.stderr.splitlines()[:-1] == expected[:1]
    assert published_links(Path("out")) == {URL + "fe", URL + "latin1"}
    checked = run("check", "in")
    assert checked.exit_code == 0 and checked.stderr.splitlines()[:-1] == expected[:1]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("ok\nfake.txt", "ok\\nfake.txt"),
        ("\x1b]0;pwned\x07.txt", "\\x1b]0;pwned\\x07.txt"),
        ("back\\slash\r.txt", "back\\\\slash\\r.txt"),
        ("rtl\u202eexe.txt", "rtl\\u202eexe.txt"),
    ],
)
def test_a_name_with_control_characters_is_one_line_with_escapes(
    tmp_path: Path, name: str, shown: str
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_text("---\ntitle: x\n")
    for result in (build(), run("check", "in")):
        assert result.exit_code == 1
        assert (
            result.stderr.splitlines()[0]
            == f"in/{shown}:1: front matter not closed: no line '---' after line 1"
        )
        assert len(result.stderr.splitlines()) == 2


def test_folder_names_in_usage_errors_are_escaped(tmp_path: Path) -> None:
    result = run("build", "in\n\x1b[2Jx", "-o", "out")
    assert result.exit_code == 2
    assert result.stderr == "feedgen-news: error: in\\n\\x1b[2Jx: input folder not found\n"
    result = run("check", "nowhere\r")
    assert result.stderr == "feedgen-news: error: nowhere\\r: input folder not found\n"
    result = run("build", "in", "--config", "a\nb.toml")
    assert result.stderr == "feedgen-news: error: a\\nb.toml: config file not found\n"


def test_the_summary_names_the_output_folder_escaped(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    write_record(tmp_path / "in" / "a.txt", "a")
    result = run("build", "in", "-o", "out\nput", "--cache-dir", "cache")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1].endswith(
        "feeds in out\\nput/: 12 files written, 0 unchanged, 0 removed."
    )


def test_printable_escapes_every_invisible_character_reversibly() -> None:
    assert printable("plain/é ü 中.txt") == "plain/é ü 中.txt"
    assert printable("\udcff\x80\x7f\t\u2028\\") == "\\xff\\u0080\\x7f\\t\\u2028\\\\"
    assert printable("\U000e0001") == "\\U000e0001"
    names = ["\udcff.txt", "\udcfe.txt", "\\xff.txt", "\xff.txt", "\x80.txt", "\udc80.txt"]
    assert len({printable(n) for n in names}) == len(names)


# -- output and cache inside the input ----------------------------------------------------------


def test_output_and_cache_inside_the_input_are_not_read_as_records(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    (inp / "site").mkdir(parents=True)
    (inp / "cache").mkdir()
    write_record(inp / "a.txt", "a")
    (inp / "site" / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    (inp / "cache" / "notes.txt").write_text("mine")
    (inp / "site-notes").mkdir()
    write_record(inp / "site-notes" / "b.txt", "b", day=2)  # a sibling named alike is input
    for _ in range(2):
        result = run("build", "in", "-o", "in/site", "--cache-dir", "in/cache")
        assert result.exit_code == 0, result.stderr
        assert result.stderr.startswith("feedgen-news: 2 records read: 2 published, 0 rejected.")
    assert published_links(inp / "site") == {URL + "a", URL + "b"}
    assert (inp / "site" / "robots.txt").read_text().startswith("User-agent")
    # check knows no output folder: it tells one by the manifest the build leaves in it. (It
    # knows no cache folder either, but a cache holds no record files of its own.)
    (inp / "cache" / "notes.txt").unlink()
    checked = run("check", "in")
    assert checked.stderr == CHECKED
    # The same output folder named through a link inside the input is skipped too.
    (inp / "alias").symlink_to("site", target_is_directory=True)
    result = run("build", "in", "-o", "in/site", "--cache-dir", "in/cache")
    assert result.exit_code == 0 and "2 records read" in result.stderr


def test_scan_without_follow_lists_only_what_lies_inside(linked: Path) -> None:
    outside: list[str] = []
    found = [relpath for relpath, _, _ in scan_record_files(linked, outside=outside)]
    assert found == ["alias.txt", "own.txt"]
    assert outside == ["leak.txt", "more/", "up/"]
    followed = [r for r, _, _ in scan_record_files(linked, follow_symlinks=True)]
    # up/ is the folder above: each real folder once, so in/ itself and outside/folder are not
    # walked again through it.
    assert followed == [
        "alias.txt",
        "leak.txt",
        "more/far.txt",
        "own.txt",
        "up/outside/secret.txt",
    ]


def test_a_rebuild_matches_every_name_with_its_cached_row(tmp_path: Path) -> None:
    """The scan and the cache are merged as two sorted streams: names on either side of the
    surrogate escapes (U+D7FF, U+E000) must sort alike in both, or a no-op rebuild re-parses."""
    from feedgen_news.build import build as build_site
    from feedgen_news.config import Site

    inp = tmp_path / "in"
    names = ["a.txt", "\ud7ff.txt", os.fsdecode(b"\xed\x9f.txt"), "\ue000.txt", "\uffee.md"]
    names += [os.fsdecode(b"\xff/x.txt"), os.fsdecode(b"\xc3/y.txt"), "é/z.txt"]
    for day, name in enumerate(names, start=1):
        (inp / name).parent.mkdir(parents=True, exist_ok=True)
        write_record(inp / name, f"n{day}", day=day)
    # An older copy of n2 under a name that is not UTF-8: it loses, and stays out of the feeds.
    write_record(inp / os.fsdecode(b"\xfe.txt"), "n2", day=1)
    site = Site(base_url="https://example.org/")
    first = build_site(inp, tmp_path / "out", site, cache_dir=tmp_path / "cache", ping=False)
    assert first.parsed == len(names) + 1 and first.counts.published == len(names)
    assert first.counts.duplicates == 1
    assert len(published_links(tmp_path / "out")) == len(names)
    again = build_site(inp, tmp_path / "out", site, cache_dir=tmp_path / "cache", ping=False)
    assert again.parsed == 0 and again.counts.published == len(names)
    (inp / names[2]).unlink()
    less = build_site(inp, tmp_path / "out", site, cache_dir=tmp_path / "cache", ping=False)
    assert less.parsed == 0 and less.counts.published == len(names) - 1


def test_folders_named_in_bytes_that_are_not_utf8_work(tmp_path: Path) -> None:
    inp, out, cache = (os.fsdecode(name + b"\xff") for name in (b"in", b"out", b"cache"))
    (tmp_path / inp).mkdir()
    write_record(tmp_path / inp / "a.txt", "a")
    (tmp_path / inp / "b.txt").write_text("---\n")
    for _ in range(2):
        result = run("build", inp, "-o", out, "--cache-dir", cache)
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert lines[0].startswith("in\\xff/b.txt:")
        assert "6 feeds in out\\xff/: " in lines[-1]
    assert published_links(tmp_path / out) == {URL + "a"}


def test_an_internal_error_is_one_line_whatever_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedgen_news.cli

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("bad name 'x\nfake.txt: everything fine'")

    monkeypatch.setattr(feedgen_news.cli, "check_paths", broken)
    result = run("check", "in")
    assert result.exit_code == 70
    assert result.stderr.splitlines() == [
        "feedgen-news: error: internal error: ValueError: bad name 'x\\nfake.txt: everything "
        "fine' (previous feeds left intact; set FEEDGEN_NEWS_DEBUG=1 for a traceback and "
        "please report it)"
    ]
