"""A watch beside the rest of a deployment: a cron ``build`` of the same output, SIGTERM from
``systemctl stop`` in the middle of a rebuild, and the WebSub hub it tells.

Real ``feedgen-news`` processes; every wait is for a state, bounded."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from lxml import etree

from feedgen_news.layout import MANIFEST_NAME
from feedgen_news.render.formats import FORMATS
from tests.helpers import CLI, holding_lock, running_hub, tree, write_record
from tests.watching import SITE_URL, WAIT, building, wait_for, watching
from tests.watching import links as _links
from tests.watching import url as _url

CORRECTED = "excerpt: A correction.\n"  # an edit: the record's feeds change


def _watch_argv(inp: Path, out: Path, *extra: str) -> list[str | Path]:
    return ["watch", inp, "-o", out, "--limit", "0", *extra]


def _feeds_whole(out: Path) -> int:
    """Parse every feed file of an output folder as a reader would; how many there are."""
    feeds = [p for p in out.rglob("*") if p.name in {f.filename for f in FORMATS}]
    for path in feeds:
        if path.suffix == ".json":
            json.loads(path.read_bytes())
        else:
            etree.fromstring(path.read_bytes())  # raises on a cut-off file
    listed = json.loads((out / MANIFEST_NAME).read_bytes())["files"]
    assert {p.relative_to(out).as_posix() for p in feeds} <= set(listed)
    assert not [p for p in out.rglob("*") if "feedgen-news-tmp" in p.name]
    return len(feeds)


def test_a_cron_build_of_the_same_output_takes_turns_with_the_watch(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first")
    with watching(tmp_path, _watch_argv(inp, out, "--no-ping")) as w:
        with holding_lock(out):  # as a third build would: both must wait for it
            write_record(inp / "a.md", "a", topics=["Energy"])
            wait_for("the watch's rebuild waiting for the lock", w.building)
            write_record(inp / "b.md", "b", topics=["Economy"])
            cron = subprocess.Popen(
                [CLI, "build", inp, "-o", out, "--limit", "0", "--no-ping"],
                cwd=tmp_path,
                stderr=subprocess.PIPE,
                text=True,
            )
            wait_for("the cron build waiting for the lock", lambda: building(cron.pid, out))
        _, stderr = cron.communicate(timeout=60)
        assert cron.returncode == 0, stderr
        wait_for("both records", lambda: _links(out) == {_url("first"), _url("a"), _url("b")})
        wait_for("the watch's rebuilds", lambda: not w.building())
        assert not [line for line in w.lines() if "error" in line]
        assert w.proc.poll() is None
    reference = tmp_path / "reference"
    done = subprocess.run(
        [CLI, "build", inp, "-o", reference, "--limit", "0", "--cache-dir", tmp_path / "ref"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert tree(out, dotfiles=False) == tree(reference, dotfiles=False)


def test_sigterm_during_a_rebuild_leaves_every_feed_file_whole(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "first.md", "first")
    with watching(tmp_path, _watch_argv(inp, out, "--no-ping")) as w:
        for n in range(600):  # a checkout: many files, many topics, a rebuild that takes a while
            write_record(inp / f"c{n:03d}.md", f"c{n}", topics=[f"Topic {n % 40}", "Sample"])
        wait_for("a rebuild under way", w.building)
        w.proc.send_signal(signal.SIGTERM)
        assert w.proc.wait(timeout=WAIT) == 143
        assert w.lines()[-1] == "feedgen-news: error: terminated (previous feeds left intact)"
    assert _feeds_whole(out) >= 3
    # The next build finishes the job.
    done = subprocess.run(
        [CLI, "build", inp, "-o", out, "--limit", "0", "--lock-timeout", "0"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(_links(out)) == 601
    assert _feeds_whole(out) == 3 * 42


def test_the_hub_is_told_exactly_the_feeds_an_edit_changed(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    write_record(inp / "energy.md", "energy", topics=["Energy"])
    write_record(inp / "economy.md", "economy", topics=["Economy"])
    with running_hub() as hub:
        (tmp_path / "feedgen-news.toml").write_text(f'hub = "{hub.url}"\nbase_url = "{SITE_URL}"\n')
        with watching(tmp_path, _watch_argv(inp, out)) as w:
            assert hub.pinged() == _feed_urls("all", "topics/energy", "topics/economy")
            hub.received.clear()
            write_record(inp / "energy.md", "energy", topics=["Energy"], extra=CORRECTED)
            wait_for("the rebuild's line", lambda: bool(w.rebuilds()))
            # Pinged before the line is printed: everything the hub will hear of this edit.
            assert hub.pinged() == _feed_urls("all", "topics/energy")
            assert len(hub.received) == 6


def _feed_urls(*folders: str) -> set[str]:
    return {f"{SITE_URL}{folder}/{fmt.filename}" for folder in folders for fmt in FORMATS}
