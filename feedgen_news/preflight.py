"""Pre-flight: what a build refuses before it writes anything: folders that cannot work
together, and more feeds than the site allows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import guard
from .config import Site
from .errors import ConfigError, printable
from .feeddefs import FeedDef, describe_kinds
from .ingest import check_input
from .render.formats import FORMATS


def check_feed_count(
    defs: Sequence[FeedDef], site: Site, input_dir: Path, label: str | None
) -> None:
    """Refuse, before writing anything, a build that would publish more than ``max_feeds``."""
    feeds = len(defs) * len(FORMATS)
    if feeds > site.max_feeds:
        raise ConfigError(
            f"{printable(str(input_dir) if label is None else label)}: this build would publish "
            f"{feeds} feeds ({describe_kinds(defs)}, in {len(FORMATS)} formats), more than "
            f"max_feeds = {site.max_feeds}; nothing written"
        )


def check_folders(input_dir: Path, output_dir: Path, cache_dir: Path) -> None:
    """The input must exist; the output and cache paths must be folders (or not yet), and
    neither may hold the input, nor the output the cache."""
    check_input(input_dir)
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
