"""Plan: which output files a build must render, by a digest per feed against the manifest,
and the rendering of those in workers, which stage their own files.

Two digests per feed, so unchanged feeds are never even decoded: one over the settings, the
feed's definition and its newest records as stored bytes (the feeds and the embed list show
nothing else), and one adding the feed's total, which only its HTML page shows: a record added
or removed outside the newest ``limit`` re-renders the page, not the feeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from . import __version__, publish
from .cache import StoredFeed
from .config import Site
from .publish import Manifest, Staged
from .render import feed_files, page_file, render_feed_files, render_site_files
from .workers import Workers

_RENDER_POOL_MIN = 1000  # entries to render below which a process pool costs more than it saves


def inputs_digest(site: Site, cache_token: str) -> str:
    """Names everything the output depends on: the version, the settings and the records."""
    return hashlib.sha256(f"{__version__}\n{site!r}\n{cache_token}".encode()).hexdigest()


def plan(
    feeds: Sequence[StoredFeed],
    site: Site,
    manifest: Manifest,
    workers: Workers,
    publication: publish.Publication,
) -> tuple[list[str], dict[str, str]]:
    """Render only feeds whose digest changed since the last build, staging their files in
    ``publication``; returns the files kept from the last build and the new build state."""
    kept: list[str] = []
    state: dict[str, str] = {}
    stale: list[tuple[StoredFeed, bool]] = []  # (feed, page only)
    site_key = f"{__version__}\n{site!r}\n".encode()
    for stored in feeds:
        folder = stored.feed.folder
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
    # Workers get the stored bytes, decode, render and write there: this process never holds
    # the records or the output, only each file's hash and temporary name.
    render = partial(_render_and_stage, site=site, root=publication.root)
    try:
        for staged_files in workers.map(render, stale, worth_it=entries >= _RENDER_POOL_MIN):
            for staged in staged_files:
                publication.adopt(staged)
    except BaseException:
        workers.abort()  # before the publication removes temporaries: none may come after
        raise
    # The index shows the `all` feed's entries, so it needs those records.
    for out in render_site_files([feeds[0].load(), *feeds[1:]], site):
        publication.add(out)
    return kept, state


def all_present(root: Path, manifest: Manifest) -> bool:
    """Whether every file the manifest lists is still there (else a no-op build is not one)."""
    return bool(manifest.files) and all((root / p).is_file() for p in manifest.files)


def _render_and_stage(task: tuple[StoredFeed, bool], site: Site, root: Path) -> list[Staged]:
    stored, page_only = task
    return [
        publish.stage(root, out)
        for out in render_feed_files(stored.load(), site, page_only=page_only)
    ]
