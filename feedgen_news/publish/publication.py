"""A publication: one build's changes to the output folder, committed together. Crash-safe
replacement of changed files and removal of files an earlier build wrote and this one no longer
makes; files this tool never wrote are never touched.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .. import guard
from ..errors import ConfigError, printable
from ..fsio import TMP_SUFFIX, atomic_write, fsync_dir, naming_full_disk
from ..layout import MANIFEST_NAME, OutputFile
from .manifest import Manifest, manifest_bytes, read_manifest
from .stage import Staged, safe_path, same_bytes, stage

__all__ = ["Publication", "PublishReport", "write"]


@dataclass(frozen=True, slots=True)
class PublishReport:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


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


def _write_manifest(root: Path, manifest: Manifest) -> None:
    data = manifest_bytes(manifest)
    path = root / MANIFEST_NAME
    if not same_bytes(path, data):
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
