"""RSS 2.0 and Atom 1.0 through feedgen: the only importer of feedgen, and its one extension.

feedgen 1.0.0 gets several things wrong for us (all verified against its source):

- Atom entry links lose every attribute but ``href`` (upstream issue #135: the loop variable is
  rebound to the new element before its attributes are read), so enclosures and related links
  would come out as extra *alternate* links. Entry ``link()`` also refuses ``rel="amphtml"``.
- RSS keeps only the last enclosure, drops related links, and drops ``<author>`` without an email.
- Its media extension cannot write ``<media:title>``; its ``enclosure()`` adds a bare Atom link.
- Atom ``<title>`` and ``<subtitle>`` get no ``type``: RFC 4287 makes that text, but some
  readers (feedparser-rs) take it for HTML and show ``AT&T`` as ``AT&amp;T``.

So the ``news`` extension below writes every Atom entry ``<link>``, the RSS item's ``atom:link``s,
its single ``<enclosure>``, ``dc:creator``, ``content:encoded`` and all Media RSS elements, and
marks the Atom titles ``type="text"``.
``fe.link(href=url)`` is called only because feedgen takes the RSS ``<link>`` from it and insists
on an alternate link for Atom entries without content; the extension removes the bare Atom link
it produces. feedgen changes the process locale while formatting RSS dates: never call this from
threads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any, Literal

from feedgen.feed import FeedGenerator
from lxml import etree

from .. import __version__
from ..config import Site
from ..feeddefs import FeedEntries
from ..markup import clean, escape_html
from ..model import Image, Record
from ..urls import is_http_url
from .entry_html import content_html, entry_tags, entry_title, summary_text

Kind = Literal["rss", "atom"]

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
GENERATOR = "feedgen-news"
# The feed date of a topic without entries (the build never renders one): fixed, never the clock.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Registered under a name that shadows no FeedGenerator or FeedEntry method.
_EXTENSION = "news"


def render(entries: FeedEntries, site: Site, kind: Kind, *, self_url: str, page_url: str) -> bytes:
    """The topic's RSS or Atom document as UTF-8 bytes, newest entry first."""
    fg = _feed(entries, site, kind, self_url=self_url, page_url=page_url)
    for record in entries.records:
        # feedgen prepends by default; the topic's records are already newest first.
        fe = fg.add_entry(order="append")
        _entry(fe, record, site, kind)
    out: bytes
    if kind == "rss":
        out = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    else:
        out = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return out


def _feed(entries: FeedEntries, site: Site, kind: Kind, *, self_url: str, page_url: str) -> Any:
    fg = FeedGenerator()
    fg.register_extension(_EXTENSION, _NewsFeed, _NewsEntry)
    ext: _NewsFeed = getattr(fg, _EXTENSION)
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
    ext: _NewsEntry = getattr(fe, _EXTENSION)
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


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str | None) -> Any:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _media(parent: Any, record: Record) -> None:
    """Media RSS: one ``media:content`` (with ``media:title``) per image, the lead's thumbnail."""
    images = _images(record)
    for image in images:
        content = _sub(
            parent,
            f"{{{MEDIA_NS}}}content",
            url=image.url,
            medium="image",
            type=image.mime_type,
            width=_str(image.width),
            height=_str(image.height),
        )
        if image.title:
            _sub(content, f"{{{MEDIA_NS}}}title", clean(image.title), type="plain")
    if images:
        lead = images[0]
        _sub(
            parent,
            f"{{{MEDIA_NS}}}thumbnail",
            url=lead.url,
            width=_str(lead.width),
            height=_str(lead.height),
        )


def _images(record: Record) -> list[Image]:
    return [image for image in record.images if is_http_url(image.url)]


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _links(record: Record) -> list[dict[str, str | None]]:
    """The entry's typed links besides the alternate: AMP, AMP cache, related stories."""
    links: list[dict[str, str | None]] = []
    if is_http_url(record.amp_url):
        links.append(
            {"rel": "amphtml", "type": "text/html", "href": record.amp_url, "title": "AMP"}
        )
    if is_http_url(record.amp_cache_url):
        links.append(
            {
                "rel": "amphtml",
                "type": "text/html",
                "href": record.amp_cache_url,
                "title": "AMP cache",
            }
        )
    for related in record.related:
        if is_http_url(related.url):
            links.append(
                {
                    "rel": "related",
                    "type": "text/html",
                    "href": related.url,
                    "title": clean(related.title),
                }
            )
    return links


def _text_type(parent: Any, *tags: str) -> None:
    """Mark these Atom text constructs ``type="text"`` (plain names: the tree is namespace-less
    until serialised)."""
    for tag in tags:
        element = parent.find(tag)
        if element is not None:
            element.set("type", "text")


class _NewsFeed:
    """Feed-level half of the extension: namespaces, RSS hub link and ``dc:creator``, stylesheet."""

    def __init__(self) -> None:
        self.site = Site()

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS, "media": MEDIA_NS}

    def extend_rss(self, rss: Any) -> Any:
        channel = rss.find("channel")
        self_link = channel.find(f"{{{ATOM_NS}}}link[@rel='self']")
        if self.site.hub and self_link is not None:
            # feedgen writes only the first rel="self" link into RSS.
            hub = etree.Element(f"{{{ATOM_NS}}}link", href=self.site.hub, rel="hub")
            self_link.addnext(hub)
        if not self.site.author_email:
            # With an email the author is in <managingEditor>; the validator rejects both.
            _sub(channel, f"{{{DC_NS}}}creator", clean(self.site.author_name))
        self._stylesheet(rss)
        return rss

    def extend_atom(self, feed: Any) -> Any:
        _text_type(feed, "title", "subtitle")
        self._stylesheet(feed)
        return feed

    def _stylesheet(self, root: Any) -> None:
        if self.site.stylesheet:
            # A processing instruction is not parsed as markup: escape quotes, < and & ourselves.
            href = escape_html(self.site.stylesheet)
            pi = etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"')
            root.addprevious(pi)


class _NewsEntry:
    """Entry-level half: every typed link, the enclosure, the author and Media RSS elements."""

    def __init__(self) -> None:
        self.record: Record | None = None

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, item: Any) -> Any:
        record = self.record
        if record is None:
            return item
        if record.provider is not None:
            _sub(item, f"{{{DC_NS}}}creator", clean(record.provider.name))
        html = content_html(record)
        if html:
            # Written here, not by feedgen, so a record without text still keeps <description>
            # out of it (feedgen moves content into <description> when there is none).
            _sub(item, f"{{{CONTENT_NS}}}encoded", html)
        for link in _links(record):
            _sub(item, f"{{{ATOM_NS}}}link", **link)
        images = _images(record)
        if images:
            # RSS allows one enclosure: the lead image. Its size is unknown, hence length 0.
            _sub(item, "enclosure", url=images[0].url, length="0", type=images[0].mime_type)
        _media(item, record)
        return item

    def extend_atom(self, entry: Any) -> Any:
        _text_type(entry, "title")
        record = self.record
        if record is None:
            return entry
        # Drop the attribute-less links feedgen wrote (upstream issue #135) and write them all.
        old = entry.findall("link")
        # The new links go where the first old one was, each before the first element after it
        # that is not a link (or at the end): inserting at an index walks the children each
        # time, quadratic in an entry's images and links (25,000 images: 8 s a feed, not 0.3 s).
        after = old[0].getnext() if old else None
        while after is not None and after.tag == "link":
            after = after.getnext()
        for element in old:
            entry.remove(element)
        links: list[dict[str, str | None]] = [
            {"rel": "alternate", "type": "text/html", "href": record.url},
            *_links(record),
        ]
        for image in _images(record):
            links.append(
                {"rel": "enclosure", "type": image.mime_type, "href": image.url, "length": "0"}
            )
        for link in links:
            # Plain tag name: the Atom tree is namespace-less until serialised (a namespaced
            # tag would come out as ns0:link).
            element = etree.Element("link", {k: v for k, v in link.items() if v is not None})
            if after is None:
                entry.append(element)
            else:
                after.addprevious(element)
        _media(entry, record)
        return entry
