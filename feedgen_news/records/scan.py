"""Find an input folder's record files: which files a build reads, in path order.

A file name is kept as ``os.scandir`` gives it: a name that is not UTF-8 carries surrogate
escapes (``os.fsdecode``), so it opens as itself, sorts apart from every other name, and is
shown with its bytes escaped (``errors.printable``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..errors import ConfigError, Problem, printable
from ..layout import MANIFEST_NAME

__all__ = [
    "RECORD_SUFFIXES",
    "folders_and_files",
    "iter_record_files",
    "outside_links_warning",
    "scan_record_files",
]

RECORD_SUFFIXES = (".txt", ".md")
_NAMED_IN_WARNING = 5  # a folder of links could hold thousands: the line names a few


def iter_record_files(input_dir: Path, *, follow_symlinks: bool = False) -> list[Path]:
    """Every ``*.txt`` and ``*.md`` file under ``input_dir``, sorted by relative POSIX path.

    See ``scan_record_files`` for the rules.
    """
    return [
        Path(input_dir, relpath)
        for relpath, _, _ in scan_record_files(input_dir, follow_symlinks=follow_symlinks)
    ]


def scan_record_files(
    input_dir: Path,
    *,
    stat: bool = True,
    follow_symlinks: bool = False,
    skip: Iterable[Path] = (),
    outside: list[str] | None = None,
) -> Iterator[tuple[str, int, int]]:
    """Every record file under ``input_dir`` as (relative POSIX path, size, mtime_ns), in path
    order, as a stream: a rebuild compares a million files with the cache without holding them.
    Size and mtime are -1 for a file that cannot be stat'ed (``read_record`` reports it), and
    for every file with ``stat=False`` (a first build reads them all anyway: see
    ``load_record_file``).

    Path order comes from walking depth first with each folder's entries sorted by name, a
    sub-folder's name taken with its ``/``: everything under ``a/`` then sorts exactly where the
    string ``a/...`` does. Dot-files and dot-folders are skipped, and so are the folders in
    ``skip`` (the output and the cache, when they lie inside the input) and any folder with a
    build's manifest in it (an output folder, for ``check``, which is told of none).

    A symlink (to a file or a folder) is followed only when its target lies inside the input
    folder; the others are neither read nor stat'ed and their relpaths (a folder's with its
    ``/``) are appended to ``outside``. ``follow_symlinks`` follows every link. Each real folder
    is visited once, so a symlink loop cannot hang the walk. Unreadable folders are skipped.
    Non-regular files with a record suffix (a FIFO, a dangling link) are listed so that
    ``read_record`` reports them.
    """
    root = os.path.realpath(input_dir)
    skipped = [os.path.realpath(folder) for folder in skip]
    visited: set[str] = {root}
    stack = [_folder_entries(str(input_dir), "")]
    while stack:
        found = next(stack[-1], None)
        if found is None:
            stack.pop()
            continue
        relpath, entry, is_dir = found
        real: str | None = None
        if entry.is_symlink():  # from the folder listing: no system call
            real = os.path.realpath(entry.path)
            if not follow_symlinks and not _within(real, root):
                if outside is not None:
                    outside.append(relpath)
                continue
        if is_dir:
            real = real or os.path.realpath(entry.path)
            if real not in visited and not any(_within(real, folder) for folder in skipped):
                visited.add(real)
                stack.append(_folder_entries(entry.path, relpath))
            continue
        if real is not None and any(_within(real, folder) for folder in skipped):
            continue  # a link into the output: the tool's own files are never input
        if not stat:
            yield relpath, -1, -1
            continue
        try:
            info = entry.stat()  # follows links, like os.stat, without building a path object
            yield relpath, info.st_size, info.st_mtime_ns
        except OSError:
            yield relpath, -1, -1


def folders_and_files(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The paths given to ``check``, sorted into input folders and record files named one by
    one. A record file need not be a regular file (a FIFO, a dangling link: reading it says
    so); a path that is neither a record file nor there at all counts as a folder, for the
    folder's own check to report. Raises ConfigError for a missing record file and for a file
    that a build would not read."""
    folders: list[Path] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir() or not (path.name.endswith(RECORD_SUFFIXES) or path.exists()):
            folders.append(path)
        elif not path.name.endswith(RECORD_SUFFIXES):
            raise ConfigError(
                f"{printable(str(path))}: not a record file (a build reads .txt and .md)"
            )
        elif os.path.lexists(path):
            files.append(path)
        else:
            raise ConfigError(f"{printable(str(path))}: record file not found")
    return folders, files


def outside_links_warning(relpaths: Sequence[str]) -> Problem | None:
    """The one warning about the symlinks ``scan_record_files`` left out: it counts them all
    and names a few. Its path is empty: the caller's label for the input folder names it."""
    if not relpaths:
        return None
    count = len(relpaths)
    named = ", ".join(printable(p) for p in relpaths[:_NAMED_IN_WARNING])
    if count > _NAMED_IN_WARNING:
        named += f" and {count - _NAMED_IN_WARNING} more"
    links = "1 symlink that leads" if count == 1 else f"{count} symlinks that lead"
    reason = f"skipped {links} outside the input folder (--follow-symlinks reads them): {named}"
    return Problem("", reason, severity="warning")


def _within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (both resolved, absolute)."""
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


def _folder_entries(folder: str, prefix: str) -> Iterator[tuple[str, os.DirEntry[str], bool]]:
    """(relpath, entry, is_dir) of a folder's record files and sub-folders (relpath with a
    trailing ``/``), sorted by relpath."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        return iter(())
    found: list[tuple[str, os.DirEntry[str], bool]] = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            if name == MANIFEST_NAME:  # an output folder: the tool's own files, never input
                return iter(())
            continue
        try:
            is_dir = entry.is_dir()  # follows symlinks: a link's target's type, not its content
        except OSError:
            is_dir = False
        if is_dir:
            found.append((f"{prefix}{name}/", entry, True))
        elif name.endswith(RECORD_SUFFIXES):
            found.append((f"{prefix}{name}", entry, False))
    # Names are distinct strings (undecodable bytes too), so the relpath alone orders them.
    found.sort(key=_relpath)
    return iter(found)


def _relpath(item: tuple[str, os.DirEntry[str], bool]) -> str:
    return item[0]
