"""Feed formats: what each output file is called, its media type and label, how to render it;
the URLs a feed's files and page are published at, and the relative links pages use for them.

Feeds, autodiscovery, OPML and the snippets people copy carry absolute URLs (``feed_url``,
``page_url``): they are read away from the site. A link a person follows from one of the site's
own pages to another of its files is relative (``feed_href``, ``page_href``), so the pages work
opened from disk, on any port and behind any path prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..config import Site
from ..feeddefs import FeedEntries, FeedListing
from ..layout import feed_file, page_html, page_path, relative_link
from . import atom, jsonfeed, rss
from .pieces import Pieces


@dataclass(frozen=True, slots=True)
class FeedFormat:
    """One feed format: its file name in a feed's folder, media type, the name people see, and
    its pure renderer."""

    filename: str
    media_type: str
    label: str
    render: Renderer
    piece_tag: str  # the kind of entry pieces it renders (``render.pieces``)


class Renderer(Protocol):
    def __call__(self, entries: FeedEntries, site: Site, pieces: Pieces = ..., /) -> bytes: ...


RSS = FeedFormat(rss.FILENAME, rss.MEDIA_TYPE, "RSS", rss.render, "rss")
ATOM = FeedFormat(atom.FILENAME, atom.MEDIA_TYPE, "Atom", atom.render, "atom")
JSON = FeedFormat(jsonfeed.FILENAME, jsonfeed.MEDIA_TYPE, "JSON Feed", jsonfeed.render, "json")
FORMATS: tuple[FeedFormat, ...] = (RSS, ATOM, JSON)


def feed_url(entries: FeedListing, site: Site, fmt: FeedFormat) -> str:
    """The absolute URL a feed file is published at."""
    return site.url(feed_file(entries.feed.folder, fmt.filename))


def page_url(entries: FeedListing, site: Site) -> str:
    """The feed's HTML page: the site's home page for the `all` feed."""
    return site.url(page_path(entries.feed.folder))


def feed_href(entries: FeedListing, fmt: FeedFormat, here: str) -> str:
    """The relative link from the output file ``here`` to one of the feed's files."""
    return relative_link(here, feed_file(entries.feed.folder, fmt.filename))


def page_href(entries: FeedListing, here: str) -> str:
    """The relative link from the output file ``here`` to the feed's HTML page (a file, never a
    folder: from disk a folder opens a directory listing)."""
    return relative_link(here, page_html(entries.feed.folder))


__all__ = [
    "ATOM",
    "FORMATS",
    "JSON",
    "RSS",
    "FeedFormat",
    "feed_href",
    "feed_url",
    "page_href",
    "page_url",
]
