"""Plan: which output files a build must render, by a digest per feed against the manifest,
and the rendering of those in workers, which stage their own files.

Two digests per feed, so unchanged feeds are never even decoded: one over the settings, the
feed's definition and its newest records as stored bytes (the feeds and the embed list show
nothing else), and one adding the feed's total, which only its HTML page shows: a record added
or removed outside the newest ``limit`` re-renders the page, not the feeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from . import publish
from .cache import CountedFeed, Evaluator, PackedPieces, PieceStore, StoredFeed
from .config import Site
from .feeddefs import FeedDef
from .publish import Manifest, Staged
from .render import (
    feed_files,
    page_file,
    piece_tags,
    render_feed_files,
    render_site_files,
    site_piece_tags,
)
from .revision import code_revision
from .workers import Workers

_RENDER_POOL_MIN = 1000  # entries to render below which a process pool costs more than it saves


def inputs_digest(site: Site, cache_token: str) -> str:
    """Names everything the output depends on: the code, the settings and the records."""
    return hashlib.sha256(f"{site_key(site)}{cache_token}".encode()).hexdigest()


def site_key(site: Site) -> str:
    """What every digest and piece key of a build starts with: the code and the settings."""
    return f"{code_revision()}\n{site!r}\n"


Answer = StoredFeed | CountedFeed  # a feed evaluated, or (unchanged) only counted


def answer(
    defs: Sequence[FeedDef], evaluator: Evaluator, site: Site, manifest: Manifest
) -> list[Answer]:
    """Each feed's answer: a facet feed whose records are those the last build published
    (by its ``content``) is only counted, its files kept; every other feed is evaluated."""
    answers: list[Answer] = []
    salt = site_key(site)
    for feed in defs:
        counted = evaluator.counted(feed)
        if counted is None:
            answers.append(evaluator.evaluate(feed))
            continue
        content = hashlib.sha256(f"{salt}{feed!r}\n{counted.content}".encode()).hexdigest()
        files = [*feed_files(counted), *filter(None, [page_file(counted)])]
        last = manifest.state
        if (
            last.get(f"content:{feed.folder}") == content
            and all(f"{kind}:{feed.folder}" in last for kind in ("topic", "page"))
            and all(f in manifest.files for f in files)
        ):
            answers.append(replace(counted, content=content))
        else:
            answers.append(replace(evaluator.evaluate(feed), content=content))
    return answers


def plan(
    feeds: Sequence[Answer],
    site: Site,
    manifest: Manifest,
    workers: Workers,
    publication: publish.Publication,
    store: PieceStore,
) -> tuple[list[str], dict[str, str]]:
    """Render only feeds whose digest changed since the last build, staging their files in
    ``publication``, and of those only the entries no earlier build rendered (``store``);
    returns the files kept from the last build and the new build state."""
    kept: list[str] = []
    state: dict[str, str] = {}
    stale: list[tuple[StoredFeed, bool]] = []  # (feed, page only)
    prefix = site_key(site).encode()
    for stored in feeds:
        folder = stored.feed.folder
        if stored.content is not None:
            state[f"content:{folder}"] = stored.content
        if isinstance(stored, CountedFeed):  # unchanged: its files and state stay
            kept += [*feed_files(stored), *filter(None, [page_file(stored)])]
            for kind in ("topic", "page"):
                state[f"{kind}:{folder}"] = manifest.state[f"{kind}:{folder}"]
            continue
        h = hashlib.sha256(prefix)
        h.update(repr(stored.feed).encode())
        for blob in stored.blobs:
            h.update(hashlib.sha256(blob).digest())
        entries_digest = h.hexdigest()
        page_digest = hashlib.sha256(f"{entries_digest} {stored.total}".encode()).hexdigest()
        state[f"topic:{folder}"] = entries_digest
        state[f"page:{folder}"] = page_digest
        entry_files, page = feed_files(stored), page_file(stored)
        if manifest.state.get(f"topic:{folder}") != entries_digest or not all(
            f in manifest.files for f in entry_files
        ):
            stale.append((stored, False))
            continue
        kept.extend(entry_files)
        if page is None:
            continue
        if manifest.state.get(f"page:{folder}") == page_digest and page in manifest.files:
            kept.append(page)
        else:
            stale.append((stored, True))
    entries = sum(stored.shown for stored, _ in stale)
    keys = PieceKeys(site)
    # Workers get the stored bytes and what earlier builds kept of the feed's pieces, decode,
    # render what is new and write there: this process never holds records or output files.
    tasks = [
        _Task(stored, page_only, _kept(store, stored, page_only)) for stored, page_only in stale
    ]
    render = partial(_render_and_stage, site=site, root=publication.root, keys=keys)
    try:
        for rendered in workers.map(render, tasks, worth_it=entries >= _RENDER_POOL_MIN):
            for staged in rendered.files:
                publication.adopt(staged)
            store.put(rendered.folder, rendered.pieces)
    except BaseException:
        workers.abort()  # before the publication removes temporaries: none may come after
        raise
    # The index shows the `all` feed's entries, so it needs those records.
    everything = feeds[0]
    assert isinstance(everything, StoredFeed)  # `all` is always evaluated
    kept_pieces = store.get(everything.feed.folder, site_piece_tags(everything))
    pieces = _Pieces(everything, keys, kept_pieces)
    for out in render_site_files([everything.load(), *feeds[1:]], site, pieces):
        publication.add(out)
    store.put(everything.feed.folder, pieces.packed())
    store.keep_only([f.feed.folder for f in feeds])
    return kept, state


def all_present(root: Path, manifest: Manifest) -> bool:
    """Whether every file the manifest lists is still there (else a no-op build is not one)."""
    return bool(manifest.files) and all((root / p).is_file() for p in manifest.files)


class PieceKeys:
    """The key of an entry piece: a hash of the code, the settings, the piece's kind and the
    record's stored bytes: everything its bytes depend on."""

    def __init__(self, site: Site) -> None:
        # Bytes, not a hasher to copy: the keys are also computed in worker processes.
        self._salt = hashlib.sha256(site_key(site).encode()).digest()

    def __call__(self, tag: str, blob: bytes) -> bytes:
        h = hashlib.blake2b(tag.encode() + b"\0", key=self._salt, digest_size=16)
        h.update(blob)
        return h.digest()


@dataclass(frozen=True, slots=True)
class _Task:
    stored: StoredFeed
    page_only: bool
    kept: list[PackedPieces]  # what earlier builds kept of its files' pieces


@dataclass(frozen=True, slots=True)
class _Rendered:
    files: list[Staged]
    folder: str
    pieces: list[PackedPieces]  # the pieces its files show now


def _kept(store: PieceStore, stored: StoredFeed, page_only: bool) -> list[PackedPieces]:
    return store.get(stored.feed.folder, piece_tags(stored, page_only=page_only))


def _render_and_stage(task: _Task, site: Site, root: Path, keys: PieceKeys) -> _Rendered:
    pieces = _Pieces(task.stored, keys, task.kept)
    entries = task.stored.load()
    outputs = render_feed_files(entries, site, page_only=task.page_only, pieces=pieces)
    staged = [publish.stage(root, out) for out in outputs]
    return _Rendered(staged, task.stored.feed.folder, pieces.packed())


# Pieces this process rendered lately, for the other feeds that show the same entries (a record
# is in `all`, its topics, category, provider...), this build or a watch's next. Keys name all
# a piece depends on, so none is ever stale; the bound keeps memory flat (~50 MB at most).
_recent: dict[bytes, bytes] = {}
_RECENT_MAX = 20_000


def _remember(key: bytes, body: bytes) -> bytes:
    if len(_recent) >= _RECENT_MAX:
        _recent.clear()
    _recent[key] = body
    return body


class _Pieces:
    """A feed's entry pieces: those kept by earlier builds, else rendered now; remembers what
    each of its files shows, to be kept in turn (``packed``)."""

    def __init__(self, stored: StoredFeed, keys: PieceKeys, kept: list[PackedPieces]) -> None:
        self._stored, self._keys = stored, keys
        self._known: dict[bytes, bytes] = {}
        for packed in kept:
            self._known.update(packed.unpack())
        self._shown: dict[str, tuple[list[bytes], list[bytes]]] = {}

    def __call__(self, tag: str, position: int, make: Callable[[], bytes]) -> bytes:
        key = self._keys(tag, self._stored.blobs[position])
        body = self._known.get(key) or _recent.get(key)
        if body is None:
            body = self._known[key] = _remember(key, make())
        keys, bodies = self._shown.setdefault(tag, ([], []))
        keys.append(key)
        bodies.append(body)
        return body

    def packed(self) -> list[PackedPieces]:
        return [PackedPieces.pack(tag, *shown) for tag, shown in self._shown.items()]
