"""Publish: safe paths, atomic writes, unchanged files untouched, stale files removed."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from feedgen_news.errors import ConfigError
from feedgen_news.layout import MANIFEST_NAME, OutputFile
from feedgen_news.publish import (
    Publication,
    Staged,
    read_manifest,
    safe_path,
    stage,
    write,
)


@pytest.mark.parametrize(
    "relpath",
    ["", "../x", "a/../../x", "/etc/passwd", "a//b", ".hidden", "a/./b", "a\\b", "a\0b", "a/"],
)
def test_unsafe_paths_are_refused(tmp_path: Path, relpath: str) -> None:
    with pytest.raises(ValueError, match="unsafe output path"):
        safe_path(tmp_path, relpath)


def test_symlinked_folder_pointing_out_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "out", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "topics").symlink_to(outside)
    message = f"{root}/topics: a symlink leading out of the output folder"
    with pytest.raises(ConfigError, match=message):
        safe_path(root, "topics/x.xml")
    with pytest.raises(ConfigError, match=message):
        write(root, [OutputFile("topics/x.xml", b"x")])
    assert list(outside.iterdir()) == []


def test_write_then_rewrite_only_changed_and_remove_stale(tmp_path: Path) -> None:
    first = write(tmp_path, [OutputFile("a/one.xml", b"1"), OutputFile("b/two.xml", b"2")])
    assert first.written == ("a/one.xml", "b/two.xml")
    (tmp_path / "mine.txt").write_text("a file feedgen-news never wrote")
    before = (tmp_path / "a/one.xml").stat().st_mtime_ns
    os.utime(tmp_path / "a/one.xml", ns=(before - 10**9, before - 10**9))
    second = write(tmp_path, [OutputFile("a/one.xml", b"1"), OutputFile("c/three.xml", b"3")])
    assert second.written == ("c/three.xml",)
    assert second.unchanged == ("a/one.xml",)
    assert second.removed == ("b/two.xml",)
    # Unchanged bytes are not rewritten: the mtime stays, so servers keep answering 304.
    assert (tmp_path / "a/one.xml").stat().st_mtime_ns == before - 10**9
    assert not (tmp_path / "b").exists()  # the emptied folder went too
    assert (tmp_path / "mine.txt").read_text() == "a file feedgen-news never wrote"
    assert set(read_manifest(tmp_path).files) == {"a/one.xml", "c/three.xml"}


def test_kept_files_stay_listed_without_being_rendered(tmp_path: Path) -> None:
    write(tmp_path, [OutputFile("a/one.xml", b"1")], state={"k": "v1"})
    report = write(tmp_path, [], kept=["a/one.xml"], state={"k": "v2"})
    assert report.removed == ()
    manifest = read_manifest(tmp_path)
    # The kept file keeps the hash of the bytes on disk, which nothing rewrote.
    assert dict(manifest.files) == {"a/one.xml": hashlib.sha256(b"1").hexdigest()}
    assert manifest.state == {"k": "v2"}


def test_leftover_temporaries_and_widened_manifest_are_cleaned(tmp_path: Path) -> None:
    write(tmp_path, [OutputFile("a/one.xml", b"1"), OutputFile("a/two.xml", b"2")])
    # What a build killed mid-way leaves: a temporary and a manifest listing a file it wrote.
    (tmp_path / "a/.one.xml.123.feedgen-news-tmp").write_bytes(b"half")
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    manifest["files"]["a/three.xml"] = "0" * 64
    (tmp_path / "a/three.xml").write_bytes(b"3")
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    report = write(tmp_path, [OutputFile("a/one.xml", b"1")])
    assert report.removed == ("a/three.xml", "a/two.xml")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["one.xml"]


def test_files_are_world_readable_like_any_tool_output(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write(tmp_path, [OutputFile("f.xml", b"x")])
    finally:
        os.umask(old)
    assert (tmp_path / "f.xml").stat().st_mode & 0o777 == 0o644


def test_tampered_manifest_never_deletes_outside(tmp_path: Path) -> None:
    root = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    root.mkdir()
    (root / MANIFEST_NAME).write_text(json.dumps({"files": {"../victim.txt": "0"}}))
    write(root, [OutputFile("f.xml", b"x")])
    assert victim.read_text() == "keep me"


def test_files_staged_elsewhere_are_adopted_and_committed(tmp_path: Path) -> None:
    """Workers stage the files they render; the publication takes them over by name."""
    out = tmp_path / "out"
    write(out, [OutputFile("a/same.xml", b"same")])
    with Publication(out, ["a/new.xml", "a/same.xml"]) as publication:
        new = stage(out, OutputFile("a/new.xml", b"new"))
        same = stage(out, OutputFile("a/same.xml", b"same"))
        assert new.temporary is not None and Path(new.temporary).parent == out / "a"
        assert same.temporary is None  # unchanged bytes are never rewritten
        publication.adopt(new)
        publication.adopt(same)
        report = publication.commit()
    assert report.written == ("a/new.xml",) and report.unchanged == ("a/same.xml",)
    assert (out / "a" / "new.xml").read_bytes() == b"new"
    assert sorted(p.name for p in (out / "a").iterdir()) == ["new.xml", "same.xml"]


def test_an_unplanned_or_misplaced_staged_file_is_refused_and_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with Publication(out, ["a/planned.xml"]) as publication:
        stray = stage(out, OutputFile("b/stray.xml", b"x"))
        with pytest.raises(ValueError, match="not planned"):
            publication.adopt(stray)
        assert stray.temporary is not None and not Path(stray.temporary).exists()
        elsewhere = stage(out, OutputFile("b/planned.xml", b"x"))
        moved = Staged("a/planned.xml", elsewhere.sha256, elsewhere.temporary)
        with pytest.raises(ValueError, match="not planned"):
            publication.adopt(moved)
        assert elsewhere.temporary is not None and not Path(elsewhere.temporary).exists()
    assert not (out / "a" / "planned.xml").exists()


def test_a_failed_publication_leaves_no_temporary_no_new_folder_and_the_old_manifest(
    tmp_path: Path,
) -> None:
    """A worker may stage a file whose name never reaches the publication (the build failed
    first): every temporary goes, the folders it made go, and as no file was switched yet the
    old manifest, build state and all, is true again."""
    out = tmp_path / "out"
    write(out, [OutputFile("a/one.xml", b"1")], state={"k": "v"})
    before = (out / MANIFEST_NAME).read_bytes()
    with (
        pytest.raises(OSError, match="disk on fire"),
        Publication(out, ["a/one.xml", "new/deep.xml"]) as publication,
    ):
        publication.adopt(stage(out, OutputFile("a/one.xml", b"changed")))
        stage(out, OutputFile("new/deep.xml", b"orphan"))  # never adopted
        raise OSError("disk on fire")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        MANIFEST_NAME,
        "a",
        "a/one.xml",
    ]
    assert (out / MANIFEST_NAME).read_bytes() == before
    assert (out / "a/one.xml").read_bytes() == b"1"


@pytest.mark.parametrize("earlier", [False, True])
def test_a_stopped_publication_leaves_the_folder_as_it_was(tmp_path: Path, earlier: bool) -> None:
    """Stopped before replacing anything (an error, SIGTERM, Ctrl-C): no temporary (not even
    one a worker staged and nobody adopted), no new topic's folder, the previous manifest."""
    root = tmp_path / "out"
    root.mkdir()
    if earlier:
        write(root, [OutputFile("all/rss.xml", b"old")])
    before = {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
        for p in root.rglob("*")
    }
    planned = ["all/rss.xml", "topics/new/rss.xml", "topics/new/atom.xml"]
    with pytest.raises(KeyboardInterrupt), Publication(root, planned) as publication:
        publication.add(OutputFile("all/rss.xml", b"new"))
        stage(root, OutputFile("topics/new/rss.xml", b"staged by a worker, never adopted"))
        raise KeyboardInterrupt
    after = {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
        for p in root.rglob("*")
    }
    assert after == before
