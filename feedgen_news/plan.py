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
from .cache import CountedFeed, Evaluator, PieceStore, StoredFeed
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
    return hashlib.sha256(f"{code_revision()}\n{site!r}\n{cache_token}".encode()).hexdigest()


Answer = StoredFeed | CountedFeed  # a feed evaluated, or (unchanged) only counted


def answer(
    defs: Sequence[FeedDef], evaluator: Evaluator, site: Site, manifest: Manifest
) -> list[Answer]:
    """Each feed's answer: a facet feed whose records are those the last build published
    (by its ``content``) is only counted, its files kept; every other feed is evaluated."""
    answers: list[Answer] = []
    salt = f"{code_revision()}\n{site!r}\n"
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
    site_key = f"{code_revision()}\n{site!r}\n".encode()
    for stored in feeds:
        folder = stored.feed.folder
        if stored.content is not None:
            state[f"content:{folder}"] = stored.content
        if isinstance(stored, CountedFeed):  # unchanged: its files and state stay
            kept += [*feed_files(stored), *filter(None, [page_file(stored)])]
            for kind in ("topic", "page"):
                state[f"{kind}:{folder}"] = manifest.state[f"{kind}:{folder}"]
            continue
        h = hashlib.sha256(site_key)
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
    # Workers get the stored bytes and the pieces rendered before, decode, render what is
    # new and write there: this process never holds the records or the output files.
    tasks = [_task(stored, page_only, keys, store) for stored, page_only in stale]
    render = partial(_render_and_stage, site=site, root=publication.root, keys=keys)
    used: dict[tuple[str, str], list[bytes]] = {}
    try:
        for rendered in workers.map(render, tasks, worth_it=entries >= _RENDER_POOL_MIN):
            for staged in rendered.files:
                publication.adopt(staged)
            store.add(rendered.made)
            used.update(rendered.used)
    except BaseException:
        workers.abort()  # before the publication removes temporaries: none may come after
        raise
    # The index shows the `all` feed's entries, so it needs those records.
    everything = feeds[0]
    assert isinstance(everything, StoredFeed)  # `all` is always evaluated
    tags = site_piece_tags(everything)
    pieces = _Pieces(
        everything, keys, store.get([keys(t, b) for t in tags for b in everything.blobs])
    )
    for out in render_site_files([everything.load(), *feeds[1:]], site, pieces):
        publication.add(out)
    store.add(pieces.made)
    store.update({**used, **pieces.used}, [f.feed.folder for f in feeds])
    return kept, state


def all_present(root: Path, manifest: Manifest) -> bool:
    """Whether every file the manifest lists is still there (else a no-op build is not one)."""
    return bool(manifest.files) and all((root / p).is_file() for p in manifest.files)


class PieceKeys:
    """The key of an entry piece: a hash of the code, the settings, the piece's kind and the
    record's stored bytes: everything its bytes depend on."""

    def __init__(self, site: Site) -> None:
        # Bytes, not a hasher to copy: the keys are also computed in worker processes.
        self._salt = hashlib.sha256(f"{code_revision()}\n{site!r}\n".encode()).digest()

    def __call__(self, tag: str, blob: bytes) -> bytes:
        h = hashlib.blake2b(tag.encode() + b"\0", key=self._salt, digest_size=16)
        h.update(blob)
        return h.digest()


@dataclass(frozen=True, slots=True)
class _Task:
    stored: StoredFeed
    page_only: bool
    known: dict[bytes, bytes]  # pieces rendered by an earlier build


@dataclass(frozen=True, slots=True)
class _Rendered:
    files: list[Staged]
    made: dict[bytes, bytes]  # pieces rendered now
    used: dict[tuple[str, str], list[bytes]]  # (folder, tag) -> the pieces its file shows


def _task(stored: StoredFeed, page_only: bool, keys: PieceKeys, store: PieceStore) -> _Task:
    tags = piece_tags(stored, page_only=page_only)
    return _Task(stored, page_only, store.get([keys(t, b) for t in tags for b in stored.blobs]))


def _render_and_stage(task: _Task, site: Site, root: Path, keys: PieceKeys) -> _Rendered:
    pieces = _Pieces(task.stored, keys, task.known)
    entries = task.stored.load()
    outputs = render_feed_files(entries, site, page_only=task.page_only, pieces=pieces)
    return _Rendered([publish.stage(root, out) for out in outputs], pieces.made, pieces.used)


class _Pieces:
    """A feed's entry pieces: the known ones, and those it renders (``made``); ``used`` says
    which pieces each of its files shows."""

    def __init__(self, stored: StoredFeed, keys: PieceKeys, known: dict[bytes, bytes]) -> None:
        self._stored, self._keys, self._known = stored, keys, known
        self.made: dict[bytes, bytes] = {}
        self.used: dict[tuple[str, str], list[bytes]] = {}

    def __call__(self, tag: str, position: int, make: Callable[[], bytes]) -> bytes:
        key = self._keys(tag, self._stored.blobs[position])
        self.used.setdefault((self._stored.feed.folder, tag), []).append(key)
        body = self._known.get(key) or self.made.get(key)
        if body is None:
            body = self.made[key] = make()
        return body
