"""Publish: the only code that writes to the output folder: safe paths, atomic replace, no rewrite
of unchanged bytes, crash-safe removal of files an earlier build wrote and this one no longer makes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from . import guard
from .errors import ConfigError, printable
from .fsio import (
    TMP_SUFFIX,
    atomic_write,
    file_lock,
    fsync_dir,
    naming_full_disk,
    write_temporary,
)
from .layout import LOCK_NAME, MANIFEST_NAME, OutputFile

_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the last build left in the output folder: file -> sha256, plus opaque build state."""

    files: Mapping[str, str] = field(default_factory=dict)
    state: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishReport:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


@contextmanager
def output_lock(root: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on the output folder, so overlapping cron runs never interleave.

    Waits up to ``timeout`` seconds for another build to finish, then raises LockError. A
    folder made just for the lock is removed again, lock file and all, unless the build put
    something in it: a build that writes nothing (--strict, a refusal, an error) leaves no
    new output folder behind.
    """
    created: list[Path] = []

    def make_folder() -> None:
        missing = [p for p in (root, *root.parents) if not os.path.lexists(p)]
        root.mkdir(parents=True, exist_ok=True)
        created.extend(reversed(missing))

    with file_lock(
        root / LOCK_NAME,
        timeout,
        f"{printable(str(root))}: another build is writing this output folder",
        prepare=make_folder,
    ):
        try:
            yield
        finally:
            # Still holding the lock: a build waiting on this lock file sees it gone and
            # starts over (file_lock checks), so two builds never hold the lock at once.
            if created and _holds_only_the_lock(root):
                (root / LOCK_NAME).unlink(missing_ok=True)
                for folder in reversed(created):
                    try:
                        folder.rmdir()
                    except OSError:
                        break  # not empty: another build's, or the user's


def _holds_only_the_lock(root: Path) -> bool:
    try:
        return [p.name for p in root.iterdir()] == [LOCK_NAME]
    except OSError:
        return False


def read_manifest(root: Path) -> Manifest:
    """The manifest of the last build; an empty one if missing or unreadable (a first build)."""
    try:
        raw = json.loads((root / MANIFEST_NAME).read_bytes())
        files = {str(k): str(v) for k, v in raw["files"].items()}
        state = {str(k): str(v) for k, v in raw.get("state", {}).items()}
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return Manifest()
    return Manifest(files, state)


def write(
    root: Path,
    outputs: Sequence[OutputFile],
    *,
    kept: Iterable[str] = (),
    state: Mapping[str, str] | None = None,
) -> PublishReport:
    """Make ``root`` hold exactly ``outputs`` plus ``kept`` (last build's files, not re-rendered).

    The all-at-once form of ``Publication``.
    """
    kept = list(kept)
    with Publication(root, [*(out.relpath for out in outputs), *kept]) as publication:
        for out in outputs:
            publication.add(out)
        return publication.commit(kept=kept, state=state)


class Publication:
    """One build's changes to the output folder: files are staged as they are rendered (so a
    build never holds every output in memory), then committed together.

    Order makes a kill at any point safe: on entry the manifest is widened to old + planned
    files (and its build state dropped), so a later build still knows every file it may have to
    remove and re-renders everything; each file is written to a temporary file beside it; on
    commit all temporaries are synced, then renamed over the old files; stale files are removed
    last, then the manifest is narrowed to what now exists. Leaving the ``with`` block without
    a commit removes every temporary in the planned folders (a worker's too) and the folders
    it made, and, if no file was switched yet, puts the old manifest back. Files this tool
    never wrote are never touched: a planned file in the way is refused before anything is
    written, unless ``force`` takes it over.
    """

    def __init__(self, root: Path, planned: Iterable[str], *, force: bool = False) -> None:
        if root.exists() and not root.is_dir():
            raise ConfigError(f"{printable(str(root))}: output path exists and is not a folder")
        self.root = root
        self.old = read_manifest(root)
        self.planned = set(planned)
        self._new_folders = guard.check_output(root, self.planned, self.old.files, force=force)
        root.mkdir(parents=True, exist_ok=True)
        self._committed = self._switching = False
        self._old_manifest: bytes | None = None
        try:
            self._old_manifest = (root / MANIFEST_NAME).read_bytes()
        except FileNotFoundError:
            pass
        except OSError:
            self._switching = True  # unreadable: keep the widened one whatever happens
        self._hashes: dict[str, str] = {}
        self._written: list[str] = []
        self._unchanged: list[str] = []
        self._staged: list[tuple[Path, Path]] = []
        # No build state while files change: the old state would vouch for files this build
        # may already have replaced, so a build after a crash trusts nothing.
        widened = {**self.old.files, **{p: self.old.files.get(p, "") for p in self.planned}}
        _write_manifest(root, Manifest(widened, {}))
        _sweep_temporaries(root, {p.rpartition("/")[0] for p in widened})

    def __enter__(self) -> Publication:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._committed:
            return
        # Stopped (an error, SIGTERM, Ctrl-C): its temporaries go, including those a worker
        # wrote and this process never adopted (the caller has stopped the workers by now).
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged.clear()
        if not self._committed:
            # The caller stopped its workers first: no temporary appears after this sweep.
            _sweep_temporaries(self.root, {p.rpartition("/")[0] for p in self.planned})
            for folder in reversed(self._new_folders):
                with suppress(OSError):  # not empty: it holds files renamed into place
                    folder.rmdir()
            if not self._switching:
                # Nothing in place changed: the old manifest (and its build state) is true
                # again. Best effort: on a full disk the widened one stays, which is safe too.
                with suppress(OSError):
                    path = self.root / MANIFEST_NAME
                    if self._old_manifest is None:
                        path.unlink()
                    else:
                        atomic_write(path, self._old_manifest)

    def add(self, out: OutputFile) -> None:
        """Stage one file: written beside its final place, unless its bytes are unchanged."""
        if out.relpath not in self.planned:
            raise ValueError(f"{out.relpath!r} was not planned")
        self.adopt(stage(self.root, out))

    def adopt(self, staged: Staged) -> None:
        """Take over a file ``stage`` wrote (in this process or a worker): commit puts it in
        place, leaving the ``with`` block without a commit removes it."""
        temporary = None if staged.temporary is None else Path(staged.temporary)
        # stage() checked the path (safe_path resolves every folder: too slow to repeat for a
        # thousand files); here it must be planned, and its temporary beside it.
        path = self.root.joinpath(*staged.relpath.split("/"))
        if staged.relpath not in self.planned or (
            temporary is not None and temporary.parent != path.parent
        ):
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            raise ValueError(f"{staged.relpath!r} was not planned")
        self._hashes[staged.relpath] = staged.sha256
        if temporary is None:
            self._unchanged.append(staged.relpath)
            return
        self._staged.append((temporary, path))
        self._written.append(staged.relpath)

    def commit(
        self, *, kept: Iterable[str] = (), state: Mapping[str, str] | None = None
    ) -> PublishReport:
        """Put every staged file in place, remove stale ones, record the new manifest."""
        root, old = self.root, self.old
        new_files = {p: old.files[p] for p in kept if p in old.files}
        new_files.update(self._hashes)
        # One sync for all temporaries instead of an fsync per file (1,000 fsyncs cost seconds):
        # every new file is durable before any of them replaces an old one.
        if self._staged:
            os.sync()
        self._switching = True
        for tmp, path in sorted(self._staged, key=lambda staged: staged[1]):
            with naming_full_disk(path):
                tmp.replace(path)
        folders = {path.parent for _, path in self._staged}
        self._staged.clear()
        for folder in folders:
            fsync_dir(folder)

        removed: list[str] = []
        for relpath in sorted(set(old.files) - set(new_files)):
            try:
                path = safe_path(root, relpath)
            except (ValueError, ConfigError):
                continue  # a tampered manifest never makes us delete outside the folder
            try:
                # Only a regular file can be the one this tool wrote: a folder or a symlink
                # in its place is the user's.
                if stat.S_ISREG(os.lstat(path).st_mode):
                    path.unlink()
                    removed.append(relpath)
            except (FileNotFoundError, NotADirectoryError):
                pass  # gone, or its folder is now a file of the user's
            _remove_empty_parents(path.parent, root)

        _write_manifest(root, Manifest(new_files, dict(state or {})))
        self._committed = True
        return PublishReport(
            tuple(sorted(self._written)), tuple(sorted(self._unchanged)), tuple(removed)
        )


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
    if _same_bytes(path, out.data):
        return Staged(out.relpath, digest, None)
    with naming_full_disk(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
    return Staged(out.relpath, digest, str(write_temporary(path, out.data)))


def _same_bytes(path: Path, data: bytes) -> bool:
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


def _write_manifest(root: Path, manifest: Manifest) -> None:
    body = {
        "files": dict(sorted(manifest.files.items())),
        "state": dict(sorted(manifest.state.items())),
    }
    data = (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode()
    path = root / MANIFEST_NAME
    if not _same_bytes(path, data):
        atomic_write(path, data)
        fsync_dir(root)


def _sweep_temporaries(root: Path, folders: Iterable[str]) -> None:
    """Remove temporary files a killed build left behind in folders this tool manages."""
    for folder in {"", *folders}:
        d = root / folder if folder else root
        try:
            leftovers = [e for e in os.scandir(d) if e.name.endswith(TMP_SUFFIX)]
        except OSError:
            continue
        for entry in leftovers:
            Path(entry.path).unlink(missing_ok=True)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    """Remove folders this tool emptied (a vanished topic's folder), never the root."""
    real_root = root.resolve()
    while folder.resolve() != real_root and folder.resolve().is_relative_to(real_root):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty: someone else's files live here too
        folder = folder.parent
