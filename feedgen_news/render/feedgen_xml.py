"""RSS 2.0 and Atom 1.0 through feedgen (the only importer of feedgen, with ``feedgen_ext``).

feedgen 1.0.0 gets several things wrong for us (all verified against its source):

- Atom entry links lose every attribute but ``href`` (upstream issue #135: the loop variable is
  rebound to the new element before its attributes are read), so enclosures and related links
  would come out as extra *alternate* links. Entry ``link()`` also refuses ``rel="amphtml"``.
- RSS keeps only the last enclosure, drops related links, and drops ``<author>`` without an email.
- Its media extension cannot write ``<media:title>``; its ``enclosure()`` adds a bare Atom link.
- Atom ``<title>`` and ``<subtitle>`` get no ``type``: RFC 4287 makes that text, but some
  readers (feedparser-rs) take it for HTML and show ``AT&T`` as ``AT&amp;T``.

So the ``news`` extension (``feedgen_ext``) writes every Atom entry ``<link>``, the RSS item's
``atom:link``s, its single ``<enclosure>``, ``dc:creator``, ``content:encoded`` and all Media
RSS elements, and marks the Atom titles ``type="text"``.
``fe.link(href=url)`` is called only because feedgen takes the RSS ``<link>`` from it and insists
on an alternate link for Atom entries without content; the extension removes the bare Atom link
it produces. feedgen changes the process locale while formatting RSS dates: never call this from
threads.

A document is feedgen's feed without entries (the frame) with each entry spliced in as feedgen
serializes it on its own, at the same depth and under the same namespaces, so the bytes are the
whole document's; ``pieces`` lets a build reuse an entry's bytes across feeds and builds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from html import escape
from typing import Any, Literal

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from .. import __version__
from ..config import Site
from ..feeddefs import FeedEntries
from ..markup import clean
from ..model import Record
from ..urls import is_http_url
from .entry_html import content_html, entry_tags, entry_title, summary_text
from .feedgen_ext import ATOM_NS, CONTENT_NS, DC_NS, MEDIA_NS, NewsEntry, NewsFeed
from .pieces import Pieces, fresh, splice

Kind = Literal["rss", "atom"]

GENERATOR = "feedgen-news"
# The feed date of a topic without entries (the build never renders one): fixed, never the clock.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Registered under a name that shadows no FeedGenerator or FeedEntry method.
_EXTENSION = "news"


def render(
    entries: FeedEntries,
    site: Site,
    kind: Kind,
    *,
    self_url: str,
    page_url: str,
    pieces: Pieces = fresh,
) -> bytes:
    """The topic's RSS or Atom document as UTF-8 bytes, newest entry first: feedgen's document
    without entries (the frame), each entry rendered by feedgen on its own (``pieces``)."""
    fg = _feed(entries, site, kind, self_url=self_url, page_url=page_url)
    if kind == "rss":
        frame = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    else:
        frame = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    parts = [
        pieces(kind, i, partial(_entry_piece, record, site, kind))
        for i, record in enumerate(entries.records)
    ]
    return splice(frame, _CLOSE[kind], parts)


# The entries go last: before the channel's end tag (RSS, at depth 1) or the feed's (Atom).
_CLOSE: dict[Kind, bytes] = {"rss": b"  </channel>\n", "atom": b"</feed>\n"}
_OPEN: dict[Kind, bytes] = {"rss": b"<channel>\n", "atom": b">\n"}
# The namespaces feedgen declares on the document's root: an entry serialized under a root
# declaring the same ones comes out as it would inside the whole document.
_RSS_NSMAP = {"dc": DC_NS, "media": MEDIA_NS, "atom": ATOM_NS, "content": CONTENT_NS}
_ATOM_NSMAP = {"dc": DC_NS, "media": MEDIA_NS}


def _entry_piece(record: Record, site: Site, kind: Kind) -> bytes:
    """One entry's bytes as they stand in the pretty-printed document, indentation and the
    line break after it included."""
    fe = FeedEntry()
    fe.register_extension(_EXTENSION, NewsEntry)
    _entry(fe, record, site, kind)
    if kind == "rss":
        root = etree.Element("rss", nsmap=_RSS_NSMAP, version="2.0")
        etree.SubElement(root, "channel").append(fe.rss_entry())
    else:
        # feedgen's Atom tree is namespace-less, its root carrying a plain xmlns attribute.
        root = etree.Element("feed", nsmap=_ATOM_NSMAP, xmlns=ATOM_NS)
        root.append(fe.atom_entry())
    out: bytes = etree.tostring(root, pretty_print=True, encoding="UTF-8", xml_declaration=False)
    start = out.index(_OPEN[kind]) + len(_OPEN[kind])
    return out[start : out.rindex(_CLOSE[kind])]


def _feed(entries: FeedEntries, site: Site, kind: Kind, *, self_url: str, page_url: str) -> Any:
    fg = FeedGenerator()
    fg.register_extension(_EXTENSION, NewsFeed, NewsEntry)
    ext: NewsFeed = getattr(fg, _EXTENSION)
    ext.site = site
    fg.title(clean(entries.feed.title) or entries.feed.slug)
    fg.description(clean(site.description) or clean(entries.feed.title))
    fg.language(site.language)
    if kind == "rss":
        fg.generator(f"{GENERATOR} {__version__}")
        if site.author_email:
            fg.managingEditor(f"{site.author_email} ({clean(site.author_name)})")
    else:
        fg.generator(GENERATOR, version=__version__)
        fg.author(_site_author(site))
    fg.id(self_url)
    self_type = "application/rss+xml" if kind == "rss" else "application/atom+xml"
    fg.link(href=self_url, rel="self", type=self_type)
    if site.hub:
        # Atom writes this one; RSS gets its own atom:link from the extension.
        fg.link(href=site.hub, rel="hub")
    # Last, because feedgen takes the RSS channel <link> from the last feed link.
    fg.link(href=page_url, rel="alternate", type="text/html")
    newest = max((record.published for record in entries.records), default=EPOCH)
    fg.updated(newest)  # also RSS lastBuildDate; feedgen would default to now
    return fg


def _site_author(site: Site) -> dict[str, str]:
    author = {"name": clean(site.author_name)}
    if site.author_email:
        author["email"] = site.author_email
    return author


def _entry(fe: Any, record: Record, site: Site, kind: Kind) -> None:
    ext: NewsEntry = getattr(fe, _EXTENSION)
    ext.record = record
    fe.title(entry_title(record))
    fe.guid(record.url, permalink=True)  # also the Atom <id>
    fe.link(href=record.url)  # RSS <link>; see the module docstring for Atom
    fe.published(record.published)
    fe.updated(record.published)  # feedgen would default to now
    tags = entry_tags(record)
    if tags:
        fe.category([{"term": tag} for tag in tags])
    summary = summary_text(record)
    if kind == "rss":
        if summary:
            # RSS readers render <description> as HTML: escape the text before it goes in.
            fe.description(escape(summary, quote=False))
        return
    html = content_html(record)
    if html:
        fe.content(html, type="html")
    elif not summary:
        # An entry with neither draws the validator's "Missing textual content".
        summary = entry_title(record)
    if summary:
        fe.summary(summary, type="text")
    provider = record.provider
    if provider is not None:
        author = {"name": clean(provider.name)}
        if is_http_url(provider.url):
            author["uri"] = str(provider.url)
        fe.author(author)
    else:
        fe.author(_site_author(site))
