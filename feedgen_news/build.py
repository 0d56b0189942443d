"""Build: the library API that runs the whole job: scan, parse (in parallel, through the cache),
group into topics, render, publish atomically, ping the hub.

Data flows one way: files -> records (cache) -> topics -> output files -> atomic writes.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from functools import partial
from itertools import chain, islice
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol, TypeVar

from . import __version__, guard, publish, signals
from .cache import (
    Counts,
    FeedHead,
    ParsedFile,
    RecordCache,
    Rows,
    Summary,
    open_cache,
    prepare,
    relabel,
)
from .cache_guard import CacheDamaged
from .config import Site
from .errors import ConfigError, Problem, printable
from .layout import OutputFile
from .model import Record
from .publish import Manifest, PublishReport, Staged
from .records import load_record_file, outside_links_warning, scan_record_files
from .render import (
    feed_files,
    is_feed_file,
    output_paths,
    page_file,
    render_feed_files,
    render_site,
    render_site_files,
)
from .render.formats import FORMATS
from .topics import dedupe, group

Progress = Callable[[int], None]  # called with the number of files parsed so far
T = TypeVar("T")
R = TypeVar("R")
DEFAULT_CACHE_DIR = ".feedgen-news"
_CHUNK = 256  # files per task: big enough to amortise pickling, small enough to balance cores
_POOL_MIN = 512  # below this many files to parse, a process pool costs more than it saves
_RENDER_POOL_MIN = 1000  # likewise, entries to render
_STORE_BATCH = 4096  # rows per cache transaction


@dataclass(frozen=True, slots=True)
class BuildReport:
    counts: Counts
    problems: tuple[Problem, ...]  # errors and warnings, in path order
    feeds: int  # feeds (topics incl. `all`) x formats in the output
    published: PublishReport | None  # None when --strict refused to write
    parsed: int  # files parsed this run (the rest came from the cache)
    changed_feed_urls: tuple[str, ...] = ()
    pings: tuple[str, ...] = ()  # one line when the WebSub hub could not be notified
    warnings: tuple[str, ...] = ()  # one line when the record cache was set aside and rebuilt

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True, slots=True)
class CheckReport:
    counts: Counts
    problems: tuple[Problem, ...]


def build_records(records: Sequence[Record], site: Site) -> list[OutputFile]:
    """The pure pipeline without files or cache: filter, de-duplicate, group, render."""
    visible = [r for r in records if r.is_published or site.include_unpublished]
    kept, _ = dedupe(visible)
    return render_site(group(kept, site), site)


def build(
    input_dir: Path,
    output_dir: Path,
    site: Site,
    *,
    cache_dir: Path | None = None,
    strict: bool = False,
    lock_timeout: float = 60.0,
    jobs: int | None = None,
    ping: bool = True,
    progress: Progress | None = None,
    label: str | None = None,
    follow_symlinks: bool = False,
    force: bool = False,
    allow_shrink: bool = False,
) -> BuildReport:
    """Build every feed of ``input_dir`` into ``output_dir``.

    Bad records are reported as problems and left out; with ``strict`` any rejected record means
    nothing is written. ``label`` is how messages name the input folder (default: as given).
    Symlinks that lead out of the input folder are skipped with one warning, unless
    ``follow_symlinks``; the output and cache folders are never read as input.
    Raises ConfigError for unusable folders and for files in the way that this tool did not
    write (``force`` overwrites those), ShrinkError when the build would remove most published
    feeds or every record (``allow_shrink`` lets it), LockError when another build holds the
    output and StorageError when the cache's disk is full. A cache it cannot use is set aside
    and the build runs once more with a new one, saying so in ``warnings``.
    """
    run = partial(
        _build_once,
        input_dir,
        output_dir,
        site,
        cache_dir=cache_dir,
        strict=strict,
        lock_timeout=lock_timeout,
        jobs=jobs,
        ping=ping,
        progress=progress,
        label=label,
        follow_symlinks=follow_symlinks,
        force=force,
        allow_shrink=allow_shrink,
    )
    try:
        return run()
    except CacheDamaged as damage:  # set aside by open_cache; a second failure is a bug
        return replace(run(replaceable=not damage.in_place), warnings=(damage.warning,))


def _build_once(
    input_dir: Path,
    output_dir: Path,
    site: Site,
    *,
    cache_dir: Path | None,
    strict: bool,
    lock_timeout: float,
    jobs: int | None,
    ping: bool,
    progress: Progress | None,
    label: str | None,
    follow_symlinks: bool,
    force: bool,
    allow_shrink: bool,
    replaceable: bool = True,
) -> BuildReport:
    cache_dir = cache_dir if cache_dir is not None else Path(DEFAULT_CACHE_DIR)
    _check_folders(input_dir, output_dir, cache_dir)
    deadline = time.monotonic() + lock_timeout  # one budget for both locks
    with (
        publish.output_lock(output_dir, lock_timeout),
        _workers(jobs) as workers,
        # Entered after the output lock, so it gets what is left of the budget.
        open_cache(
            cache_dir,
            input_dir,
            _parse_fingerprint(site),
            lock_timeout,
            wait=max(0.0, deadline - time.monotonic()),
            replaceable=replaceable,
        ) as cache,
    ):
        outside: list[str] = []
        scan = partial(
            scan_record_files,
            input_dir,
            follow_symlinks=follow_symlinks,
            skip=(output_dir, cache_dir),
            outside=outside,
        )
        parsed = _sync(cache, scan, input_dir, site, workers, progress)
        inputs = _inputs_digest(site, cache.token())
        summary = cache.summary(inputs)
        if summary is None:
            dropped, duplicate_warnings = cache.duplicates(site)
            counts = cache.counts(site, dropped)
            summary = Summary(counts, frozenset(dropped), tuple(duplicate_warnings))
            cache.save_summary(inputs, summary)
        counts = summary.counts
        scanned = outside_links_warning(outside)
        problems = relabel(
            sorted(
                [*cache.problems(), *summary.duplicate_warnings, *([scanned] if scanned else [])],
                key=lambda p: p.path,
            ),
            str(input_dir) if label is None else label,
        )
        if strict and counts.rejected:
            return BuildReport(counts, tuple(problems), 0, None, parsed)
        manifest = publish.read_manifest(output_dir)
        if manifest.state.get("inputs") == inputs and _all_present(output_dir, manifest):
            unchanged = PublishReport((), tuple(sorted(manifest.files)), ())
            feed_files = sum(1 for p in manifest.files if is_feed_file(p))
            return BuildReport(counts, tuple(problems), feed_files, unchanged, parsed)
        _check_feed_count(cache.topic_count(site, summary.losers), site, input_dir, label)
        feeds = cache.feeds(site, summary.losers)
        planned = output_paths(feeds)
        if not allow_shrink:
            guard.check_shrink(
                [p for p in manifest.files if is_feed_file(p)],
                [p for p in planned if is_feed_file(p)],
                manifest.state.get("published"),
                counts.published,
            )
        with publish.Publication(output_dir, planned, force=force) as publication:
            try:
                kept, state = _plan(feeds, site, manifest, workers, publication)
            except BaseException:
                workers.close()  # none may stage a file after the publication's clean-up
                raise
            state["inputs"] = inputs
            state["published"] = str(counts.published)
            report = publication.commit(kept=kept, state=state)
    changed = tuple(site.url(p) for p in report.written if is_feed_file(p))
    pings: tuple[str, ...] = ()
    if ping and site.hub and changed:
        from . import websub  # http and ssl: imported only when there is a hub to ping

        results = websub.ping(site.hub, changed)
        failure = websub.summarize(site.hub, results)
        pings = (failure,) if failure else ()
    return BuildReport(
        counts, tuple(problems), len(feeds) * len(FORMATS), report, parsed, changed, pings
    )


def check(
    input_dir: Path,
    site: Site,
    *,
    jobs: int | None = None,
    label: str | None = None,
    follow_symlinks: bool = False,
) -> CheckReport:
    """Validate every record and report every problem; writes nothing, uses no cache. Symlinks
    are followed as ``build`` follows them."""
    _check_input(input_dir)
    records: list[Record] = []
    outside: list[str] = []
    files = rejected = 0
    items = list(
        scan_record_files(input_dir, stat=False, follow_symlinks=follow_symlinks, outside=outside)
    )
    scanned = outside_links_warning(outside)
    problems: list[Problem] = [scanned] if scanned else []
    chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
    parse = partial(_parse_chunk, str(input_dir), site=site)
    with _workers(jobs) as workers:
        results = [
            p for ps in workers.map(parse, chunks, worth_it=len(items) >= _POOL_MIN) for p in ps
        ]
    for parsed in results:
        files += 1
        problems.extend(parsed.problems)
        if parsed.record is None:
            rejected += 1
        else:
            records.append(parsed.record)
    visible = [r for r in records if r.is_published or site.include_unpublished]
    kept, duplicate_warnings = dedupe(visible)
    held_back = len(records) - len(visible)
    counts = Counts(files, len(kept), held_back, rejected, len(visible) - len(kept))
    problems = sorted([*problems, *duplicate_warnings], key=lambda p: p.path)
    return CheckReport(counts, tuple(relabel(problems, str(input_dir) if label is None else label)))


# -- scanning and parsing ---------------------------------------------------------------------

Stat = tuple[str, int, int]  # relpath, size, mtime_ns


class _Scan(Protocol):
    """``scan_record_files`` with its folder and rules bound."""

    def __call__(self, *, stat: bool) -> Iterator[Stat]: ...


class _Workers:
    """Processes for the CPU-bound steps (YAML parsing, rendering): the GIL rules out threads, and
    feedgen changes the process locale while it formats dates. Started on first use, and only
    when there is enough work to pay for them."""

    def __init__(self, jobs: int | None) -> None:
        self.jobs = jobs if jobs is not None else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Fork the workers now, while this process is small: forked later, each would carry a
        copy of the scan of every input file (100 MiB at a million files)."""
        if self.jobs > 1 and self._pool is None:
            # fork: workers start in milliseconds and inherit the imported modules.
            self._pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=get_context("fork"),
                initializer=signals.worker_started,
                initargs=(os.getpid(),),
            )
            with signals.blocked():  # with fork, the first task starts every worker
                first = self._pool.submit(int)
            first.result()

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, worth_it: bool) -> Iterator[R]:
        if self.jobs <= 1 or len(items) <= 1 or not worth_it:
            return map(fn, items)
        self.start()
        assert self._pool is not None
        # Not the executor's map(): on the way out of an exception it cancels the futures the
        # pool is about to fail, which breaks the pool's own cleanup in ``abort``.
        return _results([self._pool.submit(fn, item) for item in items])

    def imap(self, fn: Callable[[T], R], items: Iterable[T], *, worth_it: bool) -> Iterator[R]:
        """``map`` over a stream, in order, with at most eight tasks per worker in flight (the
        executor's own ``map`` would first submit the whole stream)."""
        if self.jobs <= 1 or not worth_it:
            yield from map(fn, items)
            return
        self.start()
        assert self._pool is not None
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(self._pool.submit(fn, item))
            if len(pending) >= 8 * self.jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Kill the workers now, mid-task: on any failure or signal, nothing they would still
        do is wanted, and the files they are writing can be removed only once they are gone."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(pool._processes.values())  # the executor has no kill()
        for process in processes:
            process.kill()
        for process in processes:
            process.join()
        pool.shutdown(wait=True, cancel_futures=True)


def _results(futures: list[Future[R]]) -> Iterator[R]:
    """Each future's result in order, dropping each once taken (results can be large)."""
    futures.reverse()
    while futures:
        yield futures.pop().result()


def _sync(
    cache: RecordCache,
    scan: _Scan,
    input_dir: Path,
    site: Site,
    workers: _Workers,
    progress: Progress | None,
) -> int:
    """Bring the cache up to date with the input folder, as ``scan`` lists it (it takes
    ``stat=``); returns how many files were parsed.

    The scan and the cache are both streams in path order, merged as they come, and parsing is
    fed in bounded chunks: memory stays flat however many files there are.
    """
    fresh = cache.is_empty()
    if fresh:
        workers.start()  # every file will be parsed: fork while this process is small
    removed: list[str] = []
    if fresh:  # every file is new: the workers' fstat as they read gives size and mtime
        changed: Iterator[Stat] = scan(stat=False)
    else:
        changed = _diff(scan(stat=True), cache.iter_stats(), removed)
    # A handful of changed files is parsed here; more go to the worker processes.
    head = list(islice(changed, _POOL_MIN))
    chunks = _chunked(chain(head, changed), _CHUNK)
    parse = partial(_parse_chunk_rows, str(input_dir), site=site)
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


def _diff(scanned: Iterator[Stat], cached: Iterator[Stat], removed: list[str]) -> Iterator[Stat]:
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


def _chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _parse_chunk(input_dir: str, items: list[Stat], site: Site) -> list[ParsedFile]:
    out: list[ParsedFile] = []
    for relpath, _, _ in items:
        # A str path, not a Path: pathlib's parsing costs as much as reading a small file.
        path = f"{input_dir}/{relpath}"
        # Keyed by the stat of the bytes parsed, not the scan's: a file that changed in between
        # is not mistaken for unchanged later; one that could not be opened (-1) is retried.
        record, problems, size, mtime_ns = load_record_file(path, relpath, site)
        out.append(ParsedFile(relpath, size, mtime_ns, record, tuple(problems)))
    return out


def _parse_chunk_rows(input_dir: str, items: list[Stat], site: Site) -> list[Rows]:
    return [prepare(parsed) for parsed in _parse_chunk(input_dir, items, site)]


@contextmanager
def _workers(jobs: int | None) -> Iterator[_Workers]:
    workers = _Workers(jobs)
    try:
        yield workers
    except BaseException:
        workers.abort()
        raise
    workers.close()


# -- planning output files -------------------------------------------------------------------


def _render_and_stage(task: tuple[FeedHead, bool], site: Site, root: Path) -> list[Staged]:
    feed, page_only = task
    return [
        publish.stage(root, out)
        for out in render_feed_files(feed.load(), site, page_only=page_only)
    ]


def _plan(
    feeds: Sequence[FeedHead],
    site: Site,
    manifest: Manifest,
    workers: _Workers,
    publication: publish.Publication,
) -> tuple[list[str], dict[str, str]]:
    """Render only feeds whose digest changed since the last build, staging their files in
    ``publication``; returns the files kept from the last build and the new build state.

    Two digests per feed, so unchanged feeds are never even decoded: one over the settings, the
    feed's identity and its newest records as stored bytes (the feeds and the embed list show
    nothing else), and one adding the feed's total, which only its HTML page shows: a record
    added or removed outside the newest ``limit`` re-renders the page, not the feeds.
    """
    kept: list[str] = []
    state: dict[str, str] = {}
    stale: list[tuple[FeedHead, bool]] = []  # (feed, page only)
    site_key = f"{__version__}\n{site!r}\n".encode()
    for feed in feeds:
        h = hashlib.sha256(site_key)
        h.update(repr((feed.slug, feed.name, feed.title, feed.relpath)).encode())
        for blob in feed.blobs:
            h.update(hashlib.sha256(blob).digest())
        entries_digest = h.hexdigest()
        page_digest = hashlib.sha256(f"{entries_digest} {feed.total}".encode()).hexdigest()
        state[f"topic:{feed.relpath}"] = entries_digest
        state[f"page:{feed.relpath}"] = page_digest
        entry_files, page = feed_files(feed), page_file(feed)
        if manifest.state.get(f"topic:{feed.relpath}") != entries_digest or not all(
            f in manifest.files for f in entry_files
        ):
            stale.append((feed, False))
            continue
        kept.extend(entry_files)
        if page is None:
            continue
        if manifest.state.get(f"page:{feed.relpath}") == page_digest and page in manifest.files:
            kept.append(page)
        else:
            stale.append((feed, True))
    entries = sum(feed.shown for feed, _ in stale)
    # Workers get the stored bytes, decode, render and write there: this process never holds
    # the records or the output, only each file's hash and temporary name.
    render = partial(_render_and_stage, site=site, root=publication.root)
    try:
        for staged_files in workers.map(render, stale, worth_it=entries >= _RENDER_POOL_MIN):
            for staged in staged_files:
                publication.adopt(staged)
    except BaseException:
        workers.abort()  # before the publication removes temporaries: none may come after
        raise
    # The index shows the `all` feed's entries, so it needs those records.
    for out in render_site_files([feeds[0].load(), *feeds[1:]], site):
        publication.add(out)
    return kept, state


def _all_present(root: Path, manifest: Manifest) -> bool:
    return bool(manifest.files) and all((root / p).is_file() for p in manifest.files)


def _parse_fingerprint(site: Site) -> str:
    """What changes how a file parses: a different value empties the cache."""
    return (
        f"{__version__}|mojibake={site.repair_mojibake}|max={site.max_file_bytes}"
        f"|topics={site.max_topics_per_record}|dates={site.date_order}"
    )


def _check_feed_count(topics: int, site: Site, input_dir: Path, label: str | None) -> None:
    """Refuse, before writing anything, a build that would publish more than ``max_feeds``."""
    feeds = (topics + 1) * len(FORMATS)
    if feeds > site.max_feeds:
        raise ConfigError(
            f"{input_dir if label is None else label}: this build would publish {feeds} feeds "
            f"({topics} topics and `all`, in {len(FORMATS)} formats), more than max_feeds = "
            f"{site.max_feeds}; nothing written"
        )


def _inputs_digest(site: Site, cache_token: str) -> str:
    """Names everything the output depends on: the version, the settings and the records."""
    return hashlib.sha256(f"{__version__}\n{site!r}\n{cache_token}".encode()).hexdigest()


def _check_input(input_dir: Path) -> None:
    if not input_dir.is_dir():
        raise ConfigError(f"{printable(str(input_dir))}: input folder not found")


def _check_folders(input_dir: Path, output_dir: Path, cache_dir: Path) -> None:
    _check_input(input_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise ConfigError(f"{printable(str(output_dir))}: output path exists and is not a folder")
    guard.check_under_folder(output_dir, "output path")
    guard.check_under_folder(cache_dir, "cache path")
    out = output_dir.resolve()
    if input_dir.resolve() == out or input_dir.resolve().is_relative_to(out):
        raise ConfigError(
            f"{printable(str(output_dir))}: the output folder must not contain the input folder"
        )
    if cache_dir.exists() and not cache_dir.is_dir():
        raise ConfigError(f"{printable(str(cache_dir))}: cache path exists and is not a folder")
    if cache_dir.resolve().is_relative_to(out):
        raise ConfigError(
            f"{printable(str(cache_dir))}: the cache must live outside the output folder"
        )
