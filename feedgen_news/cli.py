"""Command line: a thin click layer: options -> one library call -> report and exit status
(the wording and the statuses are in ``cli_messages``)."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from click.core import ParameterSource

from . import __version__
from .check import check_paths
from .cli_messages import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_SHRINK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    ProgressBar,
    fail,
    report_build,
    report_check,
)
from .cli_options import (
    build_options,
    build_settings,
    builder,
    clock_options,
    config_option,
    follow_symlinks_option,
    load,
    read_clock,
)
from .errors import FeedgenNewsError, LockError, ShrinkError, StorageError, printable
from .signals import Terminated, sigterm_raises


class _Group(click.Group):
    """Turns an unexpected exception (a bug, or an OS error such as a full disk) into one line:
    cron mails it, and the writes being atomic means the previous feeds are still intact."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except (KeyboardInterrupt, click.Abort):
            fail("interrupted (previous feeds left intact)", EXIT_INTERRUPTED)
        except Terminated:
            fail("terminated (previous feeds left intact)", EXIT_TERMINATED)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT) and exc.filename:
                # Say where: the disk to clean up may not be the one the feeds are on.
                reason = (exc.strerror or "no space left on device").lower()
                fail(
                    f"{reason}: {printable(str(exc.filename))} (previous feeds left intact)",
                    EXIT_INTERNAL,
                )
            fail(f"{exc} (previous feeds left intact)", EXIT_INTERNAL)
        except Exception as exc:
            if os.environ.get("FEEDGEN_NEWS_DEBUG"):
                raise
            fail(
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
@build_options
def build_command(quiet: bool, output_dir: Path, **options: Any) -> None:
    """Build every feed from the records in INPUT_DIR (default: seeds)."""
    progress = None if quiet or not sys.stderr.isatty() else ProgressBar()
    try:
        run, _, _ = builder(output_dir, **options)
        try:
            with sigterm_raises():  # a stopped build cleans up as after Ctrl-C
                report = run(progress=progress)
        finally:
            if progress:
                progress.close()
    except FeedgenNewsError as exc:
        _fail_build(exc)
    report_build(report, output_dir, quiet)


@main.command("watch")
@build_options
def watch_command(quiet: bool, output_dir: Path, **options: Any) -> None:
    """Build INPUT_DIR (default: seeds) as build does, then rebuild from each saved, moved
    or deleted record file until stopped (SIGINT, SIGTERM). Same options as build."""
    from . import watch  # only this command needs the watcher

    try:
        run, cache_dir, _ = builder(output_dir, **options)
        watch.watch(
            options["input_dir"],
            (output_dir, cache_dir),
            lambda changed: run(changed=changed),
            quiet,
            fixed_clock=read_clock(options["now"]) is not None,
        )
    except FeedgenNewsError as exc:
        _fail_build(exc)


def _fail_build(exc: FeedgenNewsError) -> NoReturn:
    if isinstance(exc, LockError):
        fail(str(exc), EXIT_LOCKED)
    if isinstance(exc, ShrinkError):
        fail(str(exc), EXIT_SHRINK)
    if isinstance(exc, StorageError):
        fail(f"{exc} (previous feeds left intact)", EXIT_INTERNAL)
    fail(str(exc), EXIT_USAGE)


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
@click.option("--unpublished", is_flag=True, default=None, help="Count drafts as published.")
@click.option("--jobs", type=click.IntRange(min=1), help="Parser processes (default: every core).")
@follow_symlinks_option
@clock_options
def check_command(
    paths: tuple[Path, ...],
    config_path: Path | None,
    unpublished: bool | None,
    jobs: int | None,
    follow_symlinks: bool,
    future: bool | None,
    now: str | None,
) -> None:
    """Validate the records in each PATH and print every problem; writes nothing.

    A PATH is a folder (default: seeds) or a record file, checked alone (as a pre-commit hook
    passes the changed ones).
    """
    try:
        site, _ = load(config_path, include_unpublished=unpublished, include_future=future)
        clock = read_clock(now)
        with sigterm_raises():
            report = check_paths(
                paths or (Path("seeds"),),
                site,
                jobs=jobs,
                follow_symlinks=follow_symlinks,
                now=clock,
            )
    except FeedgenNewsError as exc:
        fail(str(exc), EXIT_USAGE)
    report_check(report)


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
@config_option
@click.option(
    "--watch",
    "watch_dir",
    metavar="INPUT_DIR",
    type=click.Path(path_type=Path, file_okay=False),
    help="Build INPUT_DIR into OUTPUT_DIR, then rebuild as its records are saved (as watch "
    "does, with build's options below) while serving.",
)
@build_settings
@click.pass_context
def serve_command(
    ctx: click.Context,
    /,
    output_dir: Path,
    bind: str,
    port: int,
    config_path: Path | None,
    watch_dir: Path | None,
    quiet: bool,
    **options: Any,
) -> None:
    """Preview OUTPUT_DIR over HTTP: feed types, ETag/304, gzip, CORS on feeds; with --watch,
    build it from INPUT_DIR and rebuild it from each saved record file while serving."""
    from . import serve_http  # only this command needs the HTTP server

    if watch_dir is None:
        given = [
            max(param.opts, key=len)
            for param in ctx.command.params
            if param.name in {*options, "quiet"}
            and ctx.get_parameter_source(param.name) is not ParameterSource.DEFAULT
        ]
        if given:
            fail(f"{', '.join(given)}: only with --watch INPUT_DIR", EXIT_USAGE)
    else:
        _serve_watch(output_dir, bind, port, watch_dir, quiet, config_path=config_path, **options)
    try:
        site, _ = load(config_path)
        with sigterm_raises():
            serve_http.serve(
                output_dir,
                bind,
                port,
                site.cache_max_age,
                _say,
                base_url=site.base_url,
            )
    except FeedgenNewsError as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:  # port in use, address not available
        fail(f"cannot listen on {printable(bind)}:{port}: {exc.strerror or exc}", EXIT_USAGE)
    except Terminated:  # it never writes: nothing to say about the feeds
        fail("terminated", EXIT_TERMINATED)


def _serve_watch(
    output_dir: Path, bind: str, port: int, input_dir: Path, quiet: bool, **options: Any
) -> NoReturn:
    """``serve --watch``: the server bound first (a port in use stops it before any build),
    answering from its own thread once the first build is published, while this thread
    watches; it stops as ``watch`` stops (a build's errors and exit statuses)."""
    from . import serve_http, watch

    try:
        run, cache_dir, site = builder(output_dir, input_dir=input_dir, **options)
        server = serve_http.make_server(output_dir, bind, port, site.cache_max_age, _say)
    except OSError as exc:
        fail(f"cannot listen on {printable(bind)}:{port}: {exc.strerror or exc}", EXIT_USAGE)
    except FeedgenNewsError as exc:
        _fail_build(exc)
    with serve_http.in_background(server) as start:

        def ready() -> None:
            serve_http.announce(server, output_dir, site.base_url)
            start()

        try:
            watch.watch(
                input_dir,
                (output_dir, cache_dir),
                lambda changed: run(changed=changed),
                quiet,
                fixed_clock=read_clock(options["now"]) is not None,
                ready=ready,
            )
        except FeedgenNewsError as exc:
            _fail_build(exc)


def _say(line: str) -> None:
    click.echo(line, err=True)
