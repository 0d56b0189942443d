"""The command line's options: the settings file, the clock and the options ``build``,
``watch`` and ``serve --watch`` share, read into a ``Site`` and a ``build`` to call."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import click

from .build import DEFAULT_CACHE_DIR, BuildReport, build
from .config import DEFAULT_CONFIG_NAME, Site, load_site
from .errors import ConfigError, printable


def config_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"Settings file (default: ./{DEFAULT_CONFIG_NAME} if present).",
    )(f)


def follow_symlinks_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--follow-symlinks",
        is_flag=True,
        help="Also read symlinks that lead outside INPUT_DIR (skipped by default, with a warning).",
    )(f)


def clock_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--now",
        metavar="WHEN",
        help="The build's clock, ISO 8601 (default: SOURCE_DATE_EPOCH, else the system time).",
    )(f)
    return click.option(
        "--future",
        is_flag=True,
        default=None,
        help="Include scheduled records (dated after the build's clock).",
    )(f)


def read_clock(now: str | None) -> datetime | None:
    """The build's clock: --now, else SOURCE_DATE_EPOCH (the reproducible-builds convention),
    else None (the system time)."""
    if now is not None:
        try:
            when = datetime.fromisoformat(now)
        except ValueError:
            raise ConfigError(
                f"--now: cannot parse {printable(now)!r} (use ISO 8601 like 2026-12-03T09:00:00Z)"
            ) from None
        if when.tzinfo is None:
            raise ConfigError(f"--now: {printable(now)!r} has no time zone (add Z or an offset)")
        return when.astimezone(UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise ConfigError(
            f"SOURCE_DATE_EPOCH: must be whole seconds since 1970, got {printable(epoch)!r}"
        ) from None


def load(config_path: Path | None, **overrides: Any) -> tuple[Site, Path | None]:
    if config_path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        config_path = Path(DEFAULT_CONFIG_NAME)
    return load_site(config_path, **overrides), config_path


def build_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options of ``build``, shared by ``watch``: the same options, the same builds."""
    for option in reversed(_FOLDER_OPTIONS + _BUILD_SETTINGS):
        f = option(f)
    return f


def build_settings(f: Callable[..., Any]) -> Callable[..., Any]:
    """How ``build`` builds, without its folders and settings file: ``serve --watch``'s."""
    for option in reversed(_BUILD_SETTINGS):
        f = option(f)
    return f


def builder(
    output_dir: Path,
    *,
    input_dir: Path,
    config_path: Path | None,
    base_url: str | None,
    limit: int | None,
    unpublished: bool | None,
    strict: bool,
    cache_dir: Path | None,
    jobs: int | None,
    lock_timeout: float,
    no_ping: bool,
    follow_symlinks: bool,
    force: bool,
    allow_shrink: bool,
    future: bool | None,
    now: str | None,
) -> tuple[Callable[..., BuildReport], Path, Site]:
    """``build`` with the options of the command line bound; its cache folder and site."""
    site, config_path = load(
        config_path,
        base_url=base_url,
        limit=limit,
        include_unpublished=unpublished,
        include_future=future,
    )
    clock = read_clock(now)
    if cache_dir is None:
        cache_dir = (config_path.parent if config_path else Path()) / DEFAULT_CACHE_DIR
    run = partial(
        build,
        input_dir,
        output_dir,
        site,
        cache_dir=cache_dir,
        strict=strict,
        lock_timeout=lock_timeout,
        jobs=jobs,
        ping=not no_ping,
        follow_symlinks=follow_symlinks,
        force=force,
        allow_shrink=allow_shrink,
        now=clock,
    )
    return run, cache_dir, site


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
_FOLDER_OPTIONS: list[Decorator] = [
    click.argument("input_dir", default="seeds", type=click.Path(path_type=Path, file_okay=False)),
    click.option(
        "-o",
        "--output",
        "output_dir",
        default="output",
        show_default=True,
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder to publish into.",
    ),
    config_option,
]
_BUILD_SETTINGS: list[Decorator] = [
    click.option("--base-url", help="Absolute URL the output folder is served at."),
    click.option(
        "--limit", type=click.IntRange(min=0), help="Entries per feed (0 = all; default 50)."
    ),
    click.option(
        "--unpublished", is_flag=True, default=None, help="Include records with published: false."
    ),
    click.option("--strict", is_flag=True, help="Any rejected record: write nothing, exit 1."),
    click.option(
        "-q", "--quiet", is_flag=True, help="Print nothing unless something failed or changed."
    ),
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help=f"Record cache folder (default: {DEFAULT_CACHE_DIR}/ beside the config).",
    ),
    click.option(
        "--jobs", type=click.IntRange(min=1), help="Parser processes (default: every core)."
    ),
    click.option(
        "--lock-timeout",
        type=click.FloatRange(min=0),
        default=60.0,
        show_default=True,
        help="Seconds to wait for another build writing the same output folder.",
    ),
    click.option("--no-ping", is_flag=True, help="Do not notify the WebSub hub of changed feeds."),
    follow_symlinks_option,
    click.option(
        "--force",
        is_flag=True,
        help="Overwrite files in the output folder that feedgen-news did not write.",
    ),
    click.option(
        "--allow-shrink",
        is_flag=True,
        help="Publish even if more than half of the feeds, or every record, would go.",
    ),
    clock_options,
]
