"""OPML 2.0: every feed as one importable outline, nested in one outline per kind, with stable
dates."""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from feedgen_news.build import evaluate_records
from feedgen_news.config import Site
from feedgen_news.feeddefs import FeedEntries, all_feed
from feedgen_news.render.opml import render_opml
from tests import helpers
from tests.helpers import record

# The test site with quotes and brackets in its title, in another language.
SITE = replace(helpers.SITE, title='Tom & "Jerry" <News>', language="de")
RECORDS = (
    record(2, topics=("AI", "C++")),
    record(9, topics=("Économie",)),
    record(5),
)


def parse(data: bytes) -> etree._Element:
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    return etree.fromstring(data)


def test_every_feed_is_one_rss_outline() -> None:
    topics = evaluate_records(RECORDS, SITE)
    root = parse(render_opml(topics, SITE))
    assert (root.tag, root.get("version")) == ("opml", "2.0")
    groups = root.findall("body/outline")
    assert [dict(g.attrib) for g in groups] == [
        {"text": "Everything", "title": "Everything"},
        {"text": "Topics", "title": "Topics"},
    ]
    outlines = root.findall("body/outline/outline")
    assert [dict(o.attrib) for o in outlines] == [
        {
            "type": "rss",
            "version": "RSS2",
            "text": t.feed.title,
            "title": t.feed.title,
            "xmlUrl": f"https://news.example.org/{t.feed.folder}/rss.xml",
            "htmlUrl": (
                "https://news.example.org/"
                if t.feed.folder == "all"
                else f"https://news.example.org/{t.feed.folder}/"
            ),
            "language": "de",
        }
        for t in topics
    ]
    assert [o.get("text") for o in outlines] == [
        'Tom & "Jerry" <News>',
        'Tom & "Jerry" <News> — AI',
        'Tom & "Jerry" <News> — C++',
        'Tom & "Jerry" <News> — Économie',
    ]
    assert (
        outlines[2].get("xmlUrl")
        == f"https://news.example.org/topics/{topics[2].feed.slug}/rss.xml"
    )


def test_head_dates_are_the_newest_entry_not_the_clock() -> None:
    root = parse(render_opml(evaluate_records(RECORDS, SITE), SITE))
    assert root.findtext("head/title") == 'Tom & "Jerry" <News>'
    assert root.findtext("head/dateCreated") == "Sun, 10 Jan 2021 12:00:00 GMT"
    assert root.findtext("head/dateModified") == "Sun, 10 Jan 2021 12:00:00 GMT"
    assert root.findtext("head/ownerName") == "Newsroom"
    assert root.findtext("head/ownerEmail") == "news@example.org"
    assert root.findtext("head/docs") == "http://opml.org/spec2.opml"


def test_no_records_means_no_dates() -> None:
    empty = FeedEntries(all_feed(Site(title="x")), (), 0)
    root = parse(render_opml([empty], Site()))
    assert root.find("head/dateCreated") is None
    assert len(root.findall("body/outline/outline")) == 1


def test_same_input_same_bytes() -> None:
    assert render_opml(evaluate_records(RECORDS, SITE), SITE) == render_opml(
        evaluate_records(RECORDS, SITE), SITE
    )


def test_newlines_and_tabs_in_titles_survive_as_data() -> None:
    site = Site(title="Line\none\tand two")
    root = parse(render_opml(evaluate_records(RECORDS, site), site))
    assert root.findall("body/outline/outline")[0].get("title") == "Line\none\tand two"
