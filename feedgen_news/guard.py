"""Guards run before a build writes anything: the output must not overwrite or write through what
the user put there, must not lie under a file, and must not wipe the published feeds by mistake.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path

from .errors import ConfigError, ShrinkError


def check_under_folder(path: Path, what: str) -> None:
    """Refuse a path whose nearest existing ancestor is not a folder (``-o afile/sub``)."""
    for parent in path.parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise ConfigError(f"{path}: {what} is inside {parent}, which is not a folder")
            return


def check_output(
    root: Path, planned: Collection[str], managed: Collection[str], *, force: bool
) -> list[Path]:
    """Refuse to write over a file the tool did not write (``managed``: the manifest's files)
    unless ``force``, over a folder, into a non-folder, or through a symlink leading out of
    ``root``. Returns the planned folders that do not exist yet, parents first, so a failed
    build can remove those it made. The first problem in path order is the one reported.

    Cheap on big builds: one lstat per planned folder, and one per unmanaged planned file whose
    folder already exists (a new topic's folder usually does not).
    """
    real_root = root.resolve()
    exists: dict[str, bool] = {"": root.is_dir()}  # the root is the lock's business
    missing: list[Path] = []

    def folder_exists(folder: str) -> bool:
        found = exists.get(folder)
        if found is not None:
            return found
        found = folder_exists(folder.rpartition("/")[0])
        if found:
            found = _is_folder(f"{root}/{folder}", root, real_root)
        if not found:
            missing.append(root / folder)
        exists[folder] = found
        return found

    for folder in sorted({p.rpartition("/")[0] for p in planned}):
        folder_exists(folder)
    prefix = f"{root}/"
    for relpath in sorted(p for p in planned if p not in managed and exists[p.rpartition("/")[0]]):
        try:
            mode = os.lstat(prefix + relpath).st_mode
        except FileNotFoundError:
            continue
        path = root / relpath
        if stat.S_ISDIR(mode):
            raise ConfigError(
                f"{path}: a folder feedgen-news did not make is where it writes a file; "
                "move it away"
            )
        if not force:
            raise ConfigError(
                f"{path}: not written by feedgen-news, refusing to overwrite it "
                "(move it away, or use --force to let feedgen-news take it over)"
            )
    return missing


def _is_folder(path: str, root: Path, real_root: Path) -> bool:
    """Whether ``path`` is a folder to write into; raises if it is in the way or leads out."""
    try:
        mode = os.lstat(path).st_mode  # a str: pathlib costs more than the lstat
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(mode):
        target = Path(path).resolve()
        if not target.is_relative_to(real_root):
            raise ConfigError(
                f"{path}: a symlink leading out of the output folder (to {target}); "
                f"feedgen-news writes nothing outside {root}"
            )
        mode = target.stat().st_mode if target.exists() else 0
    if not stat.S_ISDIR(mode):
        raise ConfigError(f"{path}: not a folder, but feedgen-news writes into it; move it away")
    return True


def check_shrink(
    old_feeds: Collection[str],
    new_feeds: Collection[str],
    old_records: str | None,
    records: int,
) -> None:
    """Refuse a build that would remove more than half of the feeds the previous build
    published, or publish no record where it published some: an empty or unmounted input
    folder, or a typo in its path, must not wipe the published feeds.

    ``old_records`` is the previous build's count from its manifest: None when unknown (a
    first build, or an older version's manifest)."""
    hint = "(input folder empty or moved?); use --allow-shrink to publish anyway"
    removed = len(set(old_feeds) - set(new_feeds))
    if removed * 2 > len(old_feeds):
        raise ShrinkError(f"refusing to remove {removed} of {len(old_feeds)} feeds {hint}")
    if records == 0 and old_records and old_records.isdigit() and int(old_records):
        raise ShrinkError(
            f"refusing to publish 0 records where the previous build published {old_records} {hint}"
        )
