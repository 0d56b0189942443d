"""Tests for records/scan.py: which files are input, in which order."""

from __future__ import annotations

from pathlib import Path

from feedgen_news.records import iter_record_files


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_iter_record_files_sorts_skips_dot_entries_and_survives_symlink_loops(
    tmp_path: Path,
) -> None:
    root = tmp_path / "in"
    for rel in ("b.txt", "a/z.md", "a/b/c.txt", "a-b.txt", "notes.rst", ".hidden.txt"):
        write(root / rel)
    write(root / ".git" / "x.txt")
    (root / "a" / "b" / "loop").symlink_to(root / "a")  # a cycle
    (root / "self").symlink_to(root)  # the root again
    (root / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    write(tmp_path / "elsewhere" / "e.txt")
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    found = iter_record_files(root)  # a followed cycle would list a/b/loop/b/c.txt and more
    inside = ["a-b.txt", "a/b/c.txt", "a/z.md", "b.txt", "dangling.txt"]
    # dangling.txt is listed, so that read_record can say why it cannot be read; linked/ leads
    # out of the input folder (tests/test_input_files.py).
    assert [p.relative_to(root).as_posix() for p in found] == inside
    found = iter_record_files(root, follow_symlinks=True)
    assert [p.relative_to(root).as_posix() for p in found] == [*inside, "linked/e.txt"]
