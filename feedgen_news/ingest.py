"""Ingest: bring a cache up to date with the input folder (scan, diff, parse in workers, store).

The scan and the cache are both streams in path order, merged as they come, and parsing is fed
in bounded chunks: memory stays flat however many files there are.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import nullcontext
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import Protocol

from . import __version__
from .bodies import RENDERER
from .cache import ParsedFile, RecordCache, Rows, prepare
from .config import Site
from .errors import ConfigError, Problem, printable, relabel
from .records import load_record_file, outside_links_warning
from .workers import Workers, chunked

Progress = Callable[[int], None]  # called with the number of files parsed so far
Stat = tuple[str, int, int]  # relpath, size, mtime_ns
_CHUNK = 256  # files per task: big enough to amortise pickling, small enough to balance cores
_POOL_MIN = 512  # below this many files to parse, a process pool costs more than it saves
_STORE_BATCH = 4096  # rows per cache transaction


class Scan(Protocol):
    """``scan_record_files`` with its folder and rules bound."""

    def __call__(self, *, stat: bool) -> Iterator[Stat]: ...


def parse_fingerprint(site: Site) -> str:
    """What changes how a file parses: a different value empties the cache."""
    return (
        f"{__version__}|mojibake={site.repair_mojibake}|max={site.max_file_bytes}"
        f"|topics={site.max_topics_per_record}|dates={site.date_order}"
        f"|body={site.body_format}|nofollow={site.link_nofollow}|render={RENDERER}"
    )


def sync(
    cache: RecordCache,
    scan: Scan,
    input_dir: Path,
    site: Site,
    workers: Workers,
    progress: Progress | None = None,
) -> int:
    """Bring ``cache`` up to date with the input folder as ``scan`` lists it; returns how many
    files were parsed. An empty cache is bulk-loaded, every file parsed on every core."""
    fresh = cache.is_empty()
    if fresh:
        workers.start()  # every file will be parsed: fork while this process is small
    removed: list[str] = []
    if fresh:  # every file is new: the workers' fstat as they read gives size and mtime
        changed: Iterator[Stat] = scan(stat=False)
    else:
        changed = diff(scan(stat=True), cache.iter_stats(), removed)
    # A handful of changed files is parsed here; more go to the worker processes.
    head = list(islice(changed, _POOL_MIN))
    chunks = chunked(chain(head, changed), _CHUNK)
    parse = partial(parse_rows, str(input_dir), site=site)
    done = 0
    batch: list[Rows] = []
    with cache.bulk_load() if fresh else nullcontext():
        for rows in workers.imap(parse, chunks, worth_it=len(head) == _POOL_MIN or fresh):
            batch.extend(rows)
            done += len(rows)
            if len(batch) >= _STORE_BATCH:
                cache.store(batch, replacing=not fresh)
                batch = []
            if progress:
                progress(done)
        cache.store(batch, removed, replacing=not fresh)
    return done


def diff(scanned: Iterator[Stat], cached: Iterator[Stat], removed: list[str]) -> Iterator[Stat]:
    """Files to parse (new, or with another size or mtime), from two streams sorted by path;
    paths only the cache knows are appended to ``removed``."""
    old = next(cached, None)
    for stat in scanned:
        while old is not None and old[0] < stat[0]:
            removed.append(old[0])
            old = next(cached, None)
        if old is not None and old[0] == stat[0]:
            if old != stat or stat[1] < 0:
                yield stat
            old = next(cached, None)
        else:
            yield stat
    while old is not None:
        removed.append(old[0])
        old = next(cached, None)


def store_files(cache: RecordCache, names: Sequence[str], site: Site) -> None:
    """Parse record files named one by one (not found by a scan) into an empty ``cache``, each
    keyed, and its problems named, by its name as given (a name given twice is read once)."""
    unique = dict.fromkeys(names)  # keeps the order given
    cache.store([prepare(_parse_file(name, name, site)) for name in unique], replacing=False)


def update(cache: RecordCache, relpaths: Collection[str], input_dir: Path, site: Site) -> int:
    """Bring ``cache`` up to date for these files only, with no scan: parse those that are
    there, forget those that are gone (a watch's rebuild from the paths its events name; the
    caller has checked that the scan would list them). Returns how many files were parsed."""
    present: list[str] = []
    removed: list[str] = []
    for relpath in sorted(set(relpaths)):
        (present if os.path.lexists(f"{input_dir}/{relpath}") else removed).append(relpath)
    rows = [prepare(_parse_file(f"{input_dir}/{relpath}", relpath, site)) for relpath in present]
    cache.store(rows, removed)
    return len(present)


def _parse_file(path: str, relpath: str, site: Site) -> ParsedFile:
    # Keyed by the stat of the bytes parsed, not the scan's: a file that changed in between
    # is not mistaken for unchanged later; one that could not be opened (-1) is retried.
    loaded = load_record_file(path, relpath, site)
    return ParsedFile(
        relpath,
        loaded.size,
        loaded.mtime_ns,
        loaded.record,
        tuple(loaded.problems),
        loaded.editorial,
    )


def _parse(input_dir: str, items: list[Stat], site: Site) -> list[ParsedFile]:
    # A str path, not a Path: pathlib's parsing costs as much as reading a small file.
    return [_parse_file(f"{input_dir}/{relpath}", relpath, site) for relpath, _, _ in items]


def parse_rows(input_dir: str, items: list[Stat], site: Site) -> list[Rows]:
    return [prepare(parsed) for parsed in _parse(input_dir, items, site)]


def problems_to_report(
    cache: RecordCache,
    duplicates: Sequence[Problem],
    outside: list[str],
    input_dir: Path,
    label: str | None,
) -> tuple[Problem, ...]:
    """Every problem to report, in path order, named as the user named the input folder."""
    scanned = outside_links_warning(outside)
    found = [*cache.problems(), *duplicates, *([scanned] if scanned else [])]
    found.sort(key=lambda p: p.path)
    return tuple(relabel(found, str(input_dir) if label is None else label))


def check_input(input_dir: Path) -> None:
    """ConfigError unless ``input_dir`` is a folder to read records from."""
    if not input_dir.is_dir():
        raise ConfigError(f"{printable(str(input_dir))}: input folder not found")
