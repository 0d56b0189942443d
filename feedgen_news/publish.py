"""Publish: the only code that writes to the output folder: safe paths, atomic replace, no rewrite
of unchanged bytes, crash-safe removal of files an earlier build wrote and this one no longer makes.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, LockError

MANIFEST_NAME = ".feedgen-news-manifest.json"
LOCK_NAME = ".feedgen-news.lock"
_TMP_SUFFIX = ".feedgen-news-tmp"
_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True, slots=True)
class OutputFile:
    relpath: str  # POSIX path relative to the output folder
    data: bytes


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
        raise ValueError(f"output path {relpath!r} leaves the output folder")
    return path


@contextmanager
def output_lock(root: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on the output folder, so overlapping cron runs never interleave.

    Waits up to ``timeout`` seconds for another build to finish, then raises LockError.
    """
    root.mkdir(parents=True, exist_ok=True)
    with file_lock(
        root / LOCK_NAME, timeout, f"{root}: another build is writing this output folder"
    ):
        yield


@contextmanager
def file_lock(
    path: Path, timeout: float, busy: str, *, wait: float | None = None
) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` (created if missing); ``busy`` starts the LockError.

    Waits ``wait`` seconds (default ``timeout``, the user's setting the message names). An
    flock is released by the kernel when its process dies, so it never goes stale.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    _held_locks.add(fd)
    try:
        deadline = time.monotonic() + (timeout if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockError(
                        f"{busy}; gave up after {timeout:g} s (raise --lock-timeout to wait longer)"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        _held_locks.discard(fd)
        os.close(fd)  # closing releases the flock


# A forked child shares its parent's open lock files, and an flock lasts until every copy is
# closed: a worker that outlived its build would keep every later build out (exit 75). So each
# child closes its copies at once (close-on-exec covers exec, not fork).
_held_locks: set[int] = set()


def _close_locks_in_child() -> None:
    for fd in _held_locks:
        with suppress(OSError):
            os.close(fd)
    _held_locks.clear()


os.register_at_fork(after_in_child=_close_locks_in_child)


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
    a commit removes the temporaries (those workers wrote too) and, when nothing was replaced
    yet, the folders made for new topics and the widened manifest: the folder is as it was.
    Files this tool never wrote are never touched.
    """

    def __init__(self, root: Path, planned: Iterable[str]) -> None:
        if root.exists() and not root.is_dir():
            raise ConfigError(f"{root}: output path exists and is not a folder")
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.old = read_manifest(root)
        self.planned = set(planned)
        # What a build that stops before replacing anything puts back as it was.
        self._old_manifest: bytes | None = None
        self._replacing = self._committed = False
        try:
            self._old_manifest = (root / MANIFEST_NAME).read_bytes()
        except FileNotFoundError:
            pass
        except OSError:
            self._replacing = True  # unreadable: keep the widened one whatever happens
        self._new_folders = _missing_folders(root, self.planned, self.old.files)
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
        _sweep_temporaries(self.root, {p.rpartition("/")[0] for p in self.planned})
        if self._replacing:
            return  # some files are new: the widened manifest must stay for the next build
        for folder in sorted(self._new_folders, key=lambda f: -f.count("/")):  # deepest first
            with suppress(OSError):  # not empty: not only ours
                (self.root / folder).rmdir()
        with suppress(OSError):  # else the widened manifest stays, which is safe too
            self._restore_manifest()

    def _restore_manifest(self) -> None:
        """Nothing was replaced: the previous manifest (and its build state) is true again."""
        path = self.root / MANIFEST_NAME
        if self._old_manifest is None:
            path.unlink(missing_ok=True)
        elif not _same_bytes(path, self._old_manifest):
            _atomic_write(path, self._old_manifest)
        fsync_dir(self.root)

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
        self._replacing = True
        for tmp, path in sorted(self._staged, key=lambda staged: staged[1]):
            tmp.replace(path)
        folders = {path.parent for _, path in self._staged}
        self._staged.clear()
        for folder in folders:
            fsync_dir(folder)

        removed: list[str] = []
        for relpath in sorted(set(old.files) - set(new_files)):
            try:
                path = safe_path(root, relpath)
            except ValueError:
                continue  # a tampered manifest never makes us delete outside the folder
            try:
                path.unlink()
                removed.append(relpath)
            except FileNotFoundError:
                pass
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
    path.parent.mkdir(parents=True, exist_ok=True)
    return Staged(out.relpath, digest, str(_write_temporary(path, out.data)))


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _write_temporary(path: Path, data: bytes) -> Path:
    """Write ``data`` beside ``path`` under a temporary name the next build can sweep."""
    tmp = _temporary(path)
    try:  # the open too: a signal during it is raised just after it returns
        _write_file(tmp, data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}{_TMP_SUFFIX}")


def _write_file(path: Path, data: bytes, *, sync: bool = False) -> None:
    # 0o666 & ~umask, like any other file a tool writes (mkstemp's 0o600 would hide it from httpd).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        if sync:
            f.flush()
            os.fsync(f.fileno())


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = _temporary(path)
    try:
        _write_file(tmp, data, sync=True)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_manifest(root: Path, manifest: Manifest) -> None:
    body = {
        "files": dict(sorted(manifest.files.items())),
        "state": dict(sorted(manifest.state.items())),
    }
    data = (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode()
    path = root / MANIFEST_NAME
    if not _same_bytes(path, data):
        _atomic_write(path, data)
        fsync_dir(root)


def _sweep_temporaries(root: Path, folders: Iterable[str]) -> None:
    """Remove temporary files a killed build left behind in folders this tool manages."""
    for folder in {"", *folders}:
        d = root / folder if folder else root
        try:
            leftovers = [e for e in os.scandir(d) if e.name.endswith(_TMP_SUFFIX)]
        except OSError:
            continue
        for entry in leftovers:
            Path(entry.path).unlink(missing_ok=True)


def _missing_folders(root: Path, planned: Iterable[str], old: Iterable[str]) -> set[str]:
    """Folders of planned files that do not exist yet (a new topic's), with their missing
    parents: what a build that stops before replacing anything removes again. Only folders
    outside the last build's are looked at, so a rebuild stats just its new topics'."""
    known = {p.rpartition("/")[0] for p in old}
    missing: set[str] = set()
    for folder in {p.rpartition("/")[0] for p in planned} - known:
        while folder and folder not in missing and not (root / folder).exists():
            missing.add(folder)
            folder = folder.rpartition("/")[0]
    return missing


def _remove_empty_parents(folder: Path, root: Path) -> None:
    """Remove folders this tool emptied (a vanished topic's folder), never the root."""
    real_root = root.resolve()
    while folder.resolve() != real_root and folder.resolve().is_relative_to(real_root):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty: someone else's files live here too
        folder = folder.parent
