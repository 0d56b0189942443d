"""The watch's latency: how long a saved record takes to reach the feed files and the hub.

``python -m benchmarks.watch_latency [--size 100000] [--records DIR] [--data DIR] [--edits 100]
[--spacing 2] [--burst 1000] [--idle 60] [--output benchmarks/results.md]``

Over SIZE records (generated as ``benchmarks.run`` does and cached, or hard-linked from
``--records``, which is never written: every save replaces a link by rename), a real
``feedgen-news watch`` with a hub stand-in: EDITS single-record edits SPACING seconds apart, each
an editor's save (a temporary file renamed into place) or a delete, in turn a new story, a
correction of it and its deletion; for each, the time from the writer's ``rename()`` (or
``unlink()``) to the last feed file renamed into place (inotify on the output folder) and to the
last ping the hub received. Then a BURST of new files (a ``git checkout``), timed until fully
published; then the watch's CPU time over IDLE seconds of nothing, and its memory throughout.
Prints a Markdown section and writes it into the report (its own section; ``benchmarks.run``
keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from .generate import END, record_text
from .observe import OutputEvents, cpu_seconds, hub_stand_in, rss_mib
from .run import _CHILD_ENV, DEFAULT_DATA, RESULTS, _cli, ensure_data, link_copy, replace_section
from .watch_report import KINDS, Edit, Result, report

_CHANGED = re.compile(r"feedgen-news: (\d+) files? changed: ")
_TITLE = re.compile(r"^title: .*$", re.MULTILINE)


def measure(
    size: int, records: Path, work: Path, edits: int, spacing: float, burst: int, idle: float
) -> Result:
    cli = _cli()
    if cli is None:
        raise SystemExit("feedgen-news is not installed in this environment (pip install -e .)")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    inp, out = work / "in", work / "out"
    _say(f"[{size:,}] linking the records into {inp} ...")
    link_copy(records, inp)
    folders = sorted(p for p in inp.glob("*/*") if p.is_dir()) or [inp]
    result = Result(size)
    with hub_stand_in() as (hub, pings):
        (work / "feedgen-news.toml").write_text(f'hub = "{hub}"\n', encoding="utf-8")
        log = work / "watch.log"
        started = time.monotonic()
        with log.open("wb") as err:
            proc = subprocess.Popen(
                [str(cli), "watch", str(inp), "-o", str(out), "--cache-dir", str(work / "cache")],
                cwd=work,
                env=_CHILD_ENV,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        try:
            lines = _Lines(log, proc)
            lines.wait("the first build", lambda ls: any("watching" in line for line in ls), 3600)
            result.first_build = time.monotonic() - started
            _say(f"[{size:,}] first build: {result.first_build:.1f} s; now editing")
            result.rss["after the first build"] = rss_mib(proc.pid)
            events = OutputEvents(out)
            try:
                _edits(result, edits, spacing, folders, lines, events, pings)
                result.rss["after the edits"] = rss_mib(proc.pid)
                _burst(result, burst, folders, lines, events)
                result.rss["after the burst"] = rss_mib(proc.pid)
                result.overflowed = events.overflowed
            finally:
                events.close()
            time.sleep(min(5.0, idle))  # its workers gone, the last line printed
            cpu = cpu_seconds(proc.pid)
            time.sleep(idle)
            result.idle, result.idle_cpu = idle, cpu_seconds(proc.pid) - cpu
            result.rss[f"after {idle:g} s idle"] = rss_mib(proc.pid)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(60)
    return result


class _Lines:
    """The watch's stderr lines, read again as they grow."""

    def __init__(self, log: Path, proc: subprocess.Popen[bytes]) -> None:
        self.log, self.proc = log, proc

    def all(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()

    def wait(self, what: str, done: Callable[[list[str]], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not done(self.all()):
            if self.proc.poll() is not None:
                raise SystemExit(f"the watch ended ({self.proc.returncode}): {self.all()[-3:]}")
            if time.monotonic() > deadline:
                _say(f"warning: not within {timeout:g} s: {what}")
                return False
            time.sleep(0.005)
        return True


def _edits(
    result: Result,
    count: int,
    spacing: float,
    folders: Sequence[Path],
    lines: _Lines,
    events: OutputEvents,
    pings: list[tuple[float, str]],
) -> None:
    rng = random.Random("watch-latency")  # noqa: S311 - test data, not secrets
    start, latest = time.monotonic(), folders[0] / "none.txt"
    for i in range(count):
        time.sleep(max(0.0, start + i * spacing - time.monotonic()))
        rebuilds = _rebuilds(lines.all())
        kind, load = KINDS[i % len(KINDS)], os.getloadavg()[0]
        if kind == "new":
            record_id = f"{rng.getrandbits(64):016x}"
            latest = rng.choice(folders) / f"w{i:04d}_{record_id}.txt"
            at = _save(latest, _story(rng, record_id, END + 60 * (i + 1)))
        elif kind == "changed":
            title = f"title: {json.dumps(f'Corrected: story {i}')}"
            at = _save(latest, _TITLE.sub(title, latest.read_text(encoding="utf-8"), 1))
        else:
            latest.unlink()
            at = time.monotonic()
        edit = Edit(kind, at, load)
        if lines.wait(f"the rebuild of edit {i}", partial(_more, rebuilds), 60):
            time.sleep(0.02)  # the reader of the output's events catches up
            placed = [t for t, _ in events.since(at)]
            told = [t for t, _ in pings if t >= at]
            edit.feeds = len(placed)
            edit.to_feeds = max(placed) - at if placed else None
            edit.to_ping = max(told) - at if told else None
        result.edits.append(edit)
        shown = "—" if edit.to_feeds is None else f"{edit.to_feeds * 1000:.0f} ms"
        _say(f"edit {i + 1}/{count} ({kind}): {edit.feeds} feed files in {shown}")


def _burst(
    result: Result, count: int, folders: Sequence[Path], lines: _Lines, events: OutputEvents
) -> None:
    if count <= 0:
        return
    rng = random.Random("watch-burst")  # noqa: S311 - test data
    before, rebuilds = _files_changed(lines.all()), _rebuilds(lines.all())
    time.sleep(1.0)
    renamed = []
    for i in range(count):
        record_id = f"{rng.getrandbits(64):016x}"
        path = rng.choice(folders) / f"b{i:05d}_{record_id}.txt"
        renamed.append(_save(path, _story(rng, record_id, END + 86400 + 60 * i)))
    first, last = renamed[0], renamed[-1]
    done = lines.wait("the burst", lambda ls: _files_changed(ls) - before >= count, 600)
    time.sleep(0.05)
    placed = [t for t, _ in events.since(first)]
    result.burst, result.burst_writing = count, last - first
    result.burst_published = max(placed) - first if done and placed else None
    result.burst_rebuilds = _rebuilds(lines.all()) - rebuilds
    shown = "—" if result.burst_published is None else f"{result.burst_published:.2f} s"
    _say(f"burst of {count} files: published in {shown}, {result.burst_rebuilds} rebuilds")


def _story(rng: random.Random, record_id: str, ts: int) -> str:
    """A generated record, the newest yet, and published: not one of the generator's drafts
    (an edit of a draft changes no feed)."""
    return record_text(rng, record_id, ts).replace("\npublished: false\n", "\npublished: true\n")


def _save(path: Path, text: str) -> float:
    """An editor's save: a temporary beside the file, renamed into place; when it was."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text, encoding="utf-8")
    temporary.rename(path)
    return time.monotonic()


def _more(rebuilds: int, lines: Sequence[str]) -> bool:
    return _rebuilds(lines) > rebuilds


def _rebuilds(lines: Sequence[str]) -> int:
    return sum(1 for line in lines if _CHANGED.match(line))


def _files_changed(lines: Sequence[str]) -> int:
    return sum(int(m.group(1)) for line in lines if (m := _CHANGED.match(line)))


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.watch_latency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", type=int, default=100_000, help="records (default 100,000)")
    parser.add_argument("--records", type=Path, help="a folder of generated records to link")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="where data is cached")
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--spacing", type=float, default=2.0, help="seconds between edits")
    parser.add_argument("--burst", type=int, default=1000, help="files in the burst")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle measured")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown report file")
    args = parser.parse_args(argv)
    data = args.data.resolve()
    records = args.records.resolve() if args.records else ensure_data(data, args.size)[0]
    work = data / "work" / f"watch-{args.size}"
    result = measure(args.size, records, work, args.edits, args.spacing, args.burst, args.idle)
    section = report(result)
    print(section)
    old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    args.output.write_text(replace_section(old, section), encoding="utf-8")
    _say(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
