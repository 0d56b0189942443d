"""HTML pages: what a person (and a reader's autodiscovery) finds in index.html and topic pages."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from feedgen_news.build import evaluate_records
from feedgen_news.config import Site
from feedgen_news.feeddefs import FeedEntries
from feedgen_news.model import Image, Provider, Record, RelatedLink
from feedgen_news.render import render_site
from feedgen_news.render.pages import render_index, render_topic_page
from tests import helpers
from tests.helpers import HOSTILE_MARKUP, feed_entries

# The test site served under a path, in another language, its title and description in need of
# escaping.
SITE = replace(
    helpers.SITE,
    title="Example & News",
    description="Sample <feeds>",
    language="fr-CA",
    base_url="https://feeds.example.org/news/",
)


def when(day: int, hour: int = 12) -> datetime:
    return datetime(2020, 1, day, hour, 30, tzinfo=UTC)


SEED = Record(
    path="000.txt",
    url="https://www.govtech.com/public-safety/Facial-Recognition-Ban.html",
    title="Massachusetts City Renews Calls for Facial Recognition Ban",
    published=datetime(2020, 1, 13, 20, 22, tzinfo=UTC),
    excerpt="Ramos cites an ACLU study & more ...",
    amp_url="https://www.govtech.com/public-safety/Facial-Recognition-Ban.html?AMP",
    amp_cache_url="https://www-govtech-com.cdn.ampproject.org/c/s/www.govtech.com/x?AMP",
    provider=Provider("Government Technology", "https://govtech.com"),
    topics=("AI", "AWS AI"),
    category="news",
    images=(
        Image("https://media2.govtech.com/images/facial2.jpg", 940, 630, "Facial recognition"),
        Image("https://media2.govtech.com/images/second.png", 10, 10, "second"),
    ),
    related=(
        RelatedLink(
            "https://www.masslive.com/news/springfield.html",
            "Springfield City Council moves to ban facial recognition",
            Provider("MassLive", "https://masslive.com"),
            datetime(2020, 1, 14, 1, 27, tzinfo=UTC),
        ),
    ),
)
EVIL = Record(
    path="001.txt",
    url='https://evil.example.org/a?x=1&y="2"',
    title=HOSTILE_MARKUP,
    published=when(12),
    excerpt='"><img src=x onerror=alert(2)> & <b>bold</b>',
    body="ignored: the excerpt wins",
    amp_url="javascript:alert(3)",  # Records are validated at the edge; pages guard again
    provider=Provider("<i>Evil</i> & Co", "javascript:alert(4)"),
    topics=("AI",),
    images=(Image("data:image/png;base64,AAAA", 1, 1, '" onload="alert(5)'),),
    related=(
        RelatedLink("javascript:alert(6)", "bad related"),
        RelatedLink("https://ok.example.org/r", "</a><script>alert(7)</script>"),
    ),
)
PLAIN = Record(
    path="002.md",
    url="https://plain.example.org/story",
    title="A story with only a body",
    published=when(11),
    body="First paragraph of the body.\n\nSecond one.",
    topics=("Économie",),
)


def topics(
    records: tuple[Record, ...] = (SEED, EVIL, PLAIN), site: Site = SITE
) -> list[FeedEntries]:
    return evaluate_records(records, site)


def by_slug(ts: list[FeedEntries], slug: str) -> FeedEntries:
    return next(t for t in ts if t.feed.slug == slug)


def parse(data: bytes) -> lxml.html.HtmlElement:
    assert data.startswith(b"<!DOCTYPE html>\n")
    return lxml.html.document_fromstring(data.decode("utf-8"))


def alternates(doc: lxml.html.HtmlElement) -> list[tuple[str, str, str]]:
    return [
        (e.get("type"), e.get("title"), e.get("href"))
        for e in doc.xpath("/html/head/link[@rel='alternate']")
    ]


def test_index_autodiscovers_the_all_feeds_and_opml() -> None:
    doc = parse(render_index(topics(), SITE))
    assert alternates(doc) == [
        (
            "application/rss+xml",
            "Example & News (RSS)",
            "https://feeds.example.org/news/all/rss.xml",
        ),
        (
            "application/atom+xml",
            "Example & News (Atom)",
            "https://feeds.example.org/news/all/atom.xml",
        ),
        (
            "application/feed+json",
            "Example & News (JSON Feed)",
            "https://feeds.example.org/news/all/feed.json",
        ),
        ("text/x-opml", "All feeds (OPML)", "https://feeds.example.org/news/feeds.opml"),
    ]


def test_index_lists_every_feed_with_count_newest_date_and_subscribe_links() -> None:
    ts = topics()
    doc = parse(render_index(ts, SITE))
    rows = doc.xpath("//ul[@class='feeds']/li")
    assert [r.findtext("h4/a") for r in rows] == ["All entries", "AI", "AWS AI", "Économie", "news"]
    groups = doc.xpath("//section[@class='feed-group']")
    assert [g.findtext("h3") for g in groups] == ["Everything", "Topics", "Categories"]
    ai = rows[1]
    assert ai.find("p[@class='meta']").text_content() == "2 entries · newest 13 Jan 2020, 20:22 UTC"
    assert ai.find("p[@class='meta']/time").get("datetime") == "2020-01-13T20:22:00Z"
    links = ai.findall("p[@class='subscribe']/a")
    assert [(a.text, a.get("type"), a.get("href")) for a in links] == [
        ("RSS", "application/rss+xml", "topics/ai/rss.xml"),
        ("Atom", "application/atom+xml", "topics/ai/atom.xml"),
        ("JSON Feed", "application/feed+json", "topics/ai/feed.json"),
    ]
    assert rows[3].find("p[@class='meta']").text_content().startswith("1 entry · newest")


def test_index_says_when_feeds_carry_fewer_entries_than_the_topic_has() -> None:
    site = replace(SITE, limit=1)
    doc = parse(render_index(topics(site=site), site))
    first = doc.xpath("//ul[@class='feeds']/li/p[@class='meta']")[0].text_content()
    assert first.startswith("3 entries (the feeds carry the latest 1) · newest")


def test_index_shows_the_latest_entries_of_the_all_feed() -> None:
    doc = parse(render_index(topics(), SITE))
    titles = [a.text_content() for a in doc.xpath("//ol[@class='entries']/li/article/h3")]
    assert titles == [SEED.title, HOSTILE_MARKUP, PLAIN.title]


def test_page_basics_lang_viewport_landmarks_no_script_no_external_assets() -> None:
    for data in (render_index(topics(), SITE), render_topic_page(topics()[1], SITE)):
        doc = parse(data)
        assert doc.get("lang") == "fr-CA"
        assert doc.xpath("//meta[@name='viewport']/@content") == [
            "width=device-width, initial-scale=1"
        ]
        assert doc.xpath("//meta[@charset]/@charset") == ["utf-8"]
        assert "script-src" not in data.decode() and "default-src 'none'" in data.decode()
        assert "prefers-color-scheme:dark" in doc.findtext(".//style")
        assert len(doc.xpath("/html/body/header")) == 1
        assert len(doc.xpath("/html/body/main[@id='main']")) == 1
        assert len(doc.xpath("/html/body/footer")) == 1
        assert doc.xpath("//script") == []
        assert doc.xpath("//link[@rel='stylesheet']") == []
        assert doc.xpath("//*[@style]") == []
        # Headings never skip a level going down, and there is exactly one h1.
        levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert levels.count(1) == 1 and levels[0] == 1
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels))


def test_topic_page_autodiscovers_its_three_feeds() -> None:
    doc = parse(render_topic_page(by_slug(topics(), "ai"), SITE))
    base = "https://feeds.example.org/news/topics/ai/"
    assert alternates(doc)[:3] == [
        ("application/rss+xml", "Example & News — AI (RSS)", base + "rss.xml"),
        ("application/atom+xml", "Example & News — AI (Atom)", base + "atom.xml"),
        ("application/feed+json", "Example & News — AI (JSON Feed)", base + "feed.json"),
    ]
    assert doc.findtext(".//title") == "Example & News — AI"
    assert doc.findtext(".//h1") == "AI"
    crumbs = doc.xpath("//nav[@aria-label='Breadcrumb']")[0]
    assert crumbs.text_content() == "Example & News \u203a Topics \u203a AI"


def test_topic_page_subscribe_section_links_each_feed_and_the_opml() -> None:
    doc = parse(render_topic_page(by_slug(topics(), "ai"), SITE))
    items = doc.xpath("//ul[@class='formats']/li")
    # The link is relative (it works wherever the page is opened); the address to copy is not.
    assert [(li.find("a").text, li.find("a").get("href"), li.findtext("code")) for li in items] == [
        ("RSS", "rss.xml", "https://feeds.example.org/news/topics/ai/rss.xml"),
        ("Atom", "atom.xml", "https://feeds.example.org/news/topics/ai/atom.xml"),
        ("JSON Feed", "feed.json", "https://feeds.example.org/news/topics/ai/feed.json"),
    ]
    assert doc.xpath("//main//a[@type='text/x-opml']/@href") == ["../../feeds.opml"]


def test_topic_page_entry_shows_every_record_fact() -> None:
    doc = parse(render_topic_page(by_slug(topics(), "aws-ai"), SITE))
    (article,) = doc.xpath("//ol[@class='entries']/li/article")
    link = article.find("h3/a")
    assert (link.text, link.get("href")) == (SEED.title, SEED.url)
    meta = article.find("p[@class='meta']")
    assert meta.text_content() == "13 Jan 2020, 20:22 UTC · Government Technology"
    assert meta.find("time").get("datetime") == "2020-01-13T20:22:00Z"
    assert meta.find("a").get("href") == "https://govtech.com"
    (img,) = article.findall(".//img")  # the lead image only
    assert dict(img.attrib) == {
        "class": "thumb",
        "src": "https://media2.govtech.com/images/facial2.jpg",
        "width": "940",
        "height": "630",
        "alt": "Facial recognition",
        "loading": "lazy",
        "decoding": "async",
        "referrerpolicy": "no-referrer",
    }
    assert "Ramos cites an ACLU study & more ..." in [p.text for p in article.findall("p")]
    amp = article.xpath(".//a[text()='AMP version']")[0]
    assert amp.get("href") == SEED.amp_url
    assert article.findtext("h4") == "Related"
    (rel,) = article.findall("ul[@class='related']/li")
    assert rel.find("a").get("href") == "https://www.masslive.com/news/springfield.html"
    assert rel.text_content() == (
        "Springfield City Council moves to ban facial recognition"
        " (MassLive, 14 Jan 2020, 01:27 UTC)"
    )
    tags = article.xpath("p[starts-with(., 'Topics:')]/a")
    assert [(a.text, a.get("href")) for a in tags] == [
        ("AI", "../../topics/ai/index.html"),
        ("AWS AI", "../../topics/aws-ai/index.html"),
    ]


def test_record_without_excerpt_shows_the_start_of_its_body() -> None:
    doc = parse(render_topic_page(by_slug(topics(), "economie"), SITE))
    texts = [p.text for p in doc.xpath("//article/p")]
    assert "First paragraph of the body. Second one." in texts
    assert doc.xpath("//article//img") == []
    assert doc.xpath("//article/h4") == []


def test_hostile_record_text_stays_text() -> None:
    data = render_topic_page(by_slug(topics(), "ai"), SITE)
    doc = parse(data)
    assert doc.xpath("//script") == []
    assert not [a for e in doc.iter() for a in e.attrib if a.lower().startswith("on")]
    article = doc.xpath("//ol[@class='entries']/li/article")[1]
    assert article.find("h3/a").text == HOSTILE_MARKUP
    assert article.find("h3/a").get("href") == 'https://evil.example.org/a?x=1&y="2"'
    assert '"><img src=x onerror=alert(2)> & <b>bold</b>' in [p.text for p in article.findall("p")]
    assert "<i>Evil</i> & Co" in article.find("p[@class='meta']").text_content()
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in data


def test_only_absolute_http_urls_and_the_sites_own_files_are_linked() -> None:
    doc = parse(render_topic_page(by_slug(topics(), "ai"), SITE))
    urls = doc.xpath("//@href | //@src")
    own = {"#main", "../../index.html", "rss.xml", "atom.xml", "feed.json", "../../feeds.opml"}
    own |= {"../../topics/ai/index.html", "../../topics/aws-ai/index.html"}  # entries' topics
    own |= {"../../categories/news/index.html"}  # and category
    assert urls and all(u.startswith(("https://", "http://")) or u in own for u in urls)
    article = doc.xpath("//ol[@class='entries']/li/article")[1]
    assert article.findall(".//img") == []  # data: image dropped
    assert article.xpath(".//a[text()='AMP version']") == []
    assert article.find("p[@class='meta']").findall("a") == []  # javascript: provider URL
    assert [a.text for a in article.findall("ul/li/a")] == ["</a><script>alert(7)</script>"]


def test_embed_snippets_are_on_the_topic_page() -> None:
    doc = parse(render_topic_page(by_slug(topics(), "ai"), SITE))
    section = doc.xpath("//section[h2[@id='embed']]")[0]
    codes = [c.text for c in section.findall(".//code")]
    assert any('src="https://feeds.example.org/news/topics/ai/embed.html"' in c for c in codes)
    assert section.xpath(".//iframe | .//script") == []  # shown as code, never live


def test_empty_topic_page() -> None:
    topic = feed_entries(name="Quiet", title="Example & News — Quiet")
    doc = parse(render_topic_page(topic, SITE))
    assert doc.xpath("//section[h2[@id='latest']]/p")[0].text == "No entries yet."
    assert doc.xpath("//header/p[@class='meta']")[0].text_content() == "0 entries"


def test_a_topic_named_all_links_its_own_page() -> None:
    ts = topics((replace(PLAIN, topics=("All",)),))
    rows = parse(render_index(ts, SITE)).xpath("//ul[@class='feeds']/li/h4/a")
    assert [(a.text, a.get("href")) for a in rows] == [
        ("All entries", "index.html"),
        ("All", "topics/all/index.html"),
    ]


@pytest.mark.parametrize("render", ["index", "topic"])
def test_output_is_deterministic(render: str) -> None:
    def once() -> bytes:
        ts = topics()
        return render_index(ts, SITE) if render == "index" else render_topic_page(ts[1], SITE)

    assert once() == once()


def test_links_to_the_sites_own_files_are_relative_and_resolve_from_disk(tmp_path: Path) -> None:
    # Opened from disk (file://), on another port or under another path prefix, a link between
    # pages or to a feed file must still land on the file the build wrote next to it.
    for output in render_site(topics(), SITE):
        path = tmp_path / output.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(output.data)
    pages = sorted(tmp_path.rglob("*.html"))
    assert [p.relative_to(tmp_path).as_posix() for p in pages] == [
        "all/embed.html",
        "categories/news/embed.html",
        "categories/news/index.html",
        "index.html",
        "topics/ai/embed.html",
        "topics/ai/index.html",
        "topics/aws-ai/embed.html",
        "topics/aws-ai/index.html",
        "topics/economie/embed.html",
        "topics/economie/index.html",
    ]
    own = 0
    for page in pages:
        doc = parse(page.read_bytes())
        for href in doc.xpath("//a/@href"):
            assert not href.startswith(SITE.base_url), (page, href)
            if href.startswith(("https://", "http://", "#")):
                continue  # a record's own link, or the skip link
            target = (page.parent / href).resolve()
            assert target.is_relative_to(tmp_path) and target.is_file(), (page, href)
            own += 1
    assert own >= 50


def test_index_and_topic_page_link_each_other_by_relative_file_names() -> None:
    ts = topics()
    index = parse(render_index(ts, SITE))
    assert index.xpath("//ul[@class='feeds']/li/h4/a/@href") == [
        "index.html",
        "topics/ai/index.html",
        "topics/aws-ai/index.html",
        "topics/economie/index.html",
        "categories/news/index.html",
    ]
    assert index.xpath("//main//a[@type='text/x-opml']/@href") == ["feeds.opml"]
    page = parse(render_topic_page(by_slug(ts, "aws-ai"), SITE))
    assert page.xpath("//nav[@aria-label='Breadcrumb']/a/@href") == ["../../index.html"]
    assert page.xpath("//footer//a/@href") == ["../../index.html"]
    assert page.xpath("//ul[@class='formats']/li/a/@href") == ["rss.xml", "atom.xml", "feed.json"]
    # An entry's links go up to the output folder and down again: the same bytes on every page.
    assert page.xpath("//article//p[starts-with(., 'Topics:')]/a/@href") == [
        "../../topics/ai/index.html",
        "../../topics/aws-ai/index.html",
    ]


def test_an_entry_links_its_category_page_where_category_feeds_are_published() -> None:
    doc = parse(render_topic_page(by_slug(topics(), "aws-ai"), SITE))
    (category,) = doc.xpath("//article/p[starts-with(., 'Category:')]/a")
    assert (category.text, category.get("href")) == ("news", "../../categories/news/index.html")
    assert doc.xpath("//article/p[starts-with(., 'Category:')]")[0].text_content() == (
        "Category: news"
    )
    topics_only = replace(SITE, facets=("topics",))
    doc = parse(render_topic_page(by_slug(topics(site=topics_only), "aws-ai"), topics_only))
    assert doc.xpath("//article/p[starts-with(., 'Category:')]")[0].text_content() == (
        "Category: news"
    )
    assert doc.xpath("//article/p[starts-with(., 'Category:')]/a") == []
