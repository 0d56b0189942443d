"""Command line: a thin click layer: options -> one library call -> report and exit status."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .build import DEFAULT_CACHE_DIR, BuildReport, Counts, build, check_paths
from .config import DEFAULT_CONFIG_NAME, Site, load_site
from .errors import FeedgenNewsError, LockError, Problem, ShrinkError, StorageError, printable
from .signals import Terminated, sigterm_raises

EXIT_OK = 0
EXIT_REJECTED = 1  # some records were rejected (the good ones were still published)
EXIT_USAGE = 2  # usage or config error; nothing written
EXIT_SHRINK = 3  # the build would remove most published feeds or every record; nothing written
EXIT_LOCKED = 75  # EX_TEMPFAIL: another build holds the output folder; try again later
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in feedgen-news; the previous feeds are left intact
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_TERMINATED = 143  # SIGTERM (128 + 15), as shells report it


def _config_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"Settings file (default: ./{DEFAULT_CONFIG_NAME} if present).",
    )(f)


def _follow_symlinks_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--follow-symlinks",
        is_flag=True,
        help="Also read symlinks that lead outside INPUT_DIR (skipped by default, with a warning).",
    )(f)


def _load(config_path: Path | None, **overrides: Any) -> tuple[Site, Path | None]:
    if config_path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        config_path = Path(DEFAULT_CONFIG_NAME)
    return load_site(config_path, **overrides), config_path


def _fail(message: str, status: int) -> NoReturn:
    for line in message.split("\n"):  # a ConfigError lists every mistake, one line each
        click.echo(f"feedgen-news: error: {line}", err=True)
    sys.exit(status)


def _print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _describe(counts: Counts, *, dry_run: bool = False) -> str:
    """The summary line's counts; ``dry_run`` words them as what a build would publish."""
    published = "would be published" if dry_run else "published"
    text = f"{counts.files} records read: {counts.published} {published}"
    if counts.held_back:
        text += (
            f", {counts.held_back} held back (published: false; use --unpublished to include them)"
        )
    if counts.duplicates:
        text += f", {counts.duplicates} duplicate sourceUrl"
    text += f", {counts.rejected} rejected"
    return text


class _Group(click.Group):
    """Turns an unexpected exception (a bug, or an OS error such as a full disk) into one line:
    cron mails it, and the writes being atomic means the previous feeds are still intact."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except (KeyboardInterrupt, click.Abort):
            _fail("interrupted (previous feeds left intact)", EXIT_INTERRUPTED)
        except Terminated:
            _fail("terminated (previous feeds left intact)", EXIT_TERMINATED)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT) and exc.filename:
                # Say where: the disk to clean up may not be the one the feeds are on.
                reason = (exc.strerror or "no space left on device").lower()
                _fail(
                    f"{reason}: {printable(str(exc.filename))} (previous feeds left intact)",
                    EXIT_INTERNAL,
                )
            _fail(f"{exc} (previous feeds left intact)", EXIT_INTERNAL)
        except Exception as exc:
            if os.environ.get("FEEDGEN_NEWS_DEBUG"):
                raise
            _fail(
                f"internal error: {type(exc).__name__}: {printable(str(exc))} "
                "(previous feeds left intact; "
                "set FEEDGEN_NEWS_DEBUG=1 for a traceback and please report it)",
                EXIT_INTERNAL,
            )


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedgen-news")
def main() -> None:
    """Publish per-topic RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds from front-matter records."""


@main.command("build")
@click.argument("input_dir", default="seeds", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "-o",
    "--output",
    "output_dir",
    default="output",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to publish into.",
)
@_config_option
@click.option("--base-url", help="Absolute URL the output folder is served at.")
@click.option("--limit", type=click.IntRange(min=0), help="Entries per feed (0 = all; default 50).")
@click.option(
    "--unpublished", is_flag=True, default=None, help="Include records with published: false."
)
@click.option("--strict", is_flag=True, help="Any rejected record: write nothing, exit 1.")
@click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing unless something failed or changed."
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help=f"Record cache folder (default: {DEFAULT_CACHE_DIR}/ beside the config).",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Parser processes (default: every core).")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for another build writing the same output folder.",
)
@click.option("--no-ping", is_flag=True, help="Do not notify the WebSub hub of changed feeds.")
@_follow_symlinks_option
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite files in the output folder that feedgen-news did not write.",
)
@click.option(
    "--allow-shrink",
    is_flag=True,
    help="Publish even if more than half of the feeds, or every record, would go.",
)
def build_command(
    input_dir: Path,
    output_dir: Path,
    config_path: Path | None,
    base_url: str | None,
    limit: int | None,
    unpublished: bool | None,
    strict: bool,
    quiet: bool,
    cache_dir: Path | None,
    jobs: int | None,
    lock_timeout: float,
    no_ping: bool,
    follow_symlinks: bool,
    force: bool,
    allow_shrink: bool,
) -> None:
    """Build every feed from the records in INPUT_DIR (default: seeds)."""
    try:
        site, config_path = _load(
            config_path, base_url=base_url, limit=limit, include_unpublished=unpublished
        )
        if cache_dir is None:
            cache_dir = (config_path.parent if config_path else Path()) / DEFAULT_CACHE_DIR
        progress = None if quiet or not sys.stderr.isatty() else _ProgressBar()
        try:
            with sigterm_raises():  # a stopped build cleans up as after Ctrl-C
                report = build(
                    input_dir,
                    output_dir,
                    site,
                    cache_dir=cache_dir,
                    strict=strict,
                    lock_timeout=lock_timeout,
                    jobs=jobs,
                    ping=not no_ping,
                    progress=progress,
                    follow_symlinks=follow_symlinks,
                    force=force,
                    allow_shrink=allow_shrink,
                )
        finally:
            if progress:
                progress.close()
    except LockError as exc:
        _fail(str(exc), EXIT_LOCKED)
    except ShrinkError as exc:
        _fail(str(exc), EXIT_SHRINK)
    except StorageError as exc:
        _fail(f"{exc} (previous feeds left intact)", EXIT_INTERNAL)
    except FeedgenNewsError as exc:
        _fail(str(exc), EXIT_USAGE)
    _report_build(report, output_dir, site, quiet)


def _report_build(report: BuildReport, output_dir: Path, site: Site, quiet: bool) -> None:
    failed = bool(report.errors) or bool(report.pings)
    published = report.published
    changed = bool(published and (published.written or published.removed))
    for line in report.warnings:  # even with --quiet: a damaged cache is worth a look
        click.echo(f"feedgen-news: warning: {line}", err=True)
    if quiet and not (failed or changed):
        sys.exit(EXIT_OK)
    _print_problems(report.problems)
    for line in report.pings:
        click.echo(f"feedgen-news: {line}", err=True)
    summary = _describe(report.counts)
    if published is None:
        click.echo(
            f"feedgen-news: {summary}. --strict: nothing written; fix the records above "
            "or drop --strict to publish the good ones.",
            err=True,
        )
        sys.exit(EXIT_REJECTED)
    click.echo(
        f"feedgen-news: {summary}. {report.feeds} feeds in {printable(str(output_dir))}/: "
        f"{len(published.written)} files written, {len(published.unchanged)} unchanged, "
        f"{len(published.removed)} removed.",
        err=True,
    )
    sys.exit(EXIT_REJECTED if report.errors else EXIT_OK)


class _ProgressBar:
    """A running count on stderr for long builds, shown only on a terminal."""

    def __init__(self) -> None:
        self._shown = False

    def __call__(self, done: int) -> None:
        if done >= 1000:  # short builds stay silent
            click.echo(f"\rparsing: {done} files", err=True, nl=False)
            self._shown = True

    def close(self) -> None:
        if self._shown:
            click.echo(err=True)


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_config_option
@click.option("--unpublished", is_flag=True, default=None, help="Count drafts as published.")
@click.option("--jobs", type=click.IntRange(min=1), help="Parser processes (default: every core).")
@_follow_symlinks_option
def check_command(
    paths: tuple[Path, ...],
    config_path: Path | None,
    unpublished: bool | None,
    jobs: int | None,
    follow_symlinks: bool,
) -> None:
    """Validate the records in each PATH and print every problem; writes nothing.

    A PATH is a folder (default: seeds) or a record file, checked alone (as a pre-commit hook
    passes the changed ones).
    """
    try:
        site, _ = _load(config_path, include_unpublished=unpublished)
        with sigterm_raises():
            report = check_paths(
                paths or (Path("seeds"),), site, jobs=jobs, follow_symlinks=follow_symlinks
            )
    except FeedgenNewsError as exc:
        _fail(str(exc), EXIT_USAGE)
    _print_problems(report.problems)
    click.echo(
        f"feedgen-news: {_describe(report.counts, dry_run=True)}; nothing written.", err=True
    )
    sys.exit(EXIT_REJECTED if report.counts.rejected else EXIT_OK)


@main.command("serve")
@click.argument("output_dir", default="output", type=click.Path(path_type=Path, file_okay=False))
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free one).",
)
@_config_option
def serve_command(output_dir: Path, bind: str, port: int, config_path: Path | None) -> None:
    """Preview OUTPUT_DIR over HTTP: feed types, ETag/304, gzip, CORS on feeds."""
    from . import serve_http  # only this command needs the HTTP server

    try:
        site, _ = _load(config_path)
        serve_http.serve(
            output_dir,
            bind,
            port,
            site.cache_max_age,
            lambda line: click.echo(line, err=True),
            base_url=site.base_url,
        )
    except FeedgenNewsError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:  # port in use, address not available
        _fail(f"cannot listen on {printable(bind)}:{port}: {exc.strerror or exc}", EXIT_USAGE)
