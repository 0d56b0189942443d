"""Stage one output file: checked to land inside the output folder, then written to a temporary
beside its place unless the file there already holds its bytes. Safe in any process."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..fsio import naming_full_disk, write_temporary
from ..layout import OutputFile
from .manifest import sha256

__all__ = ["Staged", "safe_path", "same_bytes", "stage"]

_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def safe_path(root: Path, relpath: str) -> Path:
    """``root/relpath``, refusing anything that could land outside ``root``.

    Every part must be a plain name (no ``..``, no leading dot, no separators, no NUL), and the
    resolved parent must still be inside the resolved root (a symlinked folder pointing out fails).
    """
    parts = relpath.split("/")
    if not relpath or any(not _SAFE_PART.fullmatch(p) for p in parts):
        raise ValueError(f"unsafe output path {relpath!r}")
    path = root.joinpath(*parts)
    real_root = root.resolve()
    if not path.parent.resolve().is_relative_to(real_root):
        # A symlink the user put there: a usage error naming it, not a bug.
        folders = [root.joinpath(*parts[:i]) for i in range(1, len(parts))]
        link = next((p for p in folders if not p.resolve().is_relative_to(real_root)), path.parent)
        raise ConfigError(
            f"{link}: a symlink leading out of the output folder (to {link.resolve()}); "
            f"feedgen-news writes nothing outside {root}"
        )
    return path


@dataclass(frozen=True, slots=True)
class Staged:
    """An output file after ``stage``: its hash, and its temporary unless the bytes are the same
    as the file already in place."""

    relpath: str
    sha256: str
    temporary: str | None


def stage(root: Path, out: OutputFile) -> Staged:
    """Write ``out`` to a temporary beside its place in ``root``, unless the file there already
    has these bytes. Safe in any process: the workers that render stage their own files, so the
    bytes never cross a pipe and hashing and writing run on every core."""
    path = safe_path(root, out.relpath)
    digest = sha256(out.data)
    if same_bytes(path, out.data):
        return Staged(out.relpath, digest, None)
    with naming_full_disk(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    return Staged(out.relpath, digest, str(write_temporary(path, out.data)))


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` (not a symlink) already holds exactly ``data``; a folder in
    its place is the user's, and a usage error."""
    try:
        st = os.lstat(path)  # a symlink in the file's place is never "the same": replace it
    except OSError:
        return False
    if stat.S_ISDIR(st.st_mode):  # a rename over it would fail as an internal error
        raise ConfigError(
            f"{path}: a folder feedgen-news did not make is where it writes a file; move it away"
        )
    if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
        return False
    try:
        return path.read_bytes() == data
    except OSError:
        return False
