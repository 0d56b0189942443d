"""Crash safety: a build killed with SIGKILL at any moment leaves every feed complete (old or new
bytes, never truncated or mixed), and the next build finishes the job exactly.

The corpus is generated (``benchmarks.generate``), built once (the "old" output), then changed:
edits, additions, deletions, every record of a few topics deleted (their feeds must go) and a
few new topics (new folders appear). A pristine build of the changed corpus gives the "new"
output. Each round copies the old output, starts the real ``feedgen-news`` process on the changed
corpus and kills its whole process group at a delay drawn from a seeded RNG: with a copy of the
old cache (the kill lands in rendering or publishing) or with no cache (it lands in parsing and
in the cache's SQLite writes too). Some kills are aimed at the switch-over: they wait until the
first published file changes and then kill within the time the rest of that build took.

A last test undoes a change after a build died half-way through publishing it.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from benchmarks.generate import generate, mutate, record_files
from feedgen_news.layout import LOCK_NAME, MANIFEST_NAME
from tests.helpers import CLI, run_cli
from tests.helpers import comparable as _comparable
from tests.helpers import tree as _tree

RECORDS = 600  # ~600 output files, ~300 of them rewritten by the change
LIMIT = "10"  # entries per feed: keeps rendering short so the test stays within its budget
WARM_KILLS = 6  # with a copy of the old cache, anywhere from start-up to the end
COLD_KILLS = 4  # without a cache: mostly while parsing and filling the cache
SWITCH_KILLS = 6  # with the old cache, aimed at the switch-over (renames, removals, manifest)
MIN_MIXED = 3  # kills that must land while old and new files stand side by side
MAX_SWITCH_KILLS = 14  # at most this many kills aimed at the switch-over, to reach MIN_MIXED
VANISHING_TOPICS = 3  # the rarest topics lose every record, so their folders must be removed
NEW_TOPICS = 3  # topics no old record had, so whole new folders appear
TEMPORARY = re.compile(r"\..+\.[0-9]+\.feedgen-news-tmp")
_TOPIC_BLOCK = re.compile(r'^topics:\n((?:  - ".*"\n)+)', re.MULTILINE)

Tree = dict[str, bytes]  # relpath -> bytes, every file under a folder


@dataclass(frozen=True)
class Corpus:
    work: Path
    new_input: Path
    old_output: Path
    old_cache: Path
    old: Tree
    new: Tree
    new_dirs: frozenset[str]
    cold_seconds: float  # a build of the changed corpus without a cache
    warm_seconds: float  # the same with the old output and cache
    switch_starts: float  # seconds into the warm build when published files began to change
    watched: list[str]  # published files whose first change marks the switch-over


def _build_args(input_dir: Path, output: Path, cache: Path) -> list[str]:
    return [
        *("build", str(input_dir), "-o", str(output), "--cache-dir", str(cache)),
        *("--limit", LIMIT, "--no-ping"),
    ]


def _dirs(root: Path) -> frozenset[str]:
    return frozenset(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())


def _published(tree: Tree) -> Tree:
    """The files readers fetch: everything except the tool's dotfiles."""
    return {k: v for k, v in tree.items() if not k.rpartition("/")[2].startswith(".")}


def _assert_parses(relpath: str, data: bytes) -> None:
    if relpath.endswith(".xml"):
        ElementTree.fromstring(data)
    elif relpath.endswith(".json"):
        json.loads(data)


def _topics_by_file(input_dir: Path) -> dict[Path, list[str]]:
    found: dict[Path, list[str]] = {}
    for path in record_files(input_dir):
        block = _TOPIC_BLOCK.search(path.read_text(encoding="utf-8"))
        lines = block.group(1).splitlines() if block else []
        found[path] = [line.strip()[3:-1] for line in lines]
    return found


def _drop_rarest_topics(input_dir: Path, count: int) -> list[str]:
    """Delete every record of the ``count`` rarest topics; returns their names."""
    by_file = _topics_by_file(input_dir)
    usage = Counter(t for topics in by_file.values() for t in topics)
    rarest = [name for name, _ in sorted(usage.items(), key=lambda kv: (kv[1], kv[0]))[:count]]
    for path, topics in by_file.items():
        if set(topics) & set(rarest):
            path.unlink()
    return rarest


def _add_new_topics(input_dir: Path, count: int) -> list[str]:
    """Give ``count`` records a topic no record had, so whole new feeds appear."""
    names = [f"Crash Test Topic {i}" for i in range(count)]
    with_topics = [p for p, topics in _topics_by_file(input_dir).items() if topics]
    for path, name in zip(with_topics[::97], names, strict=False):
        text = path.read_text(encoding="utf-8")
        text = _TOPIC_BLOCK.sub(f'topics:\n  - "{name}"\n', text, count=1)
        path.write_text(text, encoding="utf-8")
    return names


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _wait_for_switch(proc: subprocess.Popen[bytes], output: Path, watched: list[str]) -> float:
    """Wait until the build replaces, removes or adds one of the ``watched`` published files
    (from then on old and new files stand side by side); returns when."""
    paths = [output / relpath for relpath in watched]
    before = [_inode(p) for p in paths]
    while proc.poll() is None and [_inode(p) for p in paths] == before:
        time.sleep(0.001)
    return time.monotonic()


def _time_build(
    args: list[str], cwd: Path, output: Path, watched: list[str]
) -> tuple[float, float]:
    """Run a build; return its wall time and when it began switching files, in seconds."""
    started = time.monotonic()
    proc = subprocess.Popen([str(CLI), *args], cwd=cwd, stderr=subprocess.PIPE)
    switch_starts = _wait_for_switch(proc, output, watched) - started
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    return time.monotonic() - started, switch_starts


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    work = tmp_path_factory.mktemp("crash")
    old_input, new_input = work / "old-records", work / "new-records"
    generate(old_input, RECORDS, seed=2026)
    shutil.copytree(old_input, new_input)  # copy2 keeps mtimes: the old cache stays valid
    mutate(new_input, RECORDS // 10, seed=7)
    vanished = _drop_rarest_topics(new_input, VANISHING_TOPICS)
    _add_new_topics(new_input, NEW_TOPICS)

    old_output, old_cache = work / "old-output", work / "old-cache"
    result = run_cli(*_build_args(old_input, old_output, old_cache), cwd=work)
    assert result.returncode == 0, result.stderr
    old = _tree(old_output)

    new_output = work / "new-output"
    started = time.monotonic()
    result = run_cli(*_build_args(new_input, new_output, work / "new-cache"), cwd=work)
    cold_seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    new = _tree(new_output)

    # The change must be one worth crashing in: many feeds rewritten, whole topics removed.
    old_pub, new_pub = _published(old), _published(new)
    assert len(old_pub) > 500, len(old_pub)
    rewritten = [p for p in new_pub if p in old_pub and old_pub[p] != new_pub[p]]
    assert len(rewritten) > 100, len(rewritten)
    stale = sorted(set(old_pub) - set(new_pub))
    assert len(stale) >= VANISHING_TOPICS * 4, (vanished, stale)
    assert len(set(new_pub) - set(old_pub)) >= NEW_TOPICS * 4
    for relpath, data in [*old_pub.items(), *new_pub.items()]:
        _assert_parses(relpath, data)
    # Files spread over the whole change: the first of them to change marks the switch-over.
    added = sorted(set(new_pub) - set(old_pub))
    watched = [*rewritten[:: len(rewritten) // 8], stale[0], stale[-1], added[0], added[-1]]

    # An incremental build from the old output and cache gives the pristine bytes too; timing it
    # finds the switch-over window some kills aim at.
    measured = work / "measured-output"
    shutil.copytree(old_output, measured)
    shutil.copytree(old_cache, work / "measured-cache")
    args = _build_args(new_input, measured, work / "measured-cache")
    warm_seconds, switch_starts = _time_build(args, work, measured, watched)
    assert _comparable(_tree(measured)) == _comparable(new)
    return Corpus(
        work,
        new_input,
        old_output,
        old_cache,
        old,
        new,
        _dirs(new_output),
        cold_seconds,
        warm_seconds,
        switch_starts,
        watched,
    )


@dataclass(frozen=True)
class Kill:
    cache: str  # "warm": a copy of the old cache; "cold": none
    delay: float  # seconds after the start, or after the switch-over began
    in_switch: bool

    def __str__(self) -> str:
        when = "after the switch-over began" if self.in_switch else "after the start"
        return f"{self.cache} cache, SIGKILL {self.delay:.3f} s {when}"


def _kill(args: list[str], cwd: Path, kill: Kill, output: Path, watched: list[str]) -> float | None:
    """Start a build in its own process group and SIGKILL the group (the parser processes too)
    at the planned moment. Returns None if it was killed, else how long it ran after the moment
    its delay counts from."""
    proc = subprocess.Popen(
        [str(CLI), *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    began = _wait_for_switch(proc, output, watched) if kill.in_switch else time.monotonic()
    try:
        proc.wait(timeout=kill.delay)
        return time.monotonic() - began
    except subprocess.TimeoutExpired:
        pass
    with suppress(ProcessLookupError):  # it finished in between
        os.killpg(proc.pid, signal.SIGKILL)
    returncode = proc.wait(timeout=30)
    return None if returncode == -signal.SIGKILL else time.monotonic() - began


def _assert_only_old_or_new(output: Path, corpus: Corpus, label: str) -> str:
    """Every file is a complete old or new version, our dotfiles or a temporary; and the
    manifest names every published file, so a later build can remove the stale ones.
    Returns the state the kill left: "old", "mixed" or "new"."""
    tree = _tree(output)
    manifest = json.loads(tree[MANIFEST_NAME])
    versions: set[str] = set()
    for relpath, data in tree.items():
        name = relpath.rpartition("/")[2]
        if relpath in (MANIFEST_NAME, LOCK_NAME) or TEMPORARY.fullmatch(name):
            continue
        assert not name.startswith("."), f"{label}: unexpected dotfile {relpath}"
        old, new = corpus.old.get(relpath), corpus.new.get(relpath)
        assert old is not None or new is not None, f"{label}: {relpath} is in neither build"
        assert data in (old, new), f"{label}: {relpath} is neither the old nor the new file"
        _assert_parses(relpath, data)
        assert relpath in manifest["files"], f"{label}: {relpath} missing from the manifest"
        if old != new:
            versions.add("old" if data == old else "new")
    published = set(_published(tree))
    if published == set(_published(corpus.old)) and versions <= {"old"}:
        return "old"
    if published == set(_published(corpus.new)) and versions <= {"new"}:
        return "new"
    return "mixed"


def _crash_and_recover(corpus: Corpus, n: int, kill: Kill) -> tuple[str, float | None]:
    """One round: kill a build of the changed corpus into a copy of the old output, check what
    it left, then build again and check the result is exactly the pristine new output.
    Returns the state the kill left ("old", "mixed", "new" or "finished") and, if the build
    finished first, how long it ran after the moment the kill's delay counted from."""
    label = f"kill {n} ({kill})"
    output, cache = corpus.work / f"kill-{n}-output", corpus.work / f"kill-{n}-cache"
    shutil.copytree(corpus.old_output, output)
    if kill.cache == "warm":
        shutil.copytree(corpus.old_cache, cache)
    args = _build_args(corpus.new_input, output, cache)

    finished_after = _kill(args, corpus.work, kill, output, corpus.watched)
    state = _assert_only_old_or_new(output, corpus, label)

    # The next build (on whatever cache the kill left) finishes the job exactly.
    result = run_cli(*args, cwd=corpus.work)
    assert result.returncode == 0, f"{label}: exit {result.returncode}: {result.stderr}"
    rebuilt = _comparable(_tree(output))
    assert rebuilt == _comparable(corpus.new), f"{label}: the rebuild differs from a pristine build"
    assert _dirs(output) == corpus.new_dirs, f"{label}: folders left behind"
    shutil.rmtree(output)
    shutil.rmtree(cache, ignore_errors=True)
    return ("finished" if finished_after is not None else state), finished_after


def test_sigkill_at_random_moments_leaves_old_or_new_files_and_next_build_completes(
    corpus: Corpus,
) -> None:
    rng = random.Random(20261128)  # noqa: S311 - a reproducible kill schedule, not a secret
    plan = [Kill("warm", rng.uniform(0, corpus.warm_seconds), False) for _ in range(WARM_KILLS)]
    plan += [Kill("cold", rng.uniform(0, corpus.cold_seconds), False) for _ in range(COLD_KILLS)]
    states: Counter[str] = Counter()
    for n, kill in enumerate(plan):
        states[_crash_and_recover(corpus, n, kill)[0]] += 1

    # Kills while old and new files stand side by side are the point of this test. That window
    # is short and its length varies with the machine's load, so these kills wait for it to
    # open and shrink their aim whenever a build finishes first.
    window = corpus.warm_seconds - corpus.switch_starts
    aimed = 0
    while aimed < SWITCH_KILLS or (states["mixed"] < MIN_MIXED and aimed < MAX_SWITCH_KILLS):
        kill = Kill("warm", rng.uniform(0, window), True)
        state, finished_after = _crash_and_recover(corpus, len(plan) + aimed, kill)
        states[state] += 1
        aimed += 1
        if finished_after is not None:
            window = min(window, finished_after)
    assert states["mixed"] >= MIN_MIXED, states


# -- a build that died mid-switch, then an undone change ------------------------------------

FLASH = """---
title: "Sample: flash story published by mistake"
sourceUrl: https://news.example.org/2020/02/flash-by-mistake.html
publishedDateTime: 2020-02-01T08:00:00Z
published: {published}
topics:
  - Energy
  - Local Government
---
"""


def _published_bytes(root: Path) -> dict[str, bytes]:
    return _published(_tree(root))


def test_change_undone_after_a_build_died_mid_switch_is_undone_in_every_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record published by mistake, a build that dies after replacing some of its feeds, and
    the record withdrawn again: the next build must withdraw it from every feed, not trust the
    dead build's half-done work for topics that look unchanged since the build before it."""
    from click.testing import CliRunner

    from feedgen_news.cli import main

    monkeypatch.chdir(tmp_path)  # default settings: no feedgen-news.toml here
    records = tmp_path / "records"
    shutil.copytree(Path(__file__).resolve().parent.parent / "seeds", records)
    flash = records / "010_flash.txt"
    flash.write_text(FLASH.format(published="false"), encoding="utf-8")
    args = ["build", str(records), "-o", "out", "--cache-dir", "cache", "--no-ping"]
    runner = CliRunner()
    assert runner.invoke(main, args).exit_code == 0
    before = _published_bytes(tmp_path / "out")

    # Published by mistake; the build dies once it has replaced the Energy feeds (`all` and
    # `energy` sort before `local-government`, which it never reaches).
    flash.write_text(FLASH.format(published="true"), encoding="utf-8")
    real_replace = os.replace

    def dying_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if "/topics/local-government/" in Path(dst).as_posix():
            raise OSError(5, "simulated crash")
        real_replace(src, dst)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", dying_replace)
        died = runner.invoke(main, args)
    assert died.exit_code == 70, died.output
    half_done = _published_bytes(tmp_path / "out")
    assert b"flash story" in half_done["topics/energy/rss.xml"]
    assert half_done["topics/local-government/rss.xml"] == before["topics/local-government/rss.xml"]

    # Withdrawn again: every feed must be exactly as before the mistake.
    flash.write_text(FLASH.format(published="false"), encoding="utf-8")
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    after = _published_bytes(tmp_path / "out")
    assert sorted(p for p in after if b"flash story" in after[p]) == []
    assert after == before
