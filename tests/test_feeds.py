"""Feeds: every format parsed back (lxml and feedparser) and checked field by field."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import feedparser
import lxml.html
import pytest
from lxml import etree

from feedgen_news import __version__
from feedgen_news.config import Site
from feedgen_news.feeddefs import FeedEntries, all_feed
from feedgen_news.model import Image, Provider, Record, RelatedLink
from feedgen_news.records import parse_record
from feedgen_news.render.formats import ATOM, FORMATS, JSON, RSS, FeedFormat, feed_url, page_url
from tests.helpers import (
    HOSTILE_MARKUP,
    SEED_EXCERPT,
    SEED_FILE,
    SEED_RECORD,
    SEED_TITLE,
    SEED_URL,
    SITE,
    feed_entries,
    record,
)

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
A = "{http://www.w3.org/2005/Atom}"
C = "{http://purl.org/rss/1.0/modules/content/}encoded"

AMP_URL, AMP_CACHE_URL = SEED_RECORD.amp_url, SEED_RECORD.amp_cache_url
IMAGE_URL = SEED_RECORD.images[0].url
RELATED_URL, RELATED_TITLE = SEED_RECORD.related[0].url, SEED_RECORD.related[0].title


def parsed_seed() -> Record:
    """The real seed file through the records package, as the build reads it."""
    record, problems = parse_record(SEED_FILE.read_bytes(), SEED_FILE.name, Site())
    assert problems == [] and record is not None
    return record


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.filename)
def test_secured_and_unmapped_fields_never_reach_a_feed(fmt: FeedFormat) -> None:
    secret = re.search(rb'^secured: "([^"]+)"', SEED_FILE.read_bytes(), re.MULTILINE)
    assert secret is not None and len(secret.group(1)) > 100
    data = render(fmt, topic_of(parsed_seed(), slug="all", name="Test News"))
    for leak in (secret.group(1), secret.group(1)[:16], b"secured", b"quality", b"heat"):
        assert leak not in data
    # The related story's own excerpt and images are not mapped either.
    assert b"arc-anglerfish" not in data and b"Springfield police" not in data


def topic_of(*records: Record, slug: str = "ai", name: str = "AI") -> FeedEntries:
    if slug == "all":
        return FeedEntries(all_feed(replace(SITE, title=name)), records, len(records))
    return feed_entries(*records, name=name)


def render(fmt: FeedFormat, topic: FeedEntries, site: Site = SITE) -> bytes:
    return fmt.render(topic, site)


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False))


def parse_feed(data: bytes) -> Any:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def html_text(fragment: str) -> tuple[str, list[str]]:
    """A reader's view of an HTML string: its visible text and the tags it contains."""
    root = lxml.html.fromstring(f"<div>{fragment}</div>")
    shown = etree.tostring(root, method="text", encoding="unicode")
    return shown, [str(el.tag) for el in root.iter() if isinstance(el.tag, str)]


# --- the seed record, field by field -------------------------------------------------------


def test_rss_maps_the_seed_record() -> None:
    data = render(RSS, topic_of(parsed_seed()))
    item = parse_xml(data).find("channel/item")
    assert item is not None
    assert item.findtext("title") == SEED_TITLE
    assert item.findtext("link") == SEED_URL
    guid = item.find("guid")
    assert guid is not None and guid.text == SEED_URL and guid.get("isPermaLink") == "true"
    assert item.findtext("description") == SEED_EXCERPT
    assert item.findtext("pubDate") == "Mon, 13 Jan 2020 20:22:00 +0000"
    assert item.findtext("dc:creator", namespaces=NS) == "Government Technology"
    assert [c.text for c in item.findall("category")] == ["AI", "AWS AI", "news"]
    links = [dict(link.attrib) for link in item.findall("atom:link", NS)]
    assert links == [
        {"rel": "amphtml", "type": "text/html", "href": AMP_URL, "title": "AMP"},
        {"rel": "amphtml", "type": "text/html", "href": AMP_CACHE_URL, "title": "AMP cache"},
        {"rel": "related", "type": "text/html", "href": RELATED_URL, "title": RELATED_TITLE},
    ]
    enclosures = [dict(e.attrib) for e in item.findall("enclosure")]
    assert enclosures == [{"url": IMAGE_URL, "length": "0", "type": "image/jpeg"}]
    assert_media(item)
    content = item.findtext("content:encoded", namespaces=NS)
    assert content is not None
    assert_content_html(content)

    entry = parse_feed(data).entries[0]
    assert entry.title == SEED_TITLE
    assert entry.link == SEED_URL
    assert entry.id == SEED_URL
    assert entry.author == "Government Technology"
    assert entry.published_parsed[:6] == (2020, 1, 13, 20, 22, 0)
    assert [t.term for t in entry.tags] == ["AI", "AWS AI", "news"]
    assert [(e.href, e.type, e.length) for e in entry.enclosures] == [
        (IMAGE_URL, "image/jpeg", "0")
    ]


def test_atom_maps_the_seed_record() -> None:
    data = render(ATOM, topic_of(parsed_seed()))
    entry = parse_xml(data).find(f"{A}entry")
    assert entry is not None
    assert entry.findtext(f"{A}id") == SEED_URL
    assert entry.findtext(f"{A}title") == SEED_TITLE
    summary = entry.find(f"{A}summary")
    assert summary is not None and summary.get("type") == "text" and summary.text == SEED_EXCERPT
    assert entry.findtext(f"{A}published") == "2020-01-13T20:22:00+00:00"
    assert entry.findtext(f"{A}updated") == "2020-01-13T20:22:00+00:00"
    assert entry.findtext(f"{A}author/{A}name") == "Government Technology"
    assert entry.findtext(f"{A}author/{A}uri") == "https://govtech.com"
    assert [c.get("term") for c in entry.findall(f"{A}category")] == ["AI", "AWS AI", "news"]
    links = [dict(link.attrib) for link in entry.findall(f"{A}link")]
    assert links == [
        {"rel": "alternate", "type": "text/html", "href": SEED_URL},
        {"rel": "amphtml", "type": "text/html", "href": AMP_URL, "title": "AMP"},
        {"rel": "amphtml", "type": "text/html", "href": AMP_CACHE_URL, "title": "AMP cache"},
        {"rel": "related", "type": "text/html", "href": RELATED_URL, "title": RELATED_TITLE},
        {"rel": "enclosure", "type": "image/jpeg", "href": IMAGE_URL, "length": "0"},
    ]
    assert_media(entry)
    content = entry.find(f"{A}content")
    assert content is not None and content.get("type") == "html" and content.text is not None
    assert_content_html(content.text)

    parsed = parse_feed(data).entries[0]
    assert parsed.title == SEED_TITLE
    assert parsed.link == SEED_URL
    assert parsed.author_detail == {"name": "Government Technology", "href": "https://govtech.com"}
    assert parsed.published_parsed[:6] == (2020, 1, 13, 20, 22, 0)
    assert [(e.href, e.type, e.length) for e in parsed.enclosures] == [
        (IMAGE_URL, "image/jpeg", "0")
    ]
    amp = [(link.href, link.get("title")) for link in parsed.links if link.rel == "amphtml"]
    assert amp == [(AMP_URL, "AMP"), (AMP_CACHE_URL, "AMP cache")]


def test_json_feed_maps_the_seed_record() -> None:
    feed = json.loads(render(JSON, topic_of(parsed_seed())))
    (item,) = feed["items"]
    content_html = item.pop("content_html")
    assert item == {
        "id": SEED_URL,
        "url": SEED_URL,
        "title": SEED_TITLE,
        "summary": SEED_EXCERPT,
        "date_published": "2020-01-13T20:22:00+00:00",
        "image": IMAGE_URL,
        "authors": [{"name": "Government Technology", "url": "https://govtech.com"}],
        # JSON Feed 1.0's single author, which 1.1 keeps for readers that know only 1.0.
        "author": {"name": "Government Technology", "url": "https://govtech.com"},
        "tags": ["AI", "AWS AI", "news"],
        "attachments": [{"url": IMAGE_URL, "mime_type": "image/jpeg", "title": SEED_TITLE}],
        "_news": {
            "amp_url": AMP_URL,
            "amp_cache_url": AMP_CACHE_URL,
            "related": [
                {
                    "url": RELATED_URL,
                    "title": RELATED_TITLE,
                    "provider": {"name": "MassLive", "url": "https://masslive.com"},
                    "date_published": "2020-01-14T01:27:00+00:00",
                }
            ],
        },
    }
    assert_content_html(content_html)


def assert_media(parent: etree._Element) -> None:
    """Media RSS: one media:content with its media:title, and the lead image's thumbnail."""
    contents = parent.findall("media:content", NS)
    assert [dict(c.attrib) for c in contents] == [
        {"url": IMAGE_URL, "medium": "image", "type": "image/jpeg", "width": "940", "height": "630"}
    ]
    assert contents[0].findtext("media:title", namespaces=NS) == SEED_TITLE
    thumbnails = [dict(t.attrib) for t in parent.findall("media:thumbnail", NS)]
    assert thumbnails == [{"url": IMAGE_URL, "width": "940", "height": "630"}]


def assert_content_html(fragment: str) -> None:
    """The HTML content a reader shows: lead image, the excerpt, a visible Related link."""
    root = lxml.html.fromstring(f"<div>{fragment}</div>")
    images = root.findall(".//img")
    assert [(i.get("src"), i.get("width"), i.get("height")) for i in images] == [
        (IMAGE_URL, "940", "630")
    ]
    shown = etree.tostring(root, method="text", encoding="unicode")
    assert SEED_EXCERPT in shown
    assert [(a.get("href"), a.text) for a in root.iter("a")] == [(RELATED_URL, RELATED_TITLE)]
    assert "Related:" in shown
    assert "(MassLive, 2020-01-14)" in shown


# --- feed-level metadata -----------------------------------------------------------------


HUB_SITE = replace(SITE, hub="https://hub.example.org/", stylesheet="/feed.xsl?a=1&b=2")


def test_rss_channel_metadata() -> None:
    topic = topic_of(record(1), record(3), SEED_RECORD)
    data = render(RSS, topic, HUB_SITE)
    assert data.startswith(
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b'<?xml-stylesheet type="text/xsl" href="/feed.xsl?a=1&#x26;b=2"?>\n<rss'
    )
    channel = parse_xml(data).find("channel")
    assert channel is not None
    assert channel.findtext("title") == "Test News — AI"
    assert channel.findtext("link") == "https://news.example.org/topics/ai/"
    assert channel.findtext("description") == "Tests & more"
    assert channel.findtext("language") == "en"
    assert channel.findtext("generator") == f"feedgen-news {__version__}"
    assert channel.findtext("managingEditor") == "news@example.org (Newsroom)"
    assert channel.find("dc:creator", NS) is None  # the author is the managingEditor
    # The newest entry's date, never the build time.
    assert channel.findtext("lastBuildDate") == "Mon, 04 Jan 2021 12:00:00 +0000"
    links = [dict(link.attrib) for link in channel.findall("atom:link", NS)]
    assert links == [
        {
            "href": "https://news.example.org/topics/ai/rss.xml",
            "rel": "self",
            "type": "application/rss+xml",
        },
        {"href": "https://hub.example.org/", "rel": "hub"},
    ]
    titles = [item.findtext("title") for item in channel.iter("item")]
    assert titles == ["Sample story 1", "Sample story 3", SEED_TITLE]  # the topic's order


def test_atom_feed_metadata() -> None:
    topic = topic_of(record(3), record(1))
    data = render(ATOM, topic, HUB_SITE)
    assert b'<?xml-stylesheet type="text/xsl" href="/feed.xsl?a=1&amp;b=2"?>' in data
    feed = parse_xml(data)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert feed.findtext(f"{A}id") == "https://news.example.org/topics/ai/atom.xml"
    assert feed.findtext(f"{A}title") == "Test News — AI"
    assert feed.findtext(f"{A}subtitle") == "Tests & more"
    assert feed.findtext(f"{A}updated") == "2021-01-04T12:00:00+00:00"
    assert feed.findtext(f"{A}author/{A}name") == "Newsroom"
    assert feed.findtext(f"{A}author/{A}email") == "news@example.org"
    generator = feed.find(f"{A}generator")
    assert generator is not None
    assert generator.text == "feedgen-news"
    assert generator.attrib.items() == [("version", __version__)]
    links = [dict(link.attrib) for link in feed.findall(f"{A}link")]
    assert links == [
        {
            "href": "https://news.example.org/topics/ai/atom.xml",
            "rel": "self",
            "type": "application/atom+xml",
        },
        {"href": "https://hub.example.org/", "rel": "hub"},
        {"href": "https://news.example.org/topics/ai/", "rel": "alternate", "type": "text/html"},
    ]
    # Entries without a provider carry the site's author.
    assert [e.findtext(f"{A}author/{A}name") for e in feed.findall(f"{A}entry")] == [
        "Newsroom",
        "Newsroom",
    ]


def test_atom_titles_and_subtitle_say_they_are_text() -> None:
    # RFC 4287 makes an untyped title text, but some readers (feedparser-rs) take it for HTML
    # and show "AT&T" as "AT&amp;T": the type is written out.
    site = replace(SITE, description="Q&A <daily>")
    topic = feed_entries(record(1, title="AT&T <b>wins</b>"), title="AT&T — AI")
    data = render(ATOM, topic, site)
    feed = parse_xml(data)
    shown = [
        (e.get("type"), e.text)
        for e in (
            feed.find(f"{A}title"),
            feed.find(f"{A}subtitle"),
            feed.find(f"{A}entry/{A}title"),
        )
        if e is not None
    ]
    assert shown == [("text", "AT&T — AI"), ("text", "Q&A <daily>"), ("text", "AT&T <b>wins</b>")]
    parsed = parse_feed(data)
    assert (parsed.feed.title, parsed.feed.subtitle) == ("AT&T — AI", "Q&A <daily>")
    assert parsed.feed.title_detail.type == "text/plain"
    assert parsed.entries[0].title == "AT&T <b>wins</b>"


def test_json_feed_metadata() -> None:
    feed = json.loads(render(JSON, topic_of(record(3), record(1)), HUB_SITE))
    feed.pop("items")
    assert feed == {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Test News — AI",
        "home_page_url": "https://news.example.org/topics/ai/",
        "feed_url": "https://news.example.org/topics/ai/feed.json",
        "description": "Tests & more",
        "language": "en",
        "authors": [{"name": "Newsroom", "url": "mailto:news@example.org"}],
        "author": {"name": "Newsroom", "url": "mailto:news@example.org"},
        "hubs": [{"type": "WebSub", "url": "https://hub.example.org/"}],
    }


def test_no_hub_and_no_stylesheet_unless_configured() -> None:
    topic = topic_of(record(1))
    for fmt in (RSS, ATOM):
        data = render(fmt, topic)
        assert b"xml-stylesheet" not in data
        assert b'rel="hub"' not in data
    assert "hubs" not in json.loads(render(JSON, topic))


def test_feed_urls_and_page_urls() -> None:
    everything = topic_of(record(1), slug="all", name="Test News")
    named_all = topic_of(record(1), slug="all", name="All")
    named_all = replace(named_all, feed=replace(named_all.feed, folder="topics/all"))
    assert [f.filename for f in FORMATS] == ["rss.xml", "atom.xml", "feed.json"]
    assert [f.media_type for f in FORMATS] == [
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    ]
    assert feed_url(everything, SITE, JSON) == "https://news.example.org/all/feed.json"
    assert page_url(everything, SITE) == "https://news.example.org/"
    # A user topic that slugs to "all" still has its own page.
    assert page_url(named_all, SITE) == "https://news.example.org/topics/all/"
    assert parse_feed(render(RSS, everything)).feed.link == "https://news.example.org/"


# --- traps and hostile input -------------------------------------------------------------


def test_every_atom_link_carries_a_rel() -> None:
    """Regression: feedgen 1.0.0 drops every Atom entry link attribute but href (#135)."""
    two_images = replace(
        SEED_RECORD,
        images=(Image(IMAGE_URL, 940, 630), Image("https://example.org/b.png")),
    )
    feed = parse_xml(render(ATOM, topic_of(two_images, record(1)), HUB_SITE))
    links = list(feed.iter(f"{A}link"))
    assert len(links) == 3 + 6 + 1
    assert all(link.get("rel") for link in links), [dict(link.attrib) for link in links]


def test_every_image_is_in_media_rss_but_rss_has_one_enclosure() -> None:
    second = Image("https://example.org/b.png", title="Second")
    record = replace(SEED_RECORD, images=(Image(IMAGE_URL, 940, 630), second))
    rss_item = parse_xml(render(RSS, topic_of(record))).find("channel/item")
    assert rss_item is not None
    assert [e.get("url") for e in rss_item.findall("enclosure")] == [IMAGE_URL]
    atom_entry = parse_xml(render(ATOM, topic_of(record))).find(f"{A}entry")
    assert atom_entry is not None
    enclosures = [
        (link.get("href"), link.get("type"))
        for link in atom_entry.findall(f"{A}link")
        if link.get("rel") == "enclosure"
    ]
    assert enclosures == [(IMAGE_URL, "image/jpeg"), ("https://example.org/b.png", "image/png")]
    for parent in (rss_item, atom_entry):
        media = parent.findall("media:content", NS)
        assert [m.get("url") for m in media] == [IMAGE_URL, "https://example.org/b.png"]
        assert [m.findtext("media:title", namespaces=NS) for m in media] == [None, "Second"]
        assert [t.get("url") for t in parent.findall("media:thumbnail", NS)] == [IMAGE_URL]
    (item,) = json.loads(render(JSON, topic_of(record)))["items"]
    assert item["image"] == IMAGE_URL
    assert item["attachments"] == [
        {"url": IMAGE_URL, "mime_type": "image/jpeg"},
        {"url": "https://example.org/b.png", "mime_type": "image/png", "title": "Second"},
    ]


def hostile_record() -> Record:
    return record(
        1,
        url="https://example.org/x?a=1&b=2",
        title=HOSTILE_MARKUP,
        excerpt=HOSTILE_MARKUP,
        body=f"{HOSTILE_MARKUP}\n\n<img src=x onerror=alert(2)> \"quoted\" 'single' 😀",
        provider=Provider(HOSTILE_MARKUP, "https://example.org/"),
        topics=(HOSTILE_MARKUP,),
        images=(Image("https://example.org/i.jpg", title=HOSTILE_MARKUP),),
        related=(RelatedLink("https://example.org/r", HOSTILE_MARKUP, Provider(HOSTILE_MARKUP)),),
    )


def test_hostile_text_stays_text_in_rss_and_atom() -> None:
    for fmt in (RSS, ATOM):
        data = render(fmt, topic_of(hostile_record()))
        entry = parse_feed(data).entries[0]
        assert entry.title == HOSTILE_MARKUP
        assert entry.link == "https://example.org/x?a=1&b=2"
        assert entry.author == HOSTILE_MARKUP
        assert [t.term for t in entry.tags] == [HOSTILE_MARKUP]
        root = parse_xml(data)
        if fmt is RSS:
            html = [root.findtext("channel/item/description"), root.findtext(f"channel/item/{C}")]
        else:
            html = [root.findtext(f"{A}entry/{A}content")]
            summary = root.find(f"{A}entry/{A}summary")
            assert summary is not None and summary.get("type", "text") == "text"
            assert summary.text == HOSTILE_MARKUP  # plain text, taken as is
        for fragment in html:
            assert fragment is not None
            shown, tags = html_text(fragment)
            assert HOSTILE_MARKUP in shown
            assert "script" not in tags
        related = [
            link.get("title") for link in root.iter(f"{A}link") if link.get("rel") == "related"
        ]
        assert related == [HOSTILE_MARKUP]
        assert [t.text for t in root.iter(f"{{{NS['media']}}}title")] == [HOSTILE_MARKUP]


def test_hostile_text_stays_text_in_json_feed() -> None:
    (item,) = json.loads(render(JSON, topic_of(hostile_record())))["items"]
    assert item["title"] == HOSTILE_MARKUP
    assert item["summary"] == HOSTILE_MARKUP  # plain text, taken as is
    assert item["tags"] == [HOSTILE_MARKUP]
    assert item["authors"] == [{"name": HOSTILE_MARKUP, "url": "https://example.org/"}]
    text, tags = html_text(item["content_html"])
    assert HOSTILE_MARKUP in text
    assert "<img src=x onerror=alert(2)>" in text
    assert "script" not in tags
    assert [t for t in tags if t == "img"] == ["img"]  # the lead image only


def test_characters_xml_cannot_carry_are_dropped_not_fatal() -> None:
    story = record(1, title="bell\x07 nul\x00 ok\ufffe", excerpt="lone \ud800 surrogate")
    for fmt in (RSS, ATOM):
        entry = parse_feed(render(fmt, topic_of(story))).entries[0]
        assert entry.title == "bell nul ok"
        assert entry.summary == "lone  surrogate"
    (item,) = json.loads(render(JSON, topic_of(story)))["items"]
    assert (item["title"], item["summary"]) == ("bell nul ok", "lone  surrogate")
    # Nothing left of a title or tag: the feed still renders (feedgen refuses empty titles).
    empty = record(2, title="\x01\x02", topics=("\x03", "ok"))
    for fmt in (RSS, ATOM):
        entry = parse_feed(render(fmt, topic_of(empty))).entries[0]
        assert (entry.title, [t.term for t in entry.tags]) == (empty.url, ["ok"])
    (item,) = json.loads(render(JSON, topic_of(empty)))["items"]
    assert (item["title"], item["tags"]) == (empty.url, ["ok"])


def test_rss_plain_text_uses_hex_character_references() -> None:
    """W3C/RSS Best Practices: ``&`` and ``<`` in plain text as ``&#x26;`` and ``&#x3C;``."""
    data = render(RSS, topic_of(record(1, title="AT&T <b>")))
    assert b"<title>AT&#x26;T &#x3C;b&gt;</title>" in data
    assert b"&amp;" not in data and b"&lt;" not in data


def test_record_without_text_images_or_related() -> None:
    story = record(1, excerpt=None)
    rss_item = parse_xml(render(RSS, topic_of(story))).find("channel/item")
    assert rss_item is not None
    assert [child.tag for child in rss_item] == ["title", "link", "guid", "pubDate"]
    atom_entry = parse_xml(render(ATOM, topic_of(story))).find(f"{A}entry")
    assert atom_entry is not None
    assert atom_entry.find(f"{A}content") is None
    assert atom_entry.findtext(f"{A}summary") == "Sample story 1"  # Atom wants some text
    assert parse_feed(render(ATOM, topic_of(story))).entries[0].link == story.url
    (item,) = json.loads(render(JSON, topic_of(story)))["items"]
    assert item == {
        "id": story.url,
        "url": story.url,
        "title": "Sample story 1",
        "content_html": "",
        "date_published": "2021-01-02T12:00:00+00:00",
    }


def test_body_becomes_content_and_its_start_the_summary() -> None:
    body = "First paragraph,\nsecond line.\n\n" + "word " * 100
    story = record(1, excerpt=None, body=body)
    (item,) = json.loads(render(JSON, topic_of(story)))["items"]
    assert item["summary"].startswith("First paragraph, second line. word word")
    assert item["summary"].endswith("…") and len(item["summary"]) <= 300
    assert item["content_html"].startswith("<p>First paragraph,<br>second line.</p>\n<p>word ")
    rss = parse_feed(render(RSS, topic_of(story))).entries[0]
    assert rss.summary == item["summary"]


def test_empty_topic_uses_a_fixed_date() -> None:
    empty = topic_of()
    rss = parse_xml(render(RSS, empty))
    assert rss.findtext("channel/lastBuildDate") == "Thu, 01 Jan 1970 00:00:00 +0000"
    assert parse_xml(render(ATOM, empty)).findtext(f"{A}updated") == "1970-01-01T00:00:00+00:00"
    assert json.loads(render(JSON, empty))["items"] == []


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.filename)
def test_rendering_is_deterministic(fmt: FeedFormat) -> None:
    topic = topic_of(hostile_record(), record(2), SEED_RECORD)
    first = render(fmt, topic, HUB_SITE)
    assert render(fmt, topic, HUB_SITE) == first
    assert fmt.render(replace(topic), replace(HUB_SITE)) == first


def test_categories_are_deduplicated_case_insensitively() -> None:
    story = record(1, topics=("AI", "ai", "Économie"), category="économie")
    for fmt in (RSS, ATOM):
        entry = parse_feed(render(fmt, topic_of(story))).entries[0]
        assert [t.term for t in entry.tags] == ["AI", "Économie"]
    (item,) = json.loads(render(JSON, topic_of(story)))["items"]
    assert item["tags"] == ["AI", "Économie"]
