"""OPML 2.0 subscription list of every feed, so a reader imports all feeds at once.

One outline per feed (its RSS 2.0 file: the format every reader takes), nested in one outline
per kind (everything, topics, categories, providers, types, curated feeds), which readers
import as folders. Deterministic: the document's dates are the newest entry's date, never the
build time.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import format_datetime
from html import escape

from ..config import Site
from ..feeddefs import FeedListing, by_kind
from ..markup import clean
from .formats import RSS, feed_url, page_url

OPML_DOCS = "http://opml.org/spec2.opml"


def render_opml(listings: Sequence[FeedListing], site: Site) -> bytes:
    """``OUTPUT/feeds.opml``: an outline ``type="rss"`` with text, title, xmlUrl and htmlUrl for
    every feed, inside an outline for its kind; kinds in ``KIND_GROUPS`` order, feeds in the
    order given."""
    dates = [listing.newest for listing in listings if listing.newest is not None]
    head = [f"<title>{_x(site.title)}</title>"]
    if dates:
        # RFC 822 dates, as OPML 2.0 asks; the newest entry's date keeps the bytes stable.
        when = format_datetime(max(dates), usegmt=True)
        head += [f"<dateCreated>{when}</dateCreated>", f"<dateModified>{when}</dateModified>"]
    if site.author_name:
        head.append(f"<ownerName>{_x(site.author_name)}</ownerName>")
    if site.author_email:
        head.append(f"<ownerEmail>{_x(site.author_email)}</ownerEmail>")
    head.append(f"<docs>{OPML_DOCS}</docs>")
    outlines = "".join(
        f'    <outline text="{heading}" title="{heading}">\n'
        + "".join(
            f'      <outline type="rss" version="RSS2" text="{_x(listing.feed.title)}" '
            f'title="{_x(listing.feed.title)}" '
            f'xmlUrl="{_x(feed_url(listing, site, RSS))}" '
            f'htmlUrl="{_x(page_url(listing, site))}" '
            f'language="{_x(site.language)}"/>\n'
            for listing in group
        )
        + "    </outline>\n"
        for _, heading, group in by_kind(listings)
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<opml version="2.0">\n'
        "  <head>\n" + "".join(f"    {line}\n" for line in head) + "  </head>\n"
        "  <body>\n" + outlines + "  </body>\n"
        "</opml>\n"
    )
    return document.encode("utf-8")


def _x(value: str) -> str:
    """Text safe in XML content and double-quoted attributes (tabs and newlines kept as data)."""
    return (
        escape(clean(value), quote=True)
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )
