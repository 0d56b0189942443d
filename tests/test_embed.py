"""embed.html, embed.js and the snippets, parsed back as a browser or a site owner sees them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from feedgen_news.build import evaluate_records
from feedgen_news.config import Site
from feedgen_news.feeddefs import FeedEntries
from feedgen_news.markup import XML_ILLEGAL
from feedgen_news.model import Image, Provider, Record
from feedgen_news.render.embed import (
    embed_script,
    embed_snippets_html,
    iframe_snippet,
    render_embed_page,
    script_snippet,
)
from feedgen_news.render.pages import render_topic_page
from tests.helpers import HOSTILE_MARKUP, SITE, record

EMBED_SITE = replace(SITE, embed_limit=3)
STATIC_JS = Path(__file__).parent.parent / "feedgen_news" / "static" / "embed.js"
WIRE = Provider("Example Wire", "https://example.org")


def ai_story(n: int, **changes: Any) -> Record:
    """``record(n)`` in topic AI, from a provider, with an image (the embed page shows none)."""
    image = Image(f"https://img.example.org/{n}.jpg", 640, 360)
    return record(n, **{"topics": ("AI",), "provider": WIRE, "images": (image,), **changes})


def ai_topic(records: list[Record], site: Site = EMBED_SITE) -> FeedEntries:
    [_all, ai] = evaluate_records(records, site)
    assert ai.feed.slug == "ai"
    return ai


def parse(page: bytes) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(page.decode("utf-8"))


def test_embed_page_lists_the_latest_embed_limit_entries_newest_first() -> None:
    page = parse(render_embed_page(ai_topic([ai_story(n) for n in range(1, 6)]), EMBED_SITE))

    items = page.xpath("//ol/li")
    assert [li.xpath(".//a")[0].text_content() for li in items] == [
        "Sample story 5",
        "Sample story 4",
        "Sample story 3",
    ]
    first = items[0]
    link = first.xpath(".//a")[0]
    assert link.get("href") == "https://example.org/news/5"
    assert (link.get("target"), link.get("rel")) == ("_blank", "noopener")
    time = first.xpath(".//time")[0]
    assert (time.get("datetime"), time.text_content()) == ("2021-01-06T12:00:00Z", "6 Jan 2021")
    assert first.xpath(".//*[@class='meta']")[0].text_content() == "6 Jan 2021 · Example Wire"
    assert page.findtext(".//title") == "Test News — AI"
    # Relative to embed.html, like the pages' own links: it works on any port and from disk.
    assert page.xpath("//h1/a")[0].get("href") == "index.html"
    assert [a.get("href") for a in page.xpath("//footer/a")] == ["index.html", "rss.xml"]


def test_embed_page_can_run_nothing_and_load_nothing() -> None:
    page = parse(render_embed_page(ai_topic([ai_story(1)]), EMBED_SITE))

    csp = page.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content")
    assert (
        csp == "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    )
    assert page.xpath("//script|//img|//link|//iframe|//object|//embed|//form") == []
    assert [e for e in page.iter() if e.get("src") is not None or e.get("style")] == []
    assert page.xpath("//base")[0].get("target") == "_blank"
    own = {"index.html", "rss.xml"}
    assert all(
        a.get("href", "").startswith("https://") or a.get("href") in own for a in page.xpath("//a")
    )
    style = page.findtext(".//style") or ""
    assert "@media (prefers-color-scheme:dark)" in style
    assert "url(" not in style and "@import" not in style  # no request from CSS either
    assert page.xpath("//meta[@name='viewport']")[0].get("content") == (
        "width=device-width,initial-scale=1"
    )


def test_hostile_text_stays_text() -> None:
    hostile = ai_story(
        1, title=HOSTILE_MARKUP, provider=Provider(HOSTILE_MARKUP), topics=(HOSTILE_MARKUP,)
    )
    [_all, topic] = evaluate_records([hostile], EMBED_SITE)

    raw = render_embed_page(topic, EMBED_SITE)
    page = parse(raw)

    assert page.xpath("//script|//img") == []
    assert page.xpath("//ol//a")[0].text_content() == HOSTILE_MARKUP
    assert page.xpath("//*[@class='meta']")[0].text_content() == f"2 Jan 2021 · {HOSTILE_MARKUP}"
    assert page.findtext(".//title") == f"Test News — {HOSTILE_MARKUP}"
    assert b"<img" not in raw and b"<script" not in raw


def test_only_http_links_are_emitted() -> None:
    bad = ai_story(1, url="javascript:alert(1)", title="Bad link")
    page = parse(render_embed_page(ai_topic([bad, ai_story(2)]), EMBED_SITE))

    titles = [li.text_content() for li in page.xpath("//ol/li")]
    assert titles[1].startswith("Bad link")
    assert page.xpath("//ol/li")[1].xpath(".//a") == []
    assert "javascript:" not in render_embed_page(ai_topic([bad]), EMBED_SITE).decode()


def test_embed_limit_zero_means_every_entry_and_empty_feed_says_so() -> None:
    site = replace(SITE, embed_limit=0)
    page = parse(render_embed_page(ai_topic([ai_story(n) for n in range(12)], site), site))
    assert len(page.xpath("//ol/li")) == 12

    [empty] = evaluate_records([], EMBED_SITE)
    page = parse(render_embed_page(empty, EMBED_SITE))
    assert page.xpath("//p[@class='empty']")[0].text_content() == "No entries yet."
    assert page.xpath("//h1/a")[0].get("href") == "../index.html"  # all's page: the site index


def test_embed_page_bytes_are_deterministic() -> None:
    records = [ai_story(n) for n in range(4)]
    first = render_embed_page(ai_topic(records), EMBED_SITE)
    assert render_embed_page(ai_topic(list(reversed(records))), EMBED_SITE) == first


def test_embed_script_is_the_packaged_static_file_and_never_uses_markup_sinks() -> None:
    script = embed_script()

    assert script == STATIC_JS.read_bytes()
    text = script.decode("utf-8")
    assert text.startswith("/* feedgen-news embed.js")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in text
    assert "url.protocol === 'http:' || url.protocol === 'https:'" in text
    assert len(script) < 4096  # small enough to read in one sitting


def test_snippets_are_escaped_code_blocks_that_paste_as_working_embeds() -> None:
    topic = ai_topic([ai_story(1)])

    block = lxml.html.fragment_fromstring(
        embed_snippets_html(topic, EMBED_SITE), create_parent="div"
    )
    codes = [code.text_content() for code in block.xpath("//pre/code")]
    assert codes == [iframe_snippet(topic, EMBED_SITE), script_snippet(topic, EMBED_SITE)]
    assert block.xpath("//iframe|//script|//div[@data-feedgen-news]") == []  # shown, not live

    iframe = lxml.html.fragment_fromstring(codes[0])
    assert iframe.tag == "iframe"
    assert iframe.get("src") == "https://news.example.org/topics/ai/embed.html"
    assert iframe.get("sandbox") == "allow-popups allow-popups-to-escape-sandbox"
    assert iframe.get("title") == "Test News — AI"

    pasted = lxml.html.fragment_fromstring(codes[1], create_parent="body")
    [div] = pasted.xpath(".//div")
    assert div.get("data-feedgen-news") == "https://news.example.org/topics/ai/feed.json"
    assert div.get("data-limit") == "5"
    [script] = pasted.xpath(".//script")
    assert script.get("src") == "https://news.example.org/embed.js"
    assert script.get("async") is not None


@pytest.mark.parametrize("name", [HOSTILE_MARKUP, '" onload="alert(1)'])
def test_snippets_escape_a_hostile_topic_name(name: str) -> None:
    [_all, topic] = evaluate_records([ai_story(1, topics=(name,))], EMBED_SITE)

    iframe = lxml.html.fragment_fromstring(iframe_snippet(topic, EMBED_SITE))
    assert iframe.get("title") == f"Test News — {name}"
    assert iframe.get("onload") is None
    block = lxml.html.fragment_fromstring(
        embed_snippets_html(topic, EMBED_SITE), create_parent="div"
    )
    assert block.xpath("//img|//script|//iframe") == []
    assert block.xpath("//pre/code")[0].text_content() == iframe_snippet(topic, EMBED_SITE)


def test_a_topic_named_all_links_its_own_page_not_the_home_page() -> None:
    [_all, topic] = evaluate_records([ai_story(1, topics=("All",))], EMBED_SITE)
    assert (topic.feed.slug, topic.feed.folder) == ("all", "topics/all")

    page = parse(render_embed_page(topic, EMBED_SITE))

    # topics/all/embed.html: the links stay in its own folder, not the site's all/.
    assert page.xpath("//h1/a")[0].get("href") == "index.html"
    assert page.xpath("//footer/a")[1].get("href") == "rss.xml"
    assert iframe_snippet(topic, EMBED_SITE).startswith(
        '<iframe src="https://news.example.org/topics/all/embed.html"'
    )


def test_text_loses_characters_xml_cannot_carry_as_on_the_pages() -> None:
    # A site title straight from the settings file; records are cleaned when read, a Record
    # built in code is not.
    site = replace(EMBED_SITE, title="Example\u0001 News")
    [_all, topic] = evaluate_records(
        [ai_story(1, title="Story\u000b one", provider=Provider("Wire\x1f"))], site
    )

    raw = render_embed_page(topic, site)
    assert not XML_ILLEGAL.search(raw.decode("utf-8"))
    page = parse(raw)
    assert page.findtext(".//title") == "Example News — AI"
    assert page.xpath("//h1/a")[0].text_content() == "Example News — AI"
    assert page.xpath("//ol/li")[0].text_content() == "Story one2 Jan 2021 · Wire"
    # The snippets (and so the topic page that shows them) go through the same cleaning.
    assert 'title="Example News — AI"' in iframe_snippet(topic, site)
    assert not XML_ILLEGAL.search(embed_snippets_html(topic, site))
    assert not XML_ILLEGAL.search(render_topic_page(topic, site).decode("utf-8"))
