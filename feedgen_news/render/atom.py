"""Atom 1.0 feed of a topic: typed links, text summary, HTML content and Media RSS elements."""

from __future__ import annotations

from ..config import Site
from ..feeddefs import FeedEntries
from ..layout import ATOM_FILE, feed_file, page_path
from . import feedgen_xml
from .pieces import Pieces, fresh

FILENAME = ATOM_FILE
MEDIA_TYPE = "application/atom+xml"


def render(entries: FeedEntries, site: Site, pieces: Pieces = fresh) -> bytes:
    """The topic's Atom 1.0 document as UTF-8 bytes; its id is its own URL."""
    return feedgen_xml.render(
        entries,
        site,
        "atom",
        self_url=site.url(feed_file(entries.feed.folder, FILENAME)),
        page_url=site.url(page_path(entries.feed.folder)),
        pieces=pieces,
    )
