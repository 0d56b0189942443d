"""What the command line tells its user: exit statuses, error lines, problems, and the summary
line of a build or a check, worded for what each did."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click

from .build import BuildReport, Counts
from .check import CheckReport
from .errors import Problem, printable

EXIT_OK = 0
EXIT_REJECTED = 1  # some records were rejected (the good ones were still published)
EXIT_USAGE = 2  # usage or config error; nothing written
EXIT_SHRINK = 3  # the build would remove most published feeds or every record; nothing written
EXIT_LOCKED = 75  # EX_TEMPFAIL: another build holds the output folder; try again later
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in feedgen-news; the previous feeds are left intact
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_TERMINATED = 143  # SIGTERM (128 + 15), as shells report it


def fail(message: str, status: int) -> NoReturn:
    """``message`` on stderr, each of its lines as one error line; exit with ``status``."""
    for line in message.split("\n"):  # a ConfigError lists every mistake, one line each
        click.echo(f"feedgen-news: error: {line}", err=True)
    sys.exit(status)


def print_problems(problems: Iterable[Problem]) -> None:
    """Every problem, one line each, on stderr."""
    for problem in problems:
        click.echo(str(problem), err=True)


def describe(counts: Counts, *, dry_run: bool = False) -> str:
    """The summary line's counts; ``dry_run`` words them as what a build would publish."""
    published = "would be published" if dry_run else "published"
    text = f"{counts.files} records read: {counts.published} {published}"
    if counts.held_back:
        text += (
            f", {counts.held_back} held back (published: false; use --unpublished to include them)"
        )
    if counts.scheduled and counts.next_release is not None:
        text += (
            f", {counts.scheduled} scheduled (next at {iso(counts.next_release)}; "
            "use --future to include them)"
        )
    if counts.duplicates:
        text += f", {counts.duplicates} duplicate sourceUrl"
    text += f", {counts.rejected} rejected"
    return text


def iso(when: datetime) -> str:
    """A moment as people read it in messages: ISO 8601 in UTC, with a Z."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def report_check(report: CheckReport) -> NoReturn:
    """Every problem, then one line of what a build would publish; exit 1 if any record was
    rejected."""
    print_problems(report.problems)
    for path, when in report.scheduled:
        click.echo(
            f"{printable(path)}: scheduled for {iso(when)}; held back until then "
            "(--future includes it)",
            err=True,
        )
    click.echo(f"feedgen-news: {describe(report.counts, dry_run=True)}; nothing written.", err=True)
    sys.exit(EXIT_REJECTED if report.counts.rejected else EXIT_OK)


def report_build(report: BuildReport, output_dir: Path, quiet: bool) -> NoReturn:
    """A build's warnings, problems and summary line on stderr, and its exit status."""
    failed = bool(report.errors) or bool(report.pings)
    published = report.published
    changed = bool(published and (published.written or published.removed))
    for line in report.warnings:  # even with --quiet: a damaged cache is worth a look
        click.echo(f"feedgen-news: warning: {line}", err=True)
    if quiet and not (failed or changed):
        sys.exit(EXIT_OK)
    print_problems(report.problems)
    for line in report.pings:
        click.echo(f"feedgen-news: {line}", err=True)
    summary = describe(report.counts)
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


class ProgressBar:
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
