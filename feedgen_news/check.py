"""Check: validate records and say what a build would publish, writing nothing (the cache lives
in memory), for a folder, or for record files named one by one as a pre-commit hook passes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import partial
from pathlib import Path

from .cache import Counts, Evaluator, RecordCache
from .config import Site
from .errors import Problem
from .ingest import check_input, problems_to_report, store_files, sync
from .records import folders_and_files, scan_record_files
from .workers import workers


@dataclass(frozen=True, slots=True)
class CheckReport:
    counts: Counts
    problems: tuple[Problem, ...]
    scheduled: tuple[tuple[str, datetime], ...] = ()  # (file, release time), soonest first


def check(
    input_dir: Path,
    site: Site,
    *,
    jobs: int | None = None,
    label: str | None = None,
    follow_symlinks: bool = False,
    now: datetime | None = None,
) -> CheckReport:
    """Validate every record and report every problem, and count what a build would publish;
    writes nothing (its cache lives in memory). Symlinks are followed as ``build`` follows
    them."""
    check_input(input_dir)
    outside: list[str] = []
    scan = partial(scan_record_files, input_dir, follow_symlinks=follow_symlinks, outside=outside)
    cache = RecordCache.in_memory()
    with workers(jobs) as pool:
        sync(cache, scan, input_dir, site, pool)
    evaluator = Evaluator(cache, site, now)
    summary = evaluator.summary()
    problems = problems_to_report(cache, summary.duplicate_warnings, outside, input_dir, label)
    prefix = str(input_dir) if label is None else label
    scheduled = tuple((f"{prefix}/{path}", when) for path, when in evaluator.scheduled())
    return CheckReport(summary.counts, problems, scheduled)


def check_paths(
    paths: Sequence[Path],
    site: Site,
    *,
    jobs: int | None = None,
    follow_symlinks: bool = False,
    now: datetime | None = None,
) -> CheckReport:
    """``check`` of several paths, each a folder (checked as ``check`` checks it) or a record
    file (checked alone, as a pre-commit hook passes the changed ones): one report for them all.
    The files are checked together, so a duplicate sourceUrl among them is reported, and each is
    named as given. Raises ConfigError, before reading any, for a path that is neither."""
    folders, files = folders_and_files(paths)
    for folder in folders:
        check_input(folder)
    reports = [
        check(path, site, jobs=jobs, follow_symlinks=follow_symlinks, now=now) for path in folders
    ]
    if files:
        cache = RecordCache.in_memory()
        store_files(cache, [str(path) for path in files], site)
        evaluator = Evaluator(cache, site, now)
        summary = evaluator.summary()
        problems = problems_to_report(cache, summary.duplicate_warnings, [], Path(), "")
        reports.append(CheckReport(summary.counts, problems, tuple(evaluator.scheduled())))
    return CheckReport(
        _total(r.counts for r in reports),
        tuple(p for r in reports for p in r.problems),
        tuple(sorted((s for r in reports for s in r.scheduled), key=lambda s: (s[1], s[0]))),
    )


def _total(counts: Iterable[Counts]) -> Counts:
    """Several folders' counts as one: sums, and the soonest next release."""
    counts = list(counts)
    releases = [c.next_release for c in counts if c.next_release is not None]
    sums: dict[str, object] = {
        f.name: sum(getattr(c, f.name) for c in counts)
        for f in fields(Counts)
        if f.name != "next_release"
    }
    return Counts(**sums, next_release=min(releases, default=None))  # type: ignore[arg-type]
