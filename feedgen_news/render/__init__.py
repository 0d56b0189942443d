"""Rendering: every output file of a build, as bytes, from the feeds and the site's settings.

Pure: no I/O, no clock, no locale. A feed's files are its three feed formats, its embed list and
(but for `all`, whose page is the site's index) its HTML page; the site's own files are the
index page, the OPML list and the embed script. ``layout`` names them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Site
from ..feeddefs import FeedEntries, FeedListing
from ..layout import EMBED_JS, EMBED_PAGE, INDEX_PAGE, OPML_FILE, OutputFile, feed_file
from .embed import embed_script, render_embed_page
from .formats import FORMATS
from .opml import render_opml
from .pages import page_piece_tag, render_index, render_topic_page
from .pieces import Pieces, fresh

SITE_FILES = (INDEX_PAGE, OPML_FILE, EMBED_JS)


def render_site(feeds: Sequence[FeedEntries], site: Site) -> list[OutputFile]:
    """Every output file for these feeds (``all`` first)."""
    outputs: list[OutputFile] = []
    for entries in feeds:
        outputs.extend(render_feed_files(entries, site))
    outputs.extend(render_site_files(feeds, site))
    return outputs


def render_feed_files(
    entries: FeedEntries, site: Site, *, page_only: bool = False, pieces: Pieces = fresh
) -> list[OutputFile]:
    """A feed's files (``feed_files`` and ``page_file``); with ``page_only``, just its page.
    ``pieces`` may reuse entries rendered before (the tags are ``piece_tags``)."""
    files: list[OutputFile] = []
    if not page_only:
        files += [
            OutputFile(feed_file(entries.feed.folder, f.filename), f.render(entries, site, pieces))
            for f in FORMATS
        ]
        files.append(
            OutputFile(feed_file(entries.feed.folder, EMBED_PAGE), render_embed_page(entries, site))
        )
    page = page_file(entries)
    if page is not None:
        files.append(OutputFile(page, render_topic_page(entries, site, pieces)))
    return files


def site_piece_tags(everything: FeedListing) -> list[str]:
    """The kinds of entry pieces ``render_site_files`` asks for: the index's entries."""
    return [page_piece_tag(INDEX_PAGE)]


def piece_tags(feed: FeedListing, *, page_only: bool = False) -> list[str]:
    """The kinds of entry pieces ``render_feed_files`` asks for: one per feed format, and the
    page's own (its links are relative to it)."""
    page = page_file(feed)
    tags = [] if page_only else [f.piece_tag for f in FORMATS]
    return tags if page is None else [*tags, page_piece_tag(page)]


def render_site_files(
    feeds: Sequence[FeedListing], site: Site, pieces: Pieces = fresh
) -> list[OutputFile]:
    """Files about the whole site (``SITE_FILES``): rendered on every build that changed
    anything. ``feeds[0]`` is `all`; the index shows its entries if they were read
    (``FeedEntries``), asking ``pieces`` for them (the tags are ``site_piece_tags``)."""
    files = [
        OutputFile(INDEX_PAGE, render_index(feeds, site, pieces)),
        OutputFile(OPML_FILE, render_opml(feeds, site)),
        OutputFile(EMBED_JS, embed_script()),
    ]
    assert tuple(f.relpath for f in files) == SITE_FILES
    return files


def feed_files(entries: FeedListing) -> list[str]:
    """The files that show only the feed's newest entries: its feeds and its embed list."""
    return [
        feed_file(entries.feed.folder, name)
        for name in [*(f.filename for f in FORMATS), EMBED_PAGE]
    ]


def page_file(entries: FeedListing) -> str | None:
    """The feed's HTML page (which also shows its total), or None for `all`: the site index."""
    return None if entries.feed.is_all else feed_file(entries.feed.folder, INDEX_PAGE)


def output_paths(feeds: Sequence[FeedListing]) -> list[str]:
    """Every file a build of these feeds writes."""
    paths: list[str] = []
    for entries in feeds:
        page = page_file(entries)
        paths += feed_files(entries) + ([] if page is None else [page])
    return [*paths, *SITE_FILES]


def is_feed_file(relpath: str) -> bool:
    """True for a feed document (RSS, Atom or JSON Feed), the files a WebSub hub is told about."""
    return any(relpath.endswith("/" + f.filename) for f in FORMATS)


__all__ = [
    "SITE_FILES",
    "feed_files",
    "is_feed_file",
    "output_paths",
    "page_file",
    "piece_tags",
    "render_feed_files",
    "render_site",
    "render_site_files",
    "site_piece_tags",
]
