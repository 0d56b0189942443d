"""Build: the library API that runs the whole job: ingest the input into the cache, evaluate
the feed definitions, render what changed, publish atomically, ping the hub.

Data flows one way: files -> records (cache) -> feeds (definitions, evaluated) -> output files
-> atomic writes.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from . import guard, publish
from .cache import (
    CacheDamaged,
    Counts,
    Evaluator,
    ParsedFile,
    PieceStore,
    RecordCache,
    open_cache,
    prepare,
)
from .config import Site
from .errors import Problem
from .feeddefs import FeedEntries
from .ingest import Progress, parse_fingerprint, problems_to_report, sync, update
from .layout import OutputFile
from .model import NO_EDITORIAL, Editorial, Record
from .plan import all_present, answer, inputs_digest, plan
from .preflight import check_feed_count, check_folders
from .publish import PublishReport
from .records import scan_record_files
from .render import is_feed_file, output_paths, render_site
from .render.formats import FORMATS
from .workers import workers

DEFAULT_CACHE_DIR = ".feedgen-news"
__all__ = [
    "DEFAULT_CACHE_DIR",
    "BuildReport",
    "Counts",
    "build",
    "build_records",
    "evaluate_records",
]


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
    # When the output changes though no file does: the next release of a scheduled record, or
    # a record leaving a curated feed's max_age_hours window (a watch wakes then).
    next_change: datetime | None = None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True, slots=True)
class _Options:
    """How one build runs, besides the site: ``build()``'s keyword arguments."""

    cache_dir: Path
    strict: bool
    lock_timeout: float
    jobs: int | None
    ping: bool
    progress: Progress | None
    label: str | None
    follow_symlinks: bool
    force: bool
    allow_shrink: bool
    now: datetime
    changed: Collection[str] | None


def evaluate_records(
    records: Sequence[Record],
    site: Site,
    *,
    editorial: Mapping[str, Editorial] | None = None,
    now: datetime | None = None,
) -> list[FeedEntries]:
    """Every feed of these records with its entries, `all` first, without files: the records
    go through an in-memory cache and the same evaluator as a build, so the same rules (drafts,
    duplicates, facets, curated feeds, order, limit) pick each feed's entries.

    ``editorial`` gives records' signals by path (``LoadResult.editorial``); ``now`` is the
    clock a curated feed's ``max_age_hours`` is measured from (default: the system time)."""
    signals = editorial or {}
    cache = RecordCache.in_memory()
    cache.store(
        [
            prepare(ParsedFile(r.path, 0, 0, r, (), signals.get(r.path, NO_EDITORIAL)))
            for r in records
        ],
        replacing=False,
    )
    evaluator = Evaluator(cache, site, now)
    defs = evaluator.feed_defs(evaluator.summary())
    return [evaluator.evaluate(feed).load() for feed in defs]


def build_records(
    records: Sequence[Record],
    site: Site,
    *,
    editorial: Mapping[str, Editorial] | None = None,
    now: datetime | None = None,
) -> list[OutputFile]:
    """Every output file for these records: ``evaluate_records``, rendered. No files; the
    clock (``now``, default the system time) holds back scheduled records and measures a
    curated feed's ``max_age_hours``."""
    return render_site(evaluate_records(records, site, editorial=editorial, now=now), site)


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
    now: datetime | None = None,
    changed: Collection[str] | None = None,
) -> BuildReport:
    """Build every feed of ``input_dir`` into ``output_dir``.

    Bad records are reported as problems and left out; with ``strict`` any rejected record means
    nothing is written. ``label`` is how messages name the input folder (default: as given).
    Symlinks that lead out of the input folder are skipped with one warning, unless
    ``follow_symlinks``; the output and cache folders are never read as input. ``now`` is the
    build's clock (default the system time): a record dated after it is scheduled, held back
    until a build at or after its time, unless ``site.include_future``.
    Raises ConfigError for unusable folders, for more feeds than ``max_feeds`` and for files in
    the way that this tool did not write (``force`` overwrites those), ShrinkError when the
    build would remove most published feeds or every record (``allow_shrink`` lets it),
    LockError when another build holds the output and StorageError when the cache's disk is
    full. A cache it cannot use is set aside and the build runs once more with a new one,
    saying so in ``warnings``. ``now`` is the build's clock, from which a curated feed's
    ``max_age_hours`` is measured (default: the system time). ``changed`` names the only files
    (paths inside ``input_dir``, as a scan lists them) that may differ from the cache: they
    alone are read, with no scan (a watch knows them from its events); an empty cache is
    still filled by a scan.
    """
    options = _Options(
        cache_dir if cache_dir is not None else Path(DEFAULT_CACHE_DIR),
        strict,
        lock_timeout,
        jobs,
        ping,
        progress,
        label,
        follow_symlinks,
        force,
        allow_shrink,
        now if now is not None else datetime.now(UTC),
        changed,
    )
    check_folders(input_dir, output_dir, options.cache_dir)
    run = partial(_build_once, input_dir, output_dir, site, options)
    try:
        return run()
    except CacheDamaged as damage:  # set aside by open_cache; a second failure is a bug
        return replace(run(replaceable=not damage.in_place), warnings=(damage.warning,))


def _build_once(
    input_dir: Path, output_dir: Path, site: Site, options: _Options, *, replaceable: bool = True
) -> BuildReport:
    deadline = time.monotonic() + options.lock_timeout  # one budget for both locks
    with (
        publish.output_lock(output_dir, options.lock_timeout),
        workers(options.jobs) as pool,
        # Entered after the output lock, so it gets what is left of the budget.
        open_cache(
            options.cache_dir,
            input_dir,
            parse_fingerprint(site),
            options.lock_timeout,
            wait=max(0.0, deadline - time.monotonic()),
            replaceable=replaceable,
        ) as cache,
    ):
        outside: list[str] = []
        scan = partial(
            scan_record_files,
            input_dir,
            follow_symlinks=options.follow_symlinks,
            skip=(output_dir, options.cache_dir),
            outside=outside,
        )
        if options.changed is not None and not cache.is_empty():
            parsed = update(cache, options.changed, input_dir, site)
        else:
            parsed = sync(cache, scan, input_dir, site, pool, options.progress)
        evaluator = Evaluator(cache, site, options.now)
        inputs = inputs_digest(site, f"{cache.token()}|{evaluator.release_state()}")
        summary = evaluator.summary(inputs)
        counts = summary.counts
        problems = problems_to_report(
            cache, summary.duplicate_warnings, outside, input_dir, options.label
        )
        if options.strict and counts.rejected:
            return BuildReport(counts, problems, 0, None, parsed, next_change=counts.next_release)
        manifest = publish.read_manifest(output_dir)
        expires = _moment(manifest.state.get("expires"))
        if (
            manifest.state.get("inputs") == inputs
            and (expires is None or options.now < expires)
            and all_present(output_dir, manifest)
        ):
            unchanged = PublishReport((), tuple(sorted(manifest.files)), ())
            feed_files = sum(1 for p in manifest.files if is_feed_file(p))
            wake = _soonest(counts.next_release, expires)
            return BuildReport(counts, problems, feed_files, unchanged, parsed, next_change=wake)
        defs = evaluator.feed_defs(summary)
        check_feed_count(defs, site, input_dir, options.label)
        feeds = answer(defs, evaluator, site, manifest)
        planned = output_paths(feeds)
        if not options.allow_shrink:
            guard.check_shrink(
                [p for p in manifest.files if is_feed_file(p)],
                [p for p in planned if is_feed_file(p)],
                manifest.state.get("published"),
                counts.published,
            )
        with publish.Publication(output_dir, planned, force=options.force) as publication:
            try:
                kept, state = plan(
                    feeds, site, manifest, pool, publication, PieceStore(cache.connection)
                )
            except BaseException:
                pool.close()  # none may stage a file after the publication's clean-up
                raise
            state["inputs"] = inputs
            state["published"] = str(counts.published)
            # With the same records, the output changes again only when a curated feed's
            # max_age_hours window drops one: till then a rebuild is a no-op.
            expires = evaluator.expires(defs)
            if expires is not None:
                state["expires"] = expires.isoformat()
            report = publication.commit(kept=kept, state=state)
    changed = tuple(site.url(p) for p in report.written if is_feed_file(p))
    pings = _ping(site, changed) if options.ping else ()
    feed_files = len(feeds) * len(FORMATS)
    wake = _soonest(counts.next_release, expires)
    return BuildReport(
        counts, problems, feed_files, report, parsed, changed, pings, next_change=wake
    )


def _moment(expires: str | None) -> datetime | None:
    """The last build's ``expires`` (see ``Evaluator.expires``)."""
    if expires is None:
        return None
    try:
        when = datetime.fromisoformat(expires)
    except (TypeError, ValueError):
        return _LONG_AGO
    return when if when.tzinfo else _LONG_AGO  # a manifest edited by hand: build again


_LONG_AGO = datetime.min.replace(tzinfo=UTC)


def _soonest(*moments: datetime | None) -> datetime | None:
    return min((m for m in moments if m is not None), default=None)


def _ping(site: Site, changed: tuple[str, ...]) -> tuple[str, ...]:
    """Tell the WebSub hub which feeds changed; one line if it could not be told."""
    if not site.hub or not changed:
        return ()
    from . import websub  # http and ssl: imported only when there is a hub to ping

    failure = websub.summarize(site.hub, websub.ping(site.hub, changed))
    return (failure,) if failure else ()
