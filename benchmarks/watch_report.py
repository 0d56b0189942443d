"""The watch benchmark's measurements (``benchmarks.watch_latency``) and their Markdown section."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

KINDS = ("new", "changed", "deleted")
_OVERFLOW = " The benchmark's own watch of the output overflowed: some times may be missing."


@dataclass
class Edit:
    kind: str
    at: float  # time.monotonic() just after the writer's rename() or unlink()
    load: float  # 1-minute load average just before
    feeds: int = 0  # feed files renamed into place or removed for it
    to_feeds: float | None = None  # seconds from `at` to the last of them
    to_ping: float | None = None  # seconds from `at` to the last ping the hub received


@dataclass
class Result:
    size: int
    first_build: float = 0.0
    edits: list[Edit] = field(default_factory=list)
    burst: int = 0
    burst_writing: float = 0.0  # first to last rename of the burst
    burst_published: float | None = None  # first rename to the last feed file of its rebuilds
    burst_rebuilds: int = 0
    idle: float = 0.0
    idle_cpu: float = 0.0
    rss: dict[str, float] = field(default_factory=dict)
    overflowed: bool = False


def _ms(values: Sequence[float], q: int) -> str:
    """The q-th percentile (nearest rank, as latency is reported) in ms."""
    if not values:
        return "—"
    ordered = sorted(values)
    return f"{ordered[max(0, -(-q * len(ordered) // 100) - 1)] * 1000:.0f} ms"


def report(result: Result) -> str:
    """The Markdown section of one run."""
    loads = [e.load for e in result.edits]
    lines = [
        "## Watch latency (`benchmarks/watch_latency.py`)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores · "
        f"{result.size:,} records · first build {result.first_build:.1f} s"
        + (
            f" · load average {min(loads):.1f} to {max(loads):.1f} "
            f"(median {statistics.median(loads):.1f}) during the edits"
            if loads
            else ""
        ),
        "",
        f"A `feedgen-news watch` with a hub stand-in over {result.size:,} records. "
        f"{len(result.edits)} single-record edits, each a save (a temporary renamed into "
        "place) or a delete: a new story, a correction of it, its deletion, in turn. Each is "
        "timed from the writer's `rename()` (or `unlink()`) to the last feed file renamed into "
        "place or removed (inotify on the output folder) and to the last ping the hub stand-in "
        "received. Percentiles by nearest rank.",
        "",
        "| edits | feed files each | to the feed files p50 | p99 | max | to the hub p50 | p99 "
        "| ping after the files p50 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in (*KINDS, "all"):
        edits = [e for e in result.edits if kind in (e.kind, "all")]
        done = [e for e in edits if e.to_feeds is not None]
        feeds = [e.to_feeds for e in done if e.to_feeds is not None]
        hub = [e.to_ping for e in edits if e.to_ping is not None]
        after = [e.to_ping - e.to_feeds for e in done if e.to_ping is not None and e.to_feeds]
        files = sorted(e.feeds for e in edits)
        missing = len(edits) - len(done)
        lines.append(
            f"| {kind} ({len(edits)}{f', {missing} without feed files' if missing else ''}) "
            f"| {files[0] if files else 0} to {files[-1] if files else 0} "
            f"| {_ms(feeds, 50)} | {_ms(feeds, 99)} | {_ms(feeds, 100)} "
            f"| {_ms(hub, 50)} | {_ms(hub, 99)} | {_ms(after, 50)} | {_ms(after, 99)} |"
        )
    rss = " / ".join(f"{v:.0f}" for v in result.rss.values())
    published = (
        "not within the bound"
        if result.burst_published is None
        else f"{result.burst_published:.2f} s"
    )
    lines += [
        "",
        "| burst | written in | fully published after the first rename | rebuilds |",
        "|---|---:|---:|---:|",
        f"| {result.burst:,} new files, each renamed into place | {result.burst_writing:.2f} s "
        f"| {published} | {result.burst_rebuilds} |",
        "",
        f"Idle: {result.idle_cpu:.2f} s of CPU over {result.idle:g} s "
        f"({100 * result.idle_cpu / result.idle if result.idle else 0:.2f}%). Memory (resident, "
        f"the watch process) {', '.join(result.rss)}: {rss} MiB."
        + (
            " The output watcher's inotify queue overflowed: some times are missing."
            if result.overflowed
            else ""
        ),
        "",
    ]
    return "\n".join(lines)
