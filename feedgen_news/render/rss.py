"""RSS 2.0 feed of a topic, with atom:link, content:encoded, Dublin Core and Media RSS elements."""

from __future__ import annotations

from ..config import Site
from ..feeddefs import FeedEntries
from ..layout import RSS_FILE, feed_file, page_path
from . import feedgen_xml
from .pieces import Pieces, fresh

FILENAME = RSS_FILE
MEDIA_TYPE = "application/rss+xml"


def render(entries: FeedEntries, site: Site, pieces: Pieces = fresh) -> bytes:
    """The topic's RSS 2.0 document as UTF-8 bytes."""
    out = feedgen_xml.render(
        entries,
        site,
        "rss",
        self_url=site.url(feed_file(entries.feed.folder, FILENAME)),
        page_url=site.url(page_path(entries.feed.folder)),
        pieces=pieces,
    )
    return hex_escapes(out)


def hex_escapes(document: bytes) -> bytes:
    """``&`` and ``<`` as hexadecimal character references, the RSS Best Practices advice.

    RSS never says which elements hold HTML, so the W3C validator warns on ``&lt;`` or ``&amp;``
    in plain-text elements unless they are written as ``&#x3C;`` and ``&#x26;``. Both forms mean
    the same characters to any XML parser. lxml writes no CDATA or comments here, so every
    ``&amp;``/``&lt;`` in its output is an escaped character in text or an attribute value.
    """
    return document.replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;")
